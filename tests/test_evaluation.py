"""The figures `rafiq eval` reports."""

from __future__ import annotations

import pytest

from bot.evaluation import evaluate, format_table, macro_f1


def test_macro_f1_perfect_and_wrong() -> None:
    assert macro_f1(["a", "b"], ["a", "b"]) == 1.0
    assert macro_f1(["a", "b"], ["b", "a"]) == 0.0
    assert macro_f1(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx((2 / 3 + 2 / 3) / 2)


def row(lang: str, urgency: str, pred_urgency: str, topic: str = "health", pred_topic: str = "health") -> dict:
    return {"text": "x y z w", "lang": lang, "script": "native", "topic": topic, "urgency": urgency,
            "pred": {"language": lang, "topic": pred_topic, "urgency": pred_urgency}}


def test_triage_figures_count_missed_emergencies() -> None:
    rows = [row("en", "emergency", "routine"), row("en", "emergency", "emergency"), row("en", "urgent", "urgent"),
            row("en", "routine", "urgent")]
    figures = evaluate(rows)["en"]
    assert figures["emergency_recall"] == 0.5
    assert figures["emergency_as_routine"] == 1
    assert figures["urgent_or_worse_recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert figures["urgent_or_worse_precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert "emerg->rout" in format_table(evaluate(rows))
