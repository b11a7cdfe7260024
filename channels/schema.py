"""Create every table once, before several processes start on one database: Rasa's tracker events and Rafiq's stores.

Each process otherwise creates missing tables at start-up, and on PostgreSQL two replicas doing so at the same moment
collide (one of them fails, or Rasa's tracker store sleeps 5 s and retries). Usage: python -m channels.schema URL
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import sqlalchemy as sa

import bot
from bot.db import engine

logger = logging.getLogger(__name__)


def rafiq_metadata() -> list[sa.MetaData]:
    """The table definitions of every Rafiq store: each `metadata` of a module of the `bot` package."""
    found: list[sa.MetaData] = []
    for module in pkgutil.iter_modules(bot.__path__):
        metadata = getattr(importlib.import_module(f"bot.{module.name}"), "metadata", None)
        if isinstance(metadata, sa.MetaData) and metadata not in found:
            found.append(metadata)
    return found


def create_schema(database_url: str) -> list[str]:
    """Create the missing tables (Rasa's `events` included); returns the names of all of them."""
    from rasa.core.tracker_store import SQLTrackerStore

    eng = engine(database_url)
    everything = [SQLTrackerStore.Base.metadata, *rafiq_metadata()]
    for metadata in everything:
        metadata.create_all(eng)
    return sorted({name for metadata in everything for name in metadata.tables})


def main(argv: list[str] | None = None) -> int:
    """Command line: create the tables of the database URL given as the only argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m channels.schema DATABASE_URL", file=sys.stderr)
        return 2
    tables = create_schema(args[0])
    print(f"schema: {len(tables)} tables ready", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
