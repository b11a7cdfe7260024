"""Urgency triage: deterministic danger cues from knowledge/triage/<lang>.yml, matched on spaCy's tokens.

Cue phrases are editor data. A word ending in `*` matches any ending, one starting with `*` any prefix, and `...`
allows up to three other words in between. Every language's cues run on every message, so a wrong language
guess never hides an emergency. Hypothetical markers ("what if", "agar") lower `urgent` cues to routine, never an
emergency cue: missing an emergency is the worst error. The same holds for the model layer's verdicts.

Negation words listed per language (`negation:`) right before an urgent cue, or right after it in languages
that negate after the verb (Urdu "nahi", Bengali "na"), turn that cue off: "he was never arrested, I just want
to know my rights". Only event families where a negation means "it did not happen" are negated (NEGATABLE):
"they don't give back my passport" or "the hospital won't treat her" are the harm itself. Emergency cues are
never negated: "I am not safe" must stay an emergency.

A cue entry marked `weak: true` names a topic rather than an event ("detention centre", "tomorrow"): people ask
about it in routine questions, so it counts only when another cue fires or the model also sees some urgency
(urgent-or-worse probability of at least WEAK_CUE_SUPPORT).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.cue_matcher import CueMatcher
from bot.errors import KnowledgeError

logger = logging.getLogger(__name__)

LEVELS = ("routine", "urgent", "emergency")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ی", "ي": "ی", "ك": "ک", "ة": "ه",
                              "ۀ": "ه", "ؤ": "و", "ئ": "ی", "ـ": None})
_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed]")
_APOSTROPHES = re.compile(r"['’`´]")
GAP = "..."
WEAK_CUE_SUPPORT = 0.3
NEGATABLE = frozenset({"detention_now", "deportation_imminent", "raid"})


@dataclass(frozen=True)
class ModelVerdict:
    """The model layer's say on one message: its level, the score that decided it, and P(urgent or worse)."""

    level: str
    score: float
    urgent_or_worse: float


def fold(text: str) -> str:
    """Lower-case, unify Arabic-script letter variants, and split at apostrophes (for matching only)."""
    text = unicodedata.normalize("NFC", text.lower())
    return _APOSTROPHES.sub(" ", _DIACRITICS.sub("", text).translate(_ARABIC_FOLD))


@dataclass(frozen=True)
class Urgency:
    """The urgency of one message and why."""

    level: str
    reasons: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"level": self.level, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Cue:
    """One editor-written cue phrase."""

    language: str
    family: str
    level: str
    phrase: str
    weak: bool = False


def _word_pattern(word: str) -> dict[str, Any]:
    if word.startswith("*") and word.endswith("*") and len(word) > 2:
        return {"LOWER": {"REGEX": re.escape(word[1:-1])}}
    if word.endswith("*"):
        return {"LOWER": {"REGEX": "^" + re.escape(word[:-1])}}
    if word.startswith("*"):
        return {"LOWER": {"REGEX": re.escape(word[1:]) + "$"}}
    return {"LOWER": word}


