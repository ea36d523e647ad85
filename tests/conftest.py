"""Shared fixtures: a real Knot server on loopback for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.localdns import LocalDnsServer, free_port
from dms_component.core.nameservers import Nameserver
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Host, TsigKey
from tests.fakes.tencent_cloud import FakeTencentCloud, fake_for

ZONE = "example.test"


@pytest.fixture(scope="session")
def local_dns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDnsServer]:
    """Knot serving example.test on 127.0.0.1:<free port>, TSIG-authorised updates."""
    server = LocalDnsServer(tmp_path_factory.mktemp("knot"), zone=ZONE, port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nameserver(local_dns: LocalDnsServer) -> Nameserver:
    return Nameserver(local_dns.host, local_dns.port)


@pytest.fixture(scope="session")
def moto() -> Iterator[object]:
    """moto's server on 127.0.0.1:<free port> (tests/aws.py MotoServer: requests served one at a time, faults);
    fake AWS credentials in the environment while it runs. Never reset it: other tests share it."""
    from tests.aws import running_moto

    with running_moto() as server:
        yield server


@pytest.fixture(scope="session")
def moto_server(moto: object) -> str:
    """The endpoint URL of the session's moto server, e.g. http://127.0.0.1:40123."""
    return moto.endpoint  # type: ignore[attr-defined]


@pytest.fixture
def rfc2136(local_dns: LocalDnsServer, nameserver: Nameserver) -> Rfc2136Host:
    """The RFC 2136 provider pointed at the session's Knot with its TSIG key."""
    return Rfc2136Host(nameserver, ZONE, TsigKey.from_key_file(str(local_dns.key_file)))


@pytest.fixture
def unique_domain(request: pytest.FixtureRequest) -> str:
    """A sender domain under example.test that no other test uses."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name.lower()).strip("-")[:50].strip("-")
    return f"{name}.{ZONE}"


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def tencent_cloud(local_dns: LocalDnsServer) -> Iterator[FakeTencentCloud]:
    """A local Tencent Cloud API (SES + DNSPod, TC3-signed) whose DNSPod zone is the session's Knot zone."""
    cloud = fake_for(local_dns).start()
    yield cloud
    cloud.stop()
    # Whatever the test did: every answer was one the SDK's models read cleanly.
    assert cloud.model_problems == [], cloud.model_problems
