"""normalise_domain and is_subdomain (core/domain_names.py)."""

from __future__ import annotations

import pytest

from dms_component.core.domain_names import is_subdomain, normalise_domain
from dms_component.core.errors import ConfigError

KEY = "dms:domains[0].domain"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("notify.example.com", "notify.example.com"),
        ("Notify.EXAMPLE.Com", "notify.example.com"),
        ("notify.example.com.", "notify.example.com"),
        ("  notify.example.com  ", "notify.example.com"),
        ("\tNOTIFY.Example.COM.\n", "notify.example.com"),
        ("Bücher.Example", "xn--bcher-kva.example"),
        ("mail.bücher.example.", "mail.xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("a-b.c-d.example", "a-b.c-d.example"),
        ("123.example", "123.example"),
    ],
)
def test_normalises(raw: str, expected: str) -> None:
    assert normalise_domain(raw, KEY) == expected


def test_accepts_63_character_label_and_253_character_name() -> None:
    label = "a" * 63
    assert normalise_domain(f"{label}.example", KEY) == f"{label}.example"
    name = ".".join(["a" * 63] * 3 + ["a" * 61])
    assert len(name) == 253
    assert normalise_domain(name, KEY) == name


def _labels_totalling(total: int) -> str:
    name = ".".join(["a" * 63] * 3 + ["a" * (total - 3 * 64)])
    assert len(name) == total
    return name


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("example", "single label"),
        ("localhost.", "single label with trailing dot"),
        ("", "empty"),
        ("   ", "blank"),
        (None, "None"),
        (42, "not a string"),
        ("a" * 64 + ".example", "label longer than 63"),
        ("-notify.example.com", "leading hyphen"),
        ("notify-.example.com", "trailing hyphen"),
        ("my_domain.example.com", "underscore"),
        ("_dmarc.example.com", "leading underscore"),
        (_labels_totalling(254), "total longer than 253"),
        ("a..example", "empty label"),
        ("example.com..", "two trailing dots"),
        ("ex ample.com", "inner space"),
        ("notify.example.com\nx.y", "newline inside"),
    ],
)
def test_rejects_with_one_line_error_naming_the_key(raw: object, why: str) -> None:
    with pytest.raises(ConfigError) as exc:
        normalise_domain(raw, KEY)

    message = str(exc.value)
    assert message.startswith(KEY + ": "), why
    assert "\n" not in message and "\r" not in message, why
    assert exc.value.key == KEY


def test_missing_value_message_gives_an_example() -> None:
    with pytest.raises(ConfigError) as exc:
        normalise_domain(None, "dms:dns.zone")
    assert str(exc.value) == "dms:dns.zone: expected a domain name such as notify.example.com"


def test_rejection_quotes_the_value_as_written() -> None:
    with pytest.raises(ConfigError) as exc:
        normalise_domain("Example", KEY)
    assert "'Example'" in str(exc.value)
    assert "two labels" in str(exc.value)


@pytest.mark.parametrize("raw", ["a" * 64 + ".example", _labels_totalling(254)])
def test_length_rejections_say_too_long(raw: str) -> None:
    with pytest.raises(ConfigError) as exc:
        normalise_domain(raw, "k")
    assert str(exc.value).startswith(f"k: {raw!r} is not a valid domain name")
    assert "too long" in str(exc.value).lower()


def test_label_rule_message_explains_the_rule() -> None:
    with pytest.raises(ConfigError) as exc:
        normalise_domain("example.com..", "k")
    assert "must be 1-63 letters, digits or hyphens" in str(exc.value)


@pytest.mark.parametrize(
    ("name", "zone", "inside"),
    [
        ("example.com", "example.com", True),
        ("notify.example.com", "example.com", True),
        ("a.b.example.com", "example.com", True),
        ("badexample.com", "example.com", False),
        ("example.com.evil", "example.com", False),
        ("example.com", "notify.example.com", False),
    ],
)
def test_is_subdomain(name: str, zone: str, inside: bool) -> None:
    assert is_subdomain(name, zone) is inside
