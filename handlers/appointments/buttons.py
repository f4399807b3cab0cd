"""Every button of the appointments feature, and the names of its five prompts.

The prefixes and field layouts are what parents' chats already hold: a reminder sent last
week, or a calendar left open, must still mean the same tap, so none of them may change
(tests/test_compat.py keeps old data working); a field is only ever added at the end, with
the old layout still read (PickTypedDate). `appt` 0 in the calendar's buttons means a new
appointment; any other number is the appointment whose time is being changed.

ShowAppointments ("a") is declared in handlers.common (the settings and My questions open
the list), and VisitQuestion ("vq") in handlers.questions (My questions and the reminder
offer it); both are handled by this feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from bot.callbacks import SEP, CallbackData, Nested

# The prompt kinds, as stored with an open prompt (a restart finds them by these names).
TIMEZONE_PROMPT = "timezone"
TIME_PROMPT = "appointment_time"
TIME_ON_SCREEN_PROMPT = "appointment_time_on_screen"  # opened by the calendar screens
PLACE_PROMPT = "appointment_place"
NOTE_PROMPT = "appointment_note"
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


# A zone name ("America/Argentina/Buenos_Aires") does not fit an id field, so a zone is
# carried as its place `n` in rules.zone_names() (the system's zones, sorted) and `check`,
# a CRC of its name (rules.zone_ref): a tzdata upgrade that shifts the list makes an old
# button stale instead of naming another zone.
@dataclass(frozen=True)
class ConfirmZone(CallbackData, prefix="af"):
    """A time zone found from what the parent typed (a city, a zone's name, "CST"): saves it."""

    n: int
    check: int


@dataclass(frozen=True)
class KeepDoseMoments(CallbackData, prefix="aj"):
    """Under "time zone saved", when the medicines kept their clock times in the new zone:
    move each one's times so its doses come at the same moments as before (`n`, `check`:
    the old zone, as in ConfirmZone; `doses`: rules.doses_check of the medicines as they
    were left, so a second tap, or a medicine changed since, moves nothing)."""

    n: int
    check: int
    doses: int


@dataclass(frozen=True)
class KeepMoments(CallbackData, prefix="av"):
    """Under "time zone saved", when the upcoming appointments kept their clock times in the
    new zone: put them back at the moments they had, the old zone's clock times (`n`,
    `check`: the old zone, as in ConfirmZone). `moved`: rules.moved_check of the new zone
    and the appointments moved, at their new times, so only those still there go back (a
    second tap, or one added or changed since, is left alone)."""

    n: int
    check: int
    moved: int


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
    """✅ on a typed date and time shown back (one button per reading when it reads two
    ways: "1/12", a bare "9"): saves the appointment (appt 0: a new one) at that local time.
    `fold` 1 is the second of a time the clocks show twice (the autumn night), so the
    moment saved is the one the button showed. Buttons of release 0.2 had no `fold` (six
    numbers): they still parse, as fold 0, which is what they saved then."""

    appt: int
    year: int
    month: int
    day: int
    hour: int
    minute: int
    fold: bool = False

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        found = super().unpack(data)
        if found is None and isinstance(data, str) and data.count(SEP) == 6:
            found = super().unpack(data + SEP + "0")  # the layout before `fold`
        return found

    @classmethod
    def matches(cls, data: object) -> bool:
        return cls.unpack(data) is not None


@dataclass(frozen=True)
class TypeAgain(CallbackData, prefix="ag"):
    """Type it again, under a date shown back: waits for typing again, for the screen it
    was typed on (`then`: that screen's data, where Cancel goes back to)."""

    then: Nested


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
    """Delete the appointment, and its reminder with it (Undo stays possible for a while)."""

    num: int


@dataclass(frozen=True)
class UndoDelete(CallbackData, prefix="au"):
    """Undo: bring back an appointment just deleted, with its reminder."""

    num: int


@dataclass(frozen=True)
class AskNote(CallbackData, prefix="an"):
    """Write a note for the day before ("nothing to eat after midnight"): opens a prompt."""

    num: int


@dataclass(frozen=True)
class ClearNote(CallbackData, prefix="ak"):
    """Remove the note for the day before."""

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
