"""A SenderDomain's args are read once (issue 28, item 2): followed call by call from SenderDomain.__init__, they
return to a file already left at most 3 times.

The walk, as a reader follows the args: every call in dms_component that receives `args` or a value read from
it (a field, a host's or ledger's settings, their fields), each function read once, in call order; a stay is a
run of such calls in one file, a return a stay in a file already left."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pulumi
import pytest

import dms_component
from dms_component import Rfc2136Dns, SenderDomain, SenderDomainArgs, SqliteLedgerArgs
from tests.support.graph_mocks import Mocks

PACKAGE = Path(dms_component.__file__).parent


def read_from(args: Any) -> dict[int, Any]:
    """`args` and every value read from it, by identity (numbers, flags and None say nothing of where they came
    from)."""
    found: dict[int, Any] = {}

    def add(value: Any) -> None:
        if value is None or isinstance(value, bool | int | float) or value == "" or id(value) in found:
            return
        found[id(value)] = value
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                add(getattr(value, f.name))
        elif isinstance(value, list | tuple):
            for item in value:
                add(item)

    add(args)
    return found


def walk(args: SenderDomainArgs) -> list[str]:
    """The files of the stays, in order, in a preview on a loop of its own."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(Mocks(), preview=True)
    followed, read, stays = read_from(args), set(), []

    def call(frame: FrameType, event: str, _arg: Any) -> None:
        code = frame.f_code
        if event != "call" or code in read or not code.co_filename.startswith(str(PACKAGE)):
            return
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        if any(id(frame.f_locals.get(n)) in followed for n in names):
            read.add(code)
            where = str(Path(code.co_filename).relative_to(PACKAGE.parent))
            if not stays or stays[-1] != where:
                stays.append(where)

    sys.setprofile(call)
    try:
        sender = SenderDomain("notify", args)
    finally:
        sys.setprofile(None)
    try:
        loop.run_until_complete(sender.status.future())  # the program's run, to its end
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return stays


def returns(stays: list[str]) -> int:
    return sum(1 for i, where in enumerate(stays) if where in stays[:i])


def test_the_readmes_program_reads_its_args_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the ledger's relative path
    key = tmp_path / "tsig.key"
    key.write_text('key "k" { algorithm hmac-sha256; secret "c2VjcmV0c2VjcmV0"; };\n')
    args = SenderDomainArgs(
        domain="notify.example.com",
        type="triggered",
        dns=Rfc2136Dns(zone="example.com", server="127.0.0.1:5300", tsig_key_file=str(key)),
        ledger=SqliteLedgerArgs(path=".state/ledger.sqlite", quota=5),
        dmarc_policy="none",
    )
    stays = walk(args)
    assert stays[:2] == ["dms_component/component.py", "dms_component/args.py"]
    assert returns(stays) <= 3, " -> ".join(stays)
