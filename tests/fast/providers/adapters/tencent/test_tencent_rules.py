"""The Tencent Cloud rules that need no endpoint: sites, the retryable codes, the fake's rule book, and how
the service's own check would judge what a stack publishes (core/service_records.py)."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from dms_component.config import parse_stack_config
from dms_component.core.service_records import FAILED, PASSED, UNCHECKED, service_views
from dms_component.core.errors import ConfigError
from dms_component.providers.adapters.tencent.client import (
    BUSINESS_THROTTLES,
    REGION_SITES,
    SDK_RETRYABLE,
    SITES,
    dnspod_api,
    retryable,
    ses_api,
)
from tests.fakes import sdk_models

# -- sites ---------------------------------------------------------------------------------------------


def test_one_site_choice_gives_the_ses_host_the_dnspod_host_and_the_line_name() -> None:
    intl, china = SITES[REGION_SITES["ap-singapore"]], SITES[REGION_SITES["ap-guangzhou"]]

    assert ses_api("ap-singapore", None, "id", "key").endpoint == intl.ses == "ses.intl.tencentcloudapi.com"
    assert dnspod_api("intl", None, "id", "key").endpoint == intl.dnspod == "dnspod.intl.tencentcloudapi.com"
    assert dnspod_api("china", None, "id", "key").endpoint == china.dnspod == "dnspod.tencentcloudapi.com"
    assert (china.default_line, intl.default_line) == ("默认", "Default")
    assert SITES[REGION_SITES["ap-hongkong"]] == SITES["china"]


def test_the_dnspod_site_is_a_setting_checked_at_preview() -> None:
    raw = {"domains": [{"domain": "notify.example.com", "type": "triggered"}], "ledger": {"backend": "sqlite"}}
    dns = parse_stack_config({**raw, "dns": {"provider": "dnspod", "zone": "example.com", "site": "intl"}}).dns

    assert dns.site == "intl" and dns.adapter().site == "intl"
    with pytest.raises(ConfigError) as caught:
        parse_stack_config({**raw, "dns": {"provider": "dnspod", "zone": "example.com", "site": "moon"}})
    assert caught.value.key == "dms:dns.site" and "china, intl" in str(caught.value)


# -- retries -------------------------------------------------------------------------------------------


def _sdk_retryer_codes(retry: Any) -> frozenset[str]:
    """The codes in the source of the SDK retryer's should_retry: every string constant of its `ec in (...)`."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(retry.StandardRetryer.should_retry)))
    tests = [n for n in ast.walk(tree) if isinstance(n, ast.Compare) and isinstance(n.ops[0], ast.In)]
    assert len(tests) == 1, "the SDK retryer's should_retry changed shape: read it again"
    return frozenset(ast.literal_eval(tests[0].comparators[0]))


@pytest.mark.parametrize("service", ["ses", "dnspod"])
def test_our_copy_of_the_sdk_retryers_codes_is_equal_to_its_own(service: str) -> None:
    # The SDK's own retryer (tencentcloud/common/retry.py) came after the oldest SDK we support.
    retry = pytest.importorskip("tencentcloud.common.retry", reason="this Tencent Cloud SDK has no retryer of its own")
    in_source = _sdk_retryer_codes(retry)
    everything = sdk_models.error_codes(service) | in_source | retryable(service) | {"UnknownCode", ""}
    answered = {c for c in everything if retry.StandardRetryer.should_retry(None, TencentCloudSDKException(c))}

    assert SDK_RETRYABLE == in_source == answered  # equal, not merely contained
    # Ours are the SDK's plus the service's own passing answers, each one its errorcodes.py documents.
    assert SDK_RETRYABLE <= retryable(service)
    assert retryable(service) - SDK_RETRYABLE <= sdk_models.error_codes(service)
    assert set(BUSINESS_THROTTLES[service]) <= retryable(service)


