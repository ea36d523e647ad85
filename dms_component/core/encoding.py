"""Small text checks shared by config, key files and the CLI (pure)."""

from __future__ import annotations

import base64
import binascii


def is_base64(text: str) -> bool:
    """True for non-empty, strictly valid base64 (as DKIM p= values and TSIG secrets are)."""
    try:
        return bool(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return False
