"""Records from the service's DNS attributes (core/service_records.py)."""

from __future__ import annotations

import pytest

from dms_component.core.errors import ServiceError
from dms_component.core.records import RequiredRecord
from dms_component.core.service_records import dkim_key_of, records_from_attributes

DOMAIN = "mail.example.com"
KEY = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDeMVIzrCa3T14JsNY0IRv5"


def attr(rtype: str, host: str, value: str, **extra: object) -> dict[str, object]:
    return {"Type": rtype, "SendDomain": host, "ExpectedValue": value, "CurrentValue": "", "Status": False, **extra}


SERVICE = [
    attr("TXT", DOMAIN, "v=spf1 include:qcloudmail.com ~all"),
    attr("TXT", f"qcloud._domainkey.{DOMAIN}", f"v=DKIM1; k=rsa; p={KEY}"),
    attr("MX", DOMAIN, "mxbiz1.qq.com"),
    attr("TXT", f"_dmarc.{DOMAIN}", "v=DMARC1; p=none"),
]


def test_the_four_records_come_from_the_attributes_in_console_order() -> None:
    assert records_from_attributes(DOMAIN, SERVICE) == [
        RequiredRecord("SPF", DOMAIN, "TXT", "v=spf1 include:qcloudmail.com ~all"),
        RequiredRecord("DKIM", f"qcloud._domainkey.{DOMAIN}", "TXT", f"v=DKIM1; k=rsa; p={KEY}"),
        RequiredRecord("DMARC", f"_dmarc.{DOMAIN}", "TXT", "v=DMARC1; p=none"),
        RequiredRecord("MX", DOMAIN, "MX", "mxbiz1.qq.com.", preference=5),
    ]


def test_the_dkim_host_and_value_are_the_services_whatever_the_selector_and_form() -> None:
    # The service's own documented example: selector `mail`, a value without v=DKIM1 and without spaces.
    records = records_from_attributes(DOMAIN, [attr("TXT", f"mail._domainkey.{DOMAIN}.", f"k=rsa;p={KEY}")])

    assert records == [RequiredRecord("DKIM", f"mail._domainkey.{DOMAIN}", "TXT", f"k=rsa;p={KEY}")]
    assert dkim_key_of(records) == KEY


def test_a_dkim_record_is_recognised_by_its_key_when_the_host_has_no_domainkey_label() -> None:
    records = records_from_attributes(DOMAIN, [attr("TXT", f"sel.{DOMAIN}", f"v=DKIM1; p={KEY}")])

    assert [r.item for r in records] == ["DKIM"]


def test_hosts_are_normalised_case_and_trailing_dot() -> None:
    records = records_from_attributes(DOMAIN, [attr("TXT", "Mail.Example.COM.", "v=spf1 include:qcloudmail.com ~all")])

    assert records[0].host == DOMAIN


@pytest.mark.parametrize(
    ("value", "preference", "exchange"),
    [
        ("mxbiz1.qq.com", 5, "mxbiz1.qq.com."),
        ("MXBIZ1.qq.com.", 5, "mxbiz1.qq.com."),
        ("10 mx.qq.com.", 10, "mx.qq.com."),
    ],
)
def test_mx_takes_a_preference_from_the_value_or_the_profile(value: str, preference: int, exchange: str) -> None:
    (record,) = records_from_attributes(DOMAIN, [attr("MX", DOMAIN, value)])

    assert (record.preference, record.value) == (preference, exchange)


def test_the_default_mx_preference_is_a_parameter() -> None:
    (record,) = records_from_attributes(DOMAIN, [attr("MX", DOMAIN, "mxbiz1.qq.com")], mx_preference=20)

    assert record.preference == 20


def test_the_owners_dmarc_policy_replaces_the_services_and_keeps_other_tags() -> None:
    service = [attr("TXT", f"_dmarc.{DOMAIN}", "v=DMARC1; p=none; rua=mailto:d@example.com")]

    (record,) = records_from_attributes(DOMAIN, service, dmarc_policy="reject")

    assert record.value == "v=DMARC1; p=reject; rua=mailto:d@example.com"


def test_without_a_policy_the_services_dmarc_value_is_kept_verbatim() -> None:
    (record,) = records_from_attributes(DOMAIN, [attr("TXT", f"_dmarc.{DOMAIN}", "v=DMARC1;p=none")])

    assert record.value == "v=DMARC1;p=none"


def test_a_record_type_this_project_does_not_publish_is_a_clear_error() -> None:
    with pytest.raises(ServiceError, match=r"CNAME record at track\.mail\.example\.com .*only TXT and MX"):
        records_from_attributes(DOMAIN, [*SERVICE, attr("CNAME", f"track.{DOMAIN}", "t.qcloudmail.com")])


def test_a_host_outside_the_domain_is_refused() -> None:
    with pytest.raises(ServiceError, match=r"outside mail\.example\.com"):
        records_from_attributes(DOMAIN, [attr("TXT", "example.com", "v=spf1 include:qcloudmail.com ~all")])


def test_no_attributes_is_an_error_not_an_empty_list() -> None:
    with pytest.raises(ServiceError, match="no DNS records"):
        records_from_attributes(DOMAIN, [])


def test_an_unrecognised_txt_record_is_an_error() -> None:
    with pytest.raises(ServiceError, match="does not recognise"):
        records_from_attributes(DOMAIN, [attr("TXT", f"x.{DOMAIN}", "hello world")])


def test_a_missing_value_is_an_error() -> None:
    with pytest.raises(ServiceError, match="without a host or value"):
        records_from_attributes(DOMAIN, [attr("TXT", DOMAIN, "")])


def test_a_repeated_attribute_gives_one_record() -> None:
    assert len(records_from_attributes(DOMAIN, [SERVICE[0], SERVICE[0]])) == 1
