"""Two parents: nothing B taps or sends, even A's own button data, reads or changes A's data."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from tests.harness import Harness, make

pytestmark = pytest.mark.every_backend

A, B = 1001, 2002
SECRETS = ("A-SECRET-QUESTION", "A-SECRET-ANSWER", "555 0199")


def _all_button_data(bot: Harness, chat: int) -> list[str]:
    """Every callback_data the bot ever showed in this chat."""
    seen: list[str] = []
    for call in bot.api.calls:
        if int(call.params.get("chat_id", 0) or 0) != chat:
            continue
        markup: Any = call.params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
            for button in row:
                data = button.get("callback_data")
                if data and data not in seen:
                    seen.append(data)
    return seen


async def _full_session(bot: Harness) -> None:
    """A does a bit of everything, through the real handlers."""
    await bot.storage.users.give_consent(A)
    await bot.send("/diagnosis", A)
    s = bot.content.strings
    await bot.tap(s("page.bookmark_add"), A)
    await bot.send("/symptoms", A)
    await bot.tap(s("symptoms.item_off", label=bot.content.checklist.items[0].label), A)
    await bot.send("/questions", A)
    group = bot.content.question_groups[0]
    await bot.tap_data(make("qg", group=group.id), A)
    await bot.tap_data(make("qs", item=group.questions[0].id, on=True), A)
    await bot.tap_data(make("mn"), A)
    await bot.send("A-SECRET-QUESTION <b>&", A)
    questions = await bot.storage.questions.list(A)
    own = questions[-1]
    await bot.tap_data(make("mo", num=own.id), A)
    await bot.tap_data(make("ma", num=own.id), A)
    await bot.send("A-SECRET-ANSWER", A)
    await bot.tap_data(make("sp"), A)
    await bot.send("+1 555 0199", A)
    await bot.send("/myquestions", A)
    await bot.tap_data(make("mp"), A)
    await bot.tap_data(make("mt"), A)
    await bot.send("/bookmarks", A)


async def test_b_cannot_read_or_change_anything_of_a(bot: Harness) -> None:
    await _full_session(bot)
    before = await bot.storage.export_user(A)
    assert before["stored"] and before["bookmarks"] and before["circle"]["checklist_marks"]
    assert len(before["circle"]["questions"]) == 2 and before["circle"]["care_team_numbers"]
    a_data = _all_button_data(bot, A)
    assert any(d.startswith("mo:") for d in a_data) and any(d.startswith("bx:") for d in a_data)
    files_before = len(bot.api.files)

    await bot.send("/start", B)
    # B taps every button A was ever shown, first without consent, then with it, and
    # types while the bot may be waiting for text from B.
    for round_ in range(2):
        if round_ == 1:
            await bot.storage.users.give_consent(B)
        for data in a_data:
            answered = len(bot.api.answered)
            await bot.tap_data(data, B, message=bot.api.chat_messages(B)[-1])
            assert len(bot.api.answered) == answered + 1, data
            await bot.send(f"B typed after {data}", B)
        for command in ("/myquestions", "/bookmarks", "/mydata", "/urgent", "/settings", "/symptoms"):
            await bot.send(command, B)

    after = await bot.storage.export_user(A)
    assert after == before  # A's data, timestamps included, is untouched
    # Nothing B was shown or sent holds A's notes.
    for call in bot.api.calls:
        if int(call.params.get("chat_id", 0) or 0) == B:
            shown = str(call.params)
            for secret in SECRETS:
                assert secret not in shown, (call.method, secret)
    b_files = bot.api.files[files_before:]
    assert {f.filename.rsplit(".", 1)[-1] for f in b_files} == {"pdf", "json"}
    for sent in b_files:
        assert sent.chat_id == B
        if sent.filename.endswith(".pdf"):
            reader = PdfReader(io.BytesIO(sent.data))
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
        else:
            text = sent.data.decode("utf-8")
        for secret in SECRETS:
            assert secret not in text
    b_export = await bot.storage.export_user(B)
    assert all(secret not in str(b_export) for secret in SECRETS)
