"""The appointments feature's rules: limits, the time zones offered, local time, when a
reminder is due, reading a typed date (bot.when, in the family's words, zone and country),
the 12-hour clock, and which questions are still open. Pure functions, with no Telegram and
no storage calls (rows and the clock in, values out), so each is tested directly
(tests/test_appointments.py) and shared by the views, the taps and the jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import when
from bot.storage import SavedQuestion
from bot.when import DateWords
from bot.zones import country_of_zone

MAX_AHEAD = 10  # appointments kept ahead at once (deleted ones waiting for Undo not counted)
REMIND_HOUR = 18  # the reminder comes the day before at this local hour
LATE_AFTER = 15 * 60  # a reminder sent later than this says it is late
MAX_PLACE = 200  # characters in a place the parent types
MAX_NOTE = 200  # characters in the note for the day before
# Countries whose everyday clock is the 12-hour one ("3:00 pm"): those whose preferred hour
# cycle in CLDR 42 is "h" (ICU 72's best pattern for the skeleton "j", for each country's
# English or Spanish, or its main language), kept to where families of this guide are likely
# to be. Canada is mixed (fr-CA writes "15 h"): en-CA's 12-hour clock is taken. Mexico,
# Spain, Argentina, Chile, Peru and the United Kingdom write "15:00". Everywhere else, and
# for a zone of no country (UTC): the 24-hour clock.
TWELVE_HOUR = frozenset({"US", "PR", "CA", "AU", "NZ", "PH", "IN", "PK", "EG", "SA", "CO", "VE", "PA", "DO"})
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


# ---- typed dates and times (read by bot.when, in the family's words and zone) ------------------
@dataclass(frozen=True)
class Typed:
    """The moments a typed date and time can be, in the order to offer them (the family's
    country's reading first, then earliest first), or a bot.when problem key."""

    readings: tuple[datetime, ...] = ()
    problem: str | None = None


def read_typed(
    text: str,
    now: datetime,
    *,
    words: DateWords | None,
    day_first: bool | None,
    day: date | None = None,
) -> Typed:
    """What a parent typed for an appointment (`now`: aware, on the family's clock). On the
    hour and minute screens (`day`: the day already picked) a time alone ("9:30", "3pm") is
    on that day; a text that names its own day ("tomorrow 9") is read as typed anywhere."""
    if day is not None:
        dated = when.read(text, now, prefer="future", need="date", day_first=day_first, words=words)
        if dated.problem == when.NO_DATE:
            return _on_day(text, now, day, words)
    found = when.read(text, now, prefer="future", need="datetime", day_first=day_first, words=words)
    if found.problem is not None:
        return Typed(problem=found.problem)
    usual = {moment.timestamp() for moment in found.usual}
    first = [moment for moment in found.readings if moment.timestamp() in usual]
    return Typed((*first, *(moment for moment in found.readings if moment.timestamp() not in usual)))


def _on_day(text: str, now: datetime, day: date, words: DateWords | None) -> Typed:
    """A time alone, on the picked day: each clock time it can be (a bare "9": 09:00 and
    21:00), both moments of a time the clocks show twice; refused in the spring gap (as
    bot.when does), when every reading has passed, or when the day is too far."""
    timed = when.read(text, now, prefer="future", need="time", words=words)
    if timed.problem is not None:
        return Typed(problem=timed.problem)
    tz = now.tzinfo
    assert tz is not None
    moments: list[datetime] = []
    for hour, minute in sorted({(moment.hour, moment.minute) for moment in timed.readings}):
        found = localize(datetime.combine(day, time(hour, minute)), tz)
        if not found:
            return Typed(problem=when.GAP)
        moments += found
    if too_far(day, now.date()):
        return Typed(problem=when.TOO_FAR)
    ahead = [moment for moment in moments if moment.timestamp() > now.timestamp()]
    if not ahead:
        return Typed(problem=when.PAST)
    return Typed(tuple(sorted(ahead, key=lambda moment: moment.timestamp())))


def localize(wall: datetime, tz: tzinfo) -> tuple[datetime, ...]:
    """The moments a local wall time names: one; two in the autumn overlap (fold 0, then
    fold 1); none in the spring gap."""
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return ()
    return (first,) if first.utcoffset() == second.utcoffset() else (first, second)


def too_far(day: date, today: date) -> bool:
    """Further ahead than a typed date may be (bot.when's limit, two years)."""
    try:
        limit = today.replace(year=today.year + when.LIMIT_YEARS)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year + when.LIMIT_YEARS, day=28)
    return day > limit


def shown_twice(moment: datetime) -> bool:
    """The clocks show this local time twice that night (the autumn overlap): it is shown
    with its UTC offset, so the two readings differ."""
    other = moment.replace(fold=1 - moment.fold)
    return moment.tzinfo is not None and other.utcoffset() != moment.utcoffset()


def utc_offset(moment: datetime) -> str:
    """ "UTC-5", "UTC+10", "UTC+5:30"."""
    offset = moment.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    hours, rest = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def day_first_of(zone_name: str | None) -> bool | None:
    """Whether the family's country writes the day before the month (None: unknown)."""
    return when.day_first_for(country_of_zone(zone_name) if zone_name else None)


def twelve_hour(zone_name: str | None) -> bool:
    """Whether times are shown on the 12-hour clock ("3:00 pm") for a family in this zone:
    its country is in TWELVE_HOUR; anywhere else, and with no country (UTC), "15:00"."""
    country = country_of_zone(zone_name) if zone_name else None
    return country is not None and country in TWELVE_HOUR


def days_ahead(starts: datetime, now: datetime) -> int:
    """How many of the family's calendar days from `now` to `starts` (both on their clock):
    0 today, 1 tomorrow."""
    return (starts.date() - now.date()).days


# ---- the questions still to ask ----------------------------------------------------------------
def open_questions(questions: list[SavedQuestion]) -> list[SavedQuestion]:
    """The questions still without an answer, in the order saved (the visit goes through
    these: one just marked asked stays until its answer is written)."""
    return [q for q in questions if not q.answer]


def still_to_ask(questions: list[SavedQuestion]) -> list[SavedQuestion]:
    """The questions not yet marked asked (nor answered), in the order saved: the reminder
    and the calendar file list these."""
    return [q for q in questions if q.asked_at is None and not q.answer]


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
