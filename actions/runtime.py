"""Shared state of the action server, built once on first use (no side effects at import time)."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from bot import logsafe
from bot.handoff import HandoffStore
from bot.knowledge import KnowledgeStore
from bot.languages import Language, load_languages
from bot.settings import Settings, load_settings
from bot.volunteers import VolunteerStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """Settings, knowledge, the language table, the handoff queue and the volunteer registry."""

    settings: Settings
    knowledge: KnowledgeStore
    languages: dict[str, Language]
    handoff: HandoffStore
    volunteers: VolunteerStore


@functools.lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    """Read settings once and open the stores."""
    settings = load_settings()
    logsafe.install()  # the action server's handlers: no personal data reaches its logs
    knowledge_dir = Path(settings.knowledge_dir)
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    runtime = Runtime(settings, KnowledgeStore(knowledge_dir), load_languages(knowledge_dir),
                      HandoffStore(settings.database_url), VolunteerStore(settings.database_url, settings.pepper))
    runtime.knowledge.get()
    logger.info("action runtime ready: %d languages", len(runtime.languages))
    return runtime
