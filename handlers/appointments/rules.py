"""The appointments feature's rules: limits, the time zones offered, local time, when a
reminder is due, reading a typed date (bot.when, in the family's words, zone and country),
the 12-hour clock, and which questions are still open. Pure functions, with no Telegram and
no storage calls (rows and the clock in, values out), so each is tested directly
(tests/test_appointments.py) and shared by the views, the taps and the jobs.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from itertools import combinations
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot import when
from bot.callbacks import MAX_NUMBER
from bot.content import Content
from bot.storage import Appointment, SavedQuestion
from bot.when import DateWords
from bot.zones import ZoneAnswer, ZoneWords, country_of_zone, find_zone, warm_up

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
# The short list of time zones to tap (by region); any other is typed (a city, a zone's name,
# an abbreviation: bot.zones). Append only: buttons carry the index.
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


# ---- time zones: typed, carried by buttons, changed -----------------------------------------
@cache
def zone_names() -> tuple[str, ...]:
    """Every zone the system knows, sorted (read once: listing them walks the zone files,
    ~35 ms). A zone button carries a zone's place here with a check of its name."""
    return tuple(sorted(available_timezones()))


def zone_check(name: str) -> int:
    """A zone name's check, as a button carries it (a CRC-32, within a number field)."""
    return zlib.crc32(name.encode()) % MAX_NUMBER


def zone_ref(name: str) -> tuple[int, int] | None:
    """(place in zone_names(), check) of a zone, for a button; None for a name the system
    does not list."""
    names = zone_names()
    at = bisect_left(names, name)
    if at < len(names) and names[at] == name:
        return at, zone_check(name)
    return None


def zone_at(n: int, check: int) -> str | None:
    """The zone a button names: the one at `n` if its name has this check (an old button
    after a tzdata upgrade that shifted the list, or forged data, names none)."""
    names = zone_names()
    if not 0 <= n < len(names) or zone_check(names[n]) != check or zone(names[n]) is None:
        return None
    return names[n]


def zone_place(name: str) -> str:
    """The city part of a zone's name: "America/Argentina/Buenos_Aires" -> "Buenos Aires"."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def read_zone(text: str, current: str | None, named: ZoneWords | None = None) -> ZoneAnswer:
    """A typed zone, read by bot.zones in the country of the family's zone so far (`current`),
    whose readings of a shared abbreviation come first; only zones a button can carry are
    kept (none left: unknown). `named`: the zones every language names in words (its
    profile's `zones:`). May build bot.zones' city index (~0.5 s): a worker thread's job."""
    country = country_of_zone(current) if current else None
    answer = find_zone(text, first=(country,) if country else (), named=named)
    known = tuple(c for c in answer.candidates if zone_ref(c.zone) is not None and zone(c.zone))
    if answer.problem is None and not known:
        return answer._replace(candidates=(), problem="unknown")
    return answer._replace(candidates=known)


def zone_words(contents: Iterable[Content]) -> ZoneWords:
    """Every language's words for zones at once (parents mix languages), the first
    language's reading first where two name the same words."""
    return ZoneWords.merged(content.profile.zones for content in contents)


def warm_zones() -> None:
    """What the first typed zone needs, built ahead (in a worker thread): bot.zones' city
    index and tables, and zone_names()."""
    warm_up()
    find_zone("Houston")  # the zone tables and the country names too
    zone_names()


def same_clock(moment: float, old: ZoneInfo, new: ZoneInfo) -> datetime:
    """The moment with the same date and clock time in another zone: 09:30 stays 09:30. A
    time the clocks show twice stays the first or the second where the new zone shows it
    twice too; one the new zone skips (its spring night) is an hour later, as its clocks."""
    shown = datetime.fromtimestamp(moment, old)
    wall = shown.replace(tzinfo=None)
    found = localize(wall, new)
    if not found:
        # in the gap, fold 0 reads it on the clock before it: 02:30 is 03:30 after
        return datetime.fromtimestamp(wall.replace(tzinfo=new).timestamp(), new)
    return found[min(shown.fold, len(found) - 1)]


def retimed(appointment: Appointment, old: ZoneInfo, new: ZoneInfo, now: float) -> tuple[float, float] | None:
    """(starts, remind) of an appointment moved from zone `old` to `new` at the same clock
    time, its reminder at the same local hour the day before (not before `now`); None when
    that is the moment it has already, or a moment that has passed (it is left as it is)."""
    starts = same_clock(appointment.starts_at, old, new)
    if starts.timestamp() == appointment.starts_at or starts.timestamp() <= now:
        return None
    hour = local(appointment.remind_at, old).hour
    return starts.timestamp(), max(remind_time(starts, hour).timestamp(), now)


def moved_check(zone_name: str, moved: Iterable[tuple[int, float]]) -> int:
    """A check of the appointments moved by a change of zone, (id, new start) each, and the
    zone they were moved to: KeepMoments carries it."""
    text = ";".join([zone_name, *(f"{num}:{round(starts)}" for num, starts in sorted(moved))])
    return zlib.crc32(text.encode()) % MAX_NUMBER


_MAX_SEARCHED = MAX_AHEAD + 2  # appointments ahead looked through (there are at most MAX_AHEAD)


def moved_among(
    items: Sequence[Appointment], zone_name: str, check: int, starts: Callable[[Appointment], float]
) -> tuple[Appointment, ...] | None:
    """The appointments of `items` that make `check` (moved_check) with their start as
    `starts` gives it, the most of them first; None if no group does (one of them changed,
    passed or was deleted since, or the family's zone is another). At most 2^12 groups."""
    items = items[:_MAX_SEARCHED]
    for size in range(len(items), 0, -1):
        for group in combinations(items, size):
            if moved_check(zone_name, [(a.id, starts(a)) for a in group]) == check:
                return group
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
