"""A thin shell over the official Tencent Cloud SDK: endpoints, credentials, retries and error text.

Clients are built inside each call (never kept, never pickled). Credentials come from explicit
values (stack config secrets) or the SDK's environment variables TENCENTCLOUD_SECRET_ID and
TENCENTCLOUD_SECRET_KEY. No secret ever reaches an error message or a repr.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlparse

from dms_component.core.errors import ServiceError, setting


# Tencent Cloud has two sites, each with its own API hosts and its own name for DNSPod's default line
# (line id "0"): the China site (cloud.tencent.com) and the international site (tencentcloud.com).
@dataclass(frozen=True)
class Site:
    name: str
    ses: str
    dnspod: str
    default_line: str


SITES = {
    "china": Site("china", "ses.tencentcloudapi.com", "dnspod.tencentcloudapi.com", "默认"),
    "intl": Site("intl", "ses.intl.tencentcloudapi.com", "dnspod.intl.tencentcloudapi.com", "Default"),
}
# SES is offered in these regions; the international site serves Singapore.
REGION_SITES = {"ap-guangzhou": "china", "ap-hongkong": "china", "ap-singapore": "intl"}
REGIONS = tuple(REGION_SITES)
SES_ENDPOINTS = {region: SITES[site].ses for region, site in REGION_SITES.items()}
DEFAULT_LINE_ID = "0"  # DNSPod's default line, on both sites; RecordLineId takes priority over RecordLine
ENV_SECRET_ID = "TENCENTCLOUD_SECRET_ID"
ENV_SECRET_KEY = "TENCENTCLOUD_SECRET_KEY"


# The codes the SDK's own retryer retries: tencentcloud/common/retry.py StandardRetryer.should_retry (a unit test
# holds this set EQUAL to the tuple in that function's source, and to what it answers).
SDK_RETRYABLE = frozenset(
    {
        "ClientNetworkError",
        "ServerNetworkError",
        "RequestLimitExceeded",
        "RequestLimitExceeded.UinLimitExceeded",
        "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
    }
)
# Business throttles: a burst of writes for many domains meets them, and they last longer than a per-second
# limit. Each is waited out (from the pause the service names, doubling, at most MAX_THROTTLE_PAUSE) for up to
# Api.throttle_budget seconds of waiting in one call. code -> the first pause.
BUSINESS_THROTTLES = {
    "dnspod": {
        "FailedOperation.FrequencyLimit": 5.0,  # "您操作过于频繁，请稍后重试": too frequent, retry later
        "InvalidParameter.OperationIsTooFrequent": 60.0,  # "请 1 分钟后重试": retry in 1 minute
    },
    "ses": {},  # SES's FailedOperation.FrequencyLimit is about mail to one recipient, which we never send
}
MAX_THROTTLE_PAUSE = 60.0
THROTTLE_BUDGET = 300.0


@cache
def retryable(service: str) -> frozenset[str]:
    """The codes of `service` (ses | dnspod) that mean "try again": the SDK's own retryer's set (network
    faults and the common throttling codes), those the service's errorcodes.py documents as passing, and its
    business throttles (BUSINESS_THROTTLES, waited out longer). Read when first needed: the SDK is an optional
    extra (`tencent`)."""
    from tencentcloud.dnspod.v20210323 import errorcodes as dnspod
    from tencentcloud.ses.v20201002 import errorcodes as ses

    common = SDK_RETRYABLE
    codes = {
        "ses": frozenset(
            {
                *common,
                ses.REQUESTLIMITEXCEEDED,
                ses.INTERNALERROR,
                ses.INTERNALERROR_QUERYDATABASEFAILED,  # "the database query timed out or failed"
                ses.FAILEDOPERATION_SERVICENOTAVAILABLE,  # "temporary error, not carried out, retry"
            }
        ),
        "dnspod": frozenset(
            {
                *common,
                dnspod.REQUESTLIMITEXCEEDED,
                dnspod.REQUESTLIMITEXCEEDED_REQUESTLIMITEXCEEDED,  # "API requests over the limit"
                dnspod.FAILEDOPERATION_FREQUENCYLIMIT,  # "too frequent, retry later" (a business throttle)
                dnspod.INVALIDPARAMETER_OPERATIONISTOOFREQUENT,  # "retry in 1 minute" (a business throttle)
                dnspod.INTERNALERROR,
                dnspod.FAILEDOPERATION_UNKNOWERROR,  # "the operation did not answer, retry later"
            }
        ),
    }
    return codes[service]


def throttled(service: str, code: str) -> bool:
    """A retryable code that means "too many requests" (rather than a fault)."""
    return code in retryable(service) and ("LimitExceeded" in code or "Frequen" in code)


@dataclass(frozen=True)
class Credentials:
    secret_id: str
    secret_key: str = field(repr=False)  # never in a repr, a log line or an error


class ApiError(ServiceError):
    """The service's answer to one request: its error code and message (which never hold our secret).

    A write refused as a duplicate after a retry may be our own earlier success: its caller reads back.
    """

    def __init__(self, action: str, code: str, detail: str) -> None:
        super().__init__(f"Tencent Cloud refused {action}: {code}: {detail}", code=code)
        self.action, self.detail = action, detail


def credentials(secret_id: str | None, secret_key: str | None, section: str) -> Credentials:
    """Explicit values, or the SDK's environment variables. `section` (dns, ledger) names the settings in errors."""
    key_id, key = setting(f"{section}.secret_id"), setting(f"{section}.secret_key")
    if secret_id and secret_key:
        return Credentials(secret_id, secret_key)
    if secret_id or secret_key:
        raise ServiceError(f"give both {key_id} and {key}, or neither and set {ENV_SECRET_ID}/{ENV_SECRET_KEY}")
    from tencentcloud.common.credential import EnvironmentVariableCredential

    found = EnvironmentVariableCredential().get_credential()
    if found is None:
        raise ServiceError(
            f"no Tencent Cloud credentials: set {key_id} and {key} (a secret), or the environment variables"
            f" {ENV_SECRET_ID} and {ENV_SECRET_KEY}"
        )
    return Credentials(found.secret_id, found.secret_key)


