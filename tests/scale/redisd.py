"""A real Redis server for the scale tests: a throwaway redis-server on 127.0.0.1 only, no persistence."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis  # type: ignore[import-untyped]

from tests.pg import free_port

SKIP_ENV = "RAFIQ_TEST_NO_REDIS"


def require_redis_server() -> str:
    """The redis-server binary; the test fails (or skips with RAFIQ_TEST_NO_REDIS=1) when it is not installed."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"Redis tests disabled by {SKIP_ENV}=1")
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                             else None)
    if found is None:
        pytest.fail("redis-server not found: run `bash scripts/redis-deps`, or set "
                    f"{SKIP_ENV}=1 to skip the Redis tests", pytrace=False)
    return found


@dataclass
class RedisServer:
    """A running redis-server: its port and the directory of its log."""

    base: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """redis:// URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Stop the server (SIGTERM) and delete its directory."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


def start(binary: str, attempts: int = 3) -> RedisServer:
    """Start redis-server on a free loopback port in a new temporary directory (no RDB, no AOF)."""
    base = Path(tempfile.mkdtemp(prefix="rafiq-redis-"))
    for _ in range(attempts):
        port = free_port()
        with open(base / "redis.log", "ab") as log:
            process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(base),
                                        "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                                       cwd=base, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if redis.Redis(port=port, socket_timeout=1).ping():
                    return RedisServer(base, port, process)
            except redis.ConnectionError:
                time.sleep(0.05)
        process.kill()
        process.wait()
    log_tail = (base / "redis.log").read_text(errors="replace")[-2000:]
    shutil.rmtree(base, ignore_errors=True)
    raise RuntimeError(f"redis-server did not start; its log ends with:\n{log_tail}")
