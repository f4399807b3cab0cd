"""Appointments: the next visits, reminders the day before with the unanswered questions, an
.ics file for the phone's calendar, and "At the appointment", one question per screen.

The family's time zone is asked first, once; then appointments are added by the calendar's
taps or typed ("14 Dec 9:30"), given a place and a reminder hour, sent as a file, deleted.
Its modules, each importing only those before it:

- `buttons`: every button type (prefixes fixed: old buttons in chats keep working) and the
  prompt kinds;
- `rules`: limits, the time zones offered, local time, reminder times, reading a typed date,
  the questions still open (pure, no Telegram);
- `calendar_file`: the .ics writer;
- `views`: the screens and the reminder, content and rows in, a `View` out;
- `booking`: the list, the time zone, the calendar and typed times, place, reminder hour,
  delete, the file, and three prompts (TIMEZONE, TIME, PLACE);
- `visit`: "At the appointment", and its prompt (VISIT_ANSWER);
- `reminders`: the job that sends each due reminder once;
- here: /appointment and the registrations in `setup`.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter

from bot.context import BotApp, Command
from handlers.appointments.booking import (
    PLACE,
    TIME,
    TIMEZONE,
    appointments_command,
    ask_place,
    ask_reminder_hour,
    ask_timezone,
    delete_appointment,
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
    type_time,
    type_timezone,
)
from handlers.appointments.buttons import (
    AskPlace,
    AskReminderHour,
    AskTimezone,
    CalendarMonth,
    DeleteAppointment,
    OpenAppointment,
    PickDay,
    PickHour,
    PickMinute,
    PickTypedDate,
    SendCalendarFile,
    SetReminderHour,
    SetTimezone,
    TypeTime,
    TypeTimezone,
    VisitAnswer,
    VisitAsked,
    VisitEnd,
)
from handlers.appointments.reminders import (
    CHECK_EVERY,
    LEASE,
    LIMITER,
    PROACTIVE_PER_SECOND,
    REMINDER_JOB,
    send_reminders,
)
from handlers.appointments.rules import MAX_AHEAD, MAX_PLACE, TIMEZONES, parse_when, read_when
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
    "MAX_PLACE",
    "REMINDER_JOB",
    "TIMEZONES",
    "parse_when",
    "read_when",
    "setup",
]

COMMANDS = (Command("appointment", "help.commands.appointment", appointments_command),)


def setup(app: BotApp) -> None:
    """Register the feature: every button's tap, the four prompts, and the reminder job with
    its own rate limit for messages nobody asked for (no menu button: the appointments are
    reached by /appointment, the settings and My questions)."""
    for data_type, callback in (
        (ShowAppointments, tap_appointments),
        (AskTimezone, ask_timezone),
        (SetTimezone, set_timezone),
        (TypeTimezone, type_timezone),
        (CalendarMonth, tap_month),
        (PickDay, tap_day),
        (PickHour, tap_hour),
        (PickMinute, tap_minute),
        (TypeTime, type_time),
        (PickTypedDate, tap_typed_date),
        (OpenAppointment, open_appointment),
        (AskPlace, ask_place),
        (DeleteAppointment, delete_appointment),
        (SendCalendarFile, send_calendar_file),
        (VisitQuestion, tap_visit),
        (VisitAsked, tap_visit_asked),
        (VisitAnswer, tap_visit_answer),
        (VisitEnd, tap_visit_end),
        (AskReminderHour, ask_reminder_hour),
        (SetReminderHour, set_reminder_hour),
    ):
        tap(app, data_type, callback)  # type: ignore[arg-type]
    on_prompt(app, TIMEZONE)
    on_prompt(app, TIME)
    on_prompt(app, PLACE)
    # An answer keeps whatever the parent writes, as My questions' own answer prompt does.
    on_prompt(app, VISIT_ANSWER)
    app.bot_data[LIMITER] = AsyncLimiter(PROACTIVE_PER_SECOND, 1)
    # At start-up (reminders missed while the bot was down), then every minute.
    at_start_and_every(app, send_reminders, CHECK_EVERY, REMINDER_JOB)
