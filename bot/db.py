"""One SQLAlchemy engine per database URL, shared by Rafiq's own stores (SQLite by default, PostgreSQL to scale)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

_engines: dict[str, sa.engine.Engine] = {}
_lock = threading.Lock()


def engine(database_url: str) -> sa.engine.Engine:
    """The shared engine for `database_url`, created on first use."""
    with _lock:
        eng = _engines.get(database_url)
        if eng is None:
            eng = _engines[database_url] = _create(database_url)
        return eng


def dispose(database_url: str) -> None:
    """Close the pooled connections of `database_url` and forget its engine (before that database is dropped)."""
    with _lock:
        eng = _engines.pop(database_url, None)
    if eng is not None:
        eng.dispose()


def create_tables(database_url: str, metadata: sa.MetaData) -> sa.engine.Engine:
    """The shared engine, with `metadata`'s tables created if they do not exist yet."""
    eng = engine(database_url)
    metadata.create_all(eng)
    return eng


def upsert(conn: sa.engine.Connection, table: sa.Table, values: dict[str, Any], update: dict[str, Any]) -> None:
    """INSERT `values`, or UPDATE that row with `update` if its primary key exists, in one atomic statement."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    key = [column.name for column in table.primary_key.columns]
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_update(index_elements=key, set_=update))


def _create(database_url: str) -> sa.engine.Engine:
    """A new engine; SQLite gets WAL and a busy timeout so several processes can share it."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(database_url, future=True, pool_pre_ping=True)
    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    eng = sa.create_engine(database_url, future=True, connect_args={"timeout": 15, "check_same_thread": False})

    @sa.event.listens_for(eng, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
        cursor.close()

    return eng
