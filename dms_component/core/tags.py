"""Tag lists: the `name=value; name=value` syntax of DKIM (RFC 6376 3.2) and DMARC (RFC 7489 6.4) records.

Pure. Names: a letter, then letters, digits or `_`. Values: printable ASCII except `;`, with
whitespace allowed inside (it is folding whitespace in DKIM). A trailing `;` is allowed, and so is an
empty spec between two `;` (receivers accept `p=none;;`).
"""

from __future__ import annotations

import re

from dms_component.core.errors import clipped

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_WSP = " \t\r\n"


class TagListError(ValueError):
    """The text is not a tag list; the message says why, in a few words."""


def parse_tag_list(text: str, *, fold_names: bool = False) -> dict[str, str]:
    """`a=1; b = 2;` -> {"a": "1", "b": "2"} in order; TagListError when malformed or a tag repeats.

    fold_names lower-cases the names (DMARC's tag names are case-insensitive, DKIM's are not).
    """
    tags: dict[str, str] = {}
    for spec in text.split(";"):
        if not spec.strip(_WSP):
            continue
        name, sep, value = spec.partition("=")
        name, value = name.strip(_WSP), value.strip(_WSP)
        if not sep:
            raise TagListError(f"{clipped(spec.strip(_WSP), 40)!r} is not name=value")
        if not _NAME.fullmatch(name):
            raise TagListError(f"{clipped(name, 40)!r} is not a tag name")
        if fold_names:
            name = name.lower()
        if name in tags:
            raise TagListError(f"tag {name}= appears twice")
        bad = next((c for c in value if not (0x21 <= ord(c) <= 0x7E or c in _WSP)), None)
        if bad is not None:
            raise TagListError(f"tag {name}= has the character {bad!r}, outside printable ASCII")
        tags[name] = value
    return tags


def parse_tags(text: str) -> dict[str, str] | None:
    """Like parse_tag_list, but None instead of an error."""
    try:
        return parse_tag_list(text)
    except TagListError:
        return None
