"""SPF parsing and evaluation (core/spf.py), RFC 7208."""

from __future__ import annotations

import pytest

from dms_component.core import spf
from dms_component.core.lookups import Answer, Lookups

TOP = "notify.example.com"


# --- recognising SPF records -----------------------------------------------------------------


@pytest.mark.parametrize("txt", ["v=spf1", "v=spf1 -all", "V=SPF1 ~all", "v=spf1   include:a.example ~all"])
def test_is_spf(txt: str) -> None:
    assert spf.is_spf(txt)


@pytest.mark.parametrize("txt", ["v=spf10 -all", "v=spf1include:a.example", "spf1", "", " v=spf1 -all", "v=spf2 -all"])
def test_is_not_spf(txt: str) -> None:
    assert not spf.is_spf(txt)


def test_spf_records_keeps_only_spf() -> None:
    assert spf.spf_records(["google-site-verification=x", "v=spf1 -all", "v=spf10"]) == ["v=spf1 -all"]


# --- parsing ---------------------------------------------------------------------------------


def test_parse_every_mechanism_and_modifier() -> None:
    record = spf.parse(
        "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx/24//64 a:mail.example.com ptr ~exists:%{i}.x.example"
        " ?include:_spf.example.com -all redirect=_spf.example.net exp=explain.example.com unknown=ignored"
    )
    kinds = [(t.qualifier, t.kind) for t in record.mechanisms]
    assert kinds == [
        ("+", "ip4"),
        ("+", "ip6"),
        ("+", "a"),
        ("+", "mx"),
        ("+", "a"),
        ("+", "ptr"),
        ("~", "exists"),
        ("?", "include"),
        ("-", "all"),
    ]
    assert record.mechanisms[0].cidr4 == 24
    assert record.mechanisms[1].cidr6 == 32 and record.mechanisms[1].target == "2001:db8::"
    assert (record.mechanisms[3].cidr4, record.mechanisms[3].cidr6) == (24, 64)
    assert record.redirect == "_spf.example.net"
    assert record.modifier("exp") == "explain.example.com"
    assert record.modifier("unknown") == "ignored"


def test_mechanisms_are_case_insensitive() -> None:
    record = spf.parse("v=spf1 INCLUDE:QcloudMail.COM Ip4:192.0.2.1 ~ALL")
    assert [t.kind for t in record.mechanisms] == ["include", "ip4", "all"]


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ("v=spf1 foo", "unknown term 'foo'"),
        ("v=spf1 include", "include needs :domain"),
        ("v=spf1 include:", "empty domain"),
        ("v=spf1 include:localhost", "is not a domain name"),
        ("v=spf1 include:example.123", "is not a domain name"),
        ("v=spf1 ip4:192.0.2.1/33", "prefix length must be 0 to 32"),
        ("v=spf1 ip4:192.0.2.01", "is not an IPv4 address"),
        ("v=spf1 ip4:2001:db8::1", "is not an IPv4 address"),
        ("v=spf1 ip6:2001:db8::/129", "prefix length must be 0 to 128"),
        ("v=spf1 ip6:192.0.2.1", "is not an IPv6 address"),
        ("v=spf1 a/024", "prefix length"),
        ("v=spf1 all:x.example", "all takes no argument"),
        ("v=spf1 include:a.example/24", "takes no prefix length"),
        ("v=spf1 redirect=a.example redirect=b.example", "redirect= appears twice"),
        ("v=spf1 exp=a.example exp=b.example", "exp= appears twice"),
        ("v=spf1 include:%{z}.example", "bad macro"),
        ("v=spf1 include:%{d0}.example", "must not be 0"),
        ("v=spf1 include:%{d", "bad macro"),
        ("v=spf1 include:a\u00e9.example", "is not allowed"),
        ("v=spf1 -all\t", "unknown term"),
        ("v=spf10", "does not start with v=spf1"),
    ],
)
def test_syntax_errors_name_the_term(record: str, words: str) -> None:
    with pytest.raises(spf.SpfSyntaxError) as error:
        spf.parse(record)
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("record", "terms"),
    [
        ("v=spf1", []),
        ("v=spf1 ", []),
        ("v=spf1 include:qcloudmail.com. ~all", [("+", "include", "qcloudmail.com.", None, None), ("~", "all")]),
        ("v=spf1 include:%{d}", [("+", "include", "%{d}", None, None)]),
        ("v=spf1 exists:%{ir}.%{v}._spf.%{d2}", [("+", "exists", "%{ir}.%{v}._spf.%{d2}", None, None)]),
        ("v=spf1 include:_spf.%{o}", [("+", "include", "_spf.%{o}", None, None)]),
        ("v=spf1 a//0 mx/0", [("+", "a", None, None, 0), ("+", "mx", None, 0, None)]),
        ("v=spf1 include:a-b.example-x.com", [("+", "include", "a-b.example-x.com", None, None)]),
        ("v=spf1 include:%%.%_.%-.example.com", [("+", "include", "%%.%_.%-.example.com", None, None)]),
    ],
)
def test_valid_edge_records(record: str, terms: list[tuple]) -> None:
    parsed = spf.parse(record)
    assert parsed.terms == tuple(spf.Mechanism(*t) for t in terms)
    assert spf.parse(str(parsed)) == parsed


