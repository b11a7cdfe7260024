"""`rafiq kb report`: one static HTML page on the state of knowledge/ for editors (no JavaScript, inline CSS).

Sections: translations by topic and language, out-of-date translations, reviews due, SMS segments of every
short text, and every `kb check` finding. All content is escaped; right-to-left text gets dir="rtl".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from html import escape
from pathlib import Path

from bot.kb_check import check
from bot.kb_common import ERROR, SMS_SEGMENT_BUDGET, Context, Finding, read_articles, sms_cost
from bot.knowledge import Article
from bot.replies import TOPICS

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 30
STATE_WORDS = {"current": "up to date", "stale": "out of date", "missing": "missing"}

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d1d1d;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}
thead th{background:#f1f1f1}td.n{text-align:center;white-space:nowrap}
.ok{background:#e6f4e6}.stale,.warning,.soon{background:#fff4d6}.missing,.over,.error,.overdue{background:#fde2e2}
.none{background:#f4f4f4;color:#777}.key{font-family:monospace}.muted{color:#666}small{color:#555}
nav a{margin-right:1rem}
"""


def report(knowledge_dir: Path, today: dt.date) -> str:
    """The whole HTML page for the folder `knowledge_dir` as of `today`."""
    ctx = Context.load(knowledge_dir)
    articles = sorted(read_articles(ctx).unique(), key=lambda a: (a.topic, a.id))
    findings = check(knowledge_dir, today)
    errors = sum(1 for f in findings if f.level == ERROR)
    title = f"Rafiq knowledge report, {today.isoformat()}"
    parts = [
        "<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{escape(title)}</title>",
        f"<style>{_CSS}</style>", "</head>", "<body>", f"<h1>{escape(title)}</h1>",
        f"<p>Folder <span class=\"key\">{escape(str(knowledge_dir))}</span>: {_count(len(articles), 'article')}, "
        f"{_count(errors, 'error')}, {_count(len(findings) - errors, 'warning')}. Run "
        "<span class=\"key\">rafiq kb check</span> for the same findings in the terminal.</p>",
        '<nav><a href="#coverage">Translations</a><a href="#stale">Out of date</a><a href="#reviews">Reviews</a>'
        '<a href="#sms">SMS length</a><a href="#findings">Findings</a></nav>',
        _coverage(ctx, articles), _stale(ctx, articles), _reviews(articles, today), _sms(ctx, articles),
        _findings(findings), "</body>", "</html>",
    ]
    return "\n".join(parts) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _row(cells: Iterable[str]) -> str:
    return "<tr>" + "".join(cells) + "</tr>"


def _lang_attrs(ctx: Context, lang: str) -> str:
    known = ctx.languages.get(lang)
    direction = known.direction if known else "ltr"
    return f' lang="{escape(lang)}" dir="{escape(direction)}"'


def _language_headers(ctx: Context, codes: list[str]) -> list[str]:
    cells = []
    for lang in codes:
        known = ctx.languages.get(lang)
        native = f"<br><span{_lang_attrs(ctx, lang)}>{escape(known.native_name)}</span>" if known else ""
        cells.append(f'<th data-lang="{escape(lang)}">{escape(ctx.name(lang) or lang)} '
                     f'<small>({escape(lang)})</small>{native}</th>')
    return cells


def _coverage(ctx: Context, articles: list[Article]) -> str:
    codes = list(ctx.languages)
    topics = list(dict.fromkeys([*TOPICS, *(a.topic for a in articles)]))
    head = _row(["<th>topic</th><th>articles</th>", *_language_headers(ctx, codes)])
    rows = []
    for topic in [*topics, None]:
        chosen = [a for a in articles if topic is None or a.topic == topic]
        label = "all topics" if topic is None else topic
        cells = [f'<th scope="row" data-topic="{escape(label)}">{escape(label)}</th>',
                 f'<td class="n">{len(chosen)}</td>']
        for lang in codes:
            states = [a.translation_state(lang) for a in chosen]
            current, stale, missing = (states.count(s) for s in ("current", "stale", "missing"))
            css = "none" if not chosen else "missing" if missing else "stale" if stale else "ok"
            cells.append(f'<td class="n {css}" data-lang="{escape(lang)}" title="{current} up to date, {stale} out of '
                         f'date, {missing} missing">{current} · {stale} · {missing}</td>')
        rows.append(_row(cells))
    return ('<section><h2 id="coverage">Translations by topic</h2><p>Each cell: <b>up to date · out of date · '
            'missing</b> translations of the topic\'s articles.</p>'
            f'<table id="coverage-table"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></section>')


