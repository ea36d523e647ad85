"""The one TXT codec (core/txt.py): strings, logical values and both text forms round-trip byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_component.core import txt

# Strings as a console may hold them: any bytes, at most 255 each (non-UTF-8 bytes kept by surrogateescape).
raw_strings = st.lists(st.binary(max_size=255), min_size=1, max_size=4)


def as_text(raw: list[bytes]) -> tuple[str, ...]:
    return tuple(b.decode("utf-8", "surrogateescape") for b in raw)


@given(raw_strings, st.booleans())
def test_both_text_forms_give_back_the_same_strings(raw: list[bytes], octal: bool) -> None:
    strings = as_text(raw)
    assert txt.from_text(txt.to_text(strings, octal=octal), octal=octal) == strings


@given(st.text(max_size=1200))
def test_a_value_split_joins_back_to_itself_in_strings_of_at_most_255_bytes(value: str) -> None:
    strings = txt.split(value)
    assert txt.joined(strings) == value
    assert all(len(s.encode("utf-8")) <= txt.STRING_MAX for s in strings)


def test_the_zone_file_form_is_decimal_and_routes53s_is_octal() -> None:
    assert txt.to_text(("é\t",)) == '"\\195\\169\\009"'
    assert txt.to_text(("é\t",), octal=True) == '"\\303\\251\\011"'
    assert txt.to_text(('say "hi" \\',)) == '"say \\"hi\\" \\\\"'


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"v=spf1 " "include:qcloudmail.com ~all"', "v=spf1 include:qcloudmail.com ~all"),
        ('"a\\"b"', 'a"b'),
        ("v=spf1 -all", "v=spf1 -all"),  # unquoted, as most consoles return it: the value itself
        ('"unterminated', '"unterminated'),
    ],
)
def test_a_consoles_text_is_unquoted_and_joined_when_quoted(text: str, value: str) -> None:
    assert txt.value_of_text(text) == value


def test_a_string_over_255_bytes_is_refused_in_routes53s_form() -> None:
    with pytest.raises(ValueError, match="over the 255-byte limit"):
        txt.to_text(("x" * 256,), octal=True)
