"""Timestamps of every provider call, for bench/breakdown.py: off unless DMS_TRACE_FILE names a file.

One JSON line per call: wall-clock start and end (comparable across the engine's processes), the
resource type, the call, the domain and the thread. Nothing else from the inputs, so no secret.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

CALLS = ("check", "diff", "create", "update", "read", "delete")
_LOCK = threading.Lock()


def _domain(args: tuple[Any, ...]) -> str:
    for arg in reversed(args):
        if isinstance(arg, dict) and isinstance(arg.get("domain"), str):
            return arg["domain"]
    return ""


def traced(kind: str, call: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        path = os.environ.get("DMS_TRACE_FILE")
        if not path:
            return method(self, *args)
        start = time.time()
        try:
            return method(self, *args)
        finally:
            line = {"kind": kind, "call": call, "domain": _domain(args), "start": start, "end": time.time()}
            line["thread"] = threading.get_ident()
            line["pid"] = os.getpid()
            with _LOCK, open(path, "a") as out:
                out.write(json.dumps(line) + "\n")

    return wrapper


def trace_calls(cls: type, inner: Callable[[Callable[..., Any]], Callable[..., Any]] = lambda m: m) -> None:
    """Wrap the provider calls a class defines itself, each first in `inner` (called from
    DmsResourceProvider.__init_subclass__)."""
    for call in CALLS:
        if call in cls.__dict__:
            setattr(cls, call, traced(cls.__name__.removesuffix("Provider"), call, inner(cls.__dict__[call])))
