"""What one Pulumi operation shares between the sender domains it works on, in a DNS provider.

Pulumi runs a provider process per operation (preview, up, destroy) and up to four of its calls at
once. A provider whose writes are compare-and-swap can use these so that domains in one zone share
what was read (`ZoneView`) and the calls that write (`GroupCommit`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from dms_component.core.changes import HostType

R = TypeVar("R")  # a record set as the host's API gives it
T = TypeVar("T")

_LOCK = threading.Lock()


def shared(table: dict[Any, T], key: Any, make: Callable[[], T]) -> T:
    """The process's one `table[key]`, made on first use."""
    with _LOCK:
        if key not in table:
            table[key] = make()
        return table[key]


class ZoneView(Generic[R]):
    """What this operation has read of one zone, kept current with what it then wrote.

    Only plans may be based on it: a stale view must make the write fail, not clobber.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.whole = False  # the whole zone was listed
        self.listing_zone = threading.Lock()  # held by the one thread listing the whole zone
        self.listings = 0  # listings of sender domains' names made so far
        self.known: set[HostType] = set()
        self.rrsets: dict[HostType, list[R]] = {}

    def answer(self, keys: Sequence[HostType]) -> dict[HostType, list[R]] | None:
        """What is at `keys`, if all of them were read; else None."""
        with self.lock:
            if not self.whole and not self.known.issuperset(keys):
                return None
            return {k: list(self.rrsets.get(k, [])) for k in keys}

    def learn(self, found: dict[HostType, list[R]], whole: bool = False, listings: int = 0) -> None:
        with self.lock:
            self.rrsets.update(found)
            self.known.update(found)
            self.whole = self.whole or whole
            self.listings += listings

    def wrote(self, written: dict[HostType, list[R]]) -> None:
        with self.lock:
            self.rrsets.update(written)

    def forget(self) -> None:
        with self.lock:
            self.whole = False
            self.known.clear()
            self.rrsets.clear()


@dataclass
class Job(Generic[T]):
    """One sender domain's change, waiting to go out in a shared write."""

    payload: T
    sent: bool = False
    result: Any = None
    error: BaseException | None = None


class GroupCommit(Generic[T]):
    """The domains whose changes arrive within `gather` seconds of each other, or while a write is
    being sent, go in one write. Each domain's change stays whole, in one write."""

    def __init__(self, gather: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.gather = gather
        self.clock = clock  # a seam: tests decide when the gathering window has passed
        self.cond = threading.Condition()
        self.waiting: list[Job[T]] = []
        self.sending = False

    def submit(self, job: Job[T], send: Callable[[list[Job[T]]], None], fits: Callable[[list[Job[T]]], bool]) -> None:
        """Returns once `send` (which sets each job's result or error) has sent `job`, maybe with others."""
        with self.cond:
            self.waiting.append(job)
            self.cond.notify_all()  # a gathering sender (or a test) sees it at once
        while True:
            with self.cond:
                while self.sending and not job.sent:
                    self.cond.wait()
                if job.sent:
                    return
                self.sending = True
                # Pulumi starts the domains' creates one after another: give the next ones a moment to join.
                deadline = self.clock() + self.gather
                while (left := deadline - self.clock()) > 0:
                    self.cond.wait(left)
                jobs = self._take(fits)
            try:
                send(jobs)
            finally:
                with self.cond:
                    for j in jobs:
                        j.sent = True
                    self.sending = False
                    self.cond.notify_all()

    def _take(self, fits: Callable[[list[Job[T]]], bool]) -> list[Job[T]]:
        """The longest run of waiting jobs, oldest first, that fits in one write (each fits alone)."""
        taken = [self.waiting.pop(0)]
        while self.waiting and fits([*taken, self.waiting[0]]):
            taken.append(self.waiting.pop(0))
        return taken
