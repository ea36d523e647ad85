"""More threads for Pulumi's dynamic-provider host, which serves only 4 calls at once.

`pulumi/dynamic/__main__.py` starts its gRPC server on `ThreadPoolExecutor(max_workers=4)` (unchanged
since 2019, and no setting changes it). A verification holds its call while it polls, so with 4 of them
waiting for propagation every other call (a key, a record, another verification whose records are
served already) queues behind them, while the engine would run 4 x CPUs steps at once. The executor
starts threads on demand up to `_max_workers` at each submit, so raising that number on the live
executor is enough; idle threads cost nothing.
"""

from __future__ import annotations

import gc
import sys
from concurrent.futures import ThreadPoolExecutor

import grpc._server

from dms_component.providers.resources.sdk import skipped

HOST_MODULE = "pulumi.dynamic.__main__"
THREADS = 64  # above any engine's --parallel default (4 x CPUs) on the machines we run on


def in_dynamic_host() -> bool:
    """True inside the process `python -m pulumi.dynamic` started (the dynamic-provider plugin)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == HOST_MODULE


def widen(threads: int = THREADS) -> int | None:
    """Raise the thread limit of this process's gRPC servers' executors to `threads` (never lower it);
    the new limit of the first one found, or None when there is none (or grpc keeps its servers otherwise)."""
    server_state = getattr(grpc._server, "_ServerState", None)
    if server_state is None:
        return None
    found = None
    for obj in gc.get_objects():
        pool = getattr(obj, "thread_pool", None) if isinstance(obj, server_state) else None
        if isinstance(pool, ThreadPoolExecutor) and isinstance(getattr(pool, "_max_workers", None), int):
            pool._max_workers = max(pool._max_workers, threads)
            found = found or pool._max_workers
    return found


def widen_dynamic_host() -> int | None:
    """In the dynamic-provider host, `widen`; there, finding no executor is one warning line (sdk.py)."""
    if not in_dynamic_host():
        return None
    found = widen()
    if found is None:
        skipped("gRPC executor in its dynamic-provider host", "that host serves 4 calls at once")
    return found
