"""What a provider process shares between domains: the zone view and the group commit, with threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from providers.dns.operation import GroupCommit, Job, ZoneView


def commit_all(commit: GroupCommit[int], payloads: list[int], fits=lambda jobs: True) -> list[list[int]]:
    """Submit each payload from its own thread at once; returns the payloads of each write sent."""
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
        assert list(pool.map(one, payloads)) == [p * 10 for p in payloads]  # each got its own outcome
    return sent


def test_changes_that_arrive_together_go_in_one_write():
    sent = commit_all(GroupCommit(gather=2.0), [1, 2, 3, 4])
    assert [sorted(batch) for batch in sent] == [[1, 2, 3, 4]]


def test_a_write_takes_no_more_than_fits_and_the_rest_follow():
    sent = commit_all(GroupCommit(gather=2.0), [1, 2, 3, 4, 5], fits=lambda jobs: len(jobs) <= 2)
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
