"""Appointments through the real Application: time zone, calendar taps, typed dates, place,
change, delete, reminders (once, after a restart, late, blocked), the .ics file, visit mode."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.config import Settings
from bot.content import Content
from bot.offline import ApiError, OfflineBotAPI
from handlers.appointments import (
    MAX_AHEAD,
    MAX_PLACE,
    REMINDER_JOB,
    TIMEZONES,
    parse_when,
)
from tests.harness import Clock, Harness, make

pytestmark = pytest.mark.every_backend

PARENT = 1001
ZONE = "Europe/London"
TZ = ZoneInfo(ZONE)
# 1 December 2026, 10:00 in London: every test's "now".
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=TZ).timestamp()


def appt_buttons(bot: Harness, prefix: str) -> list[str]:
    return [d for _, d in bot.buttons() if d.startswith(prefix)]


async def ready(bot: Harness) -> None:
    """Consent and the time zone, the way a parent gives them."""
    await bot.send("/appointment")
    await bot.tap_data(make("at", n=TIMEZONES.index(ZONE)))  # asks consent first
    assert bot.html() == bot.content.strings("consent.prompt")
    await bot.tap(bot.content.strings("consent.ok"))
    assert await bot.storage.users.timezone(PARENT) == ZONE


async def add_by_taps(bot: Harness, day: int, hour: int, minute: int) -> int:
    await bot.send("/appointment")
    await bot.tap(bot.content.strings("appointments.add"))
    await bot.tap_data(make("ad", appt=0, year=2026, month=12, day=day))
    await bot.tap_data(make("ah", appt=0, year=2026, month=12, day=day, hour=hour))
    await bot.tap_data(make("am", appt=0, year=2026, month=12, day=day, hour=hour,
                            minute=minute))
    items = await bot.storage.appointments.upcoming(PARENT, NOW)
    return items[-1].id


@pytest.fixture
async def app(settings: Settings, content: Content):
    async with Harness(settings, content, clock=Clock(start=NOW)) as bot:
        yield bot


def job(bot: Harness) -> Any:
    (found,) = bot.app.job_queue.get_jobs_by_name(REMINDER_JOB)  # type: ignore[union-attr]
    return found


# ---- saving -------------------------------------------------------------------------------------
async def test_time_zone_first_then_add_by_taps_with_a_place(app: Harness,
                                                             content: Content) -> None:
    bot = app
    s = content.strings
    await bot.send("/appointment")
    assert bot.html() == s("appointments.zone_ask")
    await ready(bot)
    qid = await add_by_taps(bot, 14, 9, 30)
    appointment = await bot.storage.appointments.get(PARENT, qid)
    assert appointment is not None
    assert appointment.starts_at == datetime(2026, 12, 14, 9, 30, tzinfo=TZ).timestamp()
    assert appointment.remind_at == datetime(2026, 12, 13, 18, 0, tzinfo=TZ).timestamp()
    assert bot.html().startswith(s("appointments.saved"))
    await bot.tap(s("appointments.change_place"))
    await bot.send("x" * 1000)
    assert bot.html() == s("appointments.place_invalid", limit=MAX_PLACE, length=1000)
    await bot.send("Day clinic, 2nd floor <B> & C")
    saved = await bot.storage.appointments.get(PARENT, qid)
    assert saved is not None and saved.place == "Day clinic, 2nd floor <B> & C"
    assert "Day clinic, 2nd floor &lt;B&gt; &amp; C" in bot.html()


async def test_add_change_and_delete_by_typing(app: Harness, content: Content) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    await bot.send("/appointment")
    await bot.tap(s("appointments.add"))
    await bot.tap(s("appointments.type_time"))
    for bad in ["31 February 9:00", "14 Dec 25:00", "next tuesday-ish", "2026-11-30 09:00"]:
        await bot.send(bad)
        expected = s("appointments.past") if bad.startswith("2026-11") else \
            s("appointments.time_invalid")
        assert bot.html().startswith(expected), bad
    assert await bot.storage.appointments.upcoming(PARENT, NOW) == []
    await bot.tap_data(make("ae", appt=0))
    await bot.send("14 Dec 9:30")
    (first,) = await bot.storage.appointments.upcoming(PARENT, NOW)
    assert first.starts_at == datetime(2026, 12, 14, 9, 30, tzinfo=TZ).timestamp()
    # Change the time by typing, then delete.
    await bot.tap_data(make("ae", appt=first.id))
    await bot.send("2026-12-20 14:05")
    changed = await bot.storage.appointments.get(PARENT, first.id)
    assert changed is not None
    assert changed.starts_at == datetime(2026, 12, 20, 14, 5, tzinfo=TZ).timestamp()
    assert bot.html().startswith(s("appointments.time_saved"))
    await bot.tap_data(make("ax", num=first.id))
    assert bot.answers()[-1]["text"] == s("appointments.deleted")
    assert await bot.storage.appointments.upcoming(PARENT, NOW) == []
    # An old button of the deleted appointment: calm.
    await bot.tap_data(make("ao", num=first.id))
    assert bot.answers()[-1]["text"] == s("appointments.gone")


def test_typed_dates() -> None:
    today = date(2026, 12, 1)
    assert parse_when("2026-12-14 09:30", today) == (2026, 12, 14, 9, 30)
    assert parse_when("14 Dec 9:30", today) == (2026, 12, 14, 9, 30)
    assert parse_when("3 March 2027 at 8.15", today) == (2027, 3, 3, 8, 15)
    assert parse_when("14/12 9:30", today) == (2026, 12, 14, 9, 30)
    assert parse_when("2 Jan 10:00", today) == (2027, 1, 2, 10, 0)  # the next 2 January
    for bad in ["31 February 9:00", "14 Dec 25:00", "next tuesday-ish", "", "14 Foo 9:00"]:
        assert parse_when(bad, today) is None, bad


async def test_at_most_ten_ahead(app: Harness, content: Content) -> None:
    bot = app
    await ready(bot)
    for day in range(2, 2 + MAX_AHEAD):
        await add_by_taps(bot, day, 9, 0)
    await bot.send("/appointment")
    assert content.strings("appointments.add") not in [label for label, _ in bot.buttons()]
    await bot.tap_data(make("am", appt=0, year=2026, month=12, day=28, hour=9, minute=0))
    assert content.strings("appointments.full", limit=MAX_AHEAD) in bot.html()
    assert len(await bot.storage.appointments.upcoming(PARENT, NOW)) == MAX_AHEAD


# ---- reminders -----------------------------------------------------------------------------------
async def test_a_reminder_fires_once_with_the_open_questions_and_not_after_a_restart(
        settings: Settings, content: Content) -> None:
    clock = Clock(start=NOW)
    s = content.strings
    async with Harness(settings, content, clock=clock) as bot:
        await ready(bot)
        await bot.storage.questions.add_own(PARENT, "What is MRD?", limit=200)
        answered = await bot.storage.questions.add_own(PARENT, "Answered one", limit=200)
        await bot.storage.questions.set_answer(PARENT, answered, "Yes")
        await add_by_taps(bot, 2, 9, 0)  # tomorrow: reminder today at 18:00
        clock.advance(8 * 3600 - 1)  # 17:59:59
        sent_before = len(bot.api.of("sendMessage"))
        await job(bot).run(bot.app)
        assert len(bot.api.of("sendMessage")) == sent_before
        clock.advance(1)
        await job(bot).run(bot.app)
        reminders = bot.api.of("sendMessage")[sent_before:]
        assert len(reminders) == 1
        text = reminders[0].params["text"]
        assert text.startswith(s("appointments.reminder_title"))
        assert "What is MRD?" in text and "Answered one" not in text
        await job(bot).run(bot.app)
        assert len(bot.api.of("sendMessage")) == sent_before + 1
    async with Harness(settings, content, clock=clock) as again:
        await job(again).run(again.app)
        assert again.api.of("sendMessage") == []


async def test_missed_reminders_are_late_or_skipped(settings: Settings,
                                                    content: Content) -> None:
    clock = Clock(start=NOW)
    s = content.strings
    async with Harness(settings, content, clock=clock) as bot:
        await ready(bot)
        await add_by_taps(bot, 3, 16, 0)   # reminder 2 Dec 18:00
        await add_by_taps(bot, 2, 11, 0)   # reminder 1 Dec 18:00
    # The bot was down from 10:00 on 1 Dec to 12:00 on 2 Dec.
    clock.advance(26 * 3600)
    async with Harness(settings, content, clock=clock) as bot:
        await job(bot).run(bot.app)
        sent = [c.params["text"] for c in bot.api.of("sendMessage")]
        # The 2 Dec 11:00 appointment has passed: no reminder. The 3 Dec one: its reminder
        # time (2 Dec 18:00) is still ahead, so nothing yet either.
        assert sent == []
        clock.advance(8 * 3600)  # 2 Dec 20:00: two hours after its reminder time
        await job(bot).run(bot.app)
        (late,) = [c.params["text"] for c in bot.api.of("sendMessage")]
        assert late.startswith(s("appointments.reminder_late"))


async def test_a_parent_who_blocked_the_bot_gets_no_more_reminders(settings: Settings,
                                                                   content: Content) -> None:
    blocked: set[int] = set()

    def fault(method: str, params: dict[str, Any]) -> ApiError | None:
        if method == "sendMessage" and int(params["chat_id"]) in blocked:
            return ApiError(403, "Forbidden: bot was blocked by the user")
        return None

    clock = Clock(start=NOW)
    async with Harness(settings, content, OfflineBotAPI(fault=fault), clock=clock) as bot:
        await ready(bot)
        await add_by_taps(bot, 2, 9, 0)
        await add_by_taps(bot, 4, 9, 0)
        blocked.add(PARENT)
        clock.advance(8 * 3600)
        await job(bot).run(bot.app)
        assert (await bot.storage.export_user(PARENT))["settings"]["reminders_off"] is True
        clock.advance(2 * 86400)
        before = len(bot.api.calls)
        await job(bot).run(bot.app)
        assert [c.method for c in bot.api.calls[before:]] == []


async def test_deleting_my_data_cancels_the_reminders(app: Harness, content: Content) -> None:
    bot = app
    await ready(bot)
    await add_by_taps(bot, 2, 9, 0)
    await bot.send("/deletemydata")
    await bot.tap(content.strings("privacy.delete.confirm"))
    assert await bot.storage.appointments.due(NOW + 86400) == []


# ---- the calendar file and visit mode -------------------------------------------------------------
async def test_the_ics_file_parses_and_holds_the_questions(app: Harness,
                                                           content: Content) -> None:
    bot = app
    await ready(bot)
    await bot.storage.questions.add_own(PARENT, "Can she go to school? ñ ¿¡ 🙂", limit=200)
    qid = await add_by_taps(bot, 14, 9, 30)
    await bot.tap_data(make("ai", num=qid))
    sent = bot.api.files[-1]
    assert sent.filename == content.strings("appointments.ics_filename")
    cal = Calendar.from_ical(sent.data)
    (event,) = cal.walk("VEVENT")
    assert event["UID"]
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 12, 14, 9, 30, tzinfo=TZ)
    assert event["DTSTART"].params["TZID"] == ZONE
    assert "Can she go to school? ñ ¿¡ 🙂" in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER").total_seconds() == -(15 * 3600 + 30 * 60)
    assert cal.walk("VTIMEZONE")


async def test_visit_mode_to_the_end(app: Harness, content: Content) -> None:
    bot = app
    s = content.strings
    await bot.storage.users.give_consent(PARENT)
    ids = [await bot.storage.questions.add_own(PARENT, f"Question {n}", limit=200)
           for n in (1, 2, 3)]
    await bot.send("/myquestions")
    await bot.tap_data(make("vq", num=0))
    assert s("visit.title", number=1, total=3) in bot.html() and "Question 1" in bot.html()
    await bot.tap(s("visit.mark_asked"))
    assert s("visit.title", number=2, total=3) in bot.html()
    await bot.tap(s("visit.skip"))
    assert "Question 3" in bot.html()
    await bot.tap(s("visit.back"))
    assert "Question 2" in bot.html()
    await bot.tap_data(make("vk", num=ids[1]))
    await bot.tap_data(make("vk", num=ids[2]))
    assert bot.html() == s("visit.end", asked=3, total=3)
    asked = [q.asked_at is not None for q in await bot.storage.questions.list(PARENT)]
    assert asked == [True, True, True]


async def test_reminder_buttons_after_the_appointment_was_deleted(app: Harness,
                                                                  content: Content) -> None:
    bot = app
    await ready(bot)
    qid = await add_by_taps(bot, 14, 9, 30)
    await bot.tap_data(make("ax", num=qid))
    for data in (make("ao", num=qid), make("ap", num=qid), make("ai", num=qid)):
        await bot.tap_data(data)
        assert bot.answers()[-1]["text"] == content.strings("appointments.gone")


async def test_change_by_taps_reminder_hour_and_an_unknown_time_zone(app: Harness,
                                                                     content: Content) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    qid = await add_by_taps(bot, 14, 9, 30)
    await bot.tap(s("appointments.change_reminder"))
    await bot.tap_data(make("aw", num=qid, hour=20))
    moved = await bot.storage.appointments.get(PARENT, qid)
    assert moved is not None
    assert moved.remind_at == datetime(2026, 12, 13, 20, 0, tzinfo=TZ).timestamp()
    await bot.tap(s("appointments.change_time"))
    await bot.tap_data(make("ad", appt=qid, year=2026, month=12, day=21))
    await bot.tap_data(make("ah", appt=qid, year=2026, month=12, day=21, hour=8))
    await bot.tap_data(make("am", appt=qid, year=2026, month=12, day=21, hour=8, minute=15))
    changed = await bot.storage.appointments.get(PARENT, qid)
    assert changed is not None
    assert changed.starts_at == datetime(2026, 12, 21, 8, 15, tzinfo=TZ).timestamp()
    # The hour the parent picked is kept for the new day.
    assert changed.remind_at == datetime(2026, 12, 20, 20, 0, tzinfo=TZ).timestamp()
    await bot.tap_data(make("ay"))
    await bot.send("Mars/Olympus_Mons")
    assert bot.html() == s("appointments.zone_invalid")
    await bot.send("America/Chicago")
    assert await bot.storage.users.timezone(PARENT) == "America/Chicago"


async def test_the_reminder_job_runs_as_the_bot_starts(settings: Settings,
                                                       content: Content) -> None:
    """A reminder that fell due while the bot was down goes out at start-up, without
    waiting a whole interval (nothing here calls the job: the JobQueue runs it)."""
    clock = Clock(start=NOW)
    async with Harness(settings, content, clock=clock) as bot:
        await ready(bot)
        await add_by_taps(bot, 2, 9, 0)  # tomorrow 09:00: reminder today at 18:00
    clock.advance(8 * 3600 + 60)  # down until 18:01
    async with Harness(settings, content, clock=clock) as bot:
        for _ in range(200):
            if bot.api.of("sendMessage"):
                break
            await asyncio.sleep(0.02)
        (reminder,) = [c.params["text"] for c in bot.api.of("sendMessage")]
        assert reminder.startswith(content.strings("appointments.reminder_title"))
