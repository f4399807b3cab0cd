"""Urgent card, settings, privacy, /mydata and /deletemydata through the real Application."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.content import Content
from bot.render import esc
from handlers.privacy import EXPORT_FILENAME, with_utc_times
from handlers.questions import MAX_QUESTIONS
from tests.harness import (
    NOTHING_STORED,
    Harness,
    first_phone,
    make,
    save_phone,
    sqlite_of,
    stored_anywhere,
    who,
)

# Every flow here runs for an English and a Spanish parent.
pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]


async def tap_once(bot: Harness, label: str, user_id: int = 1001) -> None:
    """Tap a button and check Telegram saw exactly one answer for it and no error reply."""
    before = len(bot.answers())
    await bot.tap(label, user_id)
    assert len(bot.answers()) == before + 1, label
    assert bot.content.strings("errors.generic") not in bot.text(user_id)


def raw_html(bot: Harness, user_id: int = 1001) -> str:
    """The HTML the bot sent (what Telegram parsed), not the visible text."""
    message = bot.last_message(user_id)
    return str(message.get("_raw", {}).get("text", ""))


def last_export(bot: Harness, user_id: int = 1001) -> dict[str, Any]:
    files = [f for f in bot.api.files if f.chat_id == user_id]
    assert files, "no file was sent"
    assert files[-1].filename == EXPORT_FILENAME
    data: dict[str, Any] = json.loads(files[-1].data.decode("utf-8"))
    return data


def privacy_page(content: Content) -> str:
    """The privacy page as the bot fills it in with the default windows (15 and 30 minutes)."""
    # The page must state both windows (formatting would ignore a field the text left out).
    assert {"undo_minutes", "prompt_minutes"} <= content.strings.fields("privacy.page")
    return content.strings("privacy.page", undo_minutes=15, prompt_minutes=30)


def assert_urgent_card(text: str, content: Content) -> None:
    card = content.urgent
    assert card.title in text
    assert card.general_note in text
    for group in card.groups:
        assert group.title in text
        for sign in group.signs:
            assert sign.text in text
    for line in card.advice:
        assert line in text


# ---- pure helpers ---------------------------------------------------------------------------
# (numbers as families type them: tests/test_contacts_phones.py)
def test_with_utc_times_adds_iso_beside_raw_times() -> None:
    data = {
        "consent_at": 0.0,
        "stored": True,
        "asked_at": None,
        "answered_at": True,
        "questions": [{"created_at": 86400}],
        "text_at": "x",
    }
    out = with_utc_times(data)
    assert out["consent_at"] == 0.0
    assert out["consent_at_utc"] == "1970-01-01T00:00:00+00:00"
    assert out["questions"][0]["created_at_utc"] == "1970-01-02T00:00:00+00:00"
    assert "asked_at_utc" not in out and "answered_at_utc" not in out
    assert "text_at_utc" not in out


# ---- urgent card ----------------------------------------------------------------------------
async def test_urgent_card_by_command_and_by_menu_button(bot: Harness, content: Content) -> None:
    await bot.send("/urgent")
    assert_urgent_card(bot.text(), content)
    assert content.strings("privacy.urgent.no_phone") in bot.text()
    # No emergency number yet: the card offers to set it, first.
    assert [d for _, d in bot.buttons()] == [make("se"), make("ea", lang=""), make("st"), make("h")]

    await bot.send("/start")
    await tap_once(bot, content.strings("menu.urgent"))
    assert bot.api.methods()[-2:] == ["answerCallbackQuery", "editMessageText"]
    assert_urgent_card(bot.text(), content)
    assert await bot.storage.users.count() == 0  # reading it needs no consent, stores nothing


async def test_urgent_card_shows_the_saved_number_escaped(consented: Harness) -> None:
    bot = consented
    # Only storage could hold such a number (typing it is refused); it must still render.
    await save_phone(bot, 1001, "020 <7946> & 0000")
    await bot.send("/urgent")
    assert "020 <7946> & 0000" in bot.text()
    assert esc("020 <7946> & 0000") in raw_html(bot)
    assert bot.content.strings("privacy.urgent.no_phone") not in bot.text()


async def test_urgent_card_settings_button_opens_settings(bot: Harness, content: Content) -> None:
    await bot.send("/urgent")
    await tap_once(bot, content.strings("privacy.urgent.settings"))
    assert content.strings("privacy.settings.title") in bot.text()
    assert make("sp") in [d for _, d in bot.buttons()]


# ---- settings -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("zone", "typed", "shown"),
    [
        (None, "+44 (0)20 7946-0000", "+442079460000"),  # stored as typed, shown as +E.164
        ("Europe/London", "999", "999"),  # a short number needs the family's country
        ("Europe/London", "020 7946 0000", "+442079460000"),
    ],
)
async def test_settings_saves_a_valid_number(
    consented: Harness, content: Content, zone: str | None, typed: str, shown: str
) -> None:
    bot = consented
    s = content.strings
    if zone:
        await bot.storage.circles.set_timezone(who(1001), zone)
    await bot.send("/settings")
    assert s("privacy.settings.no_phone") in bot.text()
    await tap_once(bot, s("privacy.settings.set"))
    assert s("privacy.settings.prompt") in bot.text()
    assert make("mx") in [d for _, d in bot.buttons()]
    pending = await bot.storage.prompts.get(1001)
    assert pending is not None and pending.kind == "phone"

    await bot.send(typed)
    assert await first_phone(bot, 1001) == typed
    # Saved; the bot now asks for a name for it (a prompt of its own, with Done).
    waiting = await bot.storage.prompts.get(1001)
    assert waiting is not None and waiting.kind == "contact_label"
    assert bot.html() == s("privacy.settings.saved_ask_label", limit=40)
    await bot.tap(s("privacy.settings.done"))
    assert await bot.storage.prompts.get(1001) is None
    line = s("contacts.line", label=s("contacts.default_label"), phone=shown)
    assert line in bot.html()  # Done goes to the settings, which list it
    await bot.send("/urgent")
    assert_urgent_card(bot.text(), content)
    assert line in bot.html()
    await bot.send("/settings")
    assert (
        s("privacy.settings.open", label=s("contacts.default_label")),
        make("sc", num=(await bot.storage.contacts.list(1001))[0].id),
    ) in bot.buttons()


async def test_settings_refuses_invalid_numbers_and_keeps_waiting(
    consented: Harness, content: Content
) -> None:
    bot = consented
    s = content.strings
    await bot.send("/settings")
    await tap_once(bot, s("privacy.settings.set"))
    for typed, key in [
        ("abc", "privacy.settings.invalid"),
        ("12", "privacy.settings.invalid"),
        ("1" * 33, "privacy.phone.no_country"),  # no time zone saved: the country is unknown
        ("<b>1</b>", "privacy.settings.invalid"),
    ]:
        await bot.send(typed)
        text = bot.html()
        assert text == s(key), typed
        assert "+44 20 7946 0000" in text  # it says what works: a number with +
        assert s("errors.generic") not in text
        assert await first_phone(bot, 1001) is None
        pending = await bot.storage.prompts.get(1001)
        assert pending is not None and pending.kind == "phone"
    await bot.send("+44 20 7946 0000")
    assert await first_phone(bot, 1001) == "+44 20 7946 0000"


async def test_settings_change_and_remove(consented: Harness, content: Content) -> None:
    bot = consented
    s = content.strings
    contact = await save_phone(bot, 1001, "0100")
    await bot.send("/settings")
    assert "0100" in bot.text()
    await tap_once(bot, s("privacy.settings.open", label=s("contacts.default_label")))
    await tap_once(bot, s("privacy.contact.renumber"))
    await bot.send("+44 161 496 0000")
    assert await first_phone(bot, 1001) == "+44 161 496 0000"
    assert "+441614960000" in bot.html()

    await bot.tap_data(make("sx", num=contact))
    assert await first_phone(bot, 1001) is None
    assert bot.answers()[-1].get("text") == s("privacy.settings.removed")
    assert s("privacy.settings.no_phone") in bot.text()
    assert make("sr") not in [d for _, d in bot.buttons()]
    # A second tap on the old Remove button changes nothing and is still answered once.
    before = len(bot.answers())
    await bot.tap_data(make("sr"))
    assert len(bot.answers()) == before + 1
    assert await first_phone(bot, 1001) is None

    await bot.send("/urgent")
    assert s("privacy.urgent.no_phone") in bot.text()


async def test_cancel_stops_waiting_for_the_number(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/settings")
    await tap_once(bot, content.strings("privacy.settings.set"))
    await bot.send("/cancel")
    assert await bot.storage.prompts.get(1001) is None
    await bot.send("0123 456")
    assert await first_phone(bot, 1001) is None
    assert bot.searched()


async def test_setting_a_number_asks_consent_first(bot: Harness, content: Content) -> None:
    s = content.strings
    await bot.send("/settings")
    await tap_once(bot, s("privacy.settings.set"))
    assert s("consent.prompt") in bot.text()
    assert await bot.storage.users.count() == 0

    await tap_once(bot, s("consent.no"))
    assert await bot.storage.users.count() == 0
    assert (await bot.storage.export_user(1001))["stored"] is False
    await bot.send("0123 456")  # not waiting: nothing is saved
    assert await bot.storage.users.count() == 0

    await bot.send("/settings")
    await tap_once(bot, s("privacy.settings.set"))
    await tap_once(bot, s("consent.ok"))
    assert await bot.storage.users.has_consent(1001)
    assert s("privacy.settings.prompt") in bot.text()
    await bot.send("+44 20 7946 0000")
    assert await first_phone(bot, 1001) == "+44 20 7946 0000"


# ---- privacy --------------------------------------------------------------------------------
async def test_privacy_page_by_command_and_button(bot: Harness, content: Content) -> None:
    await bot.send("/privacy")
    assert privacy_page(content) in bot.text()
    assert make("dd") in [d for _, d in bot.buttons()]

    await bot.send("/start")
    await tap_once(bot, content.strings("menu.privacy"))
    assert privacy_page(content) in bot.text()
    for call in bot.api.of("setMyCommands"):  # every language's menu
        names = [c["command"] for c in call.params["commands"]]
        assert "privacy" in names  # what Telegram shows as the profile's privacy policy


async def test_reading_stores_nothing(bot: Harness, content: Content) -> None:
    s = content.strings
    for command in ["/start", "/urgent", "/settings", "/privacy", "/intro", "/deletemydata"]:
        await bot.send(command)
    await bot.send("/start")
    await tap_once(bot, s("menu.settings"))
    await tap_once(bot, s("menu.home"))
    await tap_once(bot, s("menu.urgent"))
    await bot.send("/mydata")
    assert await bot.storage.users.count() == 0
    assert last_export(bot) == NOTHING_STORED


# ---- /mydata --------------------------------------------------------------------------------
async def test_mydata_exports_every_item_saved(bot: Harness, content: Content) -> None:
    s = content.strings
    section = content.sections[0]
    await bot.send(f"/{section.command}")
    await tap_once(bot, s("page.bookmark_add"))
    await tap_once(bot, s("consent.ok"))  # the first save asks for consent
    assert await bot.storage.users.has_consent(1001)

    item = content.checklist.items[0].id
    await bot.storage.marks.set(who(1001), item, True)
    guide_q = content.question_groups[0].questions[0]
    await bot.storage.questions.save_guide(who(1001), guide_q.id, guide_q.text, limit=MAX_QUESTIONS)
    own = "Можно ли ему в школу? — «école» 💊 & <b>"
    own_id = await bot.storage.questions.add_own(who(1001), own, limit=MAX_QUESTIONS)
    await bot.storage.questions.set_answer(who(1001), own_id, "Après la phase 2 & pas avant")
    await bot.send("/settings")
    await tap_once(bot, s("privacy.settings.set"))
    await bot.send("+44 (0)20 7946-0000")

    await bot.send("/mydata")
    sent = [f for f in bot.api.files if f.chat_id == 1001][-1]
    assert own.encode("utf-8") in sent.data  # ensure_ascii=False: readable as typed
    assert s("privacy.mydata.caption") in (sent.caption or "")
    data = last_export(bot)
    assert data["stored"] is True and data["user_id"] == 1001
    assert isinstance(data["consent_at"], float) and data["consent_at_utc"].endswith("+00:00")
    assert data["settings"] == {
        "ask_before_hard_pages": True,
        "reminders_off": False,
        # Not chosen; an app in another language than English is kept with the OK to saving.
        "language": None if content.language == "en" else content.language,
        "country": None,
        "emergency_number": None,
        "urgent_button": None,
    }
    assert data["waiting_for_text"] is None
    assert [(b["section_id"], b["page"]) for b in data["bookmarks"]] == [(section.id, 0)]
    assert data["bookmarks"][0]["created_at_utc"]
    # The child's record, in the family of one this parent is: all of it, theirs.
    family = data["circle"]
    assert (family["role"], family["members"], family["whole_record"]) == ("full", 1, True)
    assert family["child_settings"] == {
        "time_zone": None,
        "fever_number_c": None,
        "fever_rule": None,
        "treatment": None,
        "phase": None,
        "phase_since": None,
    }
    assert family["appointments"] == []
    assert [(c["label"], c["phone"]) for c in family["care_team_numbers"]] == [("", "+44 (0)20 7946-0000")]
    assert [m["item_id"] for m in family["checklist_marks"]] == [item]
    assert family["checklist_marks"][0]["created_at_utc"]
    questions = {q["text"]: q for q in family["questions"]}
    assert set(questions) == {guide_q.text, own}
    assert questions[guide_q.text]["guide_id"] == guide_q.id
    assert {q["added_by"] for q in family["questions"]} == {1001}
    assert questions[own]["answer"] == "Après la phase 2 & pas avant"
    assert questions[own]["answered_at_utc"] and questions[own]["created_at_utc"]


async def test_mydata_shows_what_the_bot_is_waiting_for(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/settings")
    await tap_once(bot, content.strings("privacy.settings.set"))
    waiting = (await bot.storage.export_user(1001))["waiting_for_text"]
    assert waiting["kind"] == "phone" and waiting["origin"] == make("st")
    assert waiting["expires_at"] - waiting["opened_at"] == 30 * 60
    # /mydata is a command, so it ends the prompt first: the file says nothing is waiting.
    await bot.send("/mydata")
    assert last_export(bot)["waiting_for_text"] is None


# ---- /deletemydata --------------------------------------------------------------------------
async def test_delete_asks_first_and_keep_keeps_everything(consented: Harness, content: Content) -> None:
    bot = consented
    s = content.strings
    await bot.storage.questions.add_own(who(1001), "keep me", limit=MAX_QUESTIONS)
    await bot.send("/deletemydata")
    assert s("privacy.delete.ask") in bot.text()
    assert [d for _, d in bot.buttons()] == [make("dy"), make("h")]
    assert (await bot.storage.export_user(1001))["stored"] is True
    await tap_once(bot, s("privacy.delete.keep"))
    assert s("menu.home_title") in bot.text()
    data = await bot.storage.export_user(1001)
    assert data["stored"] is True and [q["text"] for q in data["circle"]["questions"]] == ["keep me"]


async def test_delete_from_privacy_page_then_export_shows_nothing(bot: Harness, content: Content) -> None:
    s = content.strings
    marker = "ZQX distinctive question about the lumbar puncture 7731"
    answer_marker = "QJW distinctive answer from the oncologist 4412"
    await bot.storage.users.give_consent(1001)
    qid = await bot.storage.questions.add_own(who(1001), marker, limit=MAX_QUESTIONS)
    await bot.storage.questions.set_answer(who(1001), qid, answer_marker)
    await bot.storage.marks.set(who(1001), content.checklist.items[0].id, True)
    await bot.storage.bookmarks.add(1001, content.sections[0].id, "", 0)
    await save_phone(bot, 1001, "0123 456 789")
    # Another parent's notes must survive this parent's erase.
    await bot.storage.users.give_consent(2002)
    await bot.storage.questions.add_own(who(2002), "the other parent's question", limit=MAX_QUESTIONS)
    assert await stored_anywhere(bot, marker)  # the search below can find it

    await bot.send("/privacy")
    await tap_once(bot, s("privacy.delete.button"))
    assert (await bot.storage.export_user(1001))["stored"] is True  # nothing erased yet
    await tap_once(bot, s("privacy.delete.confirm"))
    assert bot.answers()[-1].get("text") == s("privacy.delete.done_short")
    assert s("privacy.delete.done") in bot.text()

    await bot.send("/mydata")
    assert last_export(bot) == NOTHING_STORED
    files = [f for f in bot.api.files if f.chat_id == 1001]
    assert s("privacy.mydata.empty") in (files[-1].caption or "")
    assert await bot.storage.users.count() == 1
    other = await bot.storage.questions.list(2002)
    assert [q.text for q in other] == ["the other parent's question"]

    if not bot.storage.shared:
        # SQLite: the build's default can differ; the erase must not depend on it.
        async with sqlite_of(bot).db.execute("PRAGMA secure_delete") as cur:
            row = await cur.fetchone()
            assert row is not None and tuple(row) == (1,)
    for gone in (marker, answer_marker, "0123 456 789"):
        assert not await stored_anywhere(bot, gone)
