"""The appointments feature's rules: limits, the time zones offered, local time, when a
reminder is due, reading a typed date, and which questions are still open. Pure functions,
with no Telegram and no storage calls (content and saved rows in, values out), so each is
tested directly (tests/test_appointments.py) and shared by the views, the taps and the job.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import Content
from bot.storage import SavedQuestion

MAX_AHEAD = 10  # appointments kept ahead at once
REMIND_HOUR = 18  # the reminder comes the day before at this local hour
LATE_AFTER = 15 * 60  # a reminder sent later than this says it is late
MAX_PLACE = 200  # characters in a place the parent types
# The short list of time zones to tap (by region); any IANA name can be typed. Append only:
# buttons carry the index.
TIMEZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Argentina/Buenos_Aires",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
)


# ---- time --------------------------------------------------------------------------------------
def zone(name: str | None) -> ZoneInfo | None:
    """The time zone of this IANA name (a stored or typed one), or None if there is none by
    that name."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: "America" is a folder of the zone database, not a zone.
        return None


def remind_time(starts: datetime, hour: int = REMIND_HOUR) -> datetime:
    """The day before, at `hour` local time (18:00 unless the parent picked another)."""
    day_before = starts.date() - timedelta(days=1)
    return datetime(day_before.year, day_before.month, day_before.day, hour, tzinfo=starts.tzinfo)


def local(moment: float, tz: ZoneInfo) -> datetime:
    """A moment (seconds since the epoch, as stored) on the family's clock."""
    return datetime.fromtimestamp(moment, tz)


# English month names and abbreviations, always understood (lower case -> 1..12).
_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name} | {
    name.lower(): n for n, name in enumerate(calendar.month_abbr) if name
}


def month_names(content: Content) -> dict[str, int]:
    """Month names a parent may type, in the content's language and in English."""
    names = dict(_MONTHS)
    for key in ("dates.month_names", "dates.month_abbr"):
        if key in content.strings:
            names |= {name.lower(): n for n, name in enumerate(content.strings(key).split(), start=1)}
    return names


_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T,]+(\d{1,2})[:.h](\d{2})\s*$")
_DAY_MONTH = re.compile(
    r"^\s*(\d{1,2})(?:st|nd|rd|th)?\s+(?:de\s+)?([^\W\d_]+)\.?,?\s*"
    r"(?:de\s+)?(\d{4})?[ ,]+(?:at\s+|a las\s+)?(\d{1,2})[:.h](\d{2})\s*$"
)
_NUMERIC = re.compile(
    r"^\s*(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?[ ,]+(\d{1,2})[:.h](\d{2})"
    r"\s*$"
)


When = tuple[int, int, int, int, int]  # year, month, day, hour, minute (on the family's clock)


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


# ---- the questions still to ask ----------------------------------------------------------------
def open_questions(questions: list[SavedQuestion]) -> list[SavedQuestion]:
    """The questions still without an answer, in the order saved."""
    return [q for q in questions if not q.answer]


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
