"""Which language the conversation continues in: an explicit choice wins, detection fills in, noise never flips it."""

from __future__ import annotations

from typing import Any

from bot.languages import Language, find_language_name


def explicit_choice(text: str, intent: str | None, table: dict[str, Language], menu_shown: bool) -> str | None:
    """The language a person picked: a number from the menu, a language's name, or a request to switch."""
    stripped = text.strip().rstrip(".").strip()
    if menu_shown and stripped.isdigit() and 1 <= int(stripped) <= len(table):
        return list(table)[int(stripped) - 1]
    named = find_language_name(stripped, table)
    if named and (intent == "choose_language" or len(stripped.split()) <= 3):
        return named
    return None


def next_language(current: str | None, chosen: bool, detection: dict[str, Any] | None, default: str) -> str:
    """Detection fills an empty slot; a reliable detection switches it unless the person chose a language."""
    detected = (detection or {}).get("code")
    if current is None:
        return detected or default
    if chosen or not detected or detected == current:
        return current
    return detected if (detection or {}).get("reliable") else current
