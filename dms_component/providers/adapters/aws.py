"""boto3 clients, one per process and settings: built on first use, never pickled, never kept on a provider.

Sessions are not thread-safe while they build clients, so building takes a lock; clients are thread-safe once
built. The process id is part of the key: a forked child must not reuse its parent's connections. Each caller
says how botocore retries (Route53 retries itself; DynamoDB lets botocore do it).
"""

from __future__ import annotations

import os
import threading
from typing import Any

_CLIENTS: dict[tuple[Any, ...], Any] = {}
_LOCK = threading.Lock()


def client(service: str, *, region: str | None, endpoint: str | None, profile: str | None, **config: Any) -> Any:
    """The process's client for `service` with these settings; `config` is botocore.config.Config's keywords.
    Raises botocore's ProfileNotFound when `profile` is not in the AWS config (each caller words it)."""
    key = (os.getpid(), service, region, endpoint, profile, repr(sorted(config.items())))
    found = _CLIENTS.get(key)
    if found is None:
        with _LOCK:
            found = _CLIENTS.get(key)
            if found is None:
                import boto3
                import botocore.config

                session = boto3.session.Session(profile_name=profile, region_name=region)
                found = session.client(service, endpoint_url=endpoint, config=botocore.config.Config(**config))
                _CLIENTS[key] = found
    return found
