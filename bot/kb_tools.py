"""`rafiq kb stats` and `rafiq kb show`: figures on the knowledge folder, and an article exactly as a person
receives it on one channel (the same composition as the bot: bot.replies, then bot.medium)."""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from pathlib import Path
from typing import Any

from bot.errors import BadInput
from bot.kb_common import Context, read_articles, sms_cost
from bot.knowledge import KnowledgeBase
from bot.languages import load_languages
from bot.medium import render
from bot.replies import TOPICS, article_replies

logger = logging.getLogger(__name__)

CHANNELS = ("sms", "whatsapp", "telegram", "web")
_CHANNEL_NAMES = {"sms": "SMS", "whatsapp": "WhatsApp message", "telegram": "Telegram message",
                  "web": "web chat message"}
_STATE_WORDS = {"current": "up to date", "stale": "out of date (made from an older English revision)",
                "missing": "missing, so the English text is sent with a note"}


def stats(knowledge_dir: Path, today: dt.date) -> dict[str, Any]:
    """Articles, translation states per language, articles per topic, overdue reviews and shorts over the SMS budget.

    Per language, translated + stale + missing = articles ("translated" means current). Articles that cannot be
    loaded are not counted (`rafiq kb check` names them).
    """
    ctx = Context(knowledge_dir, load_languages(knowledge_dir))
    articles = read_articles(ctx).unique()
    languages = {lang: {"translated": 0, "stale": 0, "missing": 0} for lang in ctx.languages}
    topics: dict[str, int] = dict.fromkeys(TOPICS, 0)
    overdue = over_budget = 0
    for article in articles:
        topics[article.topic] = topics.get(article.topic, 0) + 1
        for lang, counts in languages.items():
            state = article.translation_state(lang)
            counts["translated" if state == "current" else state] += 1
        due = article.review_due()
        overdue += int(due is not None and due < today)
        over_budget += sum(1 for tr in article.translations.values() if sms_cost(tr.short).over_budget)
    return {"articles": len(articles), "languages": languages, "topics": topics, "overdue_reviews": overdue,
            "over_sms_budget": over_budget}


def format_stats(figures: dict[str, Any]) -> str:
    """A short table of `stats` for people."""
    lines = [f"{figures['articles']} articles, {figures['overdue_reviews']} reviews overdue, "
             f"{figures['over_sms_budget']} SMS texts over budget", "",
             f"{'language':<10}{'translated':>11}{'stale':>7}{'missing':>9}"]
    for lang, counts in figures["languages"].items():
        lines.append(f"{lang:<10}{counts['translated']:>11}{counts['stale']:>7}{counts['missing']:>9}")
    lines += ["", f"{'topic':<18}{'articles':>9}"]
    lines += [f"{topic:<18}{count:>9}" for topic, count in figures["topics"].items()]
    return "\n".join(lines)


def show(kb: KnowledgeBase, article_id: str, lang: str, channel: str) -> str:
    """The article `article_id` as someone writing in `lang` receives it on `channel`, message by message."""
    article = kb.articles.get(article_id)
    if article is None:
        close = difflib.get_close_matches(article_id, list(kb.articles), n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else "; the ids are the file names without .yml"
        raise BadInput(f"there is no article with the id '{article_id}'{hint}")
    if lang not in kb.ui:
        raise BadInput(f"'{lang}' is not one of Rafiq's languages; use one of {', '.join(sorted(kb.ui))}")
    if channel not in CHANNELS:
        raise BadInput(f"'{channel}' is not a channel; use one of {', '.join(CHANNELS)}")
    replies, served = article_replies(kb, article, lang, channel)
    lines = [f"=== {article.id} (revision {article.revision}), language {lang}: translation "
             f"{_STATE_WORDS[served.state]} ==="]
    messages = [reply.as_message() for reply in replies]
    bodies: list[tuple[str, tuple[tuple[str, str], ...]]]
    if channel == "web":
        bodies = [(str(m["text"]), ()) for m in messages]
    else:
        bodies = [(m.text, m.buttons) for m in render(messages, channel).messages]
    for number, (text, buttons) in enumerate(bodies, start=1):
        lines.append(_header(channel, number, len(bodies), text))
        lines.append(text)
        lines += [f"[button] {title}" for title, _payload in buttons]
    if channel == "sms":
        total = sum(sms_cost(text).segments for text, _ in bodies)
        lines.append(f"=== in all: {len(bodies)} SMS, {total} segment{'s' if total != 1 else ''} ===")
    return "\n".join(lines)


def _header(channel: str, number: int, count: int, text: str) -> str:
    what = f"{_CHANNEL_NAMES[channel]} {number} of {count}"
    if channel == "sms":
        cost = sms_cost(text)
        return f"--- {what} · {cost.segments} segment{'s' if cost.segments != 1 else ''} · {cost.encoding.name} ---"
    return f"--- {what} · {len(text)} characters ---"
