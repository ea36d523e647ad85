"""Errors a user can cause or fix. Their text is shown as is: never put a secret in it.

Every error has a stable `code` (for programs and tests; the prose may be reworded). Where a message points
at a setting, it names it with `setting("ledger.quota")`: the Python API's dotted path in SenderDomainArgs.
Each front end then words it its own way (`dms:ledger.quota` in stack config, `ledger.sqlite.quota` in YAML
and TypeScript, `SenderDomainArgs.ledger.quota` in Python) with `worded`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dms_component.core.naming import plain

_SETTING = re.compile(r"<<([A-Za-z0-9_.\[\]-]+)>>")


def setting(key: str) -> str:
    """A reference to a setting inside a message, for the front end to name (see `worded`)."""
    return f"<<{key}>>"


def worded(text: str, name: Callable[[str], str]) -> str:
    """`text` with each setting reference named by `name` (a front end's namer)."""
    return _SETTING.sub(lambda m: name(m.group(1)), text)


def clipped(text: str, limit: int = 60) -> str:
    """Text for a message, cut to `limit` characters: a user's long value must not drown the line."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class DmsError(Exception):
    """A user-facing error with a one-line, actionable message."""

    code: str = "dms.error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return worded(self.message, plain)

    def worded(self, name: Callable[[str], str]) -> str:
        """The message with its settings named as one front end names them."""
        return worded(self.message, name)


class ConfigError(DmsError):
    """Bad stack configuration or CLI input; the message names the key."""

    code = "config.invalid"

    def __init__(self, key: str, problem: str, *, code: str | None = None) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}", code=code)


class QuotaExceeded(DmsError):
    """Marking one more domain verified would pass the account's quota."""

    code = "ledger.quota"


class VerifiedDomainProtected(DmsError):
    """The service never deletes a verified sender domain."""

    code = "ledger.verified-protected"


class SenderQuotaExceeded(DmsError):
    """Creating one more sender address would pass the account's sender quota (ledger.sender_quota)."""

    code = "ledger.sender-quota"


class DomainNotVerified(DmsError):
    """A sender address is made only under a verified sender domain."""

    code = "ledger.domain-not-verified"


class DomainHasAddresses(DmsError):
    """A sender domain that still has sender addresses can't be removed."""

    code = "ledger.domain-has-addresses"


class DnsUpdateError(DmsError):
    """The DNS server refused or failed a change."""

    code = "dns.update-failed"


class ServiceError(DmsError):
    """The email service (Tencent Cloud SES) or its DNS host refused a request, or answered something unusable."""

    code = "service.refused"


class ChangeRefused(DnsUpdateError):
    """The DNS host refused a change, whole: the records were no longer what the plan was based on, or the
    change breaks one of the host's rules. Nothing was written."""

    code = "dns.change-refused"


class PlanRefused(DnsUpdateError):
    """A change refused before anything is written, because the verifier would fail what it leaves
    (or a foreign record is in the way). `code` is stable (docs/checks.md); the text names the
    record, says why and gives the way out, on one line."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{message} [{code}]", code=code)
