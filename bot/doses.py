"""A medicine's schedule as the pharmacy label gives it, and the moments its doses are due.

Pure: no Telegram, no storage. A schedule is what the family chose, kept as JSON with the
medicine (`Schedule.dumps` / `Schedule.loads`):

- `times`: the clock times of the day ("08:00", "20:00"), in the child's (the family's) zone;
- `every`: which days —
  `DAY` every day; `WEEKDAYS` the listed `weekdays` (0 Monday … 6 Sunday);
  `EVERY_N` every `n` days counted from `start`; `CYCLE` a repeated course: `on` days in a
  row, then the rest of every `of` days, from `start` (five days every four weeks: on 5, of 28);
  `NEEDED` only when needed (no times, no reminders: the family records each dose);
- `start` (the first day) and `end` (the last day, a course; None: until stopped);
- `doses`: a different dose on some weekdays ({4: "2 tablets"}: Fridays), else the
  medicine's own dose.

Due moments (`next_due`, `due_on`), and why:

- Daylight saving never skips or doubles a dose. A clock time that happens twice (the autumn
  overlap) is due once, the first time. A clock time the clocks skip (the spring gap) is due
  once, just after the jump (02:30 on a night that jumps from 02:00 to 03:00 is due at 03:30,
  as the clocks read once it has passed). Because such a dose can then fall after a later
  clock time of the same night, `next_due` takes the earliest moment over two days, not the
  first clock time in order, so no dose is passed over.
- The bot computes no dose: the dose text is the label's, as typed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

DAY = "day"
WEEKDAYS = "weekdays"
EVERY_N = "every_n"
CYCLE = "cycle"
NEEDED = "needed"
KINDS = (DAY, WEEKDAYS, EVERY_N, CYCLE, NEEDED)

MAX_TIMES = 6  # clock times a day
MAX_EVERY = 60  # every N days, at most
MAX_CYCLE = 366  # a repeated course's length in days, at most
LOOK_AHEAD = MAX_CYCLE + 2  # days searched for the next dose


@dataclass(frozen=True)
class Schedule:
    every: str = DAY
    times: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()
    n: int = 1
    on: int = 0
    of: int = 0
    start: date | None = None
    end: date | None = None
    doses: dict[int, str] = field(default_factory=dict)

    # ---- kept as JSON ------------------------------------------------------------------
    def dumps(self) -> str:
        out: dict[str, Any] = {"every": self.every, "times": list(self.times)}
        if self.every == WEEKDAYS:
            out["weekdays"] = list(self.weekdays)
        if self.every == EVERY_N:
            out["n"] = self.n
        if self.every == CYCLE:
            out["on"], out["of"] = self.on, self.of
        if self.start:
            out["start"] = self.start.isoformat()
        if self.end:
            out["end"] = self.end.isoformat()
        if self.doses:
            out["doses"] = {str(k): v for k, v in sorted(self.doses.items())}
        return json.dumps(out, ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Schedule:
        """The stored schedule; an empty or broken one is an empty schedule (no dose due)."""
        try:
            raw = json.loads(text) if text else {}
        except ValueError:
            raw = {}
        if not isinstance(raw, dict):
            raw = {}
        every = raw.get("every", DAY)
        return cls(
            every=every if every in KINDS else DAY,
            times=tuple(t for t in raw.get("times", ()) if isinstance(t, str) and clock(t)),
            weekdays=tuple(
                sorted({int(d) for d in raw.get("weekdays", ()) if str(d).isdigit() and int(d) < 7})
            ),
            n=max(1, int(raw.get("n", 1))),
            on=int(raw.get("on", 0)),
            of=int(raw.get("of", 0)),
            start=_day(raw.get("start")),
            end=_day(raw.get("end")),
            doses={
                int(k): str(v) for k, v in raw.get("doses", {}).items() if str(k).isdigit() and int(k) < 7
            },
        )

    # ---- what the family still has to say ---------------------------------------------------
    def missing(self) -> str | None:
        """What is still needed before it can be saved: "times", "weekdays", "start", or
        None when complete."""
        if self.every == NEEDED:
            return None
        if self.every == WEEKDAYS and not self.weekdays:
            return "weekdays"
        if self.every in (EVERY_N, CYCLE) and self.start is None:
            return "start"
        if not self.times:
            return "times"
        return None

    def with_time(self, hhmm: str) -> Schedule:
        """One more clock time (kept sorted, no duplicate)."""
        return replace(self, times=tuple(sorted(set(self.times) | {hhmm}))[:MAX_TIMES])

    # ---- which days -----------------------------------------------------------------------
    def on_day(self, day: date) -> bool:
        if self.every == NEEDED:
            return False
        if (self.start and day < self.start) or (self.end and day > self.end):
            return False
        if self.every == WEEKDAYS:
            return day.weekday() in self.weekdays
        if self.every == EVERY_N:
            return self.start is not None and (day - self.start).days % self.n == 0
        if self.every == CYCLE:
            return self.start is not None and self.of > 0 and (day - self.start).days % self.of < self.on
        return True

    def dose_on(self, day: date, usual: str) -> str:
        """The dose of that day: the weekday's own, or the usual one (as typed)."""
        return self.doses.get(day.weekday(), usual)


