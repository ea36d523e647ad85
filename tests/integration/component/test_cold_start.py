"""Each process loads what it uses (issue 28, item 5), checked in a fresh interpreter as the process starts:
the dynamic-provider host, given one serialized provider, imports that resource's module and the DNS host and
ledger it uses, nothing else; `dms verify` loads no Pulumi."""

from __future__ import annotations

import json
import subprocess
import sys

import pulumi.dynamic.dynamic
import pytest

from dms_component.providers.resources.identity import SenderIdentityProvider
from dms_component.providers.resources.records import DnsRecordsProvider
from dms_component.providers.resources.verification import VerificationProvider
from tests.conftest import repo_root

RESOURCES = "dms_component.providers.resources."
# The optional backends' SDKs: a stack on Knot and SQLite never needs them.
SDKS = ("boto3", "botocore", "tencentcloud")


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code` (started in the checkout, as the hosts are)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", script], cwd=repo_root(), capture_output=True, text=True, check=True)
    return set(json.loads(run.stdout.splitlines()[-1]))


@pytest.mark.parametrize("provider", [SenderIdentityProvider, DnsRecordsProvider, VerificationProvider])
def test_the_provider_host_unpickling_one_provider_loads_that_resource_and_no_backend_sdk(provider: type) -> None:
    serialized = pulumi.dynamic.dynamic.serialize_provider(provider())
    # What pulumi.dynamic.__main__ does with a call's __provider: base64, then dill.
    modules = loaded_after(f"import base64, dill\ndill.loads(base64.b64decode({serialized!r}))")

    assert provider.__module__ in modules
    others = {m for m in modules if m.startswith(RESOURCES)} - {provider.__module__}
    assert not {m for m in others if m.removeprefix(RESOURCES) in ("identity", "records", "verification", "retired")}
    assert not {m.split(".")[0] for m in modules} & set(SDKS)


def test_dms_verify_loads_no_pulumi() -> None:
    # A server that doesn't answer: the command runs through to its verdict (pending) and exits.
    call = [
        "verify",
        "notify.example.test",
        "--dkim-public-key",
        "AAAA",
        "--nameserver",
        "127.0.0.1:9",
        "--timeout",
        "0",
    ]
    modules = loaded_after(f"from dms_component.cli import main\nassert main({call!r}) == 1  # pending")

    assert "dms_component.providers.adapters.verifier" in modules  # it did verify
    assert not {m.split(".")[0] for m in modules} & {"pulumi", "grpc", *SDKS}
