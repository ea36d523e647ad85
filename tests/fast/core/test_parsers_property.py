"""Property tests for the pure parsers: no exception but their own on any input, and round trips."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dms_component.core import dkim, dmarc, spf
from dms_component.core.lookups import Answer, Lookups
from dms_component.core.records import PROFILES, required_records
from dms_component.core.tags import TagListError, parse_tag_list
from dms_component.core.txt import STRING_MAX as TXT_STRING_MAX
from dms_component.core.txt import split as split_txt
from dms_component.core.verdicts import evaluate, judge
from dms_component.providers.adapters import dkim_keys

PAIR = dkim_keys.generate(1024)
DOMAIN = "notify.example.com"
REQUIRED = required_records(DOMAIN, PAIR.public_b64, PROFILES["tencent-ses"])

# Text that looks like the records: their characters, separators and keywords, plus anything.
RECORDISH = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(
            [
                "v=spf1",
                "v=DKIM1",
                "v=DMARC1",
                " ",
                ";",
                "=",
                ":",
                "/",
                "//",
                "%{d}",
                "%{i}",
                "%{",
                "}",
                "include",
                "a",
                "mx",
                "ip4",
                "ip6",
                "all",
                "-all",
                "~",
                "+",
                "?",
                "redirect",
                "exp",
                "exists",
                "ptr",
                "p",
                "k",
                "rsa",
                "h",
                "sha256",
                "rua",
                "mailto:",
                "@",
                "example.com",
                ".",
                "192.0.2.1",
                "::1",
                "24",
                "0",
                "\t",
                "\r\n",
                "é",
                "pct",
                "100",
                "none",
                "reject",
                "!",
                ",",
            ]
        )
    ).map("".join),
)


@given(RECORDISH)
def test_tag_list_parse_raises_only_its_own_error(text: str) -> None:
    try:
        tags = parse_tag_list(text)
    except TagListError:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items())


TAG_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True)
VALCHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != ";")
TAG_VALUE = st.text(alphabet=VALCHARS + " ", max_size=30).map(str.strip)


@given(st.dictionaries(TAG_NAME, TAG_VALUE, max_size=8))
def test_tag_list_format_then_parse_is_identity(tags: dict[str, str]) -> None:
    assert parse_tag_list("; ".join(f"{name}={value}" for name, value in tags.items())) == tags


@given(RECORDISH)
def test_spf_parse_raises_only_its_own_error(text: str) -> None:
    try:
        record = spf.parse(text)
    except spf.SpfSyntaxError:
        return
    assert spf.parse(str(record)) == record  # the canonical text means the same record


DOMAINS = st.sampled_from(["a.example", "b.example", "c.example", DOMAIN, "%{d}", "_spf.%{d}", "%{i}.x.example"])
MECHANISM = st.one_of(
    st.builds(lambda q, d: f"{q}include:{d}", st.sampled_from(["", "+", "-", "~", "?"]), DOMAINS),
    st.builds(
        lambda k, d, c: f"{k}{':' + d if d else ''}{c}",
        st.sampled_from(["a", "mx"]),
        st.one_of(st.just(""), DOMAINS),
        st.sampled_from(["", "/24", "//64", "/0//128"]),
    ),
    st.builds(lambda d: f"exists:{d}", DOMAINS),
    st.just("ptr"),
    st.builds(lambda n: f"ip4:192.0.2.{n}/32", st.integers(0, 255)),
    st.just("ip6:2001:db8::/32"),
    st.sampled_from(["-all", "~all", "?all", "+all"]),
    st.builds(lambda d: f"redirect={d}", DOMAINS),
)
SPF_RECORD = st.lists(MECHANISM, max_size=8).map(lambda terms: " ".join(["v=spf1", *terms]))


@given(SPF_RECORD)
def test_generated_spf_records_parse_and_round_trip(text: str) -> None:
    try:
        record = spf.parse(text)
    except spf.SpfSyntaxError as exc:
        assert "appears twice" in str(exc)  # the generator may repeat redirect=
        return
    assert spf.parse(str(record)) == record
    assert len(record.terms) == len(text.split()) - 1


NAMES = ["a.example", "b.example", "c.example", DOMAIN]
ANSWER = st.one_of(
    st.builds(lambda vs: Answer(tuple(vs)), st.lists(SPF_RECORD | RECORDISH, max_size=3)),
    st.builds(lambda n: Answer(cname=n), st.sampled_from(NAMES)),
    st.just(Answer(error="SERVFAIL")),
    st.just(Answer(("192.0.2.1",))),
    st.just(Answer(("10 a.example.",))),
)
ANSWERS = st.dictionaries(st.tuples(st.sampled_from(NAMES), st.sampled_from(["TXT", "A", "MX", "AAAA"])), ANSWER)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(SPF_RECORD, ANSWERS)
def test_spf_evaluation_always_ends_with_a_result(text: str, answers: dict) -> None:
    try:
        record = spf.parse(text)
    except spf.SpfSyntaxError:
        return
    result = spf.evaluate(DOMAIN, record, Lookups(answers, final=True))
    assert result.lookups <= spf.LOOKUP_LIMIT + 1
    assert (result.error is None) == (result.kind is None)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ANSWERS)
def test_asking_what_evaluate_needs_always_ends(world: dict) -> None:
    """The shell's loop: answer what is needed (empty when unknown) until nothing is; it ends."""
    answers: dict = {}
    for _ in range(40):
        result = evaluate(DOMAIN, REQUIRED, answers)
        if not result.needs:
            break
        for q in result.needs:
            answers[q] = world.get(q, Answer())
    else:
        raise AssertionError("evaluate kept asking")
    assert judge(DOMAIN, REQUIRED, answers).items == result.verdict.items


