"""The schedule model (bot.doses): which days, which moments, daylight saving never skipping
or doubling a dose, and the JSON kept with a medicine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.doses import CYCLE, DAY, EVERY_N, NEEDED, WEEKDAYS, Schedule, next_due

CHICAGO = ZoneInfo("America/Chicago")
MADRID = ZoneInfo("Europe/Madrid")


def run(schedule: Schedule, tz: ZoneInfo, start: datetime, days: int) -> list[datetime]:
    """Every due moment for `days` days, in the zone's local time, by walking next_due."""
    out: list[datetime] = []
    after = start
    end = start + timedelta(days=days)
    while (due := next_due(schedule, tz, after)) is not None and due.at < end:
        out.append(due.at.astimezone(tz))
        after = due.at
    return out


def test_every_day_twice_in_local_time() -> None:
    s = Schedule(every=DAY, times=("08:00", "20:00"))
    got = run(s, CHICAGO, datetime(2026, 12, 3, 12, tzinfo=UTC), 2)
    assert [(d.day, d.hour) for d in got] == [(3, 8), (3, 20), (4, 8), (4, 20)]  # 06:00 there


def test_weekdays_with_a_different_dose_on_friday() -> None:
    s = Schedule(every=WEEKDAYS, times=("20:00",), weekdays=(0, 4), doses={4: "2 tablets"})
    got = run(s, MADRID, datetime(2026, 11, 30, tzinfo=UTC), 14)  # from Monday 30 Nov
    assert [d.strftime("%a %d") for d in got] == ["Mon 30", "Fri 04", "Mon 07", "Fri 11"]
    assert s.dose_on(date(2026, 12, 4), "1½ tablets") == "2 tablets"
    assert s.dose_on(date(2026, 12, 7), "1½ tablets") == "1½ tablets"


def test_every_third_day_from_the_start() -> None:
    s = Schedule(every=EVERY_N, n=3, times=("09:00",), start=date(2026, 12, 1))
    got = run(s, MADRID, datetime(2026, 11, 20, tzinfo=UTC), 20)
    assert [d.day for d in got] == [1, 4, 7]
    assert got[0].date() == date(2026, 12, 1)


def test_repeated_course_five_days_every_four_weeks() -> None:
    s = Schedule(every=CYCLE, on=5, of=28, times=("08:00",), start=date(2026, 12, 7))
    got = run(s, MADRID, datetime(2026, 12, 1, tzinfo=UTC), 70)
    days = [d.date() for d in got]
    first = [date(2026, 12, 7) + timedelta(days=i) for i in range(5)]
    second = [date(2027, 1, 4) + timedelta(days=i) for i in range(5)]
    third = [date(2027, 2, 1) + timedelta(days=i) for i in range(5)]
    assert days == first + second + third


def test_a_course_ends() -> None:
    s = Schedule(every=DAY, times=("08:00",), start=date(2026, 12, 3), end=date(2026, 12, 5))
    got = run(s, MADRID, datetime(2026, 12, 1, tzinfo=UTC), 30)
    assert [d.day for d in got] == [3, 4, 5]
    assert next_due(s, MADRID, datetime(2026, 12, 6, tzinfo=UTC)) is None


def test_as_needed_and_incomplete_have_no_due_time() -> None:
    now = datetime(2026, 12, 3, tzinfo=UTC)
    assert next_due(Schedule(every=NEEDED), MADRID, now) is None
    assert next_due(Schedule(every=DAY), MADRID, now) is None
    assert Schedule(every=DAY).missing() == "times"
    assert Schedule(every=WEEKDAYS, times=("08:00",)).missing() == "weekdays"
    assert Schedule(every=CYCLE, on=5, of=28, times=("08:00",)).missing() == "start"


def test_spring_forward_gap_is_due_once_after_the_jump() -> None:
    # Chicago jumps from 02:00 to 03:00 on 14 March 2027: 02:30 does not exist that night.
    s = Schedule(every=DAY, times=("02:30", "03:15"))
    got = run(s, CHICAGO, datetime(2027, 3, 13, 12, tzinfo=UTC), 2)
    on_14 = [d for d in got if d.date() == date(2027, 3, 14)]
    # both doses of that night, once each, in the order they come
    assert [d.strftime("%H:%M") for d in on_14] == ["03:15", "03:30"]
    assert len(got) == len({d.astimezone(UTC) for d in got}) == 4


def test_autumn_overlap_is_due_once() -> None:
    # Chicago goes back from 02:00 to 01:00 on 1 November 2026: 01:30 happens twice.
    s = Schedule(every=DAY, times=("01:30",))
    got = run(s, CHICAGO, datetime(2026, 10, 31, 12, tzinfo=UTC), 2)
    assert [d.date() for d in got] == [date(2026, 11, 1), date(2026, 11, 2)]
    assert got[0].fold == 0 and got[0].utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(every=DAY, times=("08:00", "20:00"), end=date(2027, 1, 1)),
        Schedule(every=WEEKDAYS, times=("20:00",), weekdays=(0, 3), doses={3: "2 mL"}),
        Schedule(every=EVERY_N, n=2, times=("09:00",), start=date(2026, 12, 1)),
        Schedule(every=CYCLE, on=5, of=28, times=("08:00",), start=date(2026, 12, 7)),
        Schedule(every=NEEDED),
    ],
)
def test_json_round_trip(schedule: Schedule) -> None:
    assert Schedule.loads(schedule.dumps()) == schedule


def test_broken_json_is_an_empty_schedule() -> None:
    assert Schedule.loads("{not json") == Schedule()
    assert Schedule.loads("") == Schedule()
    assert Schedule.loads('{"every": "bogus", "times": ["25:00", "08:00"]}').times == ("08:00",)