@dataclass(frozen=True)
class Api:
    """One Tencent Cloud API (`ses` or `dnspod`) at one endpoint, called with JSON actions."""

    service: str
    region: str
    endpoint: str  # host, or scheme://host[:port] (an override, e.g. a local test endpoint)
    creds: Credentials = field(repr=False)
    attempts: int = 6
    first_delay: float = 0.5
    throttle_budget: float = THROTTLE_BUDGET  # seconds of waiting out business throttles, per call
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    def _client(self) -> Any:
        from tencentcloud.common.credential import Credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile

        parsed = urlparse(self.endpoint if "//" in self.endpoint else f"https://{self.endpoint}")
        http = HttpProfile(endpoint=parsed.netloc, protocol=parsed.scheme or "https", reqTimeout=30)
        profile = ClientProfile(httpProfile=http, language="en-US")
        credential = Credential(self.creds.secret_id, self.creds.secret_key)
        if self.service == "ses":
            from tencentcloud.ses.v20201002.ses_client import SesClient

            return SesClient(credential, self.region, profile)
        from tencentcloud.dnspod.v20210323.dnspod_client import DnspodClient

        return DnspodClient(credential, self.region, profile)

    def call(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The action's `Response`. The service's retryable answers are retried with a doubling delay (at most
        `attempts` tries); its business throttles are waited out longer, within `throttle_budget` seconds."""
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

        client = self._client()
        again = retryable(self.service)
        slow = BUSINESS_THROTTLES.get(self.service, {})
        delay, attempt = self.first_delay, 0
        pause, waited = 0.0, 0.0  # for business throttles
        while True:
            try:
                return client.call_json(action, dict(params))["Response"]
            except TencentCloudSDKException as exc:
                code = str(exc.get_code() or "Unknown")
                if code in slow:
                    pause = min(pause * 2, MAX_THROTTLE_PAUSE) if pause else slow[code]
                    if waited + pause > self.throttle_budget:
                        detail = f"still refused as too frequent after waiting {waited:g} s; run again later"
                        raise ApiError(action, code, detail) from None
                    self.sleep(pause)
                    waited += pause
                    continue
                attempt += 1
                if code not in again or attempt >= self.attempts:
                    raise _api_error(action, code, str(exc.get_message() or ""), self) from None
            self.sleep(delay)
            delay = min(delay * 2, 8.0)


def _api_error(action: str, code: str, message: str, api: Api) -> ApiError:
    if throttled(api.service, code):
        message = f"still throttled after {api.attempts} tries (the service limits requests per second)"
    elif code == "ClientNetworkError":
        message = f"can't reach {api.endpoint}"  # the SDK's text repeats the request; keep it short
    return ApiError(action, code, message[:300])


def ses_api(region: str, endpoint: str | None, secret_id: str | None, secret_key: str | None, **options: Any) -> Api:
    if region not in SES_ENDPOINTS:
        raise ServiceError(
            f"{setting('ledger.region')}: {region!r} is not an SES region; allowed: {', '.join(REGIONS)}"
        )
    creds = credentials(secret_id, secret_key, "ledger")
    return Api("ses", region, endpoint or SES_ENDPOINTS[region], creds, **options)


def dnspod_api(site: str, endpoint: str | None, secret_id: str | None, secret_key: str | None, **options: Any) -> Api:
    creds = credentials(secret_id, secret_key, "dns")
    return Api("dnspod", "", endpoint or SITES[site].dnspod, creds, **options)


def auth_hint(error: ApiError, section: str) -> str | None:
    """One line for a refused credential, naming where credentials come from (never their value)."""
    if error.code.startswith(("AuthFailure", "UnauthorizedOperation")):
        return (
            f"Tencent Cloud refused the credentials ({error.code}): check {setting(f'{section}.secret_id')} and"
            f" {setting(f'{section}.secret_key')}"
            f" or {ENV_SECRET_ID}/{ENV_SECRET_KEY}, and that the key may use {error.action}"
        )
    return None
