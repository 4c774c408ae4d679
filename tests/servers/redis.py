"""Session fixture: a throwaway Redis server on a loopback port, and a unique key per test.

`redis_url` starts `redis-server` (no persistence, in a temporary directory) once per test
session and stops it at the end. Set `CRYPTODATA_TEST_REDIS_URL` to use an existing server
instead. `own_redis` starts a server for one test alone (one it may stop with SIGSTOP), and
`redis_server` starts one with extra options (a password). The tests skip only when no
`redis-server` binary exists at all; a binary that fails to start is an error, with the
server's log in the message.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

_START_TIMEOUT = 10.0


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a Redis server for this test session."""
    if url := os.environ.get("CRYPTODATA_TEST_REDIS_URL"):
        yield url
        return
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A Redis server of this test alone, and its process: for tests that stop it (SIGSTOP).

    Always a server of our own, even with `CRYPTODATA_TEST_REDIS_URL` set: a shared one must
    not be stopped.
    """
    with redis_server(tmp_path) as started:
        yield started


@contextmanager
def redis_server(workdir: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start `redis-server` in `workdir` on a free loopback port; yield its URL and process.

    Args:
        workdir: Where the server runs and logs.
        *options: More command-line options, e.g. `"--requirepass", "s3cret"`.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "no redis-server binary: install it (apt-get install -y redis-server) "
            "or set CRYPTODATA_TEST_REDIS_URL to an existing server"
        )
    port = _free_port()
    log = workdir / "redis.log"
    # Logging to stdout (no --logfile) puts start-up errors, such as a bad option, in the log.
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                binary,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--dir", str(workdir),
                "--save", "",
                "--appendonly", "no",
                *options,
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for_ping(server, port, log)
        yield f"redis://127.0.0.1:{port}/0", server
    finally:
        # A stopped server (SIGSTOP) must resume to handle SIGTERM.
        server.send_signal(signal.SIGCONT)
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def redis_key(redis_url: str) -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted after the test."""
    import redis  # deferred: this plugin loads for every test run, Redis tests or not

    key = f"cryptodata-test-{uuid.uuid4().hex}"
    yield key
    with redis.Redis.from_url(redis_url) as client:
        stale = list(client.scan_iter(match=f"*{key}*"))
        if stale:
            client.delete(*stale)


def _free_port() -> int:
    # The port is free when probed; another process could take it before redis-server binds
    # it, which then fails to start and raises with its log rather than hanging.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_ping(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"redis-server exited with status {server.returncode} on start:\n{_tail(log)}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                # A server with a password answers -NOAUTH: it is up all the same.
                if conn.recv(16).startswith((b"+PONG", b"-NOAUTH")):
                    return
        except OSError:
            pass  # not listening yet
        time.sleep(0.02)
    raise RuntimeError(
        f"redis-server did not answer PING within {_START_TIMEOUT:g}s:\n{_tail(log)}"
    )


def _tail(log: Path, lines: int = 20) -> str:
    if not log.exists():
        return "(no log written)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