@given(RECORDISH)
def test_dkim_parsers_raise_only_their_own_error(text: str) -> None:
    dkim.is_key_record(text)
    dkim.public_key(text)
    try:
        record = dkim.parse_key_record(text)
    except dkim.DkimRecordError:
        return
    assert " " not in record.public_key


@given(st.binary(max_size=400))
def test_dkim_verify_message_never_raises(data: bytes) -> None:
    assert isinstance(dkim.verify_message(data, b"junk"), str)


@given(RECORDISH)
def test_dmarc_parse_raises_only_its_own_error(text: str) -> None:
    dmarc.is_dmarc(text)
    dmarc.near_miss(text)
    try:
        record = dmarc.parse(text)
    except dmarc.DmarcRecordError:
        return
    assert record.policy in dmarc.POLICIES


@given(
    st.dictionaries(
        st.sampled_from([r.host for r in REQUIRED] + NAMES + ["qcloudmail.com", "mxbiz1.qq.com"]).flatmap(
            lambda n: st.tuples(st.just(n), st.sampled_from(["TXT", "MX", "A", "AAAA"]))
        ),
        ANSWER,
    )
)
def test_judge_never_raises_on_any_answers(answers: dict) -> None:
    verdict = judge(DOMAIN, REQUIRED, answers, dkim_probe=dkim.probe_message(PAIR.private_pem, DOMAIN, "qcloud"))
    assert [i.item for i in verdict.items] == ["SPF", "DKIM", "DMARC", "MX"]
    assert all(i.reason for i in verdict.items)


@given(st.text(alphabet=string.printable + "éü中文𝄞", max_size=1200))
def test_txt_split_then_join_is_identity(value: str) -> None:
    parts = split_txt(value)
    assert "".join(parts) == value
    assert b"".join(p.encode() for p in parts) == value.encode()
    assert all(len(p.encode()) <= TXT_STRING_MAX for p in parts)


@given(st.dictionaries(st.sampled_from(NAMES), st.sampled_from(NAMES)))
def test_cname_following_always_ends(aliases: dict[str, str]) -> None:
    answers = {(n, "TXT"): Answer(cname=t) for n, t in aliases.items()}
    for name in NAMES:
        found = Lookups(answers, final=True).resolve(name, "TXT")
        assert found is not None
        assert found.error is None or "CNAME" in found.error or found.error == "no answer"
