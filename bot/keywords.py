"""STOP, START, HELP and DELETE keywords in every language, read from knowledge/keywords.yml (editor data)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import yaml

from bot.errors import KnowledgeError

_PUNCTUATION = re.compile(r"[\s.!?؟،,;:'\"()\-_*]+")


class Keyword(str, Enum):
    """What a keyword asks for."""

    STOP = "stop"
    START = "start"
    HELP = "help"
    ERASE = "erase"


@dataclass(frozen=True)
class KeywordMatch:
    """A message that is exactly a keyword, and the languages the keyword belongs to."""

    keyword: Keyword
    languages: tuple[str, ...]

    def reply_language(self, conversation_language: str) -> str:
        """The conversation's language when the keyword is one of its words (or English), else the keyword's."""
        if conversation_language in self.languages or "en" in self.languages:
            return conversation_language
        return self.languages[0]


def normalise(text: str) -> str:
    """Upper-cased, NFC, without punctuation or spaces at the ends; inner spaces single."""
    text = unicodedata.normalize("NFC", text).strip()
    text = _PUNCTUATION.sub(" ", text).strip()
    return text.upper().replace("İ", "I")  # Turkish: "sil" and "SİL" are the same word


class Keywords:
    """The keyword table: whole-message matches only, so 'stop beating me' is never a STOP."""

    def __init__(self, table: dict[str, KeywordMatch]) -> None:
        self._table = table

    @classmethod
    def load(cls, knowledge_dir: Path) -> Keywords:
        """Read knowledge/keywords.yml; a mistake names the file and key."""
        path = knowledge_dir / "keywords.yml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise KnowledgeError(str(path), "(whole file)", f"cannot be read as YAML ({exc})") from exc
        table: dict[str, KeywordMatch] = {}
        for keyword in Keyword:
            per_language = data.get(keyword.value)
            if not isinstance(per_language, dict) or "en" not in per_language:
                raise KnowledgeError(str(path), keyword.value, "needs a list of words per language, English included")
            for lang, words in per_language.items():
                if not isinstance(words, list):
                    raise KnowledgeError(str(path), f"{keyword.value}.{lang}", "must be a list of words")
                for word in words:
                    key = normalise(str(word))
                    if key in table and table[key].keyword is not keyword:
                        raise KnowledgeError(str(path), f"{keyword.value}.{lang}",
                                             f"'{word}' is also a '{table[key].keyword.value}' keyword")
                    known = table.get(key)
                    languages = known.languages if known else ()
                    table[key] = KeywordMatch(keyword, tuple(dict.fromkeys((*languages, str(lang)))))
        return cls(table)

    def match(self, text: str) -> KeywordMatch | None:
        """The keyword that `text` is, or None."""
        return self._table.get(normalise(text)) if len(text) <= 40 else None
