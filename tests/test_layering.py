"""The layering the engine promises: read from the source, so a new import that breaks it
fails here, not in a later refactor."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.harness import ROOT

PACKAGES = ("bot", "handlers")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module this file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def project_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: {i for i in imports(path) if i in mods and i != name} for name, path in mods.items()}


def test_no_private_telegram_modules() -> None:
    for name, path in modules().items():
        private = [i for i in imports(path) if i.startswith("telegram._")]
        assert not private, f"{name} imports {private}"


def test_bot_reaches_handlers_only_through_the_composition_root() -> None:
    for name, deps in project_graph().items():
        if name.startswith("bot"):
            into_handlers = {d for d in deps if d.split(".")[0] == "handlers"}
            assert name == "bot.app" or not into_handlers, f"{name} imports {into_handlers}"
        else:
            assert "bot.app" not in deps, f"{name} imports bot.app"


def test_no_import_cycles() -> None:
    graph = project_graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                raise AssertionError(" -> ".join([*path, node, dep]))
            if dep not in state:
                visit(dep, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_telegram_mode_loads_nothing_of_the_offline_stand_in(tmp_path: Path) -> None:
    """Build the production application (as `python -m bot` does with a token) in a fresh
    interpreter and look at what was imported."""
    script = (
        "import sys\n"
        "from bot.config import load_settings\n"
        "from bot.app import build_application\n"
        "from bot.http import AiohttpRequest\n"
        "import bot.runner\n"
        f"s = load_settings({{'TELEGRAM_BOT_TOKEN': '123456:' + 'A' * 35, "
        f"'BOT_DB_PATH': {str(tmp_path / 'db.sqlite3')!r}}})\n"
        "build_application(s, api_request=AiohttpRequest())\n"
        "print(sorted(m for m in sys.modules if m in ('bot.offline', 'bot.console')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_red_flag_word_table_is_built_without_wordfreq(tmp_path: Path) -> None:
    """The common-word table reads each language's common_words.txt (written from wordfreq
    by scripts/common_words.py): the running bot never loads wordfreq (about 13 MB)."""
    script = (
        "import sys\n"
        "from bot.config import load_settings\n"
        "from bot.app import build_application\n"
        f"s = load_settings({{'BOT_DB_PATH': {str(tmp_path / 'db.sqlite3')!r}}})\n"
        "app = build_application(s)\n"
        "flags = [c.red_flags for c in app.bot_data['services'].contents.values()]\n"
        "print(all(f.wait_ready(60) for f in flags), 'wordfreq' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"], out.stdout + out.stderr