def test_str_is_canonical_and_parses_back() -> None:
    record = spf.parse("V=SPF1   +INCLUDE:qcloudmail.com  a/24//64   ip6:::1  ~all")
    assert str(record) == "v=spf1 include:qcloudmail.com a/24//64 ip6:::1 ~all"
    assert spf.parse(str(record)) == record


# --- macros ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expanded"),
    [
        ("%{d}", "a.b.example.com"),
        ("_spf.%{d2}", "_spf.example.com"),
        ("%{dr}", "com.example.b.a"),
        ("%{d2r}", "b.a"),
        ("%{o}.x.example", "sender.example.x.example"),
        ("%{d-}.y", "a.b.example.com.y"),
    ],
)
def test_expand_static_macros(spec: str, expanded: str) -> None:
    assert spf.expand(spec, "a.b.example.com", "sender.example") == expanded


@pytest.mark.parametrize("spec", ["%{i}._spf.example.com", "%{s}.x", "%{l}.x", "%{h}.x", "%{p}.x", "%{v}.x"])
def test_sender_dependent_macros_are_not_expanded(spec: str) -> None:
    assert spf.expand(spec, "a.example", "a.example") is None


# --- evaluation ------------------------------------------------------------------------------


def txt(*values: str) -> Answer:
    return Answer(tuple(values))


def run(record: str, answers: dict, *, final: bool = True) -> tuple[spf.CheckHost, Lookups]:
    lookups = Lookups(answers, final=final)
    return spf.evaluate(TOP, spf.parse(record), lookups), lookups


def test_simple_record_counts_its_include() -> None:
    result, _ = run(
        "v=spf1 include:qcloudmail.com ~all", {("qcloudmail.com", "TXT"): txt("v=spf1 ip4:192.0.2.0/24 -all")}
    )
    assert result.error is None
    assert result.lookups == 1
    assert result.all_qualifier == "~"


def chain(last: int) -> dict:
    """i0 includes i1, ... up to i<last>, which ends the chain."""
    answers = {(f"i{n}.example", "TXT"): txt(f"v=spf1 include:i{n + 1}.example") for n in range(last)}
    return {**answers, (f"i{last}.example", "TXT"): txt("v=spf1 -all"), (TOP, "A"): txt("192.0.2.1")}


def test_ten_lookups_pass() -> None:
    result, _ = run("v=spf1 include:i0.example a ~all", chain(8))  # 9 includes and the a
    assert result.error is None
    assert result.lookups == 10


def test_eleven_lookups_fail() -> None:
    result, _ = run("v=spf1 include:i0.example a ~all", chain(9))
    assert result.kind == "permerror"
    assert result.error == "more than 10 DNS lookups (the 11th is a)"


def test_every_dns_term_counts_ip_and_all_do_not() -> None:
    answers = {
        ("a.example", "TXT"): txt("v=spf1 -all"),
        (TOP, "A"): txt("192.0.2.1"),
        (TOP, "MX"): txt("10 mx.example."),
        ("mx.example", "A"): txt("192.0.2.2"),
        ("e.example", "A"): txt("127.0.0.2"),
        ("r.example", "TXT"): txt("v=spf1 ?all"),
    }
    result, _ = run(
        "v=spf1 ip4:192.0.2.1 ip6:::1 include:a.example a mx ptr exists:e.example redirect=r.example", answers
    )
    assert result.error is None
    assert result.lookups == 6  # include, a, mx, ptr, exists, redirect
    assert result.all_qualifier == "?"  # the redirect target's all


def test_terms_after_all_are_not_evaluated_and_redirect_is_ignored() -> None:
    result, lookups = run("v=spf1 -all include:never.example redirect=never2.example", {})
    assert result.error is None and result.lookups == 0
    assert result.all_qualifier == "-"
    assert not lookups.needs


