"""Appointments: the next visits, reminders the day before with the unanswered questions, an
.ics file for the phone's calendar, and "At the appointment", one question per screen."""

from __future__ import annotations

import calendar
import io
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiolimiter import AsyncLimiter
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot import render
from bot.callbacks import CallbackData
from bot.ceiling import Priority
from bot.content import Content
from bot.context import BotApp, BotContext, Command
from bot.storage import Appointment, LimitReached, Prompt, SavedQuestion
from handlers.common import (
    CancelPrompt,
    Home,
    Noop,
    Reply,
    ShowAppointments,
    View,
    at_start_and_every,
    button,
    limit_args,
    require_consent,
    show,
    stale_reply,
    tap,
    user_id,
)
from handlers.prompts import (
    Asking,
    Outcome,
    Text,
    Then,
    again,
    ask,
    done,
    on_prompt,
    typed_text,
)
from handlers.questions import (
    MAX_ANSWER,
    MyQuestions,
    SendPdf,
    VisitQuestion,
    localized,
    own_question,
)

log = logging.getLogger(__name__)

MAX_AHEAD = 10          # appointments kept ahead at once
REMIND_HOUR = 18        # the reminder comes the day before at this local hour
LATE_AFTER = 15 * 60    # a reminder sent later than this says it is late
MAX_PLACE = 200
REMINDER_JOB = "appointment-reminders"
CHECK_EVERY = 60        # seconds between looks for due reminders
LEASE = 120             # seconds a claimed reminder is this process's before another try
PROACTIVE_PER_SECOND = 25  # under Telegram's ~30 new messages/s, leaving room for replies
# The short list of time zones to tap (by region); any IANA name can be typed. Append only:
# buttons carry the index.
TIMEZONES = (
    "Europe/London", "Europe/Dublin", "Europe/Madrid", "Europe/Paris", "Europe/Berlin",
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Toronto",
    "America/Mexico_City", "America/Bogota", "America/Lima", "America/Santiago",
    "America/Argentina/Buenos_Aires", "America/Sao_Paulo", "Australia/Sydney",
    "Asia/Kolkata", "UTC",
)
TIMEZONE_PROMPT = "timezone"
TIME_PROMPT = "appointment_time"
PLACE_PROMPT = "appointment_place"
VISIT_ANSWER_PROMPT = "visit_answer"


# ---- this feature's buttons ---------------------------------------------------------------------
@dataclass(frozen=True)
class AskTimezone(CallbackData, prefix="az"):
    """The time zones to choose from."""


@dataclass(frozen=True)
class SetTimezone(CallbackData, prefix="at"):
    """One of the listed time zones, by its place in TIMEZONES."""

    n: int


@dataclass(frozen=True)
class TypeTimezone(CallbackData, prefix="ay"):
    """Type a time zone's name: opens a prompt."""


@dataclass(frozen=True)
class CalendarMonth(CallbackData, prefix="ac"):
    """A month to pick the day from (appt 0: a new appointment)."""

    appt: int
    year: int
    month: int


@dataclass(frozen=True)
class PickDay(CallbackData, prefix="ad"):
    appt: int
    year: int
    month: int
    day: int


@dataclass(frozen=True)
class PickHour(CallbackData, prefix="ah"):
    appt: int
    year: int
    month: int
    day: int
    hour: int


@dataclass(frozen=True)
class PickMinute(CallbackData, prefix="am"):
    """The last tap of the calendar: saves the appointment (or its new time)."""

    appt: int
    year: int
    month: int
    day: int
    hour: int
    minute: int


@dataclass(frozen=True)
class TypeTime(CallbackData, prefix="ae"):
    """Type the date and time instead: opens a prompt."""

    appt: int


@dataclass(frozen=True)
class PickTypedDate(CallbackData, prefix="aq"):
    """One reading of a typed date that can be read two ways ("1/12": 1 December or
    January 12), as the parent tapped it: saves the appointment (appt 0: a new one)."""

    appt: int
    year: int
    month: int
    day: int
    hour: int
    minute: int


@dataclass(frozen=True)
class OpenAppointment(CallbackData, prefix="ao"):
    num: int


@dataclass(frozen=True)
class AskPlace(CallbackData, prefix="ap"):
    """Write where it is: opens a prompt."""

    num: int


@dataclass(frozen=True)
class DeleteAppointment(CallbackData, prefix="ax"):
    num: int


@dataclass(frozen=True)
class SendCalendarFile(CallbackData, prefix="ai"):
    """The appointment as an .ics file for the phone's calendar."""

    num: int


@dataclass(frozen=True)
class AskReminderHour(CallbackData, prefix="ar"):
    """Choose the hour of the reminder the day before."""

    num: int


@dataclass(frozen=True)
class SetReminderHour(CallbackData, prefix="aw"):
    num: int
    hour: int


# VisitQuestion ("vq"), one question at the appointment, is declared in handlers.questions
# (My questions offers it); its taps are handled here.
@dataclass(frozen=True)
class VisitAsked(CallbackData, prefix="vk"):
    """At the appointment: mark this question asked; the screen stays on it."""

    num: int


