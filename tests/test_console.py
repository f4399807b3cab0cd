"""The offline console: `printf '/start\\n1\\n' | make run` shows greeting, menu, page behind 1."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from bot.console import plain, run_console
from tests.harness import ROOT


async def test_console_start_then_tap_one(settings, content) -> None:
    out = io.StringIO()
    code = await run_console(settings, content, stdin=io.StringIO("/start\n1\n"), stdout=out)
    text = out.getvalue()
    s = content.strings
    intro = content.section("introduction")
    assert code == 0 and intro is not None
    assert s("start.offline_note") in text
    assert plain(s("start.greeting")) in text and f"[1] {s('menu.guide')}" in text
    assert plain(s("menu.contents_title")) in text and intro.title in text
    assert "<b>" not in text and "&amp;" not in text


async def test_console_reports_bad_button_numbers(settings, content) -> None:
    out = io.StringIO()
    await run_console(settings, content, stdin=io.StringIO("/start\n99\n"), stdout=out)
    assert "no button 99" in out.getvalue()


def test_plain_renders_html() -> None:
    assert (
        plain('<b>A</b> &lt;x&gt; <a href="https://e.x/?a=1&amp;b=2">link</a>')
        == "A <x> link (https://e.x/?a=1&b=2)"
    )


def test_python_m_bot_console_subprocess(tmp_path, content) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["BOT_DB_PATH"] = str(tmp_path / "db.sqlite3")
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/start\n1\n",
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert content.strings("start.offline_note") in result.stdout.splitlines()[0]
    assert plain(content.strings("menu.contents_title")) in result.stdout


async def test_each_message_of_one_update_gets_its_own_buttons(settings, content) -> None:
    """A red flag typed into an open prompt sends two messages (the alert, then the saved
    question): each is printed with its own buttons, the alert with the card's."""
    out = io.StringIO()
    typed = "/myquestions\n1\n1\nhis port is red\n"  # add my own question, OK to saving
    await run_console(settings, content, stdin=io.StringIO(typed), stdout=out)
    s = content.strings
    text = out.getvalue()
    alert = text.index(plain(s("redflags.title")))
    saved = text.index(plain(s("questions.question_saved")))
    assert alert < saved
    assert f"[1] {s('redflags.card_button')}" in text[alert:saved]
    assert s("questions.ask_on") not in text[alert:saved]  # the saved question's button


async def test_the_button_below_the_chat_is_shown_and_typed(settings, content) -> None:
    out = io.StringIO()
    keep = content.strings("privacy.button.show")
    await run_console(settings, content, stdin=io.StringIO("/start\n"), stdout=out)
    number = next(line.split("]")[0].lstrip("[") for line in out.getvalue().splitlines() if keep in line)
    out = io.StringIO()
    typed = f"/start\n{number}\n{content.strings('menu.urgent')}\n"
    await run_console(settings, content, stdin=io.StringIO(typed), stdout=out)
    text = out.getvalue()
    assert f"(below the chat: {content.strings('menu.urgent')}; type it to press it)" in text
    assert content.urgent.title in text
