"""A thin shell over the official Tencent Cloud SDK: endpoints, credentials, retries and error text.

Clients are built inside each call (never kept, never pickled). Credentials come from explicit
values (stack config secrets) or the SDK's environment variables TENCENTCLOUD_SECRET_ID and
TENCENTCLOUD_SECRET_KEY. No secret ever reaches an error message or a repr.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from dms_component.core.errors import ServiceError

# SES is offered in these regions; the international site serves Singapore.
SES_ENDPOINTS = {
    "ap-guangzhou": "ses.tencentcloudapi.com",
    "ap-hongkong": "ses.tencentcloudapi.com",
    "ap-singapore": "ses.intl.tencentcloudapi.com",
}
REGIONS = tuple(SES_ENDPOINTS)
DNSPOD_ENDPOINT = "dnspod.tencentcloudapi.com"
DNSPOD_INTL_ENDPOINT = "dnspod.intl.tencentcloudapi.com"
ENV_SECRET_ID = "TENCENTCLOUD_SECRET_ID"
ENV_SECRET_KEY = "TENCENTCLOUD_SECRET_KEY"
# Each action allows 20 requests a second; these codes mean "slow down", the others are answers.
THROTTLED = (
    "RequestLimitExceeded",
    "RequestLimitExceeded.UinLimitExceeded",
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
)
TRANSIENT = ("ClientNetworkError", "ServerNetworkError", "InternalError", "FailedOperation.ServiceNotAvailable")


@dataclass(frozen=True)
class Credentials:
    secret_id: str
    secret_key: str = field(repr=False)  # never in a repr, a log line or an error


class ApiError(ServiceError):
    """The service's answer to one request: its error code and message (which never hold our secret)."""

    def __init__(self, action: str, code: str, message: str) -> None:
        self.action, self.code, self.message = action, code, message
        super().__init__(f"Tencent Cloud refused {action}: {code}: {message}")


def credentials(secret_id: str | None, secret_key: str | None, keys: str) -> Credentials:
    """Explicit values, or the SDK's environment variables. `keys` names the config keys for the error."""
    if secret_id and secret_key:
        return Credentials(secret_id, secret_key)
    if secret_id or secret_key:
        raise ServiceError(
            f"{keys}: give both secretId and secretKey, or neither and set {ENV_SECRET_ID}/{ENV_SECRET_KEY}"
        )
    from tencentcloud.common.credential import EnvironmentVariableCredential

    found = EnvironmentVariableCredential().get_credential()
    if found is None:
        raise ServiceError(
            f"no Tencent Cloud credentials: set {keys}.secretId and {keys}.secretKey (with --secret),"
            f" or the environment variables {ENV_SECRET_ID} and {ENV_SECRET_KEY}"
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
        """The action's `Response`; throttling and network faults are retried with a doubling delay."""
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

        client = self._client()
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                return client.call_json(action, dict(params))["Response"]
            except TencentCloudSDKException as exc:
                code = str(exc.get_code() or "Unknown")
                retry = code in THROTTLED or code in TRANSIENT
                if not retry or attempt == self.attempts:
                    raise _api_error(action, code, str(exc.get_message() or ""), self) from None
            self.sleep(delay)
            delay = min(delay * 2, 8.0)
        raise AssertionError("unreachable")


def _api_error(action: str, code: str, message: str, api: Api) -> ApiError:
    if code in THROTTLED:
        message = f"still throttled after {api.attempts} tries (each action allows 20 requests a second)"
    elif code == "ClientNetworkError":
        message = f"can't reach {api.endpoint}"  # the SDK's text repeats the request; keep it short
    return ApiError(action, code, message[:300])


def ses_api(region: str, endpoint: str | None, secret_id: str | None, secret_key: str | None, **options: Any) -> Api:
    if region not in SES_ENDPOINTS:
        raise ServiceError(f"dms:ledger.region: {region!r} is not an SES region; allowed: {', '.join(REGIONS)}")
    creds = credentials(secret_id, secret_key, "dms:ledger")
    return Api("ses", region, endpoint or SES_ENDPOINTS[region], creds, **options)


def dnspod_api(endpoint: str | None, secret_id: str | None, secret_key: str | None, **options: Any) -> Api:
    creds = credentials(secret_id, secret_key, "dms:dns")
    return Api("dnspod", "", endpoint or DNSPOD_ENDPOINT, creds, **options)


def auth_hint(error: ApiError, keys: str) -> str | None:
    """One line for a refused credential, naming where credentials come from (never their value)."""
    if error.code.startswith("AuthFailure") or error.code == "UnauthorizedOperation":
        return (
            f"Tencent Cloud refused the credentials ({error.code}): check {keys}.secretId/{keys}.secretKey"
            f" or {ENV_SECRET_ID}/{ENV_SECRET_KEY}, and that the key may use {error.action}"
        )
    return None
