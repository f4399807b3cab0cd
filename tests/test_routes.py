"""The one tap router: every button type of every feature in one table, looked up by its
prefix and parsed once; anything else gets the calm stale answer; the home menu's layout
in one table."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.content import Content
from bot.context import services_of
from handlers.common import HOME_MENU, Home, Reply, TapRouter, menu_button, router, tap
from tests.harness import ROOT, Harness, button_prefixes, make


def test_every_button_type_has_one_route(bot: Harness) -> None:
    routes = router(bot.app).routes
    assert sorted(routes) == button_prefixes()  # every declared type is reachable
    taps = [
        h
        for group in bot.app.handlers.values()
        for h in group
        if isinstance(h, (TapRouter, CallbackQueryHandler))
    ]
    # One router for every feature's buttons; after it only the stale fallback.
    assert isinstance(taps[0], TapRouter) and len(taps) == 2
    assert not isinstance(taps[1], TapRouter)

    async def again(update: object, context: object, data: Home) -> Reply:
        return Reply()

    with pytest.raises(ValueError, match="already Home's"):
        tap(bot.app, Home, again)


@pytest.mark.parametrize("data", ["zz:1", "s:", "mo:notanumber", "mo:1:2:3", "", "h:extra:x"])
async def test_unknown_or_malformed_data_gets_the_calm_stale_answer(
    bot: Harness, content: Content, data: str
) -> None:
    await bot.send("/start")
    await bot.tap_data(data)
    assert bot.answers()[-1].get("text") == content.strings("errors.stale")


async def test_a_tap_is_parsed_once(bot: Harness, content: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import callbacks

    calls: list[str] = []
    original = callbacks._unpack

    def counted(cls: type[callbacks.CallbackData], data: object) -> object:
        if str(data).partition(":")[0] == cls.prefix:  # a parse, not a prefix check
            calls.append(str(data))
        return original(cls, data)

    monkeypatch.setattr(callbacks, "_unpack", counted)
    await bot.send("/start")
    data = make("s", sid=content.sections[0].id, part="", page=0)
    calls.clear()
    await bot.tap_data(data)
    assert calls.count(data) == 1  # the router's lookup, nothing after it
    assert bot.answers()[-1].get("text") != content.strings("errors.stale")


def test_the_home_menu_has_one_layout(bot: Harness, content: Content) -> None:
    given = services_of(bot.app).menu_buttons
    assert set(given) <= {key for row in HOME_MENU for key in row}
    with pytest.raises(ValueError, match="no place in HOME_MENU"):
        menu_button(bot.app, "menu.somewhere", Home())


async def test_the_home_menu_follows_the_layout(bot: Harness, content: Content) -> None:
    await bot.send("/start")
    keyboard = bot.last_message()["reply_markup"]["inline_keyboard"]
    labels = [[b["text"] for b in row] for row in keyboard]
    given = services_of(bot.app).menu_buttons
    expected = [
        [content.strings(k) for k in row if k in given] for row in HOME_MENU if any(k in given for k in row)
    ]
    assert labels[: len(expected)] == expected  # (/start may add its own rows below)


def test_python_m_bot_routes_prints_the_table(tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "routes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "BOT_DB_PATH": f"{tmp_path}/x.sqlite3"},
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for prefix in button_prefixes():
        assert any(line.split()[:1] == [prefix] for line in out.splitlines()), prefix
    assert "row 1: menu.guide -> c" in out


def test_the_router_is_a_ptb_handler() -> None:
    assert issubclass(TapRouter, BaseHandler)


async def test_keyboards_are_sent_exactly_as_ptb_would_write_them(
    consented: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot writes keyboards' JSON itself (a quarter of its CPU went to PTB's generic
    to_dict); every keyboard a parent meets on a walk through the bot must come out equal to
    to_dict, buttons with a URL, an inline query or a chosen chat included."""
    import handlers.common as common

    real = common.keyboard_json
    kinds: set[str] = set()

    def checked(markup: Any) -> dict[str, object]:
        made = real(markup)
        assert made == markup.to_dict()
        kinds.update(key for row in markup.to_dict()["inline_keyboard"] for b in row for key in b)
        return made

    monkeypatch.setattr(common, "keyboard_json", checked)
    bot = consented
    for text in (
        "/start",
        "/settings",
        "/urgent",
        "/myquestions",
        "/appointment",
        "/glossary",
        "/bookmarks",
        "/privacy",
        "what is remission",
        "/menu",
    ):
        await bot.send(text)
    section = bot.content.sections[0]
    await bot.tap_data(make("s", sid=section.id, part=section.parts[0].id, page=0))
    # Plain buttons, and the share button's chosen-chat query, each compared.
    assert {"text", "callback_data", "switch_inline_query_chosen_chat"} <= kinds, kinds
