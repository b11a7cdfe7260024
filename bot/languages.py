"""The language table (data in knowledge/languages/) and language detection for short, informal messages.

Detection layers, cheapest and surest first:
1. script: Bengali letters mean Bengali; letters only Urdu has (ٹ ڈ ڑ ں ے ہ ھ) mean Urdu; Persian-only letters
   (پ چ ژ گ ک ی) without Arabic-only ones (ة ي ك ى) mean Persian, and the reverse Arabic;
2. Latin-script cues: Turkish-only letters (ğ ı ş), French accents, Arabizi digits inside words (3ayez, 7ad);
3. a character n-gram model trained on our own NLU examples (native and romanized) and the table's
   `latin_markers` words, restricted to the candidates the script allows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError, UnknownLanguage
from bot.linear import fast_predict_proba
from bot.text import words

logger = logging.getLogger(__name__)

ARABIC_SCRIPT = ("ar", "fa", "ur")
URDU_ONLY = set("ٹڈڑںےۓہھ")
PERSIAN_LETTERS = set("پچژگکی")
ARABIC_ONLY = set("ةيكى")
TURKISH_ONLY = set("ğışİ")
FRENCH_ACCENTS = set("éèêàùûôîïëœâ")
_ARABIZI = re.compile(r"(?<=[a-z])[2379](?=[a-z])|\b[2379](?=[a-z]{2})|(?<=[a-z]{2})[2379]\b")


@dataclass(frozen=True)
class Language:
    """One row of the language table."""

    code: str
    english_name: str
    native_name: str
    direction: str
    script: str
    names: tuple[str, ...] = ()
    latin_markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Detection:
    """The best guess for a message: language, script, confidence, and whether it is reliable enough to switch."""

    language: str | None
    script: str
    confidence: float
    reliable: bool
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (stored on the parsed message)."""
        return {"code": self.language, "script": self.script, "confidence": round(self.confidence, 3),
                "reliable": self.reliable, "candidates": [c for c, s in self.scores.items() if s >= 0.1]}


