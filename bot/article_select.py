"""Choosing the article within a topic: the message against each article's example questions (all languages,
character n-grams, so romanized and misspelt text still match), preferring the conversation's country.

The NLU model decides the topic; this picks among the topic's articles. It is rebuilt from knowledge/ whenever
the knowledge base is reloaded, so a new article's questions count at once for choosing among articles (the
topic model learns them at the next training).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from bot.knowledge import Article, KnowledgeBase
from bot.linear import TfidfFeatures

#: a country-specific article must beat a general one by this much when the person's country is unknown
UNKNOWN_COUNTRY_PENALTY = 0.1
#: an article for the person's own country gets this bonus
OWN_COUNTRY_BONUS = 0.3


@dataclass(frozen=True)
class Ranked:
    """An article and how well the message matches it."""

    article: Article
    score: float


class ArticleIndex:
    """TF-IDF vectors of every article's questions and titles."""

    def __init__(self, kb: KnowledgeBase) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.kb = kb
        texts: list[str] = []
        self._texts = texts
        self._owner: list[str] = []
        for article in kb.articles.values():
            for translation in article.translations.values():
                for text in (translation.title, *translation.questions):
                    texts.append(text)
                    self._owner.append(article.id)
        self._vectorizer: Any = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                                                lowercase=True, min_df=1)
        self._matrix: Any = self._vectorizer.fit_transform(texts) if texts else None
        # one message against every question: only the columns of the message's n-grams are read (bot/linear.py)
        self._columns: Any = self._matrix.tocsc() if texts else None
        self._features = TfidfFeatures.of(self._vectorizer) if texts else None

    def rank(self, text: str, topic: str, country: str | None = None,
             exclude: set[int] | None = None) -> list[Ranked]:
        """The topic's articles, best first; articles for another country than the person's are left out."""
        candidates = [a for a in self.kb.articles.values() if a.topic == topic]
        if country:
            candidates = [a for a in candidates if "general" in a.jurisdiction or country in a.jurisdiction]
        if not candidates:
            return []
        best: dict[str, float] = {a.id: 0.0 for a in candidates}
        if text.strip() and self._matrix is not None:
            similarities = self.similarities(text)
            for row, owner in enumerate(self._owner):
                if owner in best and (exclude is None or row not in exclude):
                    best[owner] = max(best[owner], float(similarities[row]))
        ranked = [Ranked(a, best[a.id] + _adjust(a, country)) for a in candidates]
        return sorted(ranked, key=lambda r: (-r.score, "general" not in r.article.jurisdiction, r.article.id))

    def similarities(self, text: str) -> Any:
        """Cosine similarity of the message to every indexed question and title (by row)."""
        import numpy as np

        if self._features is None:
            return (self._matrix @ self._vectorizer.transform([text]).T).toarray().ravel()
        columns, values = self._features.features(text)
        if not columns.size:
            return np.zeros(self._matrix.shape[0])
        return self._columns[:, columns] @ values

    def rows_of(self, article_id: str, text: str) -> set[int]:
        """Index rows holding `text` for `article_id` (to leave a question out when measuring)."""
        return {i for i, (owner, t) in enumerate(zip(self._owner, self._texts, strict=True))
                if owner == article_id and t == text}


def _adjust(article: Article, country: str | None) -> float:
    if "general" in article.jurisdiction:
        return 0.0
    if country and country in article.jurisdiction:
        return OWN_COUNTRY_BONUS
    return -UNKNOWN_COUNTRY_PENALTY


_lock = threading.Lock()
_cache: tuple[KnowledgeBase, ArticleIndex] | None = None


def index_for(kb: KnowledgeBase) -> ArticleIndex:
    """The index of this knowledge base (built once per reload)."""
    global _cache
    with _lock:
        if _cache is None or _cache[0] is not kb:
            _cache = (kb, ArticleIndex(kb))
        return _cache[1]


def choose(kb: KnowledgeBase, text: str, topic: str, country: str | None) -> Article | None:
    """The best article of `topic` for this message and country, or None when the topic has none."""
    ranked = index_for(kb).rank(text, topic, country)
    return ranked[0].article if ranked else None
