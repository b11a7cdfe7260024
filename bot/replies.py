"""What the bot says, composed from knowledge/ for one language and one channel. Plain Python, no Rasa."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.article_select import choose
from bot.knowledge import Article, KnowledgeBase
from bot.languages import Language

SHORT_CHANNELS = ("sms",)
TOPICS = ("asylum", "detention", "deportation", "worker_rights", "legal_aid", "health", "education",
          "language_classes", "employment", "discrimination", "basic_needs")


@dataclass(frozen=True)
class Reply:
    """One message to send: text and optional buttons (title, payload)."""

    text: str
    buttons: tuple[tuple[str, str], ...] = field(default=())

    def as_message(self) -> dict[str, Any]:
        """Keyword arguments for a Rasa dispatcher."""
        message: dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = [{"title": t, "payload": p} for t, p in self.buttons]
        return message


@dataclass(frozen=True)
class Served:
    """Which article, revision and language was served (recorded on the conversation)."""

    id: str
    revision: int
    language: str
    state: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the `last_article` slot."""
        return {"id": self.id, "revision": self.revision, "language": self.language, "state": self.state}


def language_menu(kb: KnowledgeBase, table: dict[str, Language], lang: str) -> Reply:
    """The numbered language menu, each language written in its own name."""
    buttons = tuple((f"{i}. {language.native_name}", language.native_name)
                    for i, language in enumerate(table.values(), start=1))
    return Reply(kb.text(lang, "language_menu"), buttons)


def welcome(kb: KnowledgeBase, table: dict[str, Language], lang: str, retention_days: int) -> list[Reply]:
    """First contact, before anything personal is asked: what Rafiq is and is not (general information, not
    legal advice), what is stored, for how long, who sees it and how to erase it; then the language menu."""
    notice = kb.text(lang, "privacy_notice", days=retention_days)
    return [Reply(f"{kb.text(lang, 'welcome')}\n\n{notice}"), language_menu(kb, table, lang)]


def article_text(kb: KnowledgeBase, article: Article, lang: str, channel: str) -> str:
    """The article in `lang` as sent on `channel`: the short text by SMS, else title, long text, sources, note."""
    tr = article.translations[lang]
    if channel in SHORT_CHANNELS or not tr.long:
        return tr.short
    sources = "; ".join(s["title"] for s in article.sources[:2])
    return "\n\n".join([f"*{tr.title}*", tr.long, kb.text(lang, "source_line", sources=sources),
                        kb.text(lang, "legal_note")])


def article_replies(kb: KnowledgeBase, article: Article, lang: str, channel: str) -> tuple[list[Reply], Served]:
    """One article in `lang` (English when that translation is missing), with a note when missing or stale."""
    state = article.translation_state(lang)
    replies: list[Reply] = []
    served_lang = lang
    if state == "missing":
        replies.append(Reply(kb.text(lang, "translation_missing")))
        served_lang = kb.source_language
    elif state == "stale":
        replies.append(Reply(kb.text(lang, "translation_stale")))
    replies.insert(0, Reply(article_text(kb, article, served_lang, channel)))
    return replies, Served(article.id, article.revision, served_lang, state)


def answer(kb: KnowledgeBase, topic: str, lang: str, country: str | None, channel: str,
           text: str = "") -> tuple[list[Reply], Served | None]:
    """The topic's article that best fits `text` (the person's country preferred), in `lang`; a missing or stale
    translation is said so."""
    article = choose(kb, text, topic, country)
    if article is None:
        return [Reply(kb.text(lang, "handoff_offer"))], None
    return article_replies(kb, article, lang, channel)


def emergency(kb: KnowledgeBase, lang: str, country: str | None, suggestion: str | None = None) -> list[Reply]:
    """Short: the country's emergency numbers (or general advice and a question about the country, suggesting the
    phone's country when known), safety lines, a volunteer."""
    facts = kb.countries.get(country or "")
    lines = [kb.text(lang, "emergency_intro")]
    if facts:
        numbers = ", ".join(f"{e['number']} ({e['service']})" for e in facts.emergency)
        lines.append(kb.text(lang, "emergency_numbers", numbers=numbers))
    else:
        lines.append(kb.text(lang, "emergency_numbers_unknown"))
    lines.append(kb.text(lang, "emergency_safety"))
    lines.append(kb.text(lang, "emergency_handoff"))
    replies = [Reply("\n".join(lines))]
    if not facts:
        replies.append(country_question(kb, lang, suggestion))
    return replies


def country_name(kb: KnowledgeBase, code: str, lang: str) -> str:
    """A country's name in `lang` (English when missing)."""
    names = kb.countries[code].names
    return names.get(lang) or names.get("en") or code


def country_question(kb: KnowledgeBase, lang: str, suggestion: str | None) -> Reply:
    """'Are you in Türkiye?' when the phone suggests a country, else 'Which country are you in?'."""
    if suggestion in kb.countries:
        return Reply(kb.text(lang, "confirm_country", country=country_name(kb, str(suggestion), lang)))
    return Reply(kb.text(lang, "ask_country"))


def emergency_numbers(kb: KnowledgeBase, lang: str, country: str) -> Reply:
    """'Call 112 (all emergencies) now.' for a known country."""
    numbers = ", ".join(f"{e['number']} ({e['service']})" for e in kb.countries[country].emergency)
    return Reply(kb.text(lang, "emergency_numbers", numbers=numbers))
