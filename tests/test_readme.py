"""The README's recipes for a new button, command, prompt and job ("How it is built") are
code that parses, and every name they call from the engine or the features exists: a
renamed helper cannot leave the README describing the old one."""

from __future__ import annotations

import ast
import builtins
import importlib
import pkgutil
import re
import textwrap

import handlers
from tests.harness import ROOT


def recipes() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    section = section.split("Each feature declares", 1)[1].split("### Storage", 1)[0]
    blocks: list[str] = []
    current: list[str] = []
    for line in section.splitlines():
        if re.match(r"^ {6,}\S", line) or (current and not line.strip()):
            current.append(line)
        elif current:
            blocks.append(textwrap.dedent("\n".join(current)))
            current = []
    return [b for b in blocks if b.strip()]


def known_names() -> set[str]:
    names: set[str] = set()
    modules = ["bot.callbacks", "bot.context", "bot.offload", "handlers"]
    modules += [m.name for m in pkgutil.walk_packages(handlers.__path__, "handlers.")]
    for name in modules:
        names.update(vars(importlib.import_module(name)))
    return names


def test_the_readme_recipes_use_names_that_exist() -> None:
    blocks = recipes()
    assert len(blocks) >= 2, "the recipes were not found in the README"
    known = known_names()
    for block in blocks:
        tree = ast.parse(block)  # a recipe that does not parse fails here
        defined = {
            n.name
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        defined |= {
            t.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        called = {
            n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        called |= {
            n.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Name) and n.id[:1].isupper() and n.id not in {"MAX_PLACE"}
        }
        missing = called - defined - known - set(dir(builtins))
        assert not missing, f"the README's recipe calls {sorted(missing)}:\n{block}"
