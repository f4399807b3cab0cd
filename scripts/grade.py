"""Print the reading grade and word count of content YAML files (all string values)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.readability import counts, grade_of

SKIP = {"id", "url", "command", "approved", "section", "part", "opens", "name"}


def texts(node: Any, key: str = "") -> list[str]:
    if isinstance(node, str):
        return [] if key in SKIP else [node]
    if isinstance(node, list):
        return [t for item in node for t in texts(item, key)]
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in texts(v, str(k))]
    return []


def main() -> None:
    for name in sys.argv[1:]:
        data = yaml.safe_load(Path(name).read_text(encoding="utf-8"))
        c = counts("\n".join(texts(data)))
        print(f"{name}: grade {grade_of(*c):.1f}, {c[1]} words, {c[0]} sentences")


if __name__ == "__main__":
    main()
