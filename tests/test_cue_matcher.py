"""The triage's own matcher finds exactly what spaCy's Matcher finds with the same patterns, on every cue phrase,
a sample of the shipped NLU and urgency examples (spaCy's side takes about 1 ms per message and language), and every
development message, in every language's tokenization."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cue_matcher import CueMatcher
from bot.settings import ROOT
from bot.triage import Triage, fold, load_cue_files

DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def _messages(nlu_every: int = 16, urgency_every: int = 3) -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "nlu").glob("*/*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or ():
            texts += [line.strip()[2:] for line in str(block.get("examples") or "").splitlines()
                      if line.strip().startswith("- ")][::nlu_every]
    for path in sorted((ROOT / "nlu" / "urgency").glob("*.yml")):
        for examples in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).values():
            texts += [str(t) for t in examples or ()][::urgency_every]
    if DEV.exists():
        texts += [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


@pytest.fixture(scope="module")
def both() -> list[tuple[str, Any, Any, CueMatcher, list[str]]]:
    """Per language: its tokenizer, spaCy's Matcher and ours with the same patterns, and its cue phrases."""
    import spacy
    from spacy.matcher import Matcher

    built = []
    for lang, data in load_cue_files(ROOT / "knowledge").items():
        nlp = spacy.blank(lang)
        theirs, ours = Matcher(nlp.vocab, validate=True), CueMatcher()
        phrases = [str(p) for entry in data.get("cues") or () for p in entry.get("phrases") or ()]
        phrases += [str(p) for p in data.get("hypothetical") or ()]
        for i, phrase in enumerate(phrases):
            pattern = Triage._pattern(nlp, phrase)
            theirs.add(f"{lang}:{i}", [pattern])
            ours.add(f"{lang}:{i}", pattern)
        built.append((lang, nlp, theirs, ours, phrases))
    return built


def _same(nlp: Any, theirs: Any, ours: CueMatcher, text: str) -> None:
    doc = nlp.make_doc(fold(text))
    expected = {(nlp.vocab.strings[m], s, e) for m, s, e in theirs(doc)}
    assert set(ours([t.lower_ for t in doc])) == expected, text


def test_every_cue_phrase_and_shipped_example_matches_as_with_spacy(both: list) -> None:
    messages = _messages()
    assert len(messages) > 1500
    for _lang, nlp, theirs, ours, phrases in both:
        for text in [*phrases, *messages]:
            _same(nlp, theirs, ours, text)


@pytest.mark.parametrize("text", ["", "   ", "...", "police police police", "they took my husband to the police station"
                                  " and he is still there", "a" * 500])
def test_edge_cases_match_as_with_spacy(both: list, text: str) -> None:
    for _lang, nlp, theirs, ours, _phrases in both:
        _same(nlp, theirs, ours, text)


def test_a_pattern_of_another_shape_is_refused_in_plain_words() -> None:
    with pytest.raises(ValueError, match="unsupported cue pattern token"):
        CueMatcher().add("x", [{"ORTH": "Police"}])


def test_gaps_words_stems_and_endings() -> None:
    matcher = CueMatcher()
    matcher.add("took", [{"LOWER": "they"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"REGEX": "^took"}}])
    matcher.add("ending", [{"LOWER": {"REGEX": "ested$"}}])
    words = "they all quickly took him and arrested him".split()
    assert set(matcher(words)) == {("took", 0, 4), ("ending", 6, 7)}
    assert matcher(Path("x").name.split()) == []