def test_two_void_lookups_pass_three_fail() -> None:
    voids = {(f"v{n}.example", "A"): txt() for n in range(3)}
    two, _ = run("v=spf1 a:v0.example a:v1.example -all", voids)
    assert two.error is None and two.voids == 2
    three, _ = run("v=spf1 a:v0.example a:v1.example exists:v2.example -all", voids)
    assert three.kind == "permerror"
    assert "more than 2 lookups find nothing" in three.error


def test_include_of_a_name_without_spf_is_a_permerror() -> None:
    result, _ = run("v=spf1 include:none.example -all", {("none.example", "TXT"): txt("hello")})
    assert result.kind == "permerror"
    assert result.error == "include:none.example finds no SPF record at none.example"


def test_include_of_a_name_with_two_spf_records_is_a_permerror() -> None:
    result, _ = run("v=spf1 include:two.example -all", {("two.example", "TXT"): txt("v=spf1 -all", "v=spf1 ~all")})
    assert result.error == "include:two.example finds 2 SPF records at two.example"


def test_invalid_included_record_is_a_permerror() -> None:
    result, _ = run("v=spf1 include:bad.example -all", {("bad.example", "TXT"): txt("v=spf1 ip4:300.0.0.1 -all")})
    assert result.kind == "permerror"
    assert result.error.startswith("the SPF record at bad.example (from include:bad.example) is invalid")


@pytest.mark.parametrize(
    ("answers", "loop"),
    [
        ({("a.example", "TXT"): txt(f"v=spf1 include:{TOP}")}, f"include loop {TOP} -> a.example -> {TOP}"),
        (
            {
                ("a.example", "TXT"): txt("v=spf1 include:b.example"),
                ("b.example", "TXT"): txt("v=spf1 include:a.example"),
            },
            f"include loop {TOP} -> a.example -> b.example -> a.example",
        ),
    ],
)
def test_include_loops_are_detected(answers: dict, loop: str) -> None:
    result, _ = run("v=spf1 include:a.example -all", answers)
    assert result.kind == "permerror"
    assert result.error == loop


def test_redirect_loop_is_detected() -> None:
    result, _ = run("v=spf1 redirect=r.example", {("r.example", "TXT"): txt(f"v=spf1 redirect={TOP}")})
    assert result.error == f"redirect loop {TOP} -> r.example -> {TOP}"


def test_same_include_twice_is_not_a_loop() -> None:
    answers = {("a.example", "TXT"): txt("v=spf1 -all")}
    result, _ = run("v=spf1 include:a.example include:a.example -all", answers)
    assert result.error is None and result.lookups == 2


def test_dns_error_inside_the_tree_is_a_temperror() -> None:
    result, _ = run("v=spf1 include:a.example -all", {("a.example", "TXT"): Answer(error="SERVFAIL")})
    assert result.kind == "temperror"
    assert "SERVFAIL" in result.error


def test_mx_with_more_than_ten_hosts_is_a_permerror() -> None:
    mxs = txt(*(f"10 mx{n}.example." for n in range(11)))
    result, _ = run("v=spf1 mx -all", {(TOP, "MX"): mxs})
    assert result.kind == "permerror"
    assert "11 MX hosts" in result.error


def test_sender_dependent_macro_counts_but_is_not_looked_up() -> None:
    result, lookups = run("v=spf1 exists:%{i}._spf.example.com -all", {}, final=False)
    assert result.lookups == 1 and result.error is None
    assert not lookups.needs


def test_static_macro_is_looked_up() -> None:
    _, lookups = run("v=spf1 include:_spf.%{d} -all", {}, final=False)
    assert lookups.needs == {(f"_spf.{TOP}", "TXT")}


def test_missing_answers_become_needs_and_siblings_are_still_collected() -> None:
    _, lookups = run("v=spf1 include:a.example a:b.example mx:c.example -all", {}, final=False)
    assert lookups.needs == {("a.example", "TXT"), ("b.example", "A"), ("c.example", "MX")}


def test_find_include_only_looks_at_the_record_itself() -> None:
    record = spf.parse("v=spf1 include:other.example -include:qcloudmail.com ~all include:qcloudmail.com")
    term, after_all = spf.find_include(record, "QcloudMail.com.")
    assert term is not None and term.qualifier == "-" and not after_all
    assert spf.find_include(spf.parse("v=spf1 include:qcloudmail.com.evil.example"), "qcloudmail.com") == (None, False)
