"""Core flows through the real Application: start, menu, taps, stale and forged data."""

from __future__ import annotations

import pytest

from bot.app import declared_commands, default_features
from bot.content import Content
from tests.harness import Harness, make

# Every flow here runs for an English and a Spanish parent.
pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]


async def test_start_greets_and_shows_menu(bot: Harness, content: Content) -> None:
    await bot.send("/start")
    call = bot.api.last("sendMessage")
    assert call.params["parse_mode"] == "HTML"
    assert content.strings("start.greeting") in bot.text()
    labels = [label for label, _ in bot.buttons()]
    assert content.strings("menu.guide") in labels
    assert content.strings("menu.urgent") in labels


async def test_tap_answers_and_edits_in_place(bot: Harness, content: Content) -> None:
    await bot.send("/start")
    sent = bot.api.last("sendMessage")
    greeting_id = bot.api.chat_messages(1001)[-1]["message_id"]
    sends = len(bot.api.of("sendMessage"))  # the 🚨 button's note, then the greeting
    await bot.tap(content.strings("menu.guide"))
    # Answered first (the button stops spinning), then edited in place.
    assert bot.api.methods()[-2:] == ["answerCallbackQuery", "editMessageText"]
    edit = bot.api.last("editMessageText")
    assert int(edit.params["message_id"]) == greeting_id
    assert content.strings("menu.contents_title") in bot.text()
    assert len(bot.api.of("sendMessage")) == sends and sent is not None


async def test_stale_and_forged_taps_are_answered_calmly(bot: Harness, content: Content) -> None:
    await bot.send("/start")
    for data in [
        "zz:1",
        "s:nope:x:0",
        "s:treatment::999999999999",
        "b:intro::0:7",
        "\x00\xff",
        "h:extra",
        "y:y:h",
        "s:../etc::0",
        "🙂",
    ]:
        before = len(bot.answers())
        await bot.tap_data(data)
        assert len(bot.answers()) == before + 1, data
        assert bot.answers()[-1].get("text") == content.strings("errors.stale"), data
        assert content.strings("menu.home_title") in bot.text()


async def test_unknown_text_and_command_get_a_pointer(bot: Harness, content: Content) -> None:
    await bot.send("hello there")
    assert bot.html() == f"{content.strings('search.greeting')}\n\n{content.strings('menu.home_title')}"
    await bot.send("/nosuchcommand")
    assert bot.html() == content.strings("errors.unknown_command")


DECLARED = declared_commands(default_features())


async def test_help_lists_every_declared_command(bot: Harness, content) -> None:
    assert {c.name for c in DECLARED} >= {
        "start",
        "help",
        "menu",
        "cancel",
        "myquestions",
        "bookmarks",
        "urgent",
        "settings",
        "privacy",
        "mydata",
        "deletemydata",
    }
    await bot.send("/help")
    text = bot.text()
    lang = content.language
    for command in DECLARED:
        name = command.aliases.get(lang, (command.name,))[0]
        assert f"/{name} · {content.strings(command.description_key)}" in text
    for section in content.sections:
        assert f"/{section.aliases[0] if section.aliases else section.command}" in text


async def test_command_menu_is_the_declared_list(bot: Harness, content) -> None:
    """One "/" menu per language: the default one, and the one Telegram shows phones in
    that language (its commands under their names in that language where they have one)."""
    code = None if content.language == "en" else content.language
    call = next(c for c in bot.api.of("setMyCommands") if c.params.get("language_code") == code)
    registered = [(c["command"], c["description"]) for c in call.params["commands"]]
    lang = content.language
    assert registered == [
        (c.aliases.get(lang, (c.name,))[0], content.strings(c.description_key)) for c in DECLARED
    ] + [(s.aliases[0] if s.aliases else s.command, s.description) for s in content.sections]
    if lang == "es":
        assert {"ayuda", "sintomas", "tratamiento", "urgente", "preguntas"} <= dict(registered).keys()
    else:
        assert "symptoms" in dict(registered) and "treatment" in dict(registered)


async def test_every_declared_command_answers(bot: Harness, content) -> None:
    for command in DECLARED:
        before = len(bot.api.calls)
        await bot.send(f"/{command.name}")
        replies = [c for c in bot.api.calls[before:] if c.method in ("sendMessage", "sendDocument")]
        assert replies, command.name
        assert all(c.params.get("text") != content.strings("errors.unknown_command") for c in replies), (
            command.name
        )


async def test_page_counter_button_is_answered(bot: Harness) -> None:
    await bot.send("/start")
    await bot.tap_data(make("x"))
    assert bot.api.methods()[-1] == "answerCallbackQuery"


async def test_unexpected_update_types_get_calm_answers_or_nothing(bot: Harness, content: Content) -> None:
    user = bot.user(1001)
    sticker = user.text("x")
    sticker["message"].pop("text")
    sticker["message"]["sticker"] = {
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    await bot.feed(sticker)
    assert content.strings("redflags.unreadable") in bot.text()
    assert content.strings("redflags.unseen") in bot.text()
    bot.api.clear()
    edited = user.text("/start")
    await bot.feed(
        {"update_id": edited["update_id"], "edited_message": {**edited["message"], "edit_date": 1}}
    )
    channel = user.text("/start")["message"]
    channel.pop("from")
    channel["chat"] = {"id": -1001, "type": "channel", "title": "News"}
    await bot.feed({"update_id": 99_002, "channel_post": channel})
    assert bot.api.calls == []  # ignored quietly
    # Inline queries are answered with the guide's cards (tests/test_share.py).
    await bot.feed(
        {"update_id": 99_001, "inline_query": {"id": "iq", "from": user.user, "query": "fever", "offset": ""}}
    )
    assert bot.api.methods() == ["answerInlineQuery"]
    bot.api.clear()
    group = user.text("/start")
    group["message"]["chat"] = {"id": -1002, "type": "group", "title": "Family"}
    await bot.feed(group)
    assert content.strings("errors.group") in bot.api.last("sendMessage").params["text"]
    assert int(bot.api.last("sendMessage").params["chat_id"]) == -1002


async def test_blocked_user_is_handled_without_noise(bot: Harness, caplog) -> None:
    from bot.offline import ApiError

    bot.api.fault = lambda method, params: ApiError(403, "Forbidden: bot was blocked by the user")
    await bot.send("/start")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert any("blocked" in r.getMessage() for r in caplog.records)


async def test_a_private_chat_that_is_not_the_senders_is_never_handled(bot: Harness) -> None:
    """Long polling too: a message or a tap whose private chat is another parent's gets no
    reply, into either chat (defence in depth: Telegram never sends one)."""
    forged = bot.user(2002).text("/start")
    forged["message"]["chat"]["id"] = 1001  # parent 1001's chat, sent "from" 2002
    before = len(bot.api.calls)
    await bot.feed(forged)
    assert bot.api.calls[before:] == []
    await bot.feed(bot.user(2002).text("/start"))  # the same parent, their own chat: answered
    assert bot.api.calls[before:]
