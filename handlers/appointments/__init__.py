"""Appointments: the next visits, reminders the day before with the questions not yet asked
and the family's note, an .ics file for the phone's calendar, and "At the appointment", one
question per screen.

The family's time zone is asked first, once: tapped from a short list, or typed as people say
it (a city, a zone's name in any case, "CST": bot.zones), each reading shown with the time
there now before a tap saves it; a new zone keeps the appointments' clock times (09:30 stays
09:30), or, on one more tap, their moments. Then appointments are added by the calendar's
taps, or typed on any of its screens ("tomorrow 9am", "mañana a las 9", "9:30" on the day
picked), read by bot.when and shown back with the weekday before ✅ saves them; given a
place, a note for the day before and a reminder hour, sent as a file, deleted (with Undo).
Times are shown on the clock of the family's country (rules.TWELVE_HOUR). Its modules,
each importing only those before it:

- `buttons`: every button type (prefixes fixed: old buttons in chats keep working) and the
  prompt kinds;
- `rules`: limits, the time zones offered, reading a typed zone, zones on buttons (place
  and check), moving appointments to a new zone, local time, reminder times, reading a
  typed date, the 12-hour clock, the questions still open (pure, no Telegram);
- `calendar_file`: the .ics writer;
- `views`: the screens and the reminder, content and rows in, a `View` out;
- `booking`: the list, the time zone, the calendar and typed times, place, note, reminder
  hour, delete and Undo, the file, and four prompts (TIMEZONE, TIME, PLACE, NOTE);
- `visit`: "At the appointment", and its prompt (VISIT_ANSWER);
- `reminders`: the job that sends each due reminder once;
- `purge`: the job that erases deleted appointments once their Undo window ends;
- here: /appointment and the registrations in `setup`.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter

from bot.context import BotApp, Command
from handlers.appointments.booking import (
    NOTE,
    PLACE,
    TIME,
    TIME_ON_SCREEN,
    TIMEZONE,
    appointments_command,
    ask_note,
    ask_place,
    ask_reminder_hour,
    ask_timezone,
    clear_note,
    confirm_zone,
    delete_appointment,
    keep_dose_moments,
    keep_moments,
    open_appointment,
    send_calendar_file,
    set_reminder_hour,
    set_timezone,
    tap_appointments,
    tap_day,
    tap_hour,
    tap_minute,
    tap_month,
    tap_typed_date,
    type_again,
    type_time,
    type_timezone,
    undo_delete,
)
from handlers.appointments.buttons import (
    AskNote,
    AskPlace,
    AskReminderHour,
    AskTimezone,
    CalendarMonth,
    ClearNote,
    ConfirmZone,
    DeleteAppointment,
    KeepDoseMoments,
    KeepMoments,
    OpenAppointment,
    PickDay,
    PickHour,
    PickMinute,
    PickTypedDate,
    SendCalendarFile,
    SetReminderHour,
    SetTimezone,
    TypeAgain,
    TypeTime,
    TypeTimezone,
    UndoDelete,
    VisitAnswer,
    VisitAsked,
    VisitEnd,
)
from handlers.appointments.purge import PURGE_APPOINTMENTS_JOB, PURGE_EVERY, purge_removed_appointments
from handlers.appointments.reminders import (
    CHECK_EVERY,
    LEASE,
    LIMITER,
    PROACTIVE_PER_SECOND,
    REMINDER_JOB,
    send_reminders,
)
from handlers.appointments.rules import MAX_AHEAD, MAX_NOTE, MAX_PLACE, TIMEZONES, TWELVE_HOUR
from handlers.appointments.visit import (
    VISIT_ANSWER,
    tap_visit,
    tap_visit_answer,
    tap_visit_asked,
    tap_visit_end,
)
from handlers.common import ShowAppointments, at_start_and_every, tap
from handlers.prompts import on_prompt
from handlers.questions import VisitQuestion

__all__ = [
    "COMMANDS",
    "LEASE",
    "MAX_AHEAD",
    "MAX_NOTE",
    "MAX_PLACE",
    "PURGE_APPOINTMENTS_JOB",
    "REMINDER_JOB",
    "TIMEZONES",
    "TWELVE_HOUR",
    "setup",
]

SEEN_BY_HELPERS = frozenset(
    {ShowAppointments, OpenAppointment, SendCalendarFile, VisitQuestion, VisitAsked, VisitAnswer, VisitEnd}
)
COMMANDS = (Command("appointment", "help.commands.appointment", appointments_command),)


def setup(app: BotApp) -> None:
    """Register the feature: every button's tap, the five prompts, the reminder job with
    its own rate limit for messages nobody asked for, and the job that erases deleted
    appointments (no menu button: the appointments are reached by /appointment, the
    settings and My questions)."""
    for data_type, callback in (
        (ShowAppointments, tap_appointments),
        (AskTimezone, ask_timezone),
        (SetTimezone, set_timezone),
        (TypeTimezone, type_timezone),
        (ConfirmZone, confirm_zone),
        (KeepMoments, keep_moments),
        (KeepDoseMoments, keep_dose_moments),
        (CalendarMonth, tap_month),
        (PickDay, tap_day),
        (PickHour, tap_hour),
        (PickMinute, tap_minute),
        (TypeTime, type_time),
        (PickTypedDate, tap_typed_date),
        (TypeAgain, type_again),
        (OpenAppointment, open_appointment),
        (AskPlace, ask_place),
        (AskNote, ask_note),
        (ClearNote, clear_note),
        (DeleteAppointment, delete_appointment),
        (UndoDelete, undo_delete),
        (SendCalendarFile, send_calendar_file),
        (VisitQuestion, tap_visit),
        (VisitAsked, tap_visit_asked),
        (VisitAnswer, tap_visit_answer),
        (VisitEnd, tap_visit_end),
        (AskReminderHour, ask_reminder_hour),
        (SetReminderHour, set_reminder_hour),
    ):
        # A helper sees the appointments, takes one to the visit and files its questions;
        # only a full member adds, moves, places, notes or deletes one, or sets the zone.
        full = data_type not in SEEN_BY_HELPERS
        tap(app, data_type, callback, full=full)  # type: ignore[arg-type]
    on_prompt(app, TIMEZONE)
    on_prompt(app, TIME)
    on_prompt(app, TIME_ON_SCREEN)
    on_prompt(app, PLACE)
    # The note and an answer keep whatever the parent writes, as My questions' own answer
    # prompt does.
    on_prompt(app, NOTE)
    on_prompt(app, VISIT_ANSWER)
    app.bot_data[LIMITER] = AsyncLimiter(PROACTIVE_PER_SECOND, 1)
    # At start-up (reminders missed while the bot was down), then every minute.
    at_start_and_every(app, send_reminders, CHECK_EVERY, REMINDER_JOB)
    at_start_and_every(app, purge_removed_appointments, PURGE_EVERY, PURGE_APPOINTMENTS_JOB)