class Triage:
    """All languages' cues, tokenized by each language's spaCy tokenizer, compiled into one CueMatcher each."""

    def __init__(self, cue_files: dict[str, dict[str, Any]]) -> None:
        import spacy

        self.cues: dict[str, Cue] = {}
        self.negation: dict[str, frozenset[str]] = {}
        self.hypothetical: list[tuple[str, Any, CueMatcher]] = []
        self._matchers: list[tuple[str, Any, CueMatcher]] = []
        for lang, data in cue_files.items():
            nlp = spacy.blank(lang)
            matcher = CueMatcher()
            for entry in data.get("cues") or ():
                for phrase in entry.get("phrases") or ():
                    key = f"{lang}:{len(self.cues)}"
                    self.cues[key] = Cue(lang, str(entry["family"]), str(entry["level"]), str(phrase),
                                         bool(entry.get("weak")))
                    matcher.add(key, self._pattern(nlp, str(phrase)))
            self._matchers.append((lang, nlp, matcher))
            self.negation[lang] = frozenset(fold(str(w)) for w in data.get("negation") or ())
            hyp = CueMatcher()
            for i, phrase in enumerate(data.get("hypothetical") or ()):
                hyp.add(f"h{i}", self._pattern(nlp, str(phrase)))
            self.hypothetical.append((lang, nlp, hyp))

    @staticmethod
    def _pattern(nlp: Any, phrase: str) -> list[dict[str, Any]]:
        pattern: list[dict[str, Any]] = []
        for word in fold(phrase).split():
            if word == GAP:
                pattern.extend({"OP": "?"} for _ in range(3))
                continue
            core = word.strip("*")
            pieces = [t.text for t in nlp.make_doc(core)] or [core]
            subs = [{"LOWER": p} for p in pieces]
            if word.startswith("*"):
                subs[0] = _word_pattern("*" + pieces[0])
            if word.endswith("*"):
                subs[-1] = _word_pattern(pieces[-1] + "*") if not (word.startswith("*") and len(pieces) == 1) \
                    else _word_pattern("*" + pieces[0] + "*")
            pattern.extend(subs)
        while pattern and pattern[-1] == {"OP": "?"}:
            pattern.pop()
        return pattern

    def matches(self, text: str, languages: set[str] | None = None) -> list[Cue]:
        """Every cue found in `text`, in the given languages (all when None), negated urgent cues left out."""
        return self.scan(text, languages)[0]

    def scan(self, text: str, languages: set[str] | None = None) -> tuple[list[Cue], list[Cue]]:
        """(cues found, urgent cues turned off by a negation word next to them)."""
        found, negated = self._scan(text, languages)
        return list(found), list(negated)

    def _scan(self, text: str, languages: set[str] | None) -> tuple[dict[Cue, int], list[Cue]]:
        """Cues found with the character where each first starts, and negated urgent cues."""
        folded = fold(text)
        found: dict[Cue, int] = {}
        negated: dict[Cue, int] = {}
        for lang, nlp, matcher in self._matchers:
            if languages is not None and lang not in languages:
                continue
            doc = nlp.make_doc(folded)
            lowers = [t.lower_ for t in doc]
            words = self.negation.get(lang, frozenset())
            for key, start, end in matcher(lowers):
                cue = self.cues[key]
                near = set(lowers[max(0, start - 2):start]) | set(lowers[end:end + 1])
                target = negated if cue.level == "urgent" and cue.family in NEGATABLE and words & near else found
                target[cue] = min(target.get(cue, len(folded)), doc[start].idx)
        return found, [c for c in negated if c not in found]

    def hypothetical_start(self, text: str) -> int | None:
        """Where the first marker of a general or imagined question starts ("what if the police stop me")."""
        folded = fold(text)
        starts = [doc[start].idx for _lang, nlp, matcher in self.hypothetical
                  for doc in (nlp.make_doc(folded),) for _key, start, _end in matcher([t.lower_ for t in doc])]
        return min(starts) if starts else None

    def is_hypothetical(self, text: str) -> bool:
        """True when the message asks about a general or imagined case."""
        return self.hypothetical_start(text) is not None

    def classify(self, text: str, languages: set[str] | None = None,
                 model: ModelVerdict | None = None) -> Urgency:
        """Urgency with its reasons: cues (in `languages`, all when None) and the model; the highest level wins.

        A hypothetical marker lowers an urgent cue only when the cue comes after it: in "my husband was arrested,
        can a minor visit him?" the arrest is a fact, in "can they arrest me if..." it is imagined."""
        found, negated = self._scan(text, languages)
        marker = self.hypothetical_start(text)
        level = "routine"
        reasons: list[str] = []
        if model is not None and (model.level == "emergency" or (model.level == "urgent" and marker is None)):
            level = model.level
            reasons.append(f"model {model.level} (score {model.score:.2f})")
        supported = any(not c.weak for c in found) or (model is not None and model.urgent_or_worse >= WEAK_CUE_SUPPORT)
        for cue in sorted(found, key=lambda c: (-LEVELS.index(c.level), found[c])):
            name = f"cue {cue.family} ({cue.language}: '{cue.phrase}')"
            if marker is not None and cue.level == "urgent" and found[cue] >= marker:
                reasons.append(f"{name} in a hypothetical question")
                continue
            if cue.weak and cue.level == "urgent" and not supported:
                reasons.append(f"{name} is weak and nothing else points to urgency")
                continue
            reasons.append(f"{name} -> {cue.level}")
            if LEVELS.index(cue.level) > LEVELS.index(level):
                level = cue.level
        reasons += [f"cue {c.family} ({c.language}: '{c.phrase}') negated" for c in negated]
        return Urgency(level, tuple(reasons[:6]))


def load_cue_files(knowledge_dir: Path) -> dict[str, dict[str, Any]]:
    """Read knowledge/triage/*.yml, checking each entry so an editor's mistake names the file and key."""
    files: dict[str, dict[str, Any]] = {}
    for path in sorted((knowledge_dir / "triage").glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise KnowledgeError(str(path), "(whole file)", f"is not valid YAML: {exc}") from exc
        negation = data.get("negation") or []
        if not isinstance(negation, list) or not all(isinstance(w, str) and w.strip() for w in negation):
            raise KnowledgeError(str(path), "negation", "must be a list of words such as: not, never")
        for i, entry in enumerate(data.get("cues") or ()):
            where = f"cues[{i + 1}]"
            if entry.get("level") not in ("emergency", "urgent"):
                raise KnowledgeError(str(path), f"{where}.level", "must be 'emergency' or 'urgent'")
            if "weak" in entry and not isinstance(entry["weak"], bool):
                raise KnowledgeError(str(path), f"{where}.weak", "must be true or false")
            if not entry.get("family"):
                raise KnowledgeError(str(path), f"{where}.family", "is missing (for example: violence, medical)")
            for j, phrase in enumerate(entry.get("phrases") or ()):
                bare = str(phrase).replace("*", "").replace(GAP, "").strip()
                if len(bare) < 2:
                    raise KnowledgeError(str(path), f"{where}.phrases[{j + 1}]", f"'{phrase}' is too short to match")
        files[path.stem] = data
    return files


def build_triage(knowledge_dir: Path) -> Triage:
    """Compile every language's cues."""
    return Triage(load_cue_files(knowledge_dir))
