"""Many dynamic resources in one process: Pulumi's provider serialization must not nest without end."""

from __future__ import annotations

import dill
import pulumi.dynamic.dynamic

import dms_component.providers.resources.base  # noqa: F401  (installs the fix)
from dms_component.providers.resources.records import DnsRecordsProvider


def test_serializing_providers_thousands_of_times_leaves_pickling_usable() -> None:
    for _ in range(3000):  # a big stack: 4 dynamic resources per sender domain
        pulumi.dynamic.dynamic.serialize_provider(DnsRecordsProvider())
    nested: dict = {"a": {"b": {"c": [1, 2, {"d": 3}]}}}
    assert dill.loads(dill.dumps(nested)) == nested
    assert pulumi.dynamic.dynamic.serialize_provider(DnsRecordsProvider())
