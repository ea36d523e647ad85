"""What the `dms` commands know of a stack: its sender domains, from its state or from its `dms:` config.

Any program's stack: every SenderDomain leaves its settings in the state (its children's inputs: domain,
type, the records, the DNS target and the ledger without their credentials, the servers verification asks,
and how the program names its keys), so `dms status`, `dms plan` and `dms wait` read them there, whatever
the program is (one's own Python, YAML, TypeScript, or this project's stack config). A stack of this
project's program that has no state yet is read from its `dms:` config instead. Credentials never come
from the state: from the usual chains (environment, boto3), or the stack's own config secrets.

Two ways in:
- `--stack NAME`: the Pulumi CLI (`pulumi stack export`, `pulumi config --json --show-secrets`), so the
  commands see what `pulumi up` sees, in CI too (the backend and passphrase come from the environment, as
  for `pulumi` itself). Decrypted config stays in this process: it is handed to the ledger and DNS clients
  and never printed.
- `--stack-file FILE`: a stack's YAML file read as it is, without state; `secure:` values can't be read that
  way (credentials then come from the environment, as the SDKs look for them).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from dms_component.config import StackSettings, parse_stack_config
from dms_component.core import dkim_rotation
from dms_component.core import senders as senders_rules
from dms_component.core.changes import Spf
from dms_component.core.errors import ConfigError, DmsError
from dms_component.core.naming import Front
from dms_component.core.records import RequiredRecord, required_records
from dms_component.providers.adapters.ledger import LedgerBackend, open_ledger

COMPONENT = "dms:index:SenderDomain"
_CHILDREN = {"identity": "dms:SenderIdentity", "records": "dms:DnsRecords", "verification": "dms:Verification"}
_ADDRESS = "dms:SenderAddress"  # a domain has any number of them


class StackUnavailable(DmsError):
    """The Pulumi CLI or the stack's files can't be read."""

    code = "cli.stack-unavailable"


@dataclass(frozen=True)
class DomainView:
    """One sender domain of a stack, as the day-2 commands need it."""

    domain: str
    mail_type: str
    ledger: Mapping[str, Any]  # the ledger's settings as state keeps them (no credential)
    dns: Mapping[str, Any] | None  # the DNS target's, likewise; None: published by another provider
    records: tuple[RequiredRecord, ...]  # what the domain publishes (its real DKIM key, once it has one)
    owned: tuple[RequiredRecord, ...] = ()  # what the stack wrote
    spf: Spf = field(default_factory=Spf)
    adopt: bool = False
    nameservers: tuple[str, ...] = ()  # the servers its verification asks (none: each zone's own)
    public_zone: str | None = None  # and the zone whose public NS set it asks besides (a primary written to)
    timeout: float = 600.0
    change: str | None = None  # the DNS host's name for a change not served everywhere yet (Route53)
    front: Front | None = None  # how its program names its keys
    retired: bool = False
    published: tuple[RequiredRecord, ...] = ()  # what its DnsRecords writes (every published DKIM key's record)
    dkim_keys: Mapping[str, Any] | None = None  # our DKIM keys' public side (the identity's `dkim_keys`), if any
    dkim_max_key_age_days: int | None = None
    dkim_overlap_days: int | None = None
    dkim_verified: tuple[str, ...] = ()  # the pending keys its last verification found verifying (then active)
    # Its declared sender addresses: {address, sender_name, unsubscribe (UnsubscribeConfig)}; no password.
    addresses: tuple[Mapping[str, Any], ...] = ()


@dataclass
class StackView:
    name: str
    folder: Path  # the project folder: relative ledger paths are relative to it
    raw: dict[str, Any]  # the `dms:` keys, without the prefix, as parse_stack_config takes them
    aws: dict[str, str] = field(default_factory=dict)
    resources: list[dict[str, Any]] = field(default_factory=list)  # from the state; empty without one
    _parsed: StackSettings | ConfigError | None = field(default=None, init=False, repr=False)

    def settings(self) -> StackSettings:
        """The `dms:` config, parsed once: every domain's credentials are read from it."""
        if self._parsed is None:
            try:
                self._parsed = parse_stack_config(self.raw, self.aws)
            except ConfigError as exc:
                self._parsed = exc
        if isinstance(self._parsed, ConfigError):
            raise self._parsed
        return self._parsed

    def domains(self) -> list[DomainView]:
        """Every sender domain of the stack: from the state when it has any, else from the `dms:` config."""
        found = from_state(self.resources)
        if found:
            return found
        if "domains" in self.raw:
            return from_config(self.settings())
        raise ConfigError(
            "--stack",
            f"stack {self.name} has no sender domains in its state, and no dms:domains in its config: run `pulumi up`",
        )

    def ledger(self, view: DomainView) -> LedgerBackend:
        """The domain's ledger, opened: a relative SQLite path from the project folder, the credential from the
        stack's config secrets when it has them, else from the environment."""

        state = dict(view.ledger)
        if isinstance(state.get("path"), str) and not Path(state["path"]).is_absolute():
            state["path"] = str(self.folder / state["path"])
        return open_ledger(state, self._credential("ledger", state))

    def dns_credential(self, view: DomainView) -> Any:
        return self._credential("dns", view.dns or {})

    def _credential(self, section: str, state: Mapping[str, Any]) -> Any:
        """The stack config's credential for these settings (this project's program), if it has one."""
        if section not in self.raw:
            return None
        try:
            settings = self.settings()
        except ConfigError:
            return None
        mine = settings.ledger if section == "ledger" else settings.dns
        return mine.credential() if mine.kind == state.get(mine.kind_key) else None