def load_languages(knowledge_dir: Path) -> dict[str, Language]:
    """Read knowledge/languages/*.yml; errors name the file and key."""
    table: dict[str, Language] = {}
    order: dict[str, int] = {}
    folder = knowledge_dir / "languages"
    for path in sorted(folder.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise KnowledgeError(str(path), "(whole file)", f"is not valid YAML: {exc}") from exc
        for key in ("code", "english_name", "native_name", "direction", "script"):
            if not data.get(key):
                raise KnowledgeError(str(path), key, "is missing; every language needs it")
        code = str(data["code"])
        order[code] = int(data.get("menu_order") or 99)
        if path.stem != code:
            raise KnowledgeError(str(path), "code", f"is '{code}' but the file is named '{path.stem}.yml'")
        table[code] = Language(
            code=code,
            english_name=str(data["english_name"]),
            native_name=str(data["native_name"]),
            direction=str(data["direction"]),
            script=str(data["script"]),
            names=tuple(str(n).lower() for n in data.get("names") or ()),
            latin_markers=tuple(str(w).lower() for w in data.get("latin_markers") or ()),
        )
    if not table:
        raise KnowledgeError(str(folder), "(folder)", "holds no language file")
    return dict(sorted(table.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))


def check_language(code: str | None, table: dict[str, Language]) -> str:
    """Return `code` if Rafiq supports it, else raise UnknownLanguage with the supported list."""
    if code in table:
        return str(code)
    raise UnknownLanguage(f"unknown language '{code}'; supported: {', '.join(sorted(table))}")


def script_counts(text: str) -> dict[str, int]:
    """How many letters of `text` are Arabic-script, Bengali and Latin."""
    counts = {"Arab": 0, "Beng": 0, "Latn": 0, "other": 0}
    for char in text:
        if not char.isalpha():
            continue
        code = ord(char)
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
            counts["Arab"] += 1
        elif 0x0980 <= code <= 0x09FF:
            counts["Beng"] += 1
        elif code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
            counts["Latn"] += 1
        else:
            counts["other"] += 1
    return counts


def find_language_name(text: str, table: dict[str, Language]) -> str | None:
    """The language a person names in `text` ("English please", "عربي", "urdu me baat karo"), if any."""
    lowered = " " + " ".join(words(text)) + " "
    best: tuple[int, str] | None = None
    for lang in table.values():
        for name in lang.names:
            if f" {name} " in lowered and (best is None or len(name) > best[0]):
                best = (len(name), lang.code)
    return best[1] if best else None


class LanguageDetector:
    """Script rules plus a character n-gram model trained on Rafiq's own examples."""

    def __init__(self, table: dict[str, Language], models: dict[str, Any]) -> None:
        self.table = table
        self.models = models
        self._proba = {script: fast_predict_proba(model) for script, model in models.items()}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the compiled predictors (they are rebuilt on loading)."""
        return {k: v for k, v in self.__dict__.items() if k != "_proba"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled with the model: compile the predictors again."""
        self.__dict__.update(state)
        self._proba = {script: fast_predict_proba(model) for script, model in self.models.items()}

    @classmethod
    def train(cls, table: dict[str, Language], examples: dict[str, list[str]]) -> LanguageDetector:
        """Fit one model for Arabic-script text (ar/fa/ur) and one for Latin-script text (all languages)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        groups: dict[str, tuple[list[str], list[str]]] = {"Arab": ([], []), "Latn": ([], [])}
        for code, texts in examples.items():
            for text in texts:
                counts = script_counts(text)
                script = max(counts, key=lambda k: counts[k])
                if script in groups:
                    groups[script][0].append(text.lower())
                    groups[script][1].append(code)
        for code, lang in table.items():
            for marker in lang.latin_markers:
                groups["Latn"][0].extend([marker] * 2)
                groups["Latn"][1].extend([code] * 2)
        models: dict[str, Any] = {}
        for script, (texts, labels) in groups.items():
            if len(set(labels)) < 2:
                continue
            model = make_pipeline(
                TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1),
                LogisticRegression(C=20, max_iter=2000),
            )
            model.fit(texts, labels)
            models[script] = model
            logger.info("language model %s: %d examples, %d languages", script, len(texts), len(set(labels)))
        return cls(table, models)

    def _model_scores(self, script: str, text: str, allowed: Iterable[str]) -> dict[str, float]:
        model = self.models.get(script)
        allowed = set(allowed)
        if model is None:
            return {code: 1.0 / len(allowed) for code in allowed}
        probs = self._proba[script](text.lower())
        scores = {c: float(p) for c, p in zip(model.classes_, probs, strict=True) if c in allowed}
        total = sum(scores.values()) or 1.0
        return {c: p / total for c, p in scores.items()}

    def detect(self, text: str) -> Detection:
        """Best guess for `text`; `reliable` is False for short or ambiguous input ("ok", "?", "1")."""
        counts = script_counts(text)
        letters = sum(counts.values())
        if letters == 0:
            return Detection(None, "none", 0.0, False)
        tokens = [w for w in words(text) if any(ch.isalpha() for ch in w)]
        script = max(counts, key=lambda k: counts[k])
        chars = set(text.lower())
        if script == "Beng":
            return Detection("bn", "native", 1.0, letters >= 3, {"bn": 1.0})
        if script == "Arab":
            if chars & URDU_ONLY:
                return Detection("ur", "native", 0.99, True, {"ur": 0.99})
            scores = self._model_scores("Arab", text, ARABIC_SCRIPT)
            if chars & PERSIAN_LETTERS and not chars & ARABIC_ONLY:
                # پ چ ژ گ ک ی are Persian and Urdu letters, not Arabic ones: the model decides between fa and ur.
                scores["ar"] = scores.get("ar", 0.0) * 0.05
            elif chars & ARABIC_ONLY and not chars & PERSIAN_LETTERS:
                scores = {"ar": max(scores.get("ar", 0.0), 0.9), "fa": scores.get("fa", 0.0) * 0.1,
                          "ur": scores.get("ur", 0.0) * 0.1}
            total = sum(scores.values()) or 1.0
            scores = {c: v / total for c, v in scores.items()}
            return self._decide(scores, "native", tokens, floor=0.6)
        if script == "Latn":
            lowered = text.lower()
            scores = self._model_scores("Latn", text, self.table)
            if chars & TURKISH_ONLY:
                scores["tr"] = scores.get("tr", 0.0) + 1.0
            elif chars & FRENCH_ACCENTS:
                scores["fr"] = scores.get("fr", 0.0) + 0.6
            if _ARABIZI.search(lowered):
                scores["ar"] = scores.get("ar", 0.0) + 0.8
            hits = self._marker_hits(tokens)
            for code, hit in hits.items():
                scores[code] = scores.get(code, 0.0) + 0.25 * hit
            total = sum(scores.values()) or 1.0
            scores = {c: s / total for c, s in scores.items()}
            best = max(scores, key=lambda c: scores[c])
            latin_script = "native" if self.table[best].script == "Latn" else "latin"
            return self._decide(scores, latin_script, tokens, floor=0.5)
        return Detection(None, "other", 0.0, False)

    def _marker_hits(self, tokens: list[str]) -> dict[str, int]:
        hits: dict[str, int] = {}
        for code, lang in self.table.items():
            markers = set(lang.latin_markers)
            count = sum(1 for t in tokens if t in markers)
            if count:
                hits[code] = count
        return hits

    def _decide(self, scores: dict[str, float], script: str, tokens: list[str], floor: float) -> Detection:
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        best, confidence = ranked[0]
        margin = confidence - (ranked[1][1] if len(ranked) > 1 else 0.0)
        long_enough = len(tokens) >= 2 or (tokens and len(tokens[0]) >= 5)
        reliable = bool(long_enough and confidence >= floor and margin >= 0.2)
        return Detection(best, script, confidence, reliable, {c: round(s, 3) for c, s in ranked[:3]})


def load_examples(nlu_dir: Path, codes: Iterable[str]) -> dict[str, list[str]]:
    """Every NLU training example per language, read from nlu/<lang>/*.yml."""
    examples: dict[str, list[str]] = {}
    for code in codes:
        texts: list[str] = []
        for path in sorted((nlu_dir / code).glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in data.get("nlu") or ():
                for line in str(block.get("examples") or "").splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        texts.append(line[2:].strip())
        examples[code] = texts
    return examples


def build_detector(knowledge_dir: Path, nlu_dir: Path) -> LanguageDetector:
    """Load the language table and train the detector from the shipped examples (about a second)."""
    table = load_languages(knowledge_dir)
    return LanguageDetector.train(table, load_examples(nlu_dir, table))