@dataclass(frozen=True)
class VisitAnswer(CallbackData, prefix="vw"):
    """At the appointment: write down the answer to this question (the one on screen):
    opens a prompt; once saved, the visit goes on after it."""

    num: int


@dataclass(frozen=True)
class VisitEnd(CallbackData, prefix="ve"):
    """At the appointment: how many were asked."""


# ---- time --------------------------------------------------------------------------------------
def zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def remind_time(starts: datetime, hour: int = REMIND_HOUR) -> datetime:
    """The day before, at `hour` local time (18:00 unless the parent picked another)."""
    day_before = starts.date() - timedelta(days=1)
    return datetime(day_before.year, day_before.month, day_before.day, hour,
                    tzinfo=starts.tzinfo)


def local(moment: float, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(moment, tz)


_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name} | {
    name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}


def month_names(content: Content) -> dict[str, int]:
    """Month names a parent may type, in the content's language and in English."""
    names = dict(_MONTHS)
    for key in ("dates.month_names", "dates.month_abbr"):
        if key in content.strings:
            names |= {name.lower(): n for n, name in
                      enumerate(content.strings(key).split(), start=1)}
    return names
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T,]+(\d{1,2})[:.h](\d{2})\s*$")
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})(?:st|nd|rd|th)?\s+(?:de\s+)?([^\W\d_]+)\.?,?\s*"
                        r"(?:de\s+)?(\d{4})?[ ,]+(?:at\s+|a las\s+)?(\d{1,2})[:.h](\d{2})\s*$")
_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?[ ,]+(\d{1,2})[:.h](\d{2})"
                      r"\s*$")


When = tuple[int, int, int, int, int]  # year, month, day, hour, minute


def read_when(text: str, today: date, months: dict[str, int] | None = None) -> list[When]:
    """Every reading of a typed date and time ("2026-12-14 09:30", "14 Dec 9:30", "14/12
    9:30"), earliest first, each checked to exist; the year defaults to the next such date.
    No reading for text that is not a date; two for a numeric date whose parts could each be the
    month ("1/12": 1 December or January 12, whatever the parent's language), one otherwise."""
    year: int | None
    if m := _ISO.match(text):
        year, month, day, hour, minute = (int(g) for g in m.groups())
        pairs = [(day, month)]
    elif m := _DAY_MONTH.match(text):
        month_no = (months or _MONTHS).get(m.group(2).lower())
        if month_no is None:
            return []
        pairs = [(int(m.group(1)), month_no)]
        year = int(m.group(3)) if m.group(3) else None
        hour, minute = int(m.group(4)), int(m.group(5))
    elif m := _NUMERIC.match(text):
        first, second = int(m.group(1)), int(m.group(2))
        pairs = [(first, second)]  # (day, month), as most of the world writes it
        if first != second and first <= 12 and second <= 12:
            pairs.append((second, first))  # month first, as the United States writes it
        year = int(m.group(3)) if m.group(3) else None
        if year is not None and year < 100:
            year += 2000
        hour, minute = int(m.group(4)), int(m.group(5))
    else:
        return []
    readings = []
    for day, month in pairs:
        if year is not None:
            the_year = year
        else:
            the_year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
        try:
            datetime(the_year, month, day, hour, minute)
        except ValueError:
            continue  # 31 February, 25:00
        readings.append((the_year, month, day, hour, minute))
    return sorted(readings)


def parse_when(text: str, today: date, months: dict[str, int] | None = None) -> When | None:
    """The one reading of a typed date and time (see read_when); None if the text is not a
    date, or can be read two ways ("1/12 9:30"): then the parent is asked which."""
    readings = read_when(text, today, months)
    return readings[0] if len(readings) == 1 else None


# ---- views ----------------------------------------------------------------------------------------
def when_text(content: Content, moment: float, tz: ZoneInfo) -> str:
    return content.strings("appointments.when", when=local(moment, tz))


def list_view(content: Content, tz_name: str, items: list[Appointment], now: float,
              notice: str | None = None) -> View:
    s = content.strings
    tz = zone(tz_name)
    assert tz is not None
    lines = [s("appointments.entry", when=when_text(content, a.starts_at, tz),
               place=render.esc(a.place) if a.place else s("appointments.no_place"))
             for a in items]
    chunks = [notice] if notice else []
    chunks += [s("appointments.title"),
               "\n".join(lines) if lines else s("appointments.none"),
               s("appointments.zone", zone=render.esc(tz_name))]
    rows = [[button(render.clip(when_text(content, a.starts_at, tz), 40), OpenAppointment(a.id))]
            for a in items]
    today = local(now, tz)
    if len(items) < MAX_AHEAD:
        rows.append([button(s("appointments.add"), CalendarMonth(0, today.year, today.month))])
    rows.append([button(s("appointments.change_zone"), AskTimezone())])
    rows.append([button(s("appointments.my_questions"), MyQuestions(0)),
                 button(s("menu.home"), Home())])
    return View("\n\n".join(chunks), Markup(rows))


