"""A real PostgreSQL server for the tests, started by the tests (a pytest plugin).

Fixtures:

- ``postgres_server`` (session): a :class:`PostgresServer` the test session
  starts itself from the local server binaries (Debian's ``postgresql``
  package: /usr/lib/postgresql/<version>/bin), in a temporary data directory,
  listening on a free 127.0.0.1 port with trust authentication for loopback,
  and stops at the end of the session. ``initdb`` and ``postgres`` refuse to
  run as root, so under root they run as the ``postgres`` user.
- ``postgres_url`` (function): ``postgresql://postgres@127.0.0.1:PORT/<db>``,
  a fresh empty database for each test. (CREATE DATABASE takes seconds on a
  busy machine, so a database a test is done with has its connections cut and
  its schema dropped, and is handed to a later test: empty all the same.)

A test is a PostgreSQL test when it uses either fixture or carries the
``postgres`` mark (a parametrised store fixture marks its PostgreSQL case).
Without the binaries those tests are left out with one line saying how to get
them; under CI (``CI=true``) that is a failure instead: CI must run them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

import pytest

__all__ = ["PostgresServer", "find_binaries"]

SUPERUSER = "postgres"
_HOW_TO_GET = "PostgreSQL tests need the server binaries: apt-get install postgresql"
_START_TIMEOUT = 30.0
_LEFT_OUT = pytest.StashKey[int]()


def find_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``postgres``, newest version first, or None.

    ``MEETBOT_PG_BINDIR`` wins when set (tests read it here, not bot/config.py:
    it configures the test rig, not the service)."""
    candidates = [os.environ.get("MEETBOT_PG_BINDIR", "")]
    candidates += sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A running server: its port, and how to make databases on it."""

    bindir: Path
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    run_as: str | None
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _free: list[str] = field(default_factory=list)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser and return psql's unaligned output."""
        done = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
            + ["-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", database]
            + ["-c", sql],
            capture_output=True,
            check=False,
            timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode()

    def create_database(self) -> str:
        """A fresh empty database; returns its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def lend_database(self) -> str:
        """An empty database, recycled or new; give it back with :meth:`give_back`."""
        return self.url(self._free.pop()) if self._free else self.create_database()

    def give_back(self, url: str) -> None:
        """Cut the database's connections and drop everything in it, for reuse."""
        name = url.rsplit("/", 1)[1]
        self.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        self.psql(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
            database=name,
        )
        self._free.append(name)

    def stop(self) -> None:
        if self.process.poll() is None:
            # SIGQUIT is the "immediate" shutdown: no checkpoint, the data is thrown away.
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


def start_server(bindir: Path) -> PostgresServer:
    """initdb a temporary cluster and start ``postgres`` on a free loopback port."""
    run_as = SUPERUSER if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="meetbot-pg-"))
    if run_as is not None:
        shutil.chown(root, user=run_as, group=run_as)
    data, log = root / "data", root / "server.log"
    made = subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust"]
        + ["-E", "UTF8", "--locale=C", "--no-sync"],
        capture_output=True,
        check=False,
        timeout=120,
        cwd=root,
        user=run_as,
        group=run_as,
        extra_groups=None if run_as is None else [],
    )
    if made.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {made.stderr.decode(errors='replace')}")
    port = _free_port()
    with log.open("wb") as out:
        if run_as is not None:
            shutil.chown(log, user=run_as, group=run_as)
        # Durability is not under test here (the server is never killed), speed is.
        process = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root)]
            + ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
            + ["-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
            + ["-c", "max_connections=200"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
            user=run_as,
            group=run_as,
            extra_groups=None if run_as is None else [],
        )
    server = PostgresServer(bindir=bindir, root=root, port=port, process=process, run_as=run_as)
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        ready = subprocess.run(
            [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)],
            check=False,
            timeout=10,
        )
        if ready.returncode == 0:
            return server
        if process.poll() is not None or time.monotonic() > deadline:
            text = log.read_text(errors="replace")[-2000:]
            server.stop()
            raise RuntimeError(f"PostgreSQL did not start:\n{text}")
        time.sleep(0.1)


def _without_postgres(config: pytest.Config) -> bool:
    return find_binaries() is None and os.environ.get("CI") != "true"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL test server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the PostgreSQL tests out, counted, when there is no server to run them on."""
    if not _without_postgres(config):
        return
    left_out = [
        item
        for item in items
        if item.get_closest_marker("postgres")
        or {"postgres_server", "postgres_url"} & set(getattr(item, "fixturenames", ()))
    ]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
        config.stash[_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    count = terminalreporter.config.stash.get(_LEFT_OUT, 0)
    if count:
        terminalreporter.write_line(f"SKIPPED {count} tests: {_HOW_TO_GET}", yellow=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test session (see the module docstring)."""
    bindir = find_binaries()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail(_HOW_TO_GET, pytrace=False)
        pytest.skip(_HOW_TO_GET)
    server = start_server(bindir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database on ``postgres_server``, as a ``postgresql://`` URL."""
    url = postgres_server.lend_database()
    yield url
    postgres_server.give_back(url)
