"""providers/resources/threads.py: the dynamic-provider host's gRPC executor gets more threads, nothing else does."""

from __future__ import annotations

from concurrent import futures

import grpc

from dms_component.providers.resources import threads


def test_widen_raises_a_grpc_servers_thread_limit_and_never_lowers_it() -> None:
    small, large = futures.ThreadPoolExecutor(max_workers=4), futures.ThreadPoolExecutor(max_workers=128)
    servers = [grpc.server(small), grpc.server(large)]
    try:
        assert threads.widen(16) is not None
        assert small._max_workers == 16  # as the host's ThreadPoolExecutor(max_workers=4) becomes
        assert large._max_workers == 128
    finally:
        for server in servers:
            server.stop(0)
        small.shutdown()
        large.shutdown()


def test_only_the_dynamic_provider_host_is_widened() -> None:
    assert not threads.in_dynamic_host()  # pytest's __main__
    assert threads.widen_dynamic_host() is None