def timezone_view(content: Content, notice: str | None = None) -> View:
    s = content.strings
    buttons = [button(name.split("/")[-1].replace("_", " "), SetTimezone(n))
               for n, name in enumerate(TIMEZONES)]
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    rows.append([button(s("appointments.type_zone"), TypeTimezone())])
    rows.append([button(s("menu.home"), Home())])
    text = s("appointments.zone_ask")
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


def calendar_view(content: Content, appt: int, year: int, month: int, today: date,
                  notice: str | None = None) -> View:
    s = content.strings
    days = s("dates.day_abbr").split() if "dates.day_abbr" in s else list(calendar.day_abbr)
    rows: list[list[Button]] = [[button(s("appointments.weekday", day=d), Noop()) for d in days]]
    for week in calendar.Calendar().monthdayscalendar(year, month):
        row = []
        for day in week:
            if day == 0 or date(year, month, day) < today:
                row.append(button("·", Noop()))
            else:
                row.append(button(str(day), PickDay(appt, year, month, day)))
        rows.append(row)
    prev_year, prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
    next_year, next_month = (year, month + 1) if month < 12 else (year + 1, 1)
    nav = []
    if (prev_year, prev_month) >= (today.year, today.month):
        nav.append(button("◀️", CalendarMonth(appt, prev_year, prev_month)))
    nav.append(button(s("appointments.month", month=date(year, month, 1)), Noop()))
    if (next_year - today.year) * 12 + next_month - today.month <= 12:
        nav.append(button("▶️", CalendarMonth(appt, next_year, next_month)))
    rows.append(nav)
    rows.append([button(s("appointments.type_time"), TypeTime(appt))])
    rows.append([button(s("appointments.back"),
                        OpenAppointment(appt) if appt else ShowAppointments())])
    text = s("appointments.pick_day")
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


def hour_view(content: Content, data: PickDay) -> View:
    s = content.strings
    hours = [button(f"{h:02d}", PickHour(data.appt, data.year, data.month, data.day, h))
             for h in range(24)]
    rows = [hours[i:i + 6] for i in range(0, 24, 6)]
    rows.append([button(s("appointments.back"), CalendarMonth(data.appt, data.year, data.month))])
    day = date(data.year, data.month, data.day)
    return View(s("appointments.pick_hour", day=day), Markup(rows))


def minute_view(content: Content, data: PickHour) -> View:
    s = content.strings
    minutes = [button(f"{data.hour:02d}:{m:02d}", PickMinute(data.appt, data.year, data.month,
                                                            data.day, data.hour, m))
               for m in range(0, 60, 5)]
    rows = [minutes[i:i + 4] for i in range(0, len(minutes), 4)]
    rows.append([button(s("appointments.back"),
                        PickDay(data.appt, data.year, data.month, data.day))])
    return View(s("appointments.pick_minute", day=date(data.year, data.month, data.day)),
                Markup(rows))


def which_date_view(content: Content, appt: int, readings: list[When]) -> View:
    """A typed date that can be read two ways: one button for each, with its weekday, and
    nothing saved until one is tapped (the prompt stays open: typing it again works too)."""
    s = content.strings
    rows = [[button(s("appointments.which_option",
                      when=s("appointments.when", when=datetime(*when))),
                    PickTypedDate(appt, *when))] for when in readings]
    rows.append([button(s("questions.cancel"), CancelPrompt())])
    return View(s("appointments.which_date"), Markup(rows))


def appointment_view(content: Content, appointment: Appointment, tz: ZoneInfo, tz_name: str,
                     notice: str | None = None) -> View:
    s = content.strings
    chunks = [notice] if notice else []
    chunks += [s("appointments.one", when=when_text(content, appointment.starts_at, tz),
                 zone=render.esc(tz_name)),
               s("appointments.place", place=render.esc(appointment.place)) if appointment.place
               else s("appointments.no_place"),
               s("appointments.reminder_at", when=when_text(content, appointment.remind_at, tz))]
    start = local(appointment.starts_at, tz)
    rows = [[button(s("appointments.change_time"),
                    CalendarMonth(appointment.id, start.year, start.month))],
            [button(s("appointments.change_place"), AskPlace(appointment.id))],
            [button(s("appointments.change_reminder"), AskReminderHour(appointment.id))],
            [button(s("appointments.ics"), SendCalendarFile(appointment.id))],
            [button(s("appointments.delete"), DeleteAppointment(appointment.id))],
            [button(s("appointments.back"), ShowAppointments()), button(s("menu.home"), Home())]]
    return View("\n\n".join(chunks), Markup(rows))


def open_questions(questions: list[SavedQuestion]) -> list[SavedQuestion]:
    """The questions still without an answer, in the order saved."""
    return [q for q in questions if not q.answer]


