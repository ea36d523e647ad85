"""What the `dms` commands know of a stack: its `dms:` config, and what its state says per domain.

Two sources:
- `--stack NAME`: the Pulumi CLI (`pulumi config --json --show-secrets`, `pulumi stack export`), so
  the commands see what `pulumi up` sees, in CI too (the backend and passphrase come from the
  environment, as for `pulumi` itself). Decrypted secrets stay in this process: they are handed to
  the ledger and DNS clients and never printed.
- `--stack-file FILE`: a stack's YAML file read as it is, without state; `secure:` values can't be
  read that way (credentials then come from the environment, as the SDKs look for them).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dms_component.config import DomainSpec, StackSettings, parse_stack_config
from dms_component.core.changes import Spf
from dms_component.core.records import RequiredRecord, required_records
from dms_component.core.service_records import records_from_attributes
from dms_component.errors import ConfigError, DmsError

_TYPES = {"identity": "dms:SenderIdentity", "records": "dms:DnsRecords", "verification": "dms:Verification"}


class StackUnavailable(DmsError):
    """The Pulumi CLI or the stack's files can't be read."""


@dataclass
class StackView:
    name: str
    folder: Path  # the project folder: relative ledger paths are relative to it
    raw: dict[str, Any]  # the `dms:` keys, without the prefix, as parse_stack_config takes them
    aws: dict[str, str] = field(default_factory=dict)
    resources: list[dict[str, Any]] = field(default_factory=list)  # from the state; empty without one

    def settings(self) -> StackSettings:
        return parse_stack_config(self.raw, self.aws)

    def ledger_settings(self, settings: StackSettings) -> dict[str, Any]:
        from dms_component.account import as_seen_from

        return as_seen_from(settings.ledger, self.folder)

    def outputs(self, domain: str, kind: str) -> dict[str, Any] | None:
        """The outputs of the domain's SenderIdentity, DnsRecords or Verification in the state."""
        for resource in self.resources:
            if resource.get("type", "").endswith(_TYPES[kind]) and resource.get("urn", "").endswith(
                f"::{domain}/{kind}"
            ):
                return resource.get("outputs") or {}
        return None

    def dkim_public_key(self, domain: str) -> str | None:
        return (self.outputs(domain, "identity") or {}).get("dkim_public_key") or None

    def desired(self, spec: DomainSpec, settings: StackSettings) -> list[RequiredRecord]:
        """The records the stack wants for a domain, with its real key once the state has one, else an
        empty key (shown as "key made at apply")."""
        if settings.ledger.decides_records:
            attributes = (self.outputs(spec.domain, "identity") or {}).get("service_attributes")
            if attributes:
                return records_from_attributes(
                    spec.domain,
                    attributes,
                    mx_preference=settings.profile.mx_preference,
                    dmarc_policy=spec.dmarc_policy,
                )
            records = required_records(spec.domain, "", settings.profile, spec.dkim_selector, spec.dmarc_policy)
            return [r for r in records if r.item != "DKIM"]  # the service's host and key, known after create
        key = self.dkim_public_key(spec.domain) or ""
        return required_records(spec.domain, key, settings.profile, spec.dkim_selector, spec.dmarc_policy)

    def owned(self, domain: str) -> tuple[list[RequiredRecord], Spf]:
        """What the state says this stack wrote for the domain, and how it holds the SPF record."""
        outs = self.outputs(domain, "records") or {}
        owned = [RequiredRecord.from_dict(r) for r in outs.get("records") or [] if isinstance(r, dict)]
        spf = outs.get("spf")
        return owned, Spf.from_dict(spf if isinstance(spf, dict) else None)


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
