"""What a provider process shares between domains: the zone view and the group commit, with threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from dms_component.providers.adapters.dns.operation import GroupCommit, Job, ZoneView


class Clock:
    """The group commit's clock: stands still until `release`, then every reading is far later, so
    each gathering window ends at once. No test outcome depends on how fast the threads run."""

    def __init__(self) -> None:
        self.now = 0.0
        self.released = False

    def __call__(self) -> float:
        if self.released:
            self.now += 1000.0
        return self.now

    def release(self, commit: GroupCommit[int]) -> None:
        with commit.cond:
            self.released = True
            commit.cond.notify_all()


def commit_all(
    commit: GroupCommit[int], payloads: list[int], fits=lambda jobs: True, clock: Clock | None = None
) -> list[list[int]]:
    """Submit each payload from its own thread at once; returns the payloads of each write sent.
    With `clock`, the first window ends only once every payload is waiting."""
    sent: list[list[int]] = []
    start = threading.Barrier(len(payloads))

    def send(jobs: list[Job[int]]) -> None:
        sent.append([j.payload for j in jobs])
        for j in jobs:
            j.result = j.payload * 10

    def one(payload: int) -> int:
        job = Job(payload)
        start.wait()
        commit.submit(job, send, fits)
        return job.result

    with ThreadPoolExecutor(len(payloads)) as pool:
        outcomes = pool.map(one, payloads)
        if clock is not None:
            with commit.cond:  # every change has arrived within the window
                commit.cond.wait_for(lambda: len(commit.waiting) == len(payloads))
            clock.release(commit)
        assert list(outcomes) == [p * 10 for p in payloads]  # each got its own outcome
    return sent


def test_changes_that_arrive_together_go_in_one_write():
    clock = Clock()
    sent = commit_all(GroupCommit(gather=2.0, clock=clock), [1, 2, 3, 4], clock=clock)
    assert [sorted(batch) for batch in sent] == [[1, 2, 3, 4]]


def test_a_write_takes_no_more_than_fits_and_the_rest_follow():
    clock = Clock()
    commit = GroupCommit(gather=2.0, clock=clock)
    sent = commit_all(commit, [1, 2, 3, 4, 5], fits=lambda jobs: len(jobs) <= 2, clock=clock)
    assert sorted(len(batch) for batch in sent) == [1, 2, 2]
    assert sorted(p for batch in sent for p in batch) == [1, 2, 3, 4, 5]


def test_alone_a_change_is_sent_after_the_gathering_window():
    assert commit_all(GroupCommit(gather=0.0), [7]) == [[7]]


def test_the_view_answers_only_what_was_read_unless_the_whole_zone_was():
    view: ZoneView[str] = ZoneView()
    a, b = ("a.example.test", "TXT"), ("b.example.test", "MX")
    view.learn({a: ["x"]}, listings=1)
    assert view.answer([a]) == {a: ["x"]} and view.answer([a, b]) is None
    view.wrote({b: ["5 mx."]})
    assert view.answer([b]) is None  # written, but what else is there was never read
    view.learn({}, whole=True)
    assert view.answer([a, b]) == {a: ["x"], b: ["5 mx."]} and view.listings == 1
    view.forget()
    assert view.answer([a]) is None