def reminder_text(content: Content, appointment: Appointment, tz: ZoneInfo,
                  questions: list[SavedQuestion], late: bool) -> str:
    s = content.strings
    chunks = [s("appointments.reminder_late") if late else s("appointments.reminder_title"),
              s("appointments.one", when=when_text(content, appointment.starts_at, tz),
                zone=render.esc(tz.key))]
    if appointment.place:
        chunks.append(s("appointments.place", place=render.esc(appointment.place)))
    if questions:
        shown = questions[:15]
        lines = [s("questions.item", number=n, text=render.esc(q.text))
                 for n, q in enumerate(shown, start=1)]
        if len(questions) > len(shown):
            lines.append(s("appointments.more", count=len(questions) - len(shown)))
        chunks.append("\n".join([s("appointments.reminder_questions"), *lines]))
    else:
        chunks.append(s("appointments.reminder_no_questions"))
    return "\n\n".join(chunks)


def reminder_keyboard(content: Content) -> Markup:
    s = content.strings
    return Markup([[button(s("appointments.my_questions"), MyQuestions(0)),
                    button(s("questions.pdf"), SendPdf())],
                   [button(s("appointments.visit"), VisitQuestion(0))]])


def ics_bytes(content: Content, appointment: Appointment, tz: ZoneInfo,
              questions: list[SavedQuestion], now: float) -> bytes:
    """One VEVENT (RFC 5545) with a UID, DTSTART in the family's time zone, an alarm at the
    reminder time, and the unanswered questions in the description; `now` (the bot's clock)
    is its DTSTAMP."""
    from icalendar import Alarm, Calendar, Event

    s = content.strings
    cal = Calendar()
    cal.add("prodid", "-//Childhood ALL guide bot//EN")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", f"appointment-{appointment.id}-{int(appointment.starts_at)}@all-guide-bot")
    event.add("dtstamp", local(now, tz))
    start = local(appointment.starts_at, tz)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=1))
    event.add("summary", s("appointments.ics_summary"))
    if appointment.place:
        event.add("location", appointment.place)
    event.add("description", "\n".join(
        [s("appointments.ics_questions"), *(f"{n}. {q.text}" for n, q in
                                            enumerate(questions, start=1))]
        if questions else [s("appointments.ics_summary")]))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", s("appointments.ics_summary"))
    alarm.add("trigger", timedelta(seconds=appointment.remind_at - appointment.starts_at))
    event.add_component(alarm)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


# ---- handlers -------------------------------------------------------------------------------------
async def list_reply(update: Update, context: BotContext, notice: str | None = None) -> Reply:
    uid = user_id(update)
    tz_name = await context.storage.users.timezone(uid)
    if zone(tz_name) is None:
        return Reply(timezone_view(context.content, notice))
    assert tz_name is not None
    items = await context.storage.appointments.upcoming(uid, context.now())
    return Reply(list_view(context.content, tz_name, items, context.now(), notice))


async def appointments_command(update: Update, context: BotContext) -> None:
    """/appointment: the next appointments (the time zone is asked first, once)."""
    reply = await list_reply(update, context)
    assert reply.view is not None
    await show(update, context, *reply.view)


async def tap_appointments(update: Update, context: BotContext,
                           data: ShowAppointments) -> Reply:
    return await list_reply(update, context)


async def ask_timezone(update: Update, context: BotContext, data: AskTimezone) -> Reply:
    return Reply(timezone_view(context.content))


async def set_timezone(update: Update, context: BotContext, data: SetTimezone) -> Reply:
    """A listed time zone: stored (with consent), then the appointments."""
    if not 0 <= data.n < len(TIMEZONES):
        return stale_reply(context)
    await context.storage.users.set_timezone(user_id(update), TIMEZONES[data.n])
    return await list_reply(update, context, context.content.strings("appointments.zone_saved"))


async def type_timezone(update: Update, context: BotContext, data: TypeTimezone) -> Reply:
    return await ask(update, context, TIMEZONE, context.content.strings("appointments.zone_prompt"),
                     AskTimezone())


async def read_timezone(update: Update, context: BotContext, row: None, text: str) -> str | Outcome:
    name = text.strip()
    if zone(name) is None or ("/" not in name and name != "UTC"):
        return again(context.content, context.content.strings("appointments.zone_invalid"))
    return name


async def save_timezone(update: Update, context: BotContext, row: None, name: str) -> Outcome:
    await context.storage.users.set_timezone(user_id(update), name)
    reply = await list_reply(update, context, context.content.strings("appointments.zone_saved"))
    assert reply.view is not None
    return done(reply.view)


async def family_zone(update: Update, context: BotContext) -> tuple[ZoneInfo, str] | None:
    name = await context.storage.users.timezone(user_id(update))
    tz = zone(name)
    return (tz, name) if tz is not None and name is not None else None


async def tap_month(update: Update, context: BotContext, data: CalendarMonth) -> Reply:
    found = await family_zone(update, context)
    if found is None:
        return Reply(timezone_view(context.content))
    if not 1 <= data.month <= 12 or not 2000 <= data.year <= 2100:
        return stale_reply(context)
    today = local(context.now(), found[0]).date()
    if (data.year, data.month) < (today.year, today.month):
        return Reply(calendar_view(context.content, data.appt, today.year, today.month, today))
    return Reply(calendar_view(context.content, data.appt, data.year, data.month, today))


