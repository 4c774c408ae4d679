"""A throwaway PostgreSQL cluster for tests and benchmarks, plus the pytest fixtures over it.

`postgres_dsn` (session) starts one cluster in a temp dir on a free loopback port (trust auth,
unix socket inside the temp dir, `fsync=off`) and removes it at the end of the session.
`postgres_db` (per test) creates a fresh database on it and drops it afterwards, so tests never
see each other's rows.

Set `CRYPTODATA_TEST_POSTGRES_DSN` to a libpq connection string to use an existing server
instead (its role needs `CREATEDB`). Tests skip only when no server binary exists at all; when
binaries exist but the cluster does not start, the fixture raises with the server log.

The cluster logic has no pytest dependency in use, so `benchmarks/bench_postgres.py` imports
this file by path and runs the same cluster.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest

ENV_DSN = "CRYPTODATA_TEST_POSTGRES_DSN"
_BINARIES = ("initdb", "pg_ctl", "postgres")
_SUPERUSER = "postgres"
# Durability is pointless for a cluster that is deleted after the run, and costs seconds.
_FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def find_bindir() -> Path | None:
    """The directory holding `initdb`, `pg_ctl` and `postgres`, or `None` if none does.

    `PATH` is searched first, then Debian's `/usr/lib/postgresql/<version>/bin`, newest first.
    """
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    versioned = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(
        (Path(path) for path in versioned),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in _BINARIES):
            return bindir
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresCluster:
    """A PostgreSQL cluster in a temp dir, listening on 127.0.0.1 only; deleted on `stop()`.

    The server refuses to run as root, so under root the cluster runs as the unprivileged
    `postgres` OS user (created by the Debian package) and the temp dir is handed to it.

    Args:
        bindir: Directory of `initdb`, `pg_ctl` and `postgres` (see `find_bindir`).
        durable: Keep PostgreSQL's default durability (`fsync`, synchronous commit). Tests
            turn it off for speed; benchmarks keep it so figures match a real server.
        settings: More server settings, as `name=value` strings.

    Examples:
        >>> with PostgresCluster(find_bindir()) as cluster:  # doctest: +SKIP
        ...     psycopg.connect(cluster.dsn).execute("select 1")
    """

    def __init__(
        self, bindir: Path, *, durable: bool = False, settings: Sequence[str] = ()
    ) -> None:
        self.bindir = bindir
        self.durable = durable
        self.settings = tuple(settings)
        self.port = 0
        self._root: Path | None = None
        self._account: pwd.struct_passwd | None = None

    @property
    def dsn(self) -> str:
        """libpq connection string of the `postgres` database as the superuser."""
        return f"host=127.0.0.1 port={self.port} user={_SUPERUSER} dbname=postgres"

    def start(self) -> str:
        """Initialise and start the cluster; returns its DSN.

        Raises:
            RuntimeError: If the cluster cannot be created or does not start (with the log).
        """
        self._account = _server_account()
        root = self._root = Path(tempfile.mkdtemp(prefix="cryptodata-pg-"))
        if self._account is not None:
            os.chown(root, self._account.pw_uid, self._account.pw_gid)
        data, log = root / "data", root / "server.log"
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            _SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        self.port = free_port()
        settings = ["listen_addresses=127.0.0.1", f"port={self.port}"]
        settings += [f"unix_socket_directories={root}"]
        settings += [] if self.durable else list(_FAST_SETTINGS)
        settings += self.settings
        options = " ".join(f"-c {setting}" for setting in settings)
        try:
            self._run("pg_ctl", "start", "-D", str(data), "-l", str(log), "-w", "-o", options)
        except RuntimeError as exc:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{exc}\nserver log:\n{tail}") from None
        return self.dsn

    def stop(self) -> None:
        """Stop the server (immediately: its data is about to be deleted) and delete the dir."""
        if self._root is None:
            return
        data = self._root / "data"
        if (data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(data), "-m", "immediate", "-w")
        shutil.rmtree(self._root, ignore_errors=True)
        self._root = None

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, binary: str, *args: str) -> None:
        account = self._account
        result = subprocess.run(
            [str(self.bindir / binary), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=self._root,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
            timeout=120,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise RuntimeError(f"{binary} {' '.join(args)} failed ({result.returncode}):\n{output}")


def _server_account() -> pwd.struct_passwd | None:
    """The OS user to run the server as: `None` (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(_SUPERUSER)
    except KeyError:
        raise RuntimeError(
            "running as root, and PostgreSQL refuses to run as root: create an unprivileged "
            f"'{_SUPERUSER}' OS user (installing the postgresql package does) or run as non-root"
        ) from None


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """DSN of a PostgreSQL server for this test session (a throwaway cluster by default)."""
    existing = os.environ.get(ENV_DSN)
    if existing:
        yield existing
        return
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in "
            f"/usr/lib/postgresql/*/bin; install postgresql or set {ENV_DSN}"
        )
    with PostgresCluster(bindir) as cluster:
        yield cluster.dsn


@pytest.fixture
def postgres_db(postgres_dsn: str) -> Iterator[str]:
    """DSN of a fresh, empty database for one test; dropped afterwards."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = f"cryptodata_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield make_conninfo(postgres_dsn, dbname=name)
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
