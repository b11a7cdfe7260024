"""YAML writing that editors can read: long texts as block scalars, keys in the given order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class _EditorDumper(yaml.SafeDumper):
    """Writes multi-line or long strings as `|` blocks so editors see the text as it reads."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value or (len(value) > 80 and " " in value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_EditorDumper.add_representer(str, _str)


def dump(data: Any) -> str:
    """YAML text for `data`, editor-friendly."""
    return yaml.dump(data, Dumper=_EditorDumper, allow_unicode=True, sort_keys=False, width=1000)


def write(path: Path, data: Any) -> None:
    """Write `data` to `path` as editor-friendly YAML."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(data), encoding="utf-8")
