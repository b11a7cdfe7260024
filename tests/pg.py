"""A real PostgreSQL server for the store tests: a throwaway cluster on 127.0.0.1 only, one fresh database per test."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.db import dispose

SKIP_ENV = "RAFIQ_TEST_NO_POSTGRES"
SUPERUSER = "postgres"
FAST = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")  # throwaway data


def server_bin() -> Path | None:
    """The newest PostgreSQL server binaries: Debian's /usr/lib/postgresql/N/bin, else initdb on PATH."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                    key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)])
    found = str(debian[-1]) if debian else shutil.which("initdb")
    return Path(found).parent if found else None


def require_server_bin() -> Path:
    """The binaries; the test fails (or skips with RAFIQ_TEST_NO_POSTGRES=1) when PostgreSQL is not installed."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"PostgreSQL tests disabled by {SKIP_ENV}=1")
    found = server_bin()
    if found is None:
        pytest.fail("PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb): run "
                    f"`bash scripts/postgres-deps`, or set {SKIP_ENV}=1 to skip the PostgreSQL tests", pytrace=False)
    return found


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_server_user() -> dict[str, Any]:
    """subprocess arguments running a command as `postgres` when we are root (PostgreSQL refuses to run as root)."""
    return {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}


@dataclass
class Server:
    """A running throwaway cluster: data, socket and log in `base`, TCP on 127.0.0.1:`port`, trust auth."""

    bin: Path
    base: Path
    port: int
    process: subprocess.Popen[bytes]

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database on this server."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) on the maintenance database."""
        eng = sa.create_engine(self.url("postgres"), future=True, isolation_level="AUTOCOMMIT",
                               poolclass=sa.pool.NullPool)
        with eng.connect() as conn:
            conn.execute(sa.text(sql))

    @contextmanager
    def database(self) -> Iterator[str]:
        """A new empty database, dropped afterwards (its shared engine is disposed first)."""
        name = f"test_{uuid.uuid4().hex[:16]}"
        version = int((self.base / "data" / "PG_VERSION").read_text().split(".")[0])
        self.admin(f'CREATE DATABASE "{name}"' + (" STRATEGY FILE_COPY" if version >= 15 else ""))  # faster here
        try:
            yield self.url(name)
        finally:
            dispose(self.url(name))
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Fast shutdown (open sessions are ended), then delete the data."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


def start(bin_dir: Path, attempts: int = 3) -> Server:
    """initdb into a new temporary directory and start the server on a free loopback port."""
    base = Path(tempfile.mkdtemp(prefix="rafiq-pg-"))  # short: the Unix socket lives here too
    user = as_server_user()
    if user:
        shutil.chown(base, "postgres", "postgres")
    env = {**os.environ, "LC_ALL": "C"}
    try:
        subprocess.run([str(bin_dir / "initdb"), "-D", str(base / "data"), "-U", SUPERUSER, "--auth=trust",
                        "-E", "UTF8", "--locale=C", "--no-sync"],
                       cwd=base, env=env, check=True, capture_output=True, **user)
        for _ in range(attempts):  # another process may take the free port before the server binds it
            port = free_port()
            with open(base / "postgres.log", "ab") as log:
                process = subprocess.Popen([str(bin_dir / "postgres"), "-D", str(base / "data"), "-p", str(port),
                                            "-c", "listen_addresses=127.0.0.1", "-k", str(base), *FAST],
                                           cwd=base, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, **user)
            if _wait_ready(base / "data", process):
                return Server(bin_dir, base, port, process)
            process.kill()
            process.wait()
        log_tail = (base / "postgres.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"PostgreSQL did not start; its log ends with:\n{log_tail}")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {error.stderr.decode(errors='replace')}") from error
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise


def _wait_ready(data: Path, process: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    """True once this postmaster marks itself ready in postmaster.pid (what `pg_ctl -w` waits for)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            lines = (data / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            lines = []
        if len(lines) >= 8 and lines[0] == str(process.pid) and lines[7].strip() == "ready":
            return True
        time.sleep(0.02)
    return False
