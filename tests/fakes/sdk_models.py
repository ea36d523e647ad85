"""The official SDK's models and error codes as the fake's rule book: what a request may carry, what an answer
may hold, which error codes exist.

`problems()` reads an answer back through the SDK's own `<Action>Response` model, as a client would: a field
the model does not know (the SDK warns "fileds are useless"), and a value whose type is not the one the
model documents (`:type X: int`, `list of DNSAttributes`, ...), are problems.
"""

from __future__ import annotations

import importlib
import re
import warnings
from functools import cache
from typing import Any

MODULES = {"ses": "tencentcloud.ses.v20201002", "dnspod": "tencentcloud.dnspod.v20210323"}
# The common error codes of Tencent Cloud API 3.0 (each API's "Error Codes" page, "Common Error Codes"),
# which the per-service errorcodes.py leaves out.
COMMON_CODES = frozenset(
    {
        "AuthFailure.InvalidAuthorization",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.SignatureExpire",
        "AuthFailure.SignatureFailure",
        "InvalidAction",
        "UnsupportedRegion",
        "RequestLimitExceeded",
        "UnknownParameter",
    }
)
_TYPE = re.compile(r":type (\w+): (.+)")
_SCALARS: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "bool": (bool,), "float": (float, int)}


@cache
def _models(service: str) -> Any:
    return importlib.import_module(f"{MODULES[service]}.models")


@cache
def error_codes(service: str) -> frozenset[str]:
    """Every code the service's errorcodes.py defines, and the common ones."""
    module = importlib.import_module(f"{MODULES[service]}.errorcodes")
    return frozenset(v for k, v in vars(module).items() if k.isupper() and isinstance(v, str)) | COMMON_CODES


@cache
def fields(service: str, model: str) -> dict[str, str]:
    """A model's fields and their documented types, from its __init__ docstring."""
    doc = getattr(_models(service), model).__init__.__doc__ or ""
    return {name: kind.strip() for name, kind in _TYPE.findall(doc)}


def request_fields(service: str, action: str) -> set[str]:
    return set(fields(service, f"{action}Request"))


def _type_problems(service: str, kind: str, value: Any, where: str) -> list[str]:
    if value is None:
        return []  # every field may be absent or null ("此字段可能返回 null")
    if kind.startswith("list of "):
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [p for i, v in enumerate(value) for p in _type_problems(service, kind[8:], v, f"{where}[{i}]")]
    if kind in _SCALARS:
        allowed = _SCALARS[kind]
        if isinstance(value, bool) and bool not in allowed:
            return [f"{where}: {value!r} is a bool, not {kind}"]
        return [] if isinstance(value, allowed) else [f"{where}: {value!r} is not {kind}"]
    name = kind.split(".")[-1].rstrip("`")  # :class:`tencentcloud....models.RecordCountInfo`, or a bare name
    return object_problems(service, name, value, where)


def object_problems(service: str, model: str, value: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: {value!r} is not a {model} object"]
    known = fields(service, model)
    found = [f"{where}.{k}: not a field of {model}" for k in value if k not in known]
    for key, kind in known.items():
        found += _type_problems(service, kind, value.get(key), f"{where}.{key}")
    return found


def problems(service: str, action: str, response: dict[str, Any]) -> list[str]:
    """What a client reading `response` (the body's "Response") with the SDK's model would trip over."""
    model = f"{action}Response"
    if not hasattr(_models(service), model):
        return [f"{service} has no model {model}"]
    found = object_problems(service, model, response, action)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(_models(service), model)()._deserialize(response)
    return found + [f"{action}: the SDK warns: {w.message}" for w in caught]
