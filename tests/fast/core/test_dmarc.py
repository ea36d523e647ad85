"""DMARC record parsing and validation (core/dmarc.py), RFC 7489."""

from __future__ import annotations

import pytest

from dms_component.core import dmarc


@pytest.mark.parametrize(
    ("txt", "is_record"),
    [
        ("v=DMARC1; p=none", True),
        ("v=DMARC1", True),
        ("V = DMARC1 ;p=none", True),
        ("v=DMARC1;p=reject", True),
        ("v=dmarc1; p=none", False),  # the version is case-sensitive
        ("p=none; v=DMARC1", False),  # v= must come first
        ("v=DMARC10; p=none", False),
        ("v=spf1 -all", False),
        ("", False),
    ],
)
def test_is_dmarc(txt: str, is_record: bool) -> None:
    assert dmarc.is_dmarc(txt) is is_record


def test_near_miss_explains_what_is_wrong() -> None:
    assert dmarc.near_miss("p=none; v=DMARC1") == "v=DMARC1 must be the first tag"
    assert dmarc.near_miss("v=dmarc1; p=none") == "the version must be written v=DMARC1, in capitals"
    assert dmarc.near_miss("hello") is None


def test_parse_keeps_tags_in_order_with_lower_case_names() -> None:
    record = dmarc.parse("v=DMARC1; P=Reject; RUA=mailto:a@example.com; pct=20")
    assert record.policy == "reject"
    assert [name for name, _ in record.tags] == ["v", "p", "rua", "pct"]
    assert record.get("pct") == "20"
    assert record.get("sp") is None


@pytest.mark.parametrize(
    "txt",
    [
        "v=DMARC1",
        "v=DMARC1; rua=mailto:a@example.com; p=none",  # p= not second
        "v=DMARC1; p=block",
        "v=DMARC1; p=",
    ],
)
def test_policy_errors(txt: str) -> None:
    with pytest.raises(dmarc.PolicyError):
        dmarc.parse(txt)
    assert dmarc.policy(txt) is None


@pytest.mark.parametrize(
    ("txt", "words"),
    [
        ("v=DMARC1; p=none; pct=101", "pct=101"),
        ("v=DMARC1; p=none; pct=-1", "pct=-1"),
        ("v=DMARC1; p=none; pct=abc", "pct=abc"),
        ("v=DMARC1; p=none; ri=4294967296", "ri=4294967296"),
        ("v=DMARC1; p=none; aspf=relaxed", "aspf=relaxed"),
        ("v=DMARC1; p=none; np=nothing", "np=nothing"),
        ("v=DMARC1; p=none; fo=0:x", "fo=0:x"),
        ("v=DMARC1; p=none; rf=af rf", "rf=af rf"),
        ("v=DMARC1; p=none; rua=", "rua="),
        ("v=DMARC1; p=none; rua=mailto:a@example.com!10x", "rua=mailto:a@example.com!10x"),
        ("v=DMARC1; p=none; ruf=mailto:a@example.com,,mailto:b@example.com", "ruf="),
        ("v=DMARC1; p=none; p=reject", "appears twice"),
        ("v=DMARC1; p=none; rua=mailto:\u00e9@example.com", "outside printable ASCII"),
    ],
)
def test_invalid_values_are_errors(txt: str, words: str) -> None:
    with pytest.raises(dmarc.DmarcRecordError) as error:
        dmarc.parse(txt)
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("txt", "policy", "tags"),
    [
        ("v=DMARC1; p=none;", "none", {}),
        ("v=DMARC1; p=none;;", "none", {}),
        (
            "v=DMARC1; p=quarantine; sp=none; adkim=S; aspf=r; pct=0; fo=1; rf=afrf; ri=3600",
            "quarantine",
            {"sp": "none", "adkim": "S", "aspf": "r", "pct": "0", "fo": "1", "rf": "afrf", "ri": "3600"},
        ),
        (
            "v=DMARC1; p=reject; rua=mailto:a@example.com!10m, mailto:b@example.net",
            "reject",
            {"rua": "mailto:a@example.com!10m, mailto:b@example.net"},
        ),
        (
            "v=DMARC1; p=reject; rua=https://reports.example.com/dmarc",
            "reject",
            {"rua": "https://reports.example.com/dmarc"},
        ),
        ("v=DMARC1; p=none; unknowntag=whatever", "none", {"unknowntag": "whatever"}),  # kept, and ignored
    ],
)
def test_valid_records(txt: str, policy: str, tags: dict[str, str]) -> None:
    record = dmarc.parse(txt)
    assert record.policy == policy
    assert record.tags == (("v", "DMARC1"), ("p", policy), *tags.items())
