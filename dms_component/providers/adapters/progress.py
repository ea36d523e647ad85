"""Printing progress lines (the shell around core/progress.py).

Inside Pulumi's provider process, what is written to stdout shows live in `pulumi up`'s output;
in the `dms` command it goes to the terminal. Several domains wait at once in threads of one
process: each line is written whole under a lock, so lines never interleave.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from dms_component.core.progress import EVERY, ProgressGate, progress_line, state_of, waiting_line
from dms_component.core.verdicts import VERIFIED, DomainVerdict

if TYPE_CHECKING:
    from dms_component.providers.adapters.dns.base import DnsHost

_LOCK = threading.Lock()
_SAID: set[str] = set()


def emit(line: str, stream: TextIO | None = None) -> None:
    """Write one line at once and flush it, so the engine passes it on now, not at the end."""
    out = stream or sys.stdout
    with _LOCK:
        out.write(line.rstrip("\n") + "\n")
        out.flush()


def emit_once(line: str, stream: TextIO | None = None) -> None:
    """emit, once per process: a note many domains share (the zone's public servers can't be found)."""
    with _LOCK:
        if line in _SAID:
            return
        _SAID.add(line)
    emit(line, stream)


def wait_served(
    domain: str,
    host: DnsHost,
    change: str,
    timeout: float,
    *,
    print_line: Callable[[str], None] = emit,
) -> None:
    """Until the DNS host serves `change` (Route53's change id) on all its servers, with a line every few
    seconds: the wait of `pulumi up`'s verification and of `dms wait`. `host`: the DnsHost."""
    limit = float(getattr(host, "insync_timeout", timeout))
    with ticking(
        domain, f"waiting for {host.label} to serve the change on all its servers", limit, print_line=print_line
    ):
        host.wait_served(change)


def verdict_progress(
    timeout: float,
    servers: Sequence[str] | None,
    *,
    print_line: Callable[[str], None] = emit,
    every: float = EVERY,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[DomainVerdict, float], None]:
    """A `progress` callback for the verifier (verifier.py): a line per domain on change or every `every` s.

    Nothing is printed when the first poll already passes: only waits are news."""
    gate = ProgressGate(every)
    waited = {"any": False}

    def report(verdict: DomainVerdict, elapsed: float) -> None:
        if verdict.status == VERIFIED and not waited["any"]:
            return
        waited["any"] = True
        if gate.should_print(verdict.domain, state_of(verdict, servers), clock()):
            print_line(progress_line(verdict, elapsed, timeout, servers))

    return report


@contextmanager
def ticking(
    domain: str,
    what: str,
    timeout: float,
    *,
    print_line: Callable[[str], None] = emit,
    every: float = EVERY,
    first: float = EVERY,
) -> Iterator[None]:
    """While the block runs, a line every `every` seconds, starting after `first`: for waits whose
    progress has no items (Route53's INSYNC, the service's own check). A quick wait prints nothing."""
    done = threading.Event()
    start = time.monotonic()

    def tick() -> None:
        delay = first
        while not done.wait(delay):
            print_line(waiting_line(domain, what, time.monotonic() - start, timeout))
            delay = every

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
