"""Every button of the appointments feature, and the names of its four prompts.

The prefixes and field layouts are what parents' chats already hold: a reminder sent last
week, or a calendar left open, must still mean the same tap, so none of them may change
(tests/test_compat.py keeps old data working). `appt` 0 in the calendar's buttons means a
new appointment; any other number is the appointment whose time is being changed.

ShowAppointments ("a") is declared in handlers.common (the settings and My questions open
the list), and VisitQuestion ("vq") in handlers.questions (My questions and the reminder
offer it); both are handled by this feature.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import CallbackData

# The prompt kinds, as stored with an open prompt (a restart finds them by these names).
TIMEZONE_PROMPT = "timezone"
TIME_PROMPT = "appointment_time"
PLACE_PROMPT = "appointment_place"
VISIT_ANSWER_PROMPT = "visit_answer"


# ---- the time zone -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AskTimezone(CallbackData, prefix="az"):
    """The time zones to choose from."""


@dataclass(frozen=True)
class SetTimezone(CallbackData, prefix="at"):
    """One of the listed time zones, by its place in rules.TIMEZONES (append only)."""

    n: int


@dataclass(frozen=True)
class TypeTimezone(CallbackData, prefix="ay"):
    """Type a time zone's name: opens a prompt."""


# ---- the calendar: month, day, hour, minute, or a typed date -----------------------------------
@dataclass(frozen=True)
class CalendarMonth(CallbackData, prefix="ac"):
    """A month to pick the day from (appt 0: a new appointment)."""

    appt: int
    year: int
    month: int


@dataclass(frozen=True)
class PickDay(CallbackData, prefix="ad"):
    """A day of the calendar: its hours to choose from."""

    appt: int
    year: int
    month: int
    day: int


@dataclass(frozen=True)
class PickHour(CallbackData, prefix="ah"):
    """An hour of the picked day: its minutes (every 5) to choose from."""

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


# ---- one appointment ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenAppointment(CallbackData, prefix="ao"):
    """One appointment: when, where, its reminder, and what can be done with it."""

    num: int


@dataclass(frozen=True)
class AskPlace(CallbackData, prefix="ap"):
    """Write where it is: opens a prompt."""

    num: int


@dataclass(frozen=True)
class DeleteAppointment(CallbackData, prefix="ax"):
    """Delete the appointment, and its reminder with it."""

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
    """The reminder at this hour (local time) the day before."""

    num: int
    hour: int


# ---- at the appointment ------------------------------------------------------------------------
# VisitQuestion ("vq"), one question at the appointment, is declared in handlers.questions
# (My questions offers it); its taps are handled in handlers.appointments.visit.
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
