"""What every dms dynamic provider shares."""

from __future__ import annotations

import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import pulumi.dynamic.dynamic
from pulumi.dynamic import ConfigureRequest, ResourceProvider

from dms_component.core.nameservers import Nameserver
from dms_component.providers.adapters.ledger import Ledger, open_ledger
from dms_component.providers.adapters.progress import emit_once
from dms_component.providers.adapters.resolver import Servers, servers_for
from dms_component.providers.resources.threads import widen_dynamic_host
from dms_component.providers.resources.trace import trace_calls

# Pulumi's serialize_provider (SDK 3.272) wraps pickle._Pickler._batch_setitems once more at every call
# and never unwraps it: after some hundreds of dynamic resources in one process, pickling a nested
# dict exceeds Python's recursion limit. Start each call from the original method.
_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
_SERIALIZE = pulumi.dynamic.dynamic.serialize_provider


def _serialize_provider(provider: ResourceProvider) -> str:
    pickle._Pickler._batch_setitems = _BATCH_SETITEMS  # type: ignore[attr-defined]
    return _SERIALIZE(provider)


pulumi.dynamic.dynamic.serialize_provider = _serialize_provider
# Imported in the dynamic-provider host at its first call: from then on it serves more than 4 calls at once.
widen_dynamic_host()


class DmsProvider(ResourceProvider):
    """Stateless: one instance serves many engine calls at once (threads.py), so nothing is kept on `self`."""

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        trace_calls(cls)  # timestamps for bench/breakdown.py when DMS_TRACE_FILE is set

    def configure(self, req: ConfigureRequest) -> None:
        # This runs only inside Pulumi's provider process, which reports any exception with
        # traceback.format_exc(). Our errors are one actionable line for the user, so drop the
        # frames there; DMS_DEBUG=1 keeps them for our own debugging.
        if not os.environ.get("DMS_DEBUG"):
            sys.tracebacklimit = 0


def pause_point(stage: str) -> None:
    """For the crash tests: with DMS_PAUSE_AT=<stage>, note the stage in DMS_PAUSE_FILE and wait to be killed."""
    if os.environ.get("DMS_PAUSE_AT") == stage and os.environ.get("DMS_PAUSE_FILE"):
        Path(os.environ["DMS_PAUSE_FILE"]).write_text(stage)
        time.sleep(300)


def ledger_from(props: dict[str, Any]) -> Ledger:
    return open_ledger(props["ledger"])


def changed_keys(olds: dict[str, Any], news: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """The keys among `keys` whose value differs between olds and news."""
    return [k for k in keys if olds.get(k) != news.get(k)]


def servers_asked(given: list[str], public_zone: str | None) -> Servers:
    """What a verification asks (and the check at preview, as it does): the `nameservers` input (the
    primary, or the ones the user named) and, with `public_zone`, that zone's NS set; none at all: each
    name's authoritative servers. A zone whose NS set can't be found is said once per operation."""
    servers = servers_for([Nameserver.parse(s) for s in given], public_zone)
    if servers.note:
        emit_once(servers.note)
    return servers