def shifted(schedule: Schedule, minutes: int) -> Schedule | None:
    """The schedule with every clock time moved by `minutes` (a change of time zone that keeps
    the doses' moments: 20:00 in Madrid is 13:00 in Chicago). None when a time would cross
    midnight and the days matter (weekdays, every N days, courses, a first or last day):
    that one is left for the family to change by hand."""
    moved = []
    for hhmm in schedule.times:
        parsed = clock(hhmm)
        if parsed is None:
            return None
        total = parsed[0] * 60 + parsed[1] + minutes
        if not 0 <= total < 24 * 60 and (schedule.every != DAY or schedule.start or schedule.end):
            return None
        total %= 24 * 60
        moved.append(f"{total // 60:02d}:{total % 60:02d}")
    return replace(schedule, times=tuple(sorted(set(moved))))


def clock(text: str) -> tuple[int, int] | None:
    """ "20:00" -> (20, 0); None for anything else."""
    hours, sep, minutes = text.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    h, m = int(hours), int(minutes)
    return (h, m) if h < 24 and m < 60 else None


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def moment(day: date, hhmm: str, tz: tzinfo) -> datetime:
    """When a clock time of a day is due, in UTC: the first of an overlap's two, and just
    after the jump for one the clocks skip (see the module's note)."""
    parsed = clock(hhmm)
    if parsed is None:
        raise ValueError(f"not a clock time: {hhmm!r}")
    wall = datetime.combine(day, time(*parsed), tzinfo=tz)  # fold 0: the first, or in a gap
    # the offset before the jump, which reads as the same distance past it
    return wall.astimezone(UTC)


def due_on(schedule: Schedule, day: date, tz: tzinfo) -> list[tuple[str, datetime]]:
    """The day's doses: (clock time, moment in UTC), by clock time."""
    if not schedule.on_day(day):
        return []
    return [(hhmm, moment(day, hhmm, tz)) for hhmm in schedule.times]


@dataclass(frozen=True)
class Due:
    """One dose's due time: its local day and clock time, and the moment (UTC)."""

    day: date
    clock: str
    at: datetime


def next_due(schedule: Schedule, tz: tzinfo, after: datetime) -> Due | None:
    """The first dose due strictly after `after` (aware), or None (as needed, a course that
    has ended, an incomplete schedule)."""
    if schedule.every == NEEDED or schedule.missing():
        return None
    first = after.astimezone(tz).date() - timedelta(days=1)
    if schedule.start and schedule.start > first:
        first = schedule.start
    for offset in range(LOOK_AHEAD):
        day = first + timedelta(days=offset)
        if schedule.end and day > schedule.end:
            return None
        found = [Due(day, hhmm, at) for hhmm, at in due_on(schedule, day, tz) if at > after]
        if found:
            # A dose of the next day can come before one of this day only by the length of
            # a clock change; look one day further and take the earliest.
            after_that = day + timedelta(days=1)
            found += [
                Due(after_that, hhmm, at) for hhmm, at in due_on(schedule, after_that, tz) if at > after
            ]
            return min(found, key=lambda d: (d.at, d.clock))
    return None
