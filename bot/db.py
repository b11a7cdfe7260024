"""One SQLAlchemy engine per database URL, shared by Rafiq's own stores (SQLite by default, PostgreSQL to scale)."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa


@functools.lru_cache(maxsize=8)
def engine(database_url: str) -> sa.engine.Engine:
    """The engine for `database_url`; SQLite gets WAL and a busy timeout so several processes can share it."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(database_url, future=True, pool_pre_ping=True)
    if url.database:
        from pathlib import Path

        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    eng = sa.create_engine(database_url, future=True, connect_args={"timeout": 15, "check_same_thread": False})

    @sa.event.listens_for(eng, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    return eng


def create_tables(database_url: str, metadata: sa.MetaData) -> sa.engine.Engine:
    """The shared engine, with `metadata`'s tables created if they do not exist yet."""
    eng = engine(database_url)
    metadata.create_all(eng)
    return eng
