"""DNSPod record values as the planner and the verifier read them: the core's one definition."""

from __future__ import annotations

import pytest

from dms_component.providers.adapters.dns.dnspod import _logical


@pytest.mark.parametrize(
    ("record", "value"),
    [
        ({"Type": "TXT", "Value": "v=spf1 -all"}, "v=spf1 -all"),
        ({"Type": "TXT", "Value": '"v=spf1 -all"'}, "v=spf1 -all"),  # stored quoted
        ({"Type": "TXT", "Value": '"v=spf1 ip4:192.0.2.1" " -all"'}, "v=spf1 ip4:192.0.2.1 -all"),  # split, quoted
        ({"Type": "TXT", "Value": '"say \\"hi\\""'}, 'say "hi"'),
        ({"Type": "MX", "Value": "MXBIZ1.qq.com", "MX": 5}, "5 mxbiz1.qq.com."),
        ({"Type": "MX", "Value": "mxbiz1.qq.com.", "MX": "5"}, "5 mxbiz1.qq.com."),
    ],
)
def test_values_read_as_the_core_defines_them(record, value):
    assert _logical(record) == value