def test_the_codes_the_issue_names_are_retried_and_answers_are_not() -> None:
    assert {"InternalError.QueryDataBaseFailed", "FailedOperation.ServiceNotAvailable"} <= retryable("ses")
    assert "RequestLimitExceeded.RequestLimitExceeded" in retryable("dnspod")
    # DNSPod's business throttles (issue 26, item 8): "too frequent, retry later" and "retry in 1 minute".
    assert {"FailedOperation.FrequencyLimit", "InvalidParameter.OperationIsTooFrequent"} <= retryable("dnspod")
    answers = {"InvalidParameter.DomainRecordExist", "InvalidParameterValue.RepeatCreation"}
    for service in ("ses", "dnspod"):
        assert not retryable(service) & answers


# -- the fake's rule book ------------------------------------------------------------------------------


def test_the_model_check_finds_an_unknown_field_and_a_wrong_type() -> None:
    good = {"RecordCountInfo": {"SubdomainCount": 0, "ListCount": 0, "TotalCount": 0}, "RecordList": []}
    assert sdk_models.problems("dnspod", "DescribeRecordList", {**good, "RequestId": "r"}) == []

    record = {"RecordId": "12", "Value": "v", "Line": "默认", "Colour": "red"}
    found = sdk_models.problems("dnspod", "DescribeRecordList", {**good, "RecordList": [record], "RequestId": "r"})

    assert any("RecordList[0].RecordId: '12' is not int" in p for p in found)
    assert any("Colour" in p for p in found)


def test_every_error_code_the_fake_can_answer_exists() -> None:
    source = (Path(__file__).parents[4] / "fakes" / "tencent_cloud.py").read_text()
    codes = set(re.findall(r'ApiError\(\s*"([A-Za-z.]+)"', source))
    known = sdk_models.error_codes("ses") | sdk_models.error_codes("dnspod")

    assert len(codes) > 20 and codes <= known, codes - known


# -- how the service would judge what we publish -------------------------------------------------------

DOMAIN = "notify.example.com"
SPF = {"Type": "TXT", "SendDomain": DOMAIN, "ExpectedValue": "v=spf1 include:qcloudmail.com ~all"}
DMARC = {"Type": "TXT", "SendDomain": f"_dmarc.{DOMAIN}", "ExpectedValue": "v=DMARC1; p=none"}
MX = {"Type": "MX", "SendDomain": DOMAIN, "ExpectedValue": "mxbiz1.qq.com"}


def test_what_the_service_asks_for_is_not_reported() -> None:
    planned = {
        (DOMAIN, "TXT"): ("v=spf1 include:qcloudmail.com ~all",),
        (f"_dmarc.{DOMAIN}", "TXT"): ("v=DMARC1; p=none",),
        (DOMAIN, "MX"): ("5 mxbiz1.qq.com.",),
    }

    assert [v.differs for v in service_views(DOMAIN, [SPF, DMARC, MX], planned)] == [False, False, False]


@pytest.mark.parametrize(
    ("current", "status", "verdict"),
    [("", False, UNCHECKED), ("v=DMARC1; p=reject", True, PASSED), ("v=DMARC1;p=reject", False, FAILED)],
)
def test_another_dmarc_policy_is_judged_by_the_services_last_check(current: str, status: bool, verdict: str) -> None:
    attr = {**DMARC, "CurrentValue": current, "Status": status}

    (view,) = service_views(DOMAIN, [attr], {(f"_dmarc.{DOMAIN}", "TXT"): ("v=DMARC1; p=reject",)})

    assert view.differs and view.verdict == verdict
    assert "dmarc_policy" in view.why and "reject" in view.why


def test_a_merged_spf_record_is_told_by_the_guides_rule_until_the_service_checks_it() -> None:
    merged = "v=spf1 include:_spf.example.net include:qcloudmail.com ~all"
    stale = {**SPF, "CurrentValue": "v=spf1 include:_spf.example.net ~all", "Status": False}

    (view,) = service_views(DOMAIN, [stale], {(DOMAIN, "TXT"): (merged, "google-site-verification=x")})

    assert view.ours == merged and view.verdict == UNCHECKED  # it saw another value: not a verdict on ours
    assert view.why == "merged into the SPF record already there" and "guide" in view.line()