async def tap_day(update: Update, context: BotContext, data: PickDay) -> Reply:
    try:
        date(data.year, data.month, data.day)
    except ValueError:
        return stale_reply(context)
    return Reply(hour_view(context.content, data))


async def tap_hour(update: Update, context: BotContext, data: PickHour) -> Reply:
    if not 0 <= data.hour <= 23:
        return stale_reply(context)
    return Reply(minute_view(context.content, data))


async def save_time(update: Update, context: BotContext, appt: int,
                    when: When) -> tuple[View, bool]:
    """Save a new appointment or a new time; (what to show, whether it was saved)."""
    s = context.content.strings
    found = await family_zone(update, context)
    if found is None:
        return timezone_view(context.content), False
    tz, tz_name = found
    starts = datetime(*when, tzinfo=tz)
    now = context.now()
    today = datetime.fromtimestamp(now, tz).date()
    if starts.timestamp() <= now:
        return calendar_view(context.content, appt, today.year, today.month, today,
                             s("appointments.past")), False
    uid = user_id(update)
    hour = REMIND_HOUR
    if appt and (old := await context.storage.appointments.get(uid, appt)) is not None:
        hour = local(old.remind_at, tz).hour  # a new time keeps the hour the parent picked
    remind = max(remind_time(starts, hour).timestamp(), now)
    if appt:
        if not await context.storage.appointments.reschedule(uid, appt, starts.timestamp(),
                                                             remind):
            items = await context.storage.appointments.upcoming(uid, now)
            return list_view(context.content, tz_name, items, now, s("appointments.gone")), False
        saved_id, notice = appt, s("appointments.time_saved")
    else:
        try:
            saved_id = await context.storage.appointments.add(
                uid, starts.timestamp(), remind, after=now, limit=MAX_AHEAD)
        except LimitReached:
            items = await context.storage.appointments.upcoming(uid, now)
            return list_view(context.content, tz_name, items, now,
                             s("appointments.full", limit=MAX_AHEAD)), False
        notice = s("appointments.saved")
        if await context.storage.users.language(uid) is None:
            # Reminders are sent with no message to read the language from: keep it.
            await context.storage.users.set_language(uid, context.content.language)
    appointment = await context.storage.appointments.get(uid, saved_id)
    assert appointment is not None
    return appointment_view(context.content, appointment, tz, tz_name, notice), True


async def tap_minute(update: Update, context: BotContext, data: PickMinute) -> Reply:
    """The calendar's last tap: saves (a double tap of a new one's button saves it twice,
    so a new appointment's minute button is only on the screen once)."""
    if not 0 <= data.minute <= 59 or not 0 <= data.hour <= 23:
        return stale_reply(context)
    try:
        when = (data.year, data.month, data.day, data.hour, data.minute)
        datetime(*when)
    except ValueError:
        return stale_reply(context)
    view, _ = await save_time(update, context, data.appt, when)
    return Reply(view)


async def type_time(update: Update, context: BotContext, data: TypeTime) -> Reply:
    await require_consent(update, context)
    return await ask(update, context, TIME, context.content.strings("appointments.time_prompt"),
                     OpenAppointment(data.appt) if data.appt else ShowAppointments(),
                     ref=data.appt or None)


async def which_appointment(update: Update, context: BotContext, prompt: Prompt) -> int:
    """The appointment a typed time is for: its number, or 0 for a new one."""
    return prompt.ref or 0


async def read_time(update: Update, context: BotContext, appt: int,
                    text: str) -> When | Outcome:
    found = await family_zone(update, context)
    today = datetime.fromtimestamp(context.now(), found[0] if found else UTC).date()
    readings = read_when(text, today, month_names(context.content))
    if not readings:
        return again(context.content, context.content.strings("appointments.time_invalid"))
    if len(readings) > 1:  # "1/12": ask which; saved only when one is tapped
        return Outcome(which_date_view(context.content, appt, readings), Then.KEEP)
    return readings[0]


async def save_typed_time(update: Update, context: BotContext, appt: int, when: When) -> Outcome:
    view, saved = await save_time(update, context, appt, when)
    return Outcome(view, Then.CLOSE if saved else Then.KEEP)


async def tap_typed_date(update: Update, context: BotContext, data: PickTypedDate) -> Reply:
    """The date the parent meant, of the two a typed one could be: checked again (the data
    is untrusted), then saved for the tapping parent, like the calendar's last tap."""
    when = (data.year, data.month, data.day, data.hour, data.minute)
    try:
        datetime(*when)
    except ValueError:
        return stale_reply(context)
    await require_consent(update, context)
    if data.appt:
        if await own_appointment(update, context, data.appt) is None:
            return await gone(update, context)
    elif (found := await family_zone(update, context)) is not None:
        # A double tap (or an old copy of the question) saves one appointment, not two.
        tz, tz_name = found
        starts = datetime(*when, tzinfo=tz).timestamp()
        items = await context.storage.appointments.upcoming(user_id(update), context.now())
        same = next((a for a in items if a.starts_at == starts), None)
        if same is not None:
            return Reply(appointment_view(context.content, same, tz, tz_name,
                                          context.content.strings("appointments.saved")))
    view, _ = await save_time(update, context, data.appt, when)
    return Reply(view)


