"""Errors a user can cause or fix. Their text is shown as is: never put a secret in it."""


class DmsError(Exception):
    """A user-facing error with a one-line, actionable message."""


class ConfigError(DmsError):
    """Bad stack configuration or CLI input; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")


class QuotaExceeded(DmsError):
    """Marking one more domain verified would pass the account's quota."""


class VerifiedDomainProtected(DmsError):
    """The service never deletes a verified sender domain."""


class DnsUpdateError(DmsError):
    """The DNS server refused or failed a change."""


class ServiceError(DmsError):
    """The email service (Tencent Cloud SES) or its DNS host refused a request, or answered something unusable."""


class ChangeRefused(DnsUpdateError):
    """The DNS host refused a change, whole: the records were no longer what the plan was based on, or the
    change breaks one of the host's rules. Nothing was written."""


class PlanRefused(DnsUpdateError):
    """A change refused before anything is written, because the verifier would fail what it leaves
    (or a foreign record is in the way). `code` is stable (docs/checks.md); the text names the
    record, says why and gives the way out, on one line."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{message} [{code}]")
