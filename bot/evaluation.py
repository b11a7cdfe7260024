"""Scores for `rafiq eval`: language accuracy, topic macro-F1 and triage figures, per language."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

URGENT_OR_WORSE = ("urgent", "emergency")


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """Macro-averaged F1 over the labels present in `gold`."""
    labels = sorted(set(gold))
    if not labels:
        return 0.0
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def score_group(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures for one group of labelled rows, each carrying its prediction under `pred`."""
    n = len(rows)
    lang_ok = sum(1 for r in rows if r["pred"]["language"] == r["lang"])
    gold_topics = [r["topic"] for r in rows]
    pred_topics = [r["pred"]["topic"] for r in rows]
    emergencies = [r for r in rows if r["urgency"] == "emergency"]
    gold_uw = [r for r in rows if r["urgency"] in URGENT_OR_WORSE]
    pred_uw = [r for r in rows if r["pred"]["urgency"] in URGENT_OR_WORSE]
    both_uw = [r for r in gold_uw if r["pred"]["urgency"] in URGENT_OR_WORSE]
    return {
        "n": n,
        "language_accuracy": _ratio(lang_ok, n),
        "topic_accuracy": _ratio(sum(1 for g, p in zip(gold_topics, pred_topics, strict=True) if g == p), n),
        "topic_macro_f1": round(macro_f1(gold_topics, pred_topics), 3) if n else None,
        "emergency_recall": _ratio(sum(1 for r in emergencies if r["pred"]["urgency"] == "emergency"),
                                   len(emergencies)),
        "emergency_as_routine": sum(1 for r in emergencies if r["pred"]["urgency"] == "routine"),
        "urgent_or_worse_recall": _ratio(len(both_uw), len(gold_uw)),
        "urgent_or_worse_precision": _ratio(len(both_uw), len(pred_uw)),
    }


def evaluate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per language, per script (native / latin), short messages (≤ 3 words), and overall."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["lang"]].append(row)
        groups[f"script:{row.get('script', 'native')}"].append(row)
        if len(str(row["text"]).split()) <= 3:
            groups["short (<=3 words)"].append(row)
    report = {name: score_group(group) for name, group in sorted(groups.items())}
    report["all"] = score_group(rows)
    return report


COLUMNS = (("n", "n"), ("language_accuracy", "lang acc"), ("topic_macro_f1", "topic F1"),
           ("topic_accuracy", "topic acc"), ("emergency_recall", "emerg rec"), ("emergency_as_routine", "emerg->rout"),
           ("urgent_or_worse_recall", "urg+ rec"), ("urgent_or_worse_precision", "urg+ prec"))


def format_table(report: dict[str, Any]) -> str:
    """A plain-text table, one row per group."""
    header = f"{'group':<20}" + "".join(f"{title:>12}" for _, title in COLUMNS)
    lines = [header, "-" * len(header)]
    for name, figures in report.items():
        cells = "".join(f"{'-' if figures[key] is None else figures[key]!s:>12}" for key, _ in COLUMNS)
        lines.append(f"{name:<20}{cells}")
    return "\n".join(lines)
