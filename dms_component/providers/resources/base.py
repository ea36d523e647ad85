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

from dms_component.providers.adapters.ledger import LedgerBackend, open_ledger
from dms_component.providers.adapters.resolver import Servers, servers_to_ask
from dms_component.providers.resources.refusals import refusing
from dms_component.providers.resources.sdk import skipped
from dms_component.providers.resources.threads import widen_dynamic_host
from dms_component.providers.resources.trace import trace_calls


def flat_provider_pickling() -> bool:
    """Pulumi's serialize_provider (every SDK from 3.237 to 3.272 at least) wraps pickle._Pickler._batch_setitems
    once more at every call and never unwraps it: after some hundreds of dynamic resources in one process,
    pickling a nested dict exceeds Python's recursion limit. Make each call start from the original method.

    True when that is in place. An SDK that leaves the method as it found it needs nothing (False); one without
    the function gets a warning (sdk.py) and nothing else (False)."""
    module = pulumi.dynamic.dynamic
    serialize = getattr(module, "serialize_provider", None)
    original = getattr(pickle._Pickler, "_batch_setitems", None)
    if getattr(serialize, "flat", False):
        return True
    effect = "a stack of some hundreds of dynamic resources may exceed Python's recursion limit"
    if serialize is None or original is None:
        skipped("pulumi.dynamic.dynamic.serialize_provider (or pickle._Pickler._batch_setitems)", effect)
        return False
    try:
        serialize(ResourceProvider())  # does this SDK leave the method wrapped?
    except Exception:
        skipped("pulumi.dynamic.dynamic.serialize_provider that pickles a provider", effect)
        return False
    finally:
        nests = pickle._Pickler._batch_setitems is not original  # type: ignore[attr-defined]
        pickle._Pickler._batch_setitems = original  # type: ignore[attr-defined]
    if not nests:
        return False

    def serialize_flat(provider: ResourceProvider) -> str:
        pickle._Pickler._batch_setitems = original  # type: ignore[attr-defined]
        return serialize(provider)

    serialize_flat.flat = True  # type: ignore[attr-defined]
    module.serialize_provider = serialize_flat
    return True


flat_provider_pickling()
# Imported in the dynamic-provider host at its first call: from then on it serves more than 4 calls at once.
widen_dynamic_host()


class DmsResourceProvider(ResourceProvider):
    """Stateless: one instance serves many engine calls at once (threads.py), so nothing is kept on `self`."""

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        trace_calls(cls, refusing)  # our errors as one line each; timestamps for bench/breakdown.py

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


def ledger_from(props: dict[str, Any]) -> LedgerBackend:
    """The ledger a resource's inputs name: its settings in plain text, its credential (if any) a secret apart."""
    return open_ledger(props["ledger"], props.get("ledger_credential"))


PROVIDER_KEY = "__provider"  # where the dynamic-provider host keeps the pickled provider, in inputs and state


def changed_keys(olds: dict[str, Any], news: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """The keys among `keys` whose value differs between olds and news."""
    return [k for k in keys if olds.get(k) != news.get(k)]


def provider_moved(olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
    """[PROVIDER_KEY] when the state's pickled provider is not this code's. The host loads a refresh's or a delete's
    provider from the state: one written by another release may name modules that are gone (`providers.dynamic`),
    so the first `up` after upgrading rewrites it, in an update that writes nothing new."""
    moved = isinstance(news.get(PROVIDER_KEY), str) and olds.get(PROVIDER_KEY) not in (None, news[PROVIDER_KEY])
    return [PROVIDER_KEY] if moved else []


def servers_asked(props: dict[str, Any]) -> Servers:
    """What a verification asks (and the check at preview, as it does), from the resource's inputs: its
    `nameservers` and `public_zone` (see servers_to_ask)."""
    return servers_to_ask(props.get("nameservers") or [], props.get("public_zone"))
