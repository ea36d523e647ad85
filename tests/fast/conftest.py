"""The fast tier runs in this process and nowhere else: no network (not even loopback), no subprocess, no fork.

A test that needs Knot, moto's server, the Tencent fake, a child process or the Pulumi CLI belongs in
tests/integration, tests/e2e or tests/packaging (tests/README.md); here it fails at once, naming what it tried.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

# The session's servers (tests/conftest.py): asking for one is leaving the process.
SERVERS = ("local_dns", "nameserver", "moto", "moto_server", "tencent_cloud", "rfc2136")


class LeftTheProcess(AssertionError):
    pass


def _refused(what: str) -> Callable[..., Any]:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise LeftTheProcess(f"the fast tier runs in-process: {what} refused (move the test to another tier)")

    return refuse


@pytest.fixture(autouse=True)
def in_process_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = [name for name in SERVERS if name in request.fixturenames]
    if asked:
        raise LeftTheProcess(f"the fast tier runs in-process: it has no {', '.join(asked)}")
    for method in ("connect", "connect_ex", "sendto", "sendmsg", "bind"):
        monkeypatch.setattr(socket.socket, method, _refused(f"socket.{method}"))
    monkeypatch.setattr(socket, "create_connection", _refused("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", _refused("socket.getaddrinfo"))
    monkeypatch.setattr(subprocess.Popen, "__init__", _refused("a subprocess"))
    for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system", "execv", "execve"):
        monkeypatch.setattr(os, name, _refused(f"os.{name}"))
