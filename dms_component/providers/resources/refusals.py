"""A user's error raised in a provider call, as the engine shows it: one line in the words of the program.

The dynamic-provider host reports an exception as `traceback.format_exc()`, which names its type with its
module path (`dms_component.core.errors.VerifiedDomainProtected: ...`). So at the boundary of every call our
errors become a `Refusal`, whose type reads `dms` and belongs to no module path, with the settings in the
message named as the program that declared the domain writes them (its Front, kept in the inputs), and the
stable code last: `dms: x.example.com is a verified sender domain ... [ledger.verified-protected]`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from dms_component.core.errors import DmsError
from dms_component.core.naming import Front, plain


class Refusal(Exception):
    """One of our errors, worded for the user (see the module's docstring); `error` is the one it words."""

    def __init__(self, error: DmsError, props: Any) -> None:
        super().__init__(worded(error, props))
        self.error = error
        self.code = error.code


# The host prints `<module>.<qualname>: ` unless the module is builtins: make the type read `dms: ...`.
Refusal.__module__ = "builtins"
Refusal.__qualname__ = Refusal.__name__ = "dms"


def worded(error: DmsError, props: Any) -> str:
    """The error's line, settings named by the Front in `props` (a resource's inputs), with its code."""
    front = Front.from_dict(props.get("front")) if isinstance(props, dict) else None
    text = error.worded(front.name if front else plain)
    return text if text.endswith(f"[{error.code}]") else f"{text} [{error.code}]"


def refusing(method: Callable[..., Any]) -> Callable[..., Any]:
    """A provider call whose DmsErrors reach the engine as Refusals (DMS_DEBUG=1 keeps them as they are)."""

    @functools.wraps(method)
    def call(self: Any, *args: Any) -> Any:
        try:
            return method(self, *args)
        except DmsError as exc:
            if os.environ.get("DMS_DEBUG"):
                raise
            props = next((a for a in reversed(args) if isinstance(a, dict)), None)  # news, or the state's props
            raise Refusal(exc, props) from None

    return call
