"""A real PostgreSQL server for the tests: initdb in a temp dir (on the RAM disk /dev/shm
where there is one: the server is thrown away, and fsync is off anyway), a free loopback
port, gone at the end.

Uses the machine's PostgreSQL binaries (Debian's postgresql-15 puts them in
/usr/lib/postgresql/15/bin; `make test` installs the package when none is there). initdb
refuses to run as root, so under root the server runs as the `postgres` user, in a
directory that user owns. Trust authentication on 127.0.0.1 only: nothing else can reach it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def binaries() -> Path:
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found and Path(found).resolve().parent.joinpath("postgres").exists():
            return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if versions:
        return Path(versions[-1]).parent
    raise PostgresUnavailable("no initdb: install PostgreSQL (Debian: apt-get install postgresql)")


def _ram_disk() -> str | None:
    """/dev/shm when it is a writable directory, else None (the system's temp dir)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """`with PostgresServer() as pg:` then `pg.url("dbname")`; `pg.create_database()`.

    With `ahead`, each create_database() also starts creating the next database in the
    background, so the next test finds it ready (CREATE DATABASE copies the template, some
    180 times a run), and drop_database() drops in the background too."""

    def __init__(self, ahead: bool = False) -> None:
        self.bin = binaries()
        self.root = Path(tempfile.mkdtemp(prefix="pgtest-", dir=_ram_disk()))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._count = 0
        self._ahead = ThreadPoolExecutor(1, thread_name_prefix="pg-ahead") if ahead else None
        self._next: Future[str] | None = None
        self._closed = False

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120, cwd=self.root)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        self.resume()

    def resume(self) -> None:
        """Start the server on its data directory (after `stop()`: the same port, data kept)."""
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} -c fsync=off "
            "-c max_connections=200 -c shared_buffers=32MB"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def _settle(self) -> None:
        """Let what runs in the background finish before the server stops."""
        if self._ahead is not None and not self._closed:
            self._ahead.submit(lambda: None).result()  # one worker: everything before it ran

    def stop(self) -> None:
        self._settle()
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def restart(self) -> None:
        """Stop the server and start it again on the same port (connections are cut)."""
        self._settle()
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-m",
            "fast",
            "-w",
            "-l",
            str(self.root / "server.log"),
            "restart",
            "-t",
            "60",
        )

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ahead is not None:
            self._ahead.shutdown(wait=True)
            self._closed = True
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; its URL."""
        if self._ahead is None or prefix != "t":
            return self._create(prefix)
        ready, self._next = self._next, None
        url = None
        if ready is not None and ready.exception() is None:
            url = ready.result()
        if url is None:  # the first, or the one ahead failed: made here, so errors show
            url = self._create(prefix)
        self._next = self._ahead.submit(self._create, prefix)
        return url

    def _create(self, prefix: str) -> str:
        self._count += 1
        name = f"{prefix}_{os.getpid()}_{self._count}_{int(time.time() * 1000) % 10**8}"
        self._sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database no test uses any more (its connections are cut), so the data
        directory does not grow by one database per test."""
        statement = f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'
        if self._ahead is None:
            self._sql(statement)
        else:
            self._ahead.submit(self._sql, statement)

    def _sql(self, statement: str) -> None:
        self._run(
            str(self.bin / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            statement,
        )

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""