async def own_appointment(update: Update, context: BotContext,
                          num: int) -> tuple[Appointment, ZoneInfo, str] | None:
    found = await family_zone(update, context)
    appointment = await context.storage.appointments.get(user_id(update), num)
    if found is None or appointment is None:
        return None
    return appointment, found[0], found[1]


async def gone(update: Update, context: BotContext) -> Reply:
    reply = await list_reply(update, context)
    return Reply(reply.view, context.content.strings("appointments.gone"))


async def open_appointment(update: Update, context: BotContext, data: OpenAppointment) -> Reply:
    found = await own_appointment(update, context, data.num)
    if found is None:
        return await gone(update, context)
    return Reply(appointment_view(context.content, *found))


async def ask_place(update: Update, context: BotContext, data: AskPlace) -> Reply:
    if await own_appointment(update, context, data.num) is None:
        return await gone(update, context)
    return await ask(update, context, PLACE, context.content.strings(
        "appointments.place_prompt", limit=MAX_PLACE), OpenAppointment(data.num), ref=data.num)


async def load_placed(update: Update, context: BotContext,
                      prompt: Prompt) -> tuple[Appointment, ZoneInfo, str] | Outcome:
    found = await own_appointment(update, context, prompt.ref or 0)
    if found is None:
        reply = await gone(update, context)
        assert reply.view is not None
        return done(reply.view)
    return found


async def read_place(update: Update, context: BotContext, row: object, text: str) -> str | Outcome:
    place = text.strip()
    if not place or len(place) > MAX_PLACE:
        return again(context.content, context.content.strings(
            "appointments.place_invalid", limit=MAX_PLACE, length=len(place)))
    return place


async def save_place(update: Update, context: BotContext,
                     found: tuple[Appointment, ZoneInfo, str], place: str) -> Outcome:
    await context.storage.appointments.set_place(user_id(update), found[0].id, place)
    updated = await own_appointment(update, context, found[0].id)
    assert updated is not None
    return done(appointment_view(context.content, *updated,
                                 context.content.strings("appointments.place_saved")))


async def ask_reminder_hour(update: Update, context: BotContext,
                            data: AskReminderHour) -> Reply:
    if await own_appointment(update, context, data.num) is None:
        return await gone(update, context)
    s = context.content.strings
    hours = [button(f"{h:02d}:00", SetReminderHour(data.num, h)) for h in range(6, 23)]
    rows = [hours[i:i + 6] for i in range(0, len(hours), 6)]
    rows.append([button(s("appointments.back"), OpenAppointment(data.num))])
    return Reply(View(s("appointments.reminder_ask"), Markup(rows)))


async def set_reminder_hour(update: Update, context: BotContext,
                            data: SetReminderHour) -> Reply:
    """The reminder at another hour the day before (due again, and sent once)."""
    found = await own_appointment(update, context, data.num)
    if found is None:
        return await gone(update, context)
    if not 0 <= data.hour <= 23:
        return stale_reply(context)
    appointment, tz, _ = found
    starts = local(appointment.starts_at, tz)
    remind = max(remind_time(starts, data.hour).timestamp(), context.now())
    await context.storage.appointments.reschedule(user_id(update), appointment.id,
                                                  appointment.starts_at, remind)
    updated = await own_appointment(update, context, appointment.id)
    assert updated is not None
    s = context.content.strings
    return Reply(appointment_view(context.content, *updated), s("appointments.reminder_saved"))


async def delete_appointment(update: Update, context: BotContext,
                             data: DeleteAppointment) -> Reply:
    """Delete: its reminder goes with it (the reminder job reads the appointments)."""
    await context.storage.appointments.remove(user_id(update), data.num)
    reply = await list_reply(update, context)
    return Reply(reply.view, context.content.strings("appointments.deleted"))


async def send_calendar_file(update: Update, context: BotContext,
                             data: SendCalendarFile) -> Reply:
    found = await own_appointment(update, context, data.num)
    chat = update.effective_chat
    if found is None or chat is None:
        return await gone(update, context)
    appointment, tz, _ = found
    questions = open_questions(localized(
        context.content, await context.storage.questions.list(user_id(update))))
    s = context.content.strings

    async def send() -> None:
        await context.bot.send_document(
            chat.id, document=io.BytesIO(ics_bytes(context.content, appointment, tz, questions,
                                                    context.now())),
            filename=s("appointments.ics_filename"), caption=s("appointments.ics_caption"))

    return Reply(notice=s("appointments.ics_sent"), after=send)


