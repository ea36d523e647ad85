"""The hosts' and ledgers' registries (adapters/settings.py Registry): the kinds read from the modules' source
are exactly the modules that define TARGET / SETTINGS, each named as its kind."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from dms_component.providers.adapters import dns, ledger


@pytest.mark.parametrize(("package", "registry", "attribute"), [(dns, dns.TARGETS, "TARGET"), (ledger, ledger.SETTINGS, "SETTINGS")])
def test_the_registry_holds_every_module_that_defines_its_attribute(package, registry, attribute) -> None:
    eager = {}
    for info in pkgutil.iter_modules(package.__path__):
        settings = getattr(importlib.import_module(f"{package.__name__}.{info.name}"), attribute, None)
        if settings is not None:
            eager[settings.kind] = settings
    assert dict(registry) == eager and list(registry) == sorted(eager)
    assert "base" not in registry and len(registry) == len(eager)
    with pytest.raises(KeyError):
        registry["base"]
