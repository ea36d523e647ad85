"""Optional backends and the extra that installs each one's library."""

from __future__ import annotations

import importlib.util

from dms_component.core.errors import ConfigError


def needs_library(module: str, extra: str, key: str) -> None:
    """A backend whose library is missing fails at preview with one line that names the extra to install."""
    if importlib.util.find_spec(module) is None:
        raise ConfigError(key, f"needs the Python package {module}: pip install 'dms-sender-domains[{extra}]'")
