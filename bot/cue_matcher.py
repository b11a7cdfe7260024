"""Thousands of token patterns found in one short message at once, for the triage cues (bot/triage.py).

The patterns are spaCy Matcher patterns of three kinds of token (what bot/triage.py writes): `{"LOWER": word}`,
`{"LOWER": {"REGEX": "^stem"}}` / `"ending$"` / `"part"` (a word starting with, ending with or containing), and
`{"OP": "?"}` (any one word or none). spaCy's Matcher tries every pattern at every word, calling Python for each
regular expression: about 1 ms per language per message with ~3,000 cue phrases, and every language's cues run
when the language is unsure. Here the patterns are indexed by their first word (exact, or by the stem or ending
it needs or contains), so only the few patterns that can start at a word are tried. The matches are the same as spaCy's:
tests/test_cue_matcher.py compares both on every cue phrase and every shipped example.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

WORD, PREFIX, SUFFIX, INFIX, ANY = "word", "prefix", "suffix", "infix", "any"
Token = tuple[str, str]  # (kind, text)
PART_KEY = 3  # letters of a "contains" token's text that index it


def _token(spec: dict[str, Any]) -> Token:
    """One pattern token in the form bot/triage.py writes; ValueError for anything else."""
    if spec == {"OP": "?"}:
        return ANY, ""
    lower = spec.get("LOWER") if len(spec) == 1 else None
    if isinstance(lower, str):
        return WORD, lower
    regex = lower.get("REGEX") if isinstance(lower, dict) and len(lower) == 1 else None
    if isinstance(regex, str):
        starts, ends = regex.startswith("^"), regex.endswith("$") and not regex.endswith("\\$")
        core = regex[1 if starts else 0:len(regex) - 1 if ends else len(regex)]
        text = re.sub(r"\\(.)", r"\1", core)
        if re.escape(text) == core and not (starts and ends):
            return (PREFIX if starts else SUFFIX if ends else INFIX), text
    raise ValueError(f"unsupported cue pattern token: {spec}")


def _fits(token: Token, word: str) -> bool:
    kind, text = token
    if kind == WORD:
        return word == text
    if kind == PREFIX:
        return word.startswith(text)
    if kind == SUFFIX:
        return word.endswith(text)
    return kind == ANY or text in word


class CueMatcher:
    """Patterns added under a key; calling it on a message's lower-cased words gives every (key, start, end)."""

    def __init__(self) -> None:
        self._patterns: list[tuple[str, tuple[Token, ...]]] = []
        self._by_word: dict[str, list[int]] = defaultdict(list)
        self._by_prefix: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._by_suffix: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._by_part: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))  # "contains"
        self._anywhere: list[int] = []  # first token optional: tried at every word

    def __len__(self) -> int:
        return len(self._patterns)

    def add(self, key: str, pattern: Sequence[dict[str, Any]]) -> None:
        """Add one pattern (a list of spaCy-style token specs) under `key`."""
        tokens = tuple(_token(spec) for spec in pattern)
        if not tokens:
            raise ValueError(f"empty cue pattern for {key}")
        index = len(self._patterns)
        self._patterns.append((key, tokens))
        kind, text = tokens[0]
        if kind == WORD:
            self._by_word[text].append(index)
        elif kind == PREFIX and text:
            self._by_prefix[len(text)][text].append(index)
        elif kind == SUFFIX and text:
            self._by_suffix[len(text)][text].append(index)
        elif kind == INFIX and text:  # indexed by its first PART_KEY letters, looked up by every such run of a word
            self._by_part[min(len(text), PART_KEY)][text[:PART_KEY]].append(index)
        else:
            self._anywhere.append(index)

    def __call__(self, words: Sequence[str]) -> list[tuple[str, int, int]]:
        """Every match as (key, start word, end word), without repeats, in order of start."""
        found: list[tuple[str, int, int]] = []
        for start, word in enumerate(words):
            candidates = list(self._by_word.get(word, ()))
            for length, stems in self._by_prefix.items():
                candidates += stems.get(word[:length], ()) if len(word) >= length else ()
            for length, endings in self._by_suffix.items():
                candidates += endings.get(word[-length:], ()) if len(word) >= length else ()
            for length, parts in self._by_part.items():
                for i in range(len(word) - length + 1):
                    candidates += parts.get(word[i:i + length], ())
            candidates += self._anywhere
            for index in dict.fromkeys(candidates):  # a text found twice in a word is still one candidate
                key, tokens = self._patterns[index]
                found += [(key, start, end) for end in sorted(self._ends(tokens, 0, start, words))]
        return list(dict.fromkeys(found))

    def _ends(self, tokens: tuple[Token, ...], at: int, position: int, words: Sequence[str]) -> set[int]:
        """Where a match of tokens[at:] starting at word `position` can end."""
        if at == len(tokens):
            return {position}
        token = tokens[at]
        ends: set[int] = set()
        if token[0] == ANY:
            ends |= self._ends(tokens, at + 1, position, words)  # the optional word left out
        if position < len(words) and _fits(token, words[position]):
            ends |= self._ends(tokens, at + 1, position + 1, words)
        return ends
