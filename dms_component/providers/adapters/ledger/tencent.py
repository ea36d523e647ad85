"""The ledger kept by the service itself: Tencent Cloud SES sender domains (API 2020-10-02).

The service decides here: it creates the domain and its DKIM key (so it, not this project, says
which records to publish: `register`'s entry carries them, `service_attributes` reads them again),
verifies the domain by reading DNS, says whether it is verified, and enforces its own domain limit.
This project checks DNS first with its own verifier (faster, and it explains each failing item),
then asks the service to verify (UpdateEmailIdentity) until it agrees or the deadline passes.

That a verified domain is never deleted is this project's rule, from the service's guide (its console
offers Delete only while a domain is pending): `remove` refuses before asking. The service documents
OperationDenied.NotAllowDelete without saying when it answers it; it is taken as the same refusal.

The mail type (triggered or batch) is this project's notion; it travels as a tag on the domain.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from dms_component.core import dkim, senders, validate
from dms_component.core.errors import ConfigError, DmsError, DomainHasAddresses, QuotaExceeded, ServiceError
from dms_component.providers.adapters.ledger.base import (
    DEFAULT_QUOTA,
    PENDING,
    VERIFIED,
    LedgerBackend,
    LedgerEntry,
    AccountView,
    DomainView,
    LedgerSettings,
    SenderAddressEntry,
    protected,
    unchangeable,
)
from dms_component.providers.adapters.tencent.client import REGIONS, Api, ApiError, auth_hint, ses_api

MAIL_TYPE_TAG = "dms-mail-type"
DKIM_OPTIONS = {1024: 0, 2048: 1}  # CreateEmailIdentity's DKIMOption values
DUAL_SIGNING = 2  # dual signing ("双签"): UpdateEmailIdentity takes it (SDK >= 3.1.124), CreateEmailIdentity does not
ATTRIBUTE_KEYS = ("Type", "SendDomain", "ExpectedValue", "CurrentValue", "Status")  # DNSAttributes
DEFAULT_VERIFY_TIMEOUT = 600.0  # the service's guide: records take 1 to 10 minutes to be seen
FIRST_POLL = 2.0
MAX_POLL = 30.0
CREATE_TRIES = 6  # "created" but not found: a delete the service is still finishing; ~1 minute in all
LIST_PAGE = 100  # ListEmailIdentities' largest Limit
REPEAT_CREATION = "InvalidParameterValue.RepeatCreation"
NOT_EXIST = "InvalidParameterValue.NotExistDomain"
SENDERS_LEFT = "OperationDenied.SenderWithDomainIsNotEmpty"
# Sender addresses (issue 26): the service's codes, and ours for them.
REPEAT_ADDRESS = "InvalidParameterValue.RepeatEmailAddress"
NO_SUCH_SENDER = "InvalidParameterValue.NoSuchSender"
ADDRESS_CODES = {
    "OperationDenied.DomainNotVerified": senders.NOT_VERIFIED,
    "OperationDenied.ExceedSenderLimit": senders.SENDER_QUOTA,
    "InvalidParameterValue.IllegalEmailAddress": senders.ADDRESS,
    "InvalidParameterValue.IllegalSenderName": senders.SENDER_NAME,
    "InvalidParameterValue.InvalidSmtpPassWord": senders.PASSWORD,
    SENDERS_LEFT: senders.HAS_ADDRESSES,
}


class TencentLedger(LedgerBackend):
    """Each method is one or a few SES calls; the service keeps the state, so there is nothing to lock."""

    decides_records = True  # the records to publish come from the service (see service_attributes)

    def __init__(
        self,
        region: str,
        *,
        endpoint: str | None = None,
        secret_id: str | None = None,
        secret_key: str | None = None,
        quota: int = DEFAULT_QUOTA,
        sender_quota: int = senders.DEFAULT_SENDER_QUOTA,
        verify_timeout: float = DEFAULT_VERIFY_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        api_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(quota, sender_quota)
        self.region = region
        self.endpoint = endpoint
        self._secret_id = secret_id
        self._secret_key = secret_key
        self.verify_timeout: float = verify_timeout
        self._clock = clock
        self._sleep = sleep
        self._api_options = api_options or {}

    def __repr__(self) -> str:
        return f"TencentLedger(region={self.region!r}, endpoint={self.endpoint!r})"  # never the credentials

    def _api(self) -> Api:
        options = {"sleep": self._sleep, **self._api_options}  # the client's retries wait through the same seam
        return ses_api(self.region, self.endpoint, self._secret_id, self._secret_key, **options)

    def _call(self, api: Api, action: str, domain: str | None, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return api.call(action, params)
        except ApiError as exc:
            raise self._explain(exc, domain) from None

    def _explain(self, exc: ApiError, domain: str | None) -> Exception:
        hint = auth_hint(exc, "ledger")
        if hint:
            return ServiceError(hint, code="tencent.credentials")
        if exc.code == "OperationDenied.ExceedDomainLimit":
            names = [e.domain for e in self.entries()]
            return QuotaExceeded(
                f"quota: Tencent Cloud refused to create {domain} ({exc.code}): the account already has"
                f" {len(names)} sender domains ({', '.join(names) or 'none listed'}), as many as the service"
                " allows. Verified domains can't be deleted: delete a pending one in the SES console, ask"
                " Tencent Cloud for a higher limit, or drop this domain"
            )
        if exc.code == "InvalidParameterValue.CreatedByOther":
            return ServiceError(
                f"{domain} is a sender domain of another Tencent Cloud account ({exc.code}); the service lets"
                " one account hold a domain: delete it there, or declare another domain",
                code="tencent.created-by-other",
            )
        if exc.code == "OperationDenied.NotAllowDelete" and domain:
            return protected(domain)
        if exc.code == SENDERS_LEFT and domain:
            return _senders_left(domain, exc.code, [a.address for a in self.addresses(domain)])
        if exc.code == "OperationDenied.DomainNotVerified":
            return ServiceError(f"Tencent Cloud has not verified {domain} yet ({exc.code}); run `pulumi up` later")
        if exc.code == NOT_EXIST:
            return ServiceError(f"{domain} is not a sender domain in this Tencent Cloud account ({exc.code})")
        target = f" for {domain}" if domain else ""
        return ServiceError(f"Tencent Cloud SES refused {exc.action}{target}: {exc.code}: {exc.detail}")

    @staticmethod
    def _entry(domain: str, answer: dict[str, Any], mail_type: str | None = None) -> LedgerEntry:
        verified = bool(answer.get("VerifiedForSendingStatus", answer.get("SendingEnabled")))
        tags = {t.get("TagKey"): t.get("TagValue") for t in answer.get("TagList") or []}
        attributes = _attributes(answer) if "Attributes" in answer else None
        status = VERIFIED if verified else PENDING
        return LedgerEntry(domain, mail_type or tags.get(MAIL_TYPE_TAG) or "", status, None, attributes)

    # -- the LedgerBackend interface --------------------------------------------------------------------

    def register(
        self, domain: str, mail_type: str, owner: str | None = None, *, dkim_key_bits: int = 2048
    ) -> LedgerEntry:
        """CreateEmailIdentity; a domain this account already has is returned as it is (idempotent).
        The entry carries the records the service asks for.

        The owning stack is not kept: the service can't change a domain's tags, so a retired domain
        could never be released. Removing a verified domain is refused when its delete runs instead.
        """
        api = self._api()
        params = {
            "EmailIdentity": domain,
            "DKIMOption": DKIM_OPTIONS.get(dkim_key_bits, 1),
            "TagList": [{"TagKey": MAIL_TYPE_TAG, "TagValue": mail_type}],
        }
        delay = FIRST_POLL
        for attempt in range(1, CREATE_TRIES + 1):
            try:
                return self._entry(domain, api.call("CreateEmailIdentity", params), mail_type)
            except ApiError as exc:
                if exc.code != REPEAT_CREATION:
                    raise self._explain(exc, domain) from None
            existing = self._get(api, domain)  # ours already (a rerun, or a retried create that went through)
            if existing is not None:
                return self._entry(domain, existing)
            if attempt == CREATE_TRIES:
                break
            # "Created" but not there: a delete the service has not finished. Wait, then ask again.
            self._sleep(delay)
            delay = min(delay * 2, MAX_POLL)
        raise ServiceError(
            f"Tencent Cloud says {domain} exists ({REPEAT_CREATION}) yet has no such sender domain ({NOT_EXIST}),"
            f" still after {CREATE_TRIES} tries: a domain deleted moments ago takes a while to go; run"
            " `pulumi up` again in a few minutes",
            code="tencent.create-after-delete",
        )

    def release(self, domain: str) -> None:
        return None  # no owner is kept (see register)

    def get(self, domain: str) -> LedgerEntry | None:
        answer = self._get(self._api(), domain)
        return None if answer is None else self._entry(domain, answer)

    def _get(self, api: Api, domain: str) -> dict[str, Any] | None:
        try:
            return api.call("GetEmailIdentity", {"EmailIdentity": domain})
        except ApiError as exc:
            if exc.code == NOT_EXIST:
                return None
            raise self._explain(exc, domain) from None

    def service_attributes(self, domain: str) -> list[dict[str, Any]]:
        """The records the service asks for, and what its last check saw: its `Attributes`."""
        answer = self._get(self._api(), domain)
        if answer is None:
            raise ServiceError(
                f"{domain} is not a sender domain in this Tencent Cloud account", code="tencent.not-a-sender-domain"
            )
        return [dict(a) for a in _attributes(answer)]

    def mark_verified(self, domain: str) -> LedgerEntry:
        """Ask the service to verify until it agrees or `verify_timeout` passes; its answer is the status."""
        api = self._api()
        deadline = self._clock() + self.verify_timeout
        delay = FIRST_POLL
        while True:
            try:
                answer = api.call("UpdateEmailIdentity", {"EmailIdentity": domain})
                verified = bool(answer.get("VerifiedForSendingStatus"))
            except ApiError as exc:
                if exc.code != "OperationDenied.DomainNotVerified":
                    raise self._explain(exc, domain) from None
                verified = False  # the service's way of saying "not yet"
            if verified:
                entry = self.get(domain)
                return entry or LedgerEntry(domain, "", VERIFIED)
            remaining = deadline - self._clock()
            if remaining <= 0:
                entry = self.get(domain)
                return entry or LedgerEntry(domain, "", PENDING)
            self._sleep(min(delay, remaining))
            delay = min(delay * 2, MAX_POLL)

    def ensure_retypable(self, domain: str, mail_type: str) -> None:
        """A retype makes the domain again (SES can't retag one): refuse now what would stop that."""
        api = self._api()
        answer = self._get(api, domain)
        if answer is not None:
            self._remade(api, domain, answer, mail_type)

    def _remade(self, api: Api, domain: str, answer: dict[str, Any], mail_type: str) -> bool:
        """Whether giving the domain (the service's `answer` for it) `mail_type` makes it again; raises what
        would stop that."""
        entry = self._entry(domain, answer)
        if not entry.mail_type or entry.mail_type == mail_type:
            return False  # untagged (made elsewhere), or already so: nothing to make again
        if entry.status == VERIFIED:
            raise unchangeable(domain, f"its type ({entry.mail_type})")
        self._ensure_no_senders(api, domain)
        return True

    def retype(self, domain: str, mail_type: str) -> LedgerEntry:
        api = self._api()
        answer = self._get(api, domain)
        if answer is None:
            raise KeyError(f"{domain} is not in the ledger")
        if not self._remade(api, domain, answer, mail_type):
            return replace(self._entry(domain, answer), mail_type=mail_type)
        # SES can't retag a domain: a pending one is made again (with a new DKIM key the records follow).
        # CreateEmailIdentity makes one key; a domain that signed with two is asked for dual signing again.
        option = answer.get("DKIMOption", 1)
        bits = dkim_bits(option) or 2048
        self.remove(domain)
        entry = self.register(domain, mail_type, dkim_key_bits=bits)
        if option == DUAL_SIGNING:
            entry = self._entry(domain, self._set_dkim_option(api, domain, DUAL_SIGNING), mail_type)
        return entry

    def ensure_removable(self, domain: str) -> None:
        super().ensure_removable(domain)
        self._ensure_no_senders(self._api(), domain)

    def _ensure_no_senders(self, api: Api, domain: str) -> None:
        answer = self._call(api, "ListEmailAddress", domain, {})
        suffix = "@" + domain.lower()
        left = [str(s.get("EmailAddress", "")).lower() for s in answer.get("EmailSenders") or []]
        left = [a for a in left if a.endswith(suffix)]
        if left:
            raise _senders_left(domain, SENDERS_LEFT, left)

    def remove(self, domain: str) -> None:
        entry = self.get(domain)
        if entry is None:
            return
        if entry.status == VERIFIED:
            raise protected(domain)  # this project's rule (see the module's docstring): refused before asking
        try:
            self._api().call("DeleteEmailIdentity", {"EmailIdentity": domain})
        except ApiError as exc:
            if exc.code != NOT_EXIST:  # gone already: a retried delete whose first try went through
                raise self._explain(exc, domain) from None

    def entries(self) -> list[LedgerEntry]:
        api = self._api()
        out: list[LedgerEntry] = []
        offset = 0
        while True:
            answer = self._call(api, "ListEmailIdentities", None, {"Limit": LIST_PAGE, "Offset": offset})
            page = answer.get("EmailIdentities") or []
            out += [self._entry(str(i.get("IdentityName", "")).lower(), i) for i in page]
            offset += len(page)
            if not page or offset >= int(answer.get("Total") or 0):
                break
        return sorted(out, key=lambda e: e.domain)

    # -- sender addresses (issue 26): the service keeps them; see docs/tencent.md ------------------------------

    def addresses(self, domain: str | None = None) -> list[SenderAddressEntry]:
        """ListEmailAddress (SmtpPwdType: whether a password is set) with ListAddressUnsubscribeConfig."""
        api = self._api()
        listed = self._call(api, "ListEmailAddress", domain, {}).get("EmailSenders") or []
        wanted = domain.lower() if domain else None
        links = self._unsubscribe_configs(api) if listed else {}
        out = []
        for sender in listed:
            address = str(sender.get("EmailAddress") or "").lower()
            found = senders.domain_of(address)
            if not found or (wanted is not None and found != wanted):
                continue
            language = _language_of(links.get(address))
            name = str(sender.get("EmailSenderName") or "")
            out.append(SenderAddressEntry(address, found, name, sender.get("SmtpPwdType") == 1, language, None))
        return sorted(out, key=lambda a: a.address)

    def _unsubscribe_configs(self, api: Api) -> dict[str, tuple[str, int]]:
        """Address -> (UnsubscribeConfig, Status), every page."""
        out: dict[str, tuple[str, int]] = {}
        offset = 0
        while True:
            params = {"Offset": offset, "Limit": str(LIST_PAGE)}  # Limit is a string in the model
            answer = self._call(api, "ListAddressUnsubscribeConfig", None, params)
            page = answer.get("AddressUnsubscribeConfigList") or []
            for row in page:
                out[str(row.get("Address") or "").lower()] = (str(row.get("UnsubscribeConfig")), row.get("Status") or 0)
            offset += len(page)
            if not page or offset >= int(answer.get("Total") or 0):
                return out

    def create_address(self, address: str, sender_name: str, owner: str | None = None) -> SenderAddressEntry:
        """CreateEmailAddress; an address the account has is taken over (read back), a retried create too."""
        address, _ = self._checked(address, sender_name)
        existing = self.address(address)
        if existing is not None:
            return existing
        have = [a.address for a in self.addresses()]
        if len(have) >= self.sender_quota:  # ours, before asking; the service's limit is checked as it creates
            raise senders.sender_quota_error(address, have, self.sender_quota)
        params = {"EmailAddress": address, "EmailSenderName": sender_name.strip()}
        try:
            self._api().call("CreateEmailAddress", params)
        except ApiError as exc:
            if exc.code != REPEAT_ADDRESS:
                raise self._address_error(exc, address) from None
            # Made meanwhile, or by our own retried create whose first answer was lost: read it back.
        entry = self.address(address)
        if entry is None:
            raise ServiceError(
                f"Tencent Cloud says {address} exists ({REPEAT_ADDRESS}) yet does not list it; run `pulumi up` again",
                code="tencent.address-not-listed",
            )
        return entry

    def delete_address(self, address: str) -> None:
        address, _ = self._checked(address)
        try:
            self._api().call("DeleteEmailAddress", {"EmailAddress": address})
        except ApiError as exc:
            if exc.code != NO_SUCH_SENDER:  # gone already: fine
                raise self._address_error(exc, address) from None

    def set_smtp_password(self, address: str, password: str) -> SenderAddressEntry:
        address, _ = self._checked(address)
        senders.check_password(password, f"SMTP password of {address}")
        try:
            self._api().call("UpdateEmailSmtpPassWord", {"EmailAddress": address, "Password": password})
        except ApiError as exc:
            raise self._address_error(exc, address) from None
        return self._read_back(address)

    def set_unsubscribe(self, address: str, language: int) -> SenderAddressEntry:
        """Create, Update or Delete the address's unsubscribe config so it says `language` (0: none)."""
        address, _ = self._checked(address)
        language = self._language(address, language)
        api = self._api()
        if self.address(address) is None:
            raise KeyError(f"{address} is not in the ledger")
        have = self._unsubscribe_configs(api).get(address)
        try:
            if language == senders.NO_LINK and have is not None:
                api.call("DeleteAddressUnsubscribeConfig", {"Address": address})
            elif language != senders.NO_LINK and have != (str(language), 1):
                action = "UpdateAddressUnsubscribeConfig" if have is not None else "CreateAddressUnsubscribeConfig"
                api.call(action, {"Address": address, "UnsubscribeConfig": str(language), "Status": 1})
        except ApiError as exc:
            # A retried call whose first try went through answers as if the config were (or weren't) there:
            # what counts is whether the service now says what we want.
            if _language_of(self._unsubscribe_configs(api).get(address)) != language:
                raise self._address_error(exc, address) from None
        return self._read_back(address)

    def _read_back(self, address: str) -> SenderAddressEntry:
        entry = self.address(address)
        if entry is None:
            raise KeyError(f"{address} is not in the ledger")
        return entry

    def _address_error(self, exc: ApiError, address: str) -> Exception:
        """The service's refusal as ours: the same code every ledger gives (core/senders.py)."""
        if exc.code == NO_SUCH_SENDER:
            return KeyError(f"{address} is not in the ledger")
        ours = ADDRESS_CODES.get(exc.code)
        domain = senders.domain_of(address)
        if ours == senders.NOT_VERIFIED:
            return senders.not_verified(address, domain)
        if ours == senders.SENDER_QUOTA:
            have = [a.address for a in self.addresses()]
            return senders.sender_quota_error(address, have, self.sender_quota, exc.code)
        if ours == senders.PASSWORD:  # never the password itself
            return ConfigError(f"SMTP password of {address}", f"Tencent Cloud refused it ({exc.code}): {exc.detail}",
                               code=ours)  # fmt: skip
        if ours is not None:
            return ConfigError(address, f"Tencent Cloud refused it ({exc.code}): {exc.detail}", code=ours)
        return self._explain(exc, domain)

    def account_view(self) -> AccountView:
        """What the console's domain list shows (ListEmailIdentities): for `dms status`."""
        api = self._api()
        domains: list[DomainView] = []
        offset, answer = 0, {}
        while True:
            answer = self._call(api, "ListEmailIdentities", None, {"Limit": LIST_PAGE, "Offset": offset})
            page = answer.get("EmailIdentities") or []
            domains += [
                DomainView(
                    str(i.get("IdentityName", "")).lower(),
                    bool(i.get("SendingEnabled")),
                    int(i.get("CurrentReputationLevel") or 0),
                    int(i.get("DailyQuota") or 0),
                )
                for i in page
            ]
            offset += len(page)
            if not page or offset >= int(answer.get("Total") or 0):
                break
        return AccountView(
            tuple(sorted(domains, key=lambda d: d.domain)),
            int(answer.get("MaxReputationLevel") or 0),
            int(answer.get("MaxDailyQuota") or 0),
        )

    # -- the DKIM key's length, changed in place (UpdateEmailIdentity's DKIMOption) -------------------------

    def change_dkim_length(self, domain: str, bits: int) -> DkimStep:
        """Take the domain's DKIM key to `bits` (1024 or 2048) in place, one step per call; each call reads the
        service first, so a call repeated after a crash carries on from where the service is.

        A pending domain sends no mail: it is asked for the new length at once. A verified one goes through
        dual signing (DKIMOption 2) when the service then asks for both keys' records: the old key keeps
        signing while the new one is published, and only once the service has checked both (a later call)
        is it asked for the new length alone. Where dual signing asks for one record it bridges nothing,
        and the domain is asked for the new length at once (docs/tencent.md: the assumptions)."""
        api = self._api()
        answer = self._get(api, domain)
        if answer is None:
            raise ServiceError(
                f"{domain} is not a sender domain in this Tencent Cloud account", code="tencent.not-a-sender-domain"
            )
        target = DKIM_OPTIONS.get(bits, 1)
        option = answer.get("DKIMOption")
        if option == target:
            return self._step(domain, answer)
        if bool(answer.get("VerifiedForSendingStatus")):
            if option == DUAL_SIGNING and len(_dkim_attributes(answer)) > 1:
                checked = self._update(api, domain, {"EmailIdentity": domain}) or answer  # asks it to check now
                if not _keys_checked(checked):
                    return self._step(domain, checked)  # still bridging: the new key's record isn't checked yet
            elif option != DUAL_SIGNING:
                dual = self._set_dkim_option(api, domain, DUAL_SIGNING)
                if len(_dkim_attributes(dual)) > 1:
                    return self._step(domain, dual)
        # Pending (no mail to sign), both keys checked, or dual signing that asks for one record: the length now.
        return self._step(domain, self._set_dkim_option(api, domain, target))

    def dkim_state(self, domain: str) -> DkimStep:
        """The service's records and DKIMOption now, changing nothing (what a refresh reads)."""
        answer = self._get(self._api(), domain)
        if answer is None:
            raise ServiceError(
                f"{domain} is not a sender domain in this Tencent Cloud account", code="tencent.not-a-sender-domain"
            )
        return self._step(domain, answer)

    def _step(self, domain: str, answer: dict[str, Any]) -> DkimStep:
        option = answer.get("DKIMOption")
        return DkimStep(self._entry(domain, answer), option if isinstance(option, int) else None)

    def _update(self, api: Api, domain: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """UpdateEmailIdentity (which also asks the service to check the records): its answer, None for the
        service's "not verified yet" refusal."""
        try:
            return api.call("UpdateEmailIdentity", params)
        except ApiError as exc:
            if exc.code != "OperationDenied.DomainNotVerified":
                raise self._explain(exc, domain) from None
            return None

    def _set_dkim_option(self, api: Api, domain: str, option: int) -> dict[str, Any]:
        """UpdateEmailIdentity with DKIMOption, then the service's word read back: its answer may be "not
        verified" (an error) after taking the option, and a retried request may have been taken already."""
        self._update(api, domain, {"EmailIdentity": domain, "DKIMOption": option})
        answer = self._get(api, domain)
        if answer is None or answer.get("DKIMOption") != option:
            said = None if answer is None else answer.get("DKIMOption")
            raise ServiceError(
                f"Tencent Cloud SES did not take DKIMOption {option} for {domain} (it says {said}); nothing else was"
                " changed: run `pulumi up` again, or ask Tencent Cloud support",
                code="tencent.dkim-option",
            )
        return answer


@dataclass(frozen=True)
class DkimStep:
    """Where a DKIM length change stands: the service's entry (its records) and its DKIMOption now."""

    entry: LedgerEntry
    option: int | None

    @property
    def bridging(self) -> bool:
        """Dual signing with both keys' records asked for: the switch to one key waits for a later `up`."""
        return self.option == DUAL_SIGNING and len(_dkim_attributes({"Attributes": self.entry.service_attributes})) > 1


def dkim_bits(option: int | None) -> int | None:
    """The key length a DKIMOption stands for; None for dual signing or none reported."""
    return next((b for b, o in DKIM_OPTIONS.items() if o == option), None)


def _dkim_attributes(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The DKIM key records among the service's attributes."""
    return [
        a
        for a in answer.get("Attributes") or []
        if str(a.get("Type", "")).upper() == "TXT" and dkim.is_key_record(str(a.get("ExpectedValue") or ""))
    ]


def _keys_checked(answer: dict[str, Any]) -> bool:
    """The service says the domain is verified and its last check passed every DKIM record it asks for."""
    keys = _dkim_attributes(answer)
    return bool(answer.get("VerifiedForSendingStatus")) and bool(keys) and all(a.get("Status") for a in keys)


def _language_of(config: tuple[str, int] | None) -> int:
    """The link's language an unsubscribe config (UnsubscribeConfig, Status) gives: 0 unless it is on."""
    if config is None or config[1] != 1 or not config[0].isdigit():
        return senders.NO_LINK
    return int(config[0])


def _attributes(answer: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    return tuple({k: a.get(k) for k in ATTRIBUTE_KEYS if k in a} for a in answer.get("Attributes") or [])


def _senders_left(domain: str, code: str, addresses: list[str]) -> DmsError:
    """The service's SenderWithDomainIsNotEmpty as every ledger's refusal (ledger.domain-has-addresses). The
    addresses this program declares are deleted before their domain; one left is one made elsewhere."""
    return DomainHasAddresses(
        f"{domain} still has sender addresses in Tencent Cloud SES ({', '.join(sorted(addresses)) or code}), so it"
        " can't be deleted or made"
        " again; nothing was removed. Remove them from the program, or delete the ones made by hand in the SES"
        " console (Sender Addresses), then run `pulumi up` again"
    )


@dataclass(frozen=True, kw_only=True)
class TencentLedgerArgs(LedgerSettings):
    """The service itself (Tencent Cloud SES) keeps the list; credentials come from TENCENTCLOUD_SECRET_ID and
    TENCENTCLOUD_SECRET_KEY in the environment of pulumi, or (stack config and Python) secretId and secretKey."""

    kind: ClassVar[str] = "tencent"
    credential_field: ClassVar[str | None] = "secret_key"
    decides_records: ClassVar[bool] = True
    # The package reads the ledger before anything is declared, so its settings can't wait for a secret.
    package_omits: ClassVar[tuple[str, ...]] = ("secret_id", "secret_key")

    region: str = "ap-guangzhou"
    """ap-guangzhou (default), ap-hongkong or ap-singapore."""
    secret_id: str | None = None
    """The Tencent Cloud API key id (with secretKey)."""
    secret_key: str | None = field(default=None, repr=False)
    """The Tencent Cloud API key; a Pulumi secret, never kept in plain text."""
    endpoint: str | None = None
    """The SES API endpoint, for tests."""
    verify_timeout: float = DEFAULT_VERIFY_TIMEOUT
    """Seconds to keep asking the service to verify (default 600)."""

    def validated(self, name: validate.Namer) -> TencentLedgerArgs:
        from dms_component.providers.adapters.dns.dnspod import tencent_credentials
        from dms_component.providers.adapters.extras import needs_library

        base = super().validated(name)
        needs_library("tencentcloud.ses", "tencent", name("backend"))
        region = validate.text(self.region, name("region"), REGIONS)
        tencent_credentials(self.secret_id, self.secret_key, name)
        validate.endpoint(self.endpoint, name("endpoint"))
        timeout = validate.seconds(self.verify_timeout, name("verify_timeout"), 7200)
        return replace(base, region=region, verify_timeout=timeout)

    def open(self) -> TencentLedger:
        return TencentLedger(
            self.region,
            endpoint=self.endpoint,
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            quota=int(self.quota),
            sender_quota=int(self.sender_quota),
            verify_timeout=float(self.verify_timeout),
        )


SETTINGS = TencentLedgerArgs