def _stale(ctx: Context, articles: list[Article]) -> str:
    rows = []
    for article in articles:
        for lang, tr in sorted(article.translations.items()):
            if tr.source_revision < article.revision:
                rows.append(_row([f"<td>{escape(article.id)}</td>", f'<td class="key">{escape(ctx.shown(article.path))}'
                                  "</td>", f"<td>{escape(ctx.name(lang) or lang)} ({escape(lang)})</td>",
                                  f'<td class="n">{tr.source_revision}</td>', f'<td class="n">{article.revision}</td>',
                                  f"<td{_lang_attrs(ctx, lang)}>{escape(tr.title)}</td>"]))
    if not rows:
        return '<section><h2 id="stale">Out-of-date translations</h2><p>None: every translation is up to date.</p>' \
               "</section>"
    head = _row(["<th>article</th><th>file</th><th>language</th><th>translated from revision</th>"
                 "<th>English revision now</th><th>title in that language</th>"])
    return ('<section><h2 id="stale">Out-of-date translations</h2><p>The English text changed after these were '
            "translated: update them, then set <span class=\"key\">source_revision</span> to the article's revision."
            f'</p><table id="stale-table"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></section>')


def _reviews(articles: list[Article], today: dt.date) -> str:
    rows = []
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    for article in sorted(articles, key=lambda a: (a.review_due() or dt.date.min, a.id)):
        due = article.review_due()
        if due is None:
            state, css = "never reviewed", "soon"
        elif due < today:
            state, css = f"overdue by {(today - due).days} days", "overdue"
        elif due <= soon:
            state, css = f"due in {(due - today).days} days", "soon"
        else:
            continue
        rows.append(_row([f"<td>{escape(article.id)}</td>", f"<td>{escape(article.status)}</td>",
                          f"<td>{escape(article.reviewer or '—')}</td>",
                          f"<td>{escape(str(article.last_reviewed or '—'))}</td>",
                          f"<td>{escape(str(due or '—'))}</td>", f'<td class="{css}">{escape(state)}</td>']))
    if not rows:
        return (f'<section><h2 id="reviews">Reviews due</h2><p>No review is overdue or due in the next '
                f"{DUE_SOON_DAYS} days.</p></section>")
    head = _row(["<th>article</th><th>status</th><th>reviewer</th><th>last reviewed</th><th>due</th><th>state</th>"])
    return (f'<section><h2 id="reviews">Reviews due</h2><p>Overdue, or due in the next {DUE_SOON_DAYS} days.</p>'
            f'<table id="reviews-table"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></section>')


def _sms(ctx: Context, articles: list[Article]) -> str:
    codes = list(ctx.languages)
    head = _row(["<th>article</th>", *_language_headers(ctx, codes)])
    rows = []
    for article in articles:
        cells = [f"<td>{escape(article.id)}</td>"]
        for lang in codes:
            tr = article.translations.get(lang)
            if tr is None:
                cells.append('<td class="n muted">—</td>')
                continue
            cost = sms_cost(tr.short)
            css = "over" if cost.over_budget else "ok"
            tip = f"{cost.length} characters in {cost.encoding.name} (at most {cost.limit}): {tr.short}"
            cells.append(f'<td class="n {css}"{_lang_attrs(ctx, lang)} title="{escape(tip)}"><span dir="ltr">'
                         f"{cost.segments} <small>{escape(cost.encoding.name)}, {cost.length}</small></span></td>")
        rows.append(_row(cells))
    return ('<section><h2 id="sms">SMS length of every short text</h2><p>Segments, alphabet and length of each '
            f"<span class=\"key\">short</span>; it must fit {SMS_SEGMENT_BUDGET} segments (306 characters in GSM-7, "
            "134 in UCS-2). Red: over the limit. Point at a cell to read the text.</p>"
            f'<table id="sms-table"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></section>')


def _findings(findings: list[Finding]) -> str:
    if not findings:
        return '<section><h2 id="findings">Findings of kb check</h2><p>No problems found.</p></section>'
    head = _row(["<th>level</th><th>file</th><th>key</th><th>language</th><th>what to do</th>"])
    rows = [_row([f'<td class="{escape(f.level)}">{escape(f.level)}</td>', f'<td class="key">{escape(f.path)}</td>',
                  f'<td class="key">{escape(f.key)}</td>', f"<td>{escape(f.language_name or '')}</td>",
                  f"<td>{escape(f.message)}</td>"]) for f in findings]
    return ('<section><h2 id="findings">Findings of kb check</h2>'
            f'<table id="findings-table"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></section>')