# ---- at the appointment -------------------------------------------------------------------------
def visit_target(questions: list[SavedQuestion], question_id: int) -> SavedQuestion | None:
    """The question visit mode shows for `question_id`: itself while it has no answer; once
    answered (an old button), the next one after it without an answer, else the first; 0 or
    a question no longer in the list: the first without an answer. None: none is left."""
    ids = [q.id for q in questions]
    start = ids.index(question_id) if question_id in ids else 0
    return next((q for q in [*questions[start:], *questions[:start]] if not q.answer), None)


def following(questions: list[SavedQuestion], question_id: int) -> SavedQuestion | None:
    """The next question without an answer after this one, in the order saved (the list of
    the visit leaves out answered ones, so the place is taken from the whole list)."""
    ids = [q.id for q in questions]
    start = ids.index(question_id) + 1 if question_id in ids else 0
    return next((q for q in questions[start:] if not q.answer), None)


async def visit_reply(update: Update, context: BotContext, question_id: int) -> Reply:
    """One unanswered question per screen, "3 of 7", with Asked / Write the answer / Skip /
    Back. The list is the questions without an answer, in the order saved. Once asked, the
    screen stays on the question (its answer is written down next) with Next question."""
    s = context.content.strings
    questions = localized(context.content,
                          await context.storage.questions.list(user_id(update)))
    question = visit_target(questions, question_id)
    if question is None:
        return await visit_end_reply(update, context)
    ids = [q.id for q in open_questions(questions)]
    index = ids.index(question.id)
    asked = question.asked_at is not None
    text = "\n\n".join([s("visit.title", number=index + 1, total=len(ids)),
                        render.esc(question.text),
                        s("visit.asked") if asked else s("visit.not_asked")])
    onward = VisitQuestion(ids[index + 1]) if index + 1 < len(ids) else VisitEnd()
    nav = []
    if index > 0:
        nav.append(button(s("visit.back"), VisitQuestion(ids[index - 1])))
    nav.append(button(s("visit.count", number=index + 1, total=len(ids)), Noop()))
    nav.append(button(s("visit.skip"), onward))
    rows = [] if asked else [[button(s("visit.mark_asked"), VisitAsked(question.id))]]
    rows.append([button(s("visit.write_answer"), VisitAnswer(question.id))])
    if asked:
        rows.append([button(s("visit.next"), onward)])
    rows += [nav, [button(s("visit.finish"), VisitEnd())]]
    return Reply(View(text, Markup(rows)))


async def tap_visit(update: Update, context: BotContext, data: VisitQuestion) -> Reply:
    return await visit_reply(update, context, data.num)


async def tap_visit_asked(update: Update, context: BotContext, data: VisitAsked) -> Reply:
    """Asked: the same question stays on screen, shown as asked, so Write the answer is
    for the question just asked; Next question goes on."""
    marked = await context.storage.questions.mark_asked(user_id(update), data.num, True)
    reply = await visit_reply(update, context, data.num)
    s = context.content.strings
    return Reply(reply.view, s("questions.marked_asked") if marked else s("questions.gone"))


async def tap_visit_answer(update: Update, context: BotContext, data: VisitAnswer) -> Reply:
    """Write the answer: the next text message is the answer to this question (the one on
    screen when it was tapped); Cancel goes back to it."""
    s = context.content.strings
    question = await own_question(update, context, data.num)
    if question is None:
        reply = await visit_reply(update, context, 0)
        return Reply(reply.view, s("questions.gone"))
    return await ask(update, context, VISIT_ANSWER, s("questions.answer_prompt", limit=MAX_ANSWER,
                                                      text=render.esc(question.text)),
                     VisitQuestion(question.id), ref=question.id)


async def load_visit_question(update: Update, context: BotContext,
                              prompt: Prompt) -> SavedQuestion | Outcome:
    question = await own_question(update, context, prompt.ref) if prompt.ref is not None else None
    if question is None:
        reply = await visit_reply(update, context, 0)
        assert reply.view is not None
        s = context.content.strings
        return done(View(f"{s('questions.gone_waiting')}\n\n{reply.view.text}", reply.view.markup))
    return question


async def save_visit_answer(update: Update, context: BotContext, question: SavedQuestion,
                            text: str) -> Outcome:
    """The answer typed at the appointment: stored on the question it was opened for, shown
    back with Next question (the next one without an answer), or the end when none is left."""
    s = context.content.strings
    uid = user_id(update)
    await context.storage.questions.set_answer(uid, question.id, text)
    questions = localized(context.content, await context.storage.questions.list(uid))
    onward = following(questions, question.id)
    if onward is None:
        end = await visit_end_reply(update, context)
        assert end.view is not None
        return done(View(f"{s('questions.answer_saved')}\n\n{end.view.text}", end.view.markup))
    return done(View("\n\n".join([
        s("questions.answer_saved"), render.esc(question.text),
        f"{s('questions.answer_title')}\n{render.esc(text)}", s("visit.answer_next")]),
        Markup([[button(s("visit.next"), VisitQuestion(onward.id))],
                [button(s("visit.finish"), VisitEnd())]])))


