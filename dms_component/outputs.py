"""The shapes of SenderDomain's list outputs, for Python programs and for the `dms` package's schema.

No `from __future__ import annotations`: Pulumi's schema analyzer reads these annotations as types,
and the docstring under each field becomes its description.
"""

from typing import NotRequired, TypedDict


class ItemOutput(TypedDict):
    """One item of SenderDomain.items: what the service checks, and what was found."""

    item: str
    """SPF, DKIM, DMARC or MX."""
    host: str
    """The name the record is checked at."""
    expected: str
    """The value the service expects there."""
    current: list[str]
    """The values DNS serves there now."""
    ok: bool
    """Whether the item passes."""
    reason: str
    """One line: what was found and what to do (prose; may be reworded)."""
    code: NotRequired[str]
    """A stable code for the verdict, e.g. spf.missing (docs/checks.md)."""


class RecordOutput(TypedDict):
    """One record set of SenderDomain.records, as another DNS provider's record resource takes it."""

    item: str
    """SPF, DKIM, DMARC or MX."""
    host: str
    """The record's name, fully qualified, without the trailing dot."""
    name: str
    """The record's name relative to the zone ("" for the zone itself)."""
    rtype: str
    """TXT or MX."""
    value: str
    """The logical value: TXT unsplit, the MX exchange."""
    strings: NotRequired[list[str]]
    """TXT: the value in strings of at most 255 bytes."""
    preference: NotRequired[int]
    """MX: the preference."""
    ttl: int
    """The TTL in seconds."""


class DkimKeyOutput(TypedDict):
    """One DKIM key of SenderDomain.dkim_keys (keys this stack holds: sqlite and dynamodb ledgers)."""

    selector: str
    """The key's selector: its record is at <selector>._domainkey.<domain>."""
    public_key: str
    """The public key (base64), as published in p=."""
    bits: NotRequired[int]
    """The key's length (absent for a key made before rotation existed)."""
    state: str
    """active (mail is signed with it), pending (published, active once verified) or retiring (published until
    remove_after, so mail in flight still verifies)."""
    since: NotRequired[str]
    """When it entered this state (ISO 8601, UTC); absent for a key made before rotation existed."""
    remove_after: NotRequired[str]
    """retiring: the first `pulumi up` after this time removes its record."""


__all__ = ["DkimKeyOutput", "ItemOutput", "RecordOutput"]
