"""How often the article selector picks the right article for a question it has not seen (leave-one-out over
every article's example questions), against the old rule (the topic's first article).

    .venv/bin/python bench/article_selection.py
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from bot.article_select import ArticleIndex
from bot.knowledge import load_knowledge
from bot.settings import ROOT


def main() -> None:
    """Print per-language top-1 accuracy, with the country unknown and with it known."""
    kb = load_knowledge(Path(ROOT / "knowledge"))
    started = time.perf_counter()
    index = ArticleIndex(kb)
    build = time.perf_counter() - started
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    timings: list[float] = []
    for article in kb.articles.values():
        country = next((j for j in article.jurisdiction if j != "general"), None)
        for lang, translation in article.translations.items():
            for question in translation.questions:
                leave_out = index.rows_of(article.id, question)
                t0 = time.perf_counter()
                unknown = index.rank(question, article.topic, None, leave_out)
                timings.append(time.perf_counter() - t0)
                known = index.rank(question, article.topic, country, leave_out)
                first = kb.articles_for(article.topic, None)[0]
                row = hits[lang]
                row[0] += unknown[0].article.id == article.id
                row[1] += known[0].article.id == article.id
                row[2] += first.id == article.id
                row[3] += 1
    print(f"index built in {build:.2f}s over {len(kb.articles)} articles; "
          f"median ranking {1000 * sorted(timings)[len(timings) // 2]:.1f} ms")
    print(f"{'lang':6}{'n':>6}{'selector':>10}{'+country':>10}{'first':>8}")
    total = [0, 0, 0, 0]
    for lang, row in sorted(hits.items()):
        total = [a + b for a, b in zip(total, row, strict=True)]
        print(f"{lang:6}{row[3]:>6}{row[0] / row[3]:>10.3f}{row[1] / row[3]:>10.3f}{row[2] / row[3]:>8.3f}")
    print(f"{'all':6}{total[3]:>6}{total[0] / total[3]:>10.3f}{total[1] / total[3]:>10.3f}{total[2] / total[3]:>8.3f}")


if __name__ == "__main__":
    main()