async def visit_end_reply(update: Update, context: BotContext) -> Reply:
    s = context.content.strings
    questions = await context.storage.questions.list(user_id(update))
    asked = sum(1 for q in questions if q.asked_at is not None)
    return Reply(View(s("visit.end", asked=asked, total=len(questions)), Markup([
        [button(s("appointments.my_questions"), MyQuestions(0))],
        [button(s("menu.home"), Home())]])))


async def tap_visit_end(update: Update, context: BotContext, data: VisitEnd) -> Reply:
    return await visit_end_reply(update, context)


TIMEZONE: Asking[None, str] = Asking(TIMEZONE_PROMPT, Text.STRUCTURED, read=read_timezone,
                                     save=save_timezone)
TIME: Asking[int, When] = Asking(TIME_PROMPT, Text.STRUCTURED, load=which_appointment,
                                 read=read_time, save=save_typed_time)
PLACE: Asking[tuple[Appointment, ZoneInfo, str], str] = Asking(
    PLACE_PROMPT, Text.STRUCTURED, load=load_placed, read=read_place, save=save_place)
VISIT_ANSWER: Asking[SavedQuestion, str] = Asking(
    VISIT_ANSWER_PROMPT, Text.FREE, load=load_visit_question, save=save_visit_answer,
    read=typed_text(MAX_ANSWER, "questions.empty_answer", "questions.answer_too_long"))


# ---- the reminder job -----------------------------------------------------------------------------
async def send_reminders(context: BotContext) -> None:
    """Job: send each due reminder at least once. Missed while the bot was down: sent late,
    saying so, if the appointment is still ahead; skipped if it has passed. A parent who
    blocked the bot gets no more (logged once, without any text)."""
    async with context.storage.coordination.job_lock(REMINDER_JOB) as mine:
        if mine:  # several replicas: one looks a turn (each reminder is leased to one anyway)
            await _send_due_reminders(context)


async def _send_due_reminders(context: BotContext) -> None:
    """Each due reminder is leased to this process for LEASE seconds and marked sent only
    when Telegram took it; one that fails (a timeout, a crash meanwhile) is sent again once
    the lease runs out. A duplicate is harmless: it names its appointment, and its buttons
    open views."""
    storage = context.storage
    now = context.now()
    limiter: AsyncLimiter = context.bot_data["reminder_limiter"]
    contents = context.services.contents
    for uid, appointment in await storage.appointments.claim_due(
            now, lease=LEASE, by=context.services.replica):
        if appointment.starts_at <= now:  # the appointment has passed: too late to remind
            await storage.appointments.mark_reminded(uid, appointment, now)
            continue
        tz = zone(await storage.users.timezone(uid)) or ZoneInfo("UTC")
        content = contents.get(await storage.users.language(uid) or "", context.content)
        questions = open_questions(localized(content, await storage.questions.list(uid)))
        late = now - appointment.remind_at > LATE_AFTER
        text = reminder_text(content, appointment, tz, questions, late)
        try:
            async with limiter:
                await context.bot.send_message(uid, text,
                                               reply_markup=reminder_keyboard(content),
                                               rate_limit_args=limit_args(context,
                                                                          Priority.REMINDER))
        except Forbidden:
            await storage.users.set_reminders_off(uid, True)
            await storage.appointments.mark_reminded(uid, appointment, now)
            log.info("reminders turned off for a user who blocked the bot")
        except TelegramError as exc:
            # Perhaps not sent: the lease runs out and the next look sends it again.
            log.warning("reminder not sent (%s); will try again after %d s",
                        exc.__class__.__name__, LEASE)
        else:
            await storage.appointments.mark_reminded(uid, appointment, context.now())


COMMANDS = (Command("appointment", "help.commands.appointment", appointments_command),)


def setup(app: BotApp) -> None:
    for data_type, callback in (
            (ShowAppointments, tap_appointments), (AskTimezone, ask_timezone),
            (SetTimezone, set_timezone), (TypeTimezone, type_timezone),
            (CalendarMonth, tap_month), (PickDay, tap_day), (PickHour, tap_hour),
            (PickMinute, tap_minute), (TypeTime, type_time), (PickTypedDate, tap_typed_date),
            (OpenAppointment, open_appointment),
            (AskPlace, ask_place), (DeleteAppointment, delete_appointment),
            (SendCalendarFile, send_calendar_file), (VisitQuestion, tap_visit),
            (VisitAsked, tap_visit_asked), (VisitAnswer, tap_visit_answer),
            (VisitEnd, tap_visit_end),
            (AskReminderHour, ask_reminder_hour), (SetReminderHour, set_reminder_hour)):
        tap(app, data_type, callback)  # type: ignore[arg-type]
    on_prompt(app, TIMEZONE)
    on_prompt(app, TIME)
    on_prompt(app, PLACE)
    # An answer keeps whatever the parent writes, as My questions' own answer prompt does.
    on_prompt(app, VISIT_ANSWER)
    app.bot_data["reminder_limiter"] = AsyncLimiter(PROACTIVE_PER_SECOND, 1)
    # At start-up (reminders missed while the bot was down), then every minute.
    at_start_and_every(app, send_reminders, CHECK_EVERY, REMINDER_JOB)
