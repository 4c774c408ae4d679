"""Session fixture: an S3-compatible server on a loopback port (moto in server mode).

`s3_options` starts moto's threaded server once per test session and gives the fsspec
`storage_options` that reach it (fake credentials, path-style addressing); `s3_bucket`
creates a fresh bucket for one test and gives its name. Nothing leaves the machine: the
server listens on 127.0.0.1 only, and every client is pointed at it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def s3_options() -> Iterator[dict[str, Any]]:
    """fsspec `storage_options` of the session's loopback S3 server."""
    server_module = pytest.importorskip("moto.server", reason="moto[server] is in the dev extra")
    pytest.importorskip("s3fs", reason="s3fs is in the dev extra")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield {
            "endpoint_url": f"http://{host}:{port}",
            "key": "testing",
            "secret": "testing",
            "client_kwargs": {"region_name": "us-east-1"},
        }
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_options: dict[str, Any]) -> str:
    """A new, empty bucket on the loopback server."""
    import s3fs

    name = f"cryptodata-{uuid.uuid4().hex[:12]}"
    fs = s3fs.S3FileSystem(**s3_options, skip_instance_cache=True)
    fs.call_s3("create_bucket", Bucket=name)
    return name
