"""scripts/postgres: a throwaway cluster on loopback that prints its URL and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import sqlalchemy as sa

from bot.settings import ROOT
from tests import pg


def test_the_script_serves_a_rafiq_database_on_loopback_until_sigterm() -> None:
    pg.require_server_bin()
    port = pg.free_port()
    process = subprocess.Popen(["bash", str(ROOT / "scripts" / "postgres"), "--temp", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url == f"postgresql://postgres@127.0.0.1:{port}/rafiq", process.stderr.read() if process.stderr else ""
        eng = sa.create_engine(url, future=True, poolclass=sa.pool.NullPool)
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT current_database(), host(inet_server_addr())")).one() == (
                "rafiq", "127.0.0.1")
            listen = conn.execute(sa.text("SHOW listen_addresses")).scalar()
            data = Path(str(conn.execute(sa.text("SHOW data_directory")).scalar()))
        assert listen == "127.0.0.1"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not data.exists()  # --temp: the data is gone with the server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