def from_state(resources: list[dict[str, Any]]) -> list[DomainView]:
    """The sender domains a stack's state holds, in the order declared; each from its children's inputs."""
    children: dict[str, dict[str, dict[str, Any]]] = {}
    addresses: dict[str, list[Mapping[str, Any]]] = {}
    for resource in resources:
        kind = next((k for k, t in _CHILDREN.items() if str(resource.get("type", "")).endswith(t)), None)
        if kind is not None and resource.get("parent"):
            children.setdefault(resource["parent"], {})[kind] = resource
        if str(resource.get("type", "")).endswith(_ADDRESS) and resource.get("parent"):
            addresses.setdefault(resource["parent"], []).append(_address(resource))
    views = []
    for resource in resources:
        mine = children.get(resource.get("urn", "")) if resource.get("type") == COMPONENT else None
        if mine and "identity" in mine and "verification" in mine:
            views.append(replace(_view(mine), addresses=tuple(addresses.get(resource["urn"], []))))
    return views


def _address(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A SenderAddress as the commands show it: what was declared, never its password."""
    inputs = resource.get("inputs") or {}
    return {k: inputs.get(k) for k in ("address", "sender_name", "unsubscribe")}


def _view(children: dict[str, dict[str, Any]]) -> DomainView:
    identity = children["identity"].get("inputs") or {}
    held = children["identity"].get("outputs") or {}
    check = children["verification"].get("inputs") or {}
    records = children.get("records") or {}
    written, wanted = records.get("outputs") or {}, records.get("inputs") or {}
    spf = written.get("spf")
    return DomainView(
        domain=str(identity.get("domain")),
        mail_type=str(identity.get("mail_type") or ""),
        ledger=_plain(identity.get("ledger")),
        dns=_plain(wanted.get("dns")) or None,
        records=_records(check.get("records") or wanted.get("records")),
        owned=_records(written.get("records")),
        spf=Spf.from_dict(spf if isinstance(spf, dict) else None),
        adopt=bool(wanted.get("adopt")),
        nameservers=tuple(str(s) for s in check.get("nameservers") or []),
        public_zone=check.get("public_zone") if isinstance(check.get("public_zone"), str) else None,
        timeout=float(check.get("timeout") or 600.0),
        change=written.get("change") if isinstance(written.get("change"), str) else None,
        front=Front.from_dict(identity.get("front")),
        retired=bool(check.get("retired")),
        published=_records(wanted.get("records")),
        dkim_keys=_keys_held(held),
        dkim_max_key_age_days=_whole(identity.get("dkim_max_key_age_days")),
        dkim_overlap_days=_whole(identity.get("dkim_overlap_days")),
        dkim_verified=tuple(str(s) for s in (children["verification"].get("outputs") or {}).get("dkim_verified") or []),
    )


def _keys_held(held: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The identity's DKIM key set (public side); for a key the stack made before rotation existed, that one key,
    of unknown age; None when the service holds the key (tencent)."""
    if isinstance(held.get("dkim_keys"), Mapping):
        return held["dkim_keys"]
    if isinstance(held.get("dkim_public_key"), str) and held.get("dkim_private_key") is not None:
        return dkim_rotation.first(
            str(held.get("dkim_selector") or "qcloud"), held["dkim_public_key"], 0, None
        ).to_dict()
    return None


def _whole(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _plain(value: Any) -> dict[str, Any]:
    """A settings map from the state; a secret one (a ledger kept whole as a secret before its credential was
    kept apart) can't be read without decrypting it, and is left empty."""
    return dict(value) if isinstance(value, Mapping) and "ciphertext" not in value else {}


def _records(value: Any) -> tuple[RequiredRecord, ...]:
    return tuple(RequiredRecord.from_dict(r) for r in value or [] if isinstance(r, dict))


def from_config(settings: StackSettings) -> list[DomainView]:
    """The stack-config program's domains before its first `pulumi up`: the records it would publish, with the
    DKIM key still to be made (the service's records, with the tencent ledger, are not known either)."""
    asked, public_zone = settings.dns.verified_at(settings.verification.servers())
    views = []
    for entry in settings.entries:
        spec = entry.spec
        records = required_records(spec.domain, "", settings.profile, spec.dkim_selector, spec.dmarc_policy)
        if settings.ledger.decides_records:
            records = [r for r in records if r.item != "DKIM"]
        views.append(
            DomainView(
                domain=spec.domain,
                mail_type=spec.mail_type,
                ledger=settings.ledger.state(),
                dns=settings.dns.state() if type(settings.dns).writes_records else None,
                records=tuple(records),
                adopt=spec.adopt,
                nameservers=tuple(asked),
                public_zone=public_zone,
                timeout=settings.verification.timeout,
                front=entry.front,
                retired=entry.retired,
                addresses=tuple(_declared_addresses(entry.args.senders, spec.domain, spec.mail_type, entry.front)),
            )
        )
    return views


def _declared_addresses(senders: Any, domain: str, mail_type: str, front: Front) -> list[dict[str, Any]]:
    """A stack-config entry's senders as the state would keep them (address, sender name, unsubscribe), each
    checked with the component's rules and named as a dms: key; never a password."""
    out = []
    for i, sender in enumerate(senders or []):
        key = f"senders[{i}]"
        given = sender.unsubscribe
        out.append(
            {
                "address": senders_rules.address_at(sender.address, domain, front.name(f"{key}.address")),
                "sender_name": senders_rules.sender_name(sender.sender_name, front.name(f"{key}.sender_name")),
                "unsubscribe": senders_rules.default_unsubscribe(mail_type)
                if given is None
                else senders_rules.unsubscribe_language(given, front.name(f"{key}.unsubscribe")),
            }
        )
    return out


def pulumi_command() -> str:
    """`pulumi` from $DMS_PULUMI_BIN (this project's cached build), else from PATH."""
    given = os.environ.get("DMS_PULUMI_BIN")
    if given and (Path(given) / "pulumi").exists():
        return str(Path(given) / "pulumi")
    found = shutil.which("pulumi")
    if not found:
        raise StackUnavailable("--stack needs the Pulumi CLI: put `pulumi` on PATH (or set DMS_PULUMI_BIN)")
    return found


def _pulumi(args: list[str], folder: Path) -> str:
    try:
        done = subprocess.run(
            [pulumi_command(), *args, "--non-interactive", "--cwd", str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StackUnavailable(f"can't run the Pulumi CLI: {exc.__class__.__name__}") from None
    if done.returncode != 0:
        # The CLI's own first error line; it names the stack or the backend, never a secret value.
        error = next((line for line in done.stderr.splitlines() if line.strip()), "failed")
        raise StackUnavailable(f"pulumi {args[0]} {args[1] if len(args) > 1 else ''}: {error.strip()}")
    return done.stdout


def from_pulumi(stack: str, folder: Path) -> StackView:
    """Config and state of `stack` through the Pulumi CLI, run in the project folder."""
    config = json.loads(_pulumi(["config", "--json", "--show-secrets", "--stack", stack], folder) or "{}")
    raw: dict[str, Any] = {}
    aws: dict[str, str] = {}
    for full_key, entry in config.items():
        namespace, _, key = full_key.partition(":")
        value = entry.get("objectValue", entry.get("value")) if isinstance(entry, Mapping) else entry
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)  # as the program reads config: JSON text, else a plain string
        if namespace == "dms":
            raw[key] = value
        elif namespace == "aws" and key in ("profile", "region") and isinstance(value, str):
            aws[key] = value
    state = json.loads(_pulumi(["stack", "export", "--stack", stack], folder) or "{}")
    resources = (state.get("deployment") or {}).get("resources") or []
    return StackView(stack, folder, raw, aws, resources)


def from_file(path: Path) -> StackView:
    """A stack's YAML file (`Pulumi.<stack>.yaml`), without state."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise ConfigError("--stack-file", f"can't read {path}: {exc.strerror}") from None
    except yaml.YAMLError:
        raise ConfigError("--stack-file", f"{path} is not YAML") from None
    config = data.get("config") if isinstance(data, Mapping) else None
    if not isinstance(config, Mapping):
        raise ConfigError("--stack-file", f"{path} has no `config:` map")
    raw: dict[str, Any] = {}
    aws: dict[str, str] = {}
    for full_key, value in config.items():
        namespace, _, key = str(full_key).partition(":")
        if namespace == "dms" and key == "dns" and isinstance(value, Mapping):
            value = _readable_tsig(value)
        value = _drop_secure(value)
        if namespace == "dms":
            raw[key] = value
        elif namespace == "aws" and key in ("profile", "region") and isinstance(value, str):
            aws[key] = value
    name = path.name.removeprefix("Pulumi.").removesuffix(".yaml").removesuffix(".yml")
    return StackView(name, path.resolve().parent, raw, aws)


_UNUSED_SECRET = "cmVhZHMgbmVlZCBubyBUU0lH"  # base64; reading DNS never signs, so no TSIG secret is needed


def _readable_tsig(dns: Mapping[str, Any]) -> Mapping[str, Any]:
    """An encrypted TSIG secret stands in as a placeholder: these commands only read DNS, unsigned."""
    tsig = dns.get("tsig")
    if isinstance(tsig, Mapping) and _is_secure(tsig.get("secret")):
        return {**dns, "tsig": {**tsig, "secret": _UNUSED_SECRET}}
    return dns


def _drop_secure(value: Any) -> Any:
    """Encrypted values can't be read without Pulumi: left out, so the SDKs' environment applies."""
    if isinstance(value, Mapping):
        return {k: _drop_secure(v) for k, v in value.items() if not _is_secure(v)}
    if isinstance(value, list):
        return [_drop_secure(v) for v in value]
    return value


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}
