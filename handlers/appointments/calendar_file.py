"""The .ics file (RFC 5545) of one appointment, for the phone's calendar: the event in the
family's time zone, an alarm at the reminder time, and the questions still to ask. A pure
writer (no Telegram, no storage); icalendar is imported on first use, as only this file
needs it.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.content import Content
from bot.storage import Appointment, SavedQuestion
from handlers.appointments.rules import local


def ics_bytes(
    content: Content, appointment: Appointment, tz: ZoneInfo, questions: list[SavedQuestion], now: float
) -> bytes:
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
    event.add(
        "description",
        "\n".join(
            [s("appointments.ics_questions"), *(f"{n}. {q.text}" for n, q in enumerate(questions, start=1))]
            if questions
            else [s("appointments.ics_summary")]
        ),
    )
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", s("appointments.ics_summary"))
    alarm.add("trigger", timedelta(seconds=appointment.remind_at - appointment.starts_at))
    event.add_component(alarm)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
