"""bot/when.py: the dates and times parents type, in English and Spanish, read with each
language's own words (content/<lang>/language.yaml `dates:`). Every row of the tables runs in
three time zones with the same local `now`, Monday 11 January 2027, 10:20 (unless the row
says another hour), and must give exactly the local date-times it lists, earliest first, or
exactly the problem it names."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.content import ContentError, load_profiles
from bot.when import (
    FUTURE,
    GAP,
    NO_DATE,
    NO_SUCH_DATE,
    NO_SUCH_TIME,
    NO_TIME,
    NOT_UNDERSTOOD,
    PAST,
    TOO_FAR,
    WEEKDAY,
    DateWords,
    Need,
    Prefer,
    day_first_for,
    echo,
    names_a_date,
    read,
)
from tests.harness import ROOT

ZONES = ("America/Chicago", "Europe/Madrid", "Australia/Sydney")
TODAY = (2027, 1, 11)  # a Monday
AT = (10, 20)


@dataclass(frozen=True)
class Row:
    text: str
    expected: tuple[str, ...]  # "YYYY-MM-DD HH:MM" local readings, or one problem key
    prefer: Prefer = "future"
    need: Need = "datetime"
    day_first: bool | None = None
    at: tuple[int, int] = AT  # the local time `now` is, on Monday 11 January 2027

    def __str__(self) -> str:
        return f"{self.text!r} {self.prefer} {self.need} day_first={self.day_first} at={self.at}"


def row(
    text: str,
    *expected: str,
    prefer: Prefer = "future",
    need: Need = "datetime",
    day_first: bool | None = None,
    at: tuple[int, int] = AT,
) -> Row:
    return Row(text, expected, prefer, need, day_first, at)


ENGLISH = [
    # every time form; no date: the next one (or two) after 10:20
    row("9", "2027-01-11 21:00", "2027-01-12 09:00"),
    row("9am", "2027-01-12 09:00"),
    row("9 am", "2027-01-12 09:00"),
    row("9 a.m.", "2027-01-12 09:00"),
    row("21h", "2027-01-11 21:00"),
    row("21:30", "2027-01-11 21:30"),
    row("21.30", "2027-01-11 21:30"),
    row("9:30pm", "2027-01-11 21:30"),
    row("09:30", "2027-01-12 09:30"),
    row("half past 9", "2027-01-11 21:30", "2027-01-12 09:30"),
    row("quarter past 9 pm", "2027-01-11 21:15"),
    row("half past 9pm", "2027-01-11 21:30"),
    row("a quarter to twelve", "2027-01-11 11:45"),  # 12 is noon, as "12" alone is
    row("quarter to 9", "2027-01-11 20:45", "2027-01-12 08:45"),
    row("noon", "2027-01-11 12:00"),
    row("12 noon", "2027-01-11 12:00"),
    row("midnight", "2027-01-12 00:00"),
    row("at nine in the evening", "2027-01-11 21:00"),
    row("12am", "2027-01-12 00:00"),
    # relative days; nothing fills in the current minutes (10:20)
    row("tomorrow 9", "2027-01-12 09:00", "2027-01-12 21:00"),
    row("tomorrow at 9am", "2027-01-12 09:00"),
    row("Today 5pm", "2027-01-11 17:00"),
    row("today 9", "2027-01-11 21:00"),  # 09:00 has gone by: not an appointment time
    row("tonight at 9", "2027-01-11 21:00"),
    row("tonight at 1", "2027-01-12 01:00"),
    row("day after tomorrow 10am", "2027-01-13 10:00"),
    row("tomorrow morning at 8", "2027-01-12 08:00"),
    row("tomorrow at midnight", "2027-01-13 00:00"),
    # weekdays
    row("next tuesday 3pm", "2027-01-12 15:00"),
    row("tuesday at 3pm", "2027-01-12 15:00"),
    row("on Tues at 15:00", "2027-01-12 15:00"),
    row("this friday 11am", "2027-01-15 11:00"),
    row("monday 9am", "2027-01-18 09:00"),  # today is a Monday: a bare weekday is the next
    row("in 2 weeks at 10am", "2027-01-25 10:00"),
    row("in two weeks at 10am", "2027-01-25 10:00"),
    row("in 3 days 8pm", "2027-01-14 20:00"),
    row("in a week at 9am", "2027-01-18 09:00"),
    # month names
    row("Jan 12 9am", "2027-01-12 09:00"),
    row("12 Jan 2:30pm", "2027-01-12 14:30"),
    row("January 11th 2028 at 10am", "2028-01-11 10:00"),
    row("Feb 3rd at 14:00", "2027-02-03 14:00"),
    row("Jan 5 9am", "2028-01-05 09:00"),  # without a year: the next 5 January
    row("Tue 12 Jan 9:30am", "2027-01-12 09:30"),
    row("on the 12th at 10am", "2027-01-12 10:00"),
    row("Feb 29 at 10am", "2028-02-29 10:00"),
    # ISO and numeric dates
    row("2027-01-11 21:00", "2027-01-11 21:00"),
    row("2027-03-04 09:30", "2027-03-04 09:30"),
    row("25/12 10am", "2027-12-25 10:00"),
    row("12/25 10am", "2027-12-25 10:00", day_first=True),  # 25 is no month, anywhere
    row("3/4 10am", "2027-03-04 10:00", "2027-04-03 10:00", day_first=True),
    row("3/4 10am", "2027-03-04 10:00", "2027-04-03 10:00", day_first=False),
    row("3/4 10am", "2027-03-04 10:00", "2027-04-03 10:00"),
    row("5/5/2027 10am", "2027-05-05 10:00"),
    row("11.01.28 9am", "2028-01-11 09:00", "2028-11-01 09:00", day_first=True),
    row("14.02.27 9am", "2027-02-14 09:00"),
    # the past, for a log: the same texts point back
    row("9am", "2027-01-11 09:00", prefer="past"),
    row("10pm", "2027-01-10 22:00", prefer="past"),
    row("9", "2027-01-10 21:00", "2027-01-11 09:00", prefer="past"),
    row("2am", "2027-01-11 02:00", prefer="past", at=(23, 0)),
    row("10pm", "2027-01-10 22:00", prefer="past", at=(9, 0)),
    row("tuesday 3pm", "2027-01-05 15:00", prefer="past"),
    row("last tuesday 3pm", "2027-01-05 15:00", prefer="past"),
    row("last night at 11", "2027-01-10 23:00", prefer="past"),
    row("last night at 2", "2027-01-11 02:00", prefer="past"),
    row("yesterday 3pm", "2027-01-10 15:00", prefer="past"),
    row("Jan 12 9am", "2026-01-12 09:00", prefer="past"),
    row("the 12th at 10am", "2026-12-12 10:00", prefer="past"),
    row("3 days ago at 8pm", "2027-01-08 20:00", prefer="past"),
    # what the caller needs
    row("tomorrow", "2027-01-12 00:00", need="date"),
    row("tomorrow 9", "2027-01-12 00:00", need="date"),
    row("last night", "2027-01-10 00:00", need="date", prefer="past"),
    row("8pm", "2027-01-11 20:00", need="time"),
    row("tomorrow 8pm", "2027-01-11 20:00", need="time"),  # only the time is used
    row("9am", NO_DATE, need="date"),
    row("tomorrow", NO_TIME),
    row("next friday", NO_TIME),
    # bad input: a reason, never an exception
    row("31 Feb 9am", NO_SUCH_DATE),
    row("31/2 9am", NO_SUCH_DATE),
    row("25:00", NO_SUCH_TIME),
    row("9:75", NO_SUCH_TIME),
    row("13am", NO_SUCH_TIME),
    row("13pm", "2027-01-11 13:00"),  # a 24-hour hour with pm is still that hour
    row("someday", NOT_UNDERSTOOD),
    row("asdf", NOT_UNDERSTOOD),
    row("", NOT_UNDERSTOOD),
    row("tomorrow 9 at 10", NOT_UNDERSTOOD),
    row("2032-01-11 09:00", TOO_FAR),
    row("2022-01-11 09:00", TOO_FAR, prefer="past"),
    row("yesterday 9am", PAST),
    row("today 9am", PAST),
    row("tomorrow 9am", FUTURE, prefer="past"),
    row("next tuesday 9am", FUTURE, prefer="past"),
    row("Tue 13 Jan 9am", WEEKDAY),
]

SPANISH = [
    row("a las 9", "2027-01-11 21:00", "2027-01-12 09:00"),
    row("9 y media", "2027-01-11 21:30", "2027-01-12 09:30"),
    row("9 y cuarto de la mañana", "2027-01-12 09:15"),
    row("10 menos cuarto", "2027-01-11 21:45", "2027-01-12 09:45"),
    row("a las 9 de la mañana", "2027-01-12 09:00"),
    row("a las 3 de la tarde", "2027-01-11 15:00"),
    row("a las 10 de la noche", "2027-01-11 22:00"),
    row("a las 12 de la noche", "2027-01-12 00:00"),
    row("a las nueve y media de la noche", "2027-01-11 21:30"),
    row("mediodía", "2027-01-11 12:00"),
    row("a medianoche", "2027-01-12 00:00"),
    row("21h", "2027-01-11 21:00"),
    row("mañana a las 10 h", "2027-01-12 10:00"),
    row("a las 21:30", "2027-01-11 21:30"),
    row("21.30", "2027-01-11 21:30"),
    row("hoy a las 5 de la tarde", "2027-01-11 17:00"),
    row("esta noche a las 9", "2027-01-11 21:00"),
    row("Mañana a las 9", "2027-01-12 09:00", "2027-01-12 21:00"),
    row("manana a las 9 de la manana", "2027-01-12 09:00"),
    row("mañana por la mañana a las 8", "2027-01-12 08:00"),
    row("pasado mañana a las 10 de la mañana", "2027-01-13 10:00"),
    row("el martes a las 3 de la tarde", "2027-01-12 15:00"),
    row("el próximo martes a las 16:00", "2027-01-12 16:00"),
    row("martes que viene a las 4 de la tarde", "2027-01-12 16:00"),
    row("este viernes a las 11 de la mañana", "2027-01-15 11:00"),
    row("el lunes a las 9 de la mañana", "2027-01-18 09:00"),
    row("dentro de 2 semanas a las 10 de la mañana", "2027-01-25 10:00"),
    row("dentro de dos semanas a las 17h", "2027-01-25 17:00"),
    row("en 3 días a las 8 de la tarde", "2027-01-14 20:00"),
    row("el 12 de enero a las 10 de la mañana", "2027-01-12 10:00"),
    row("11 de enero a las 22:00", "2027-01-11 22:00"),
    row("el 11 de enero de 2028 a las 10 de la mañana", "2028-01-11 10:00"),
    row("3 feb a las 14:00", "2027-02-03 14:00"),
    row("martes 12 de enero a las 9:30 de la mañana", "2027-01-12 09:30"),
    row("el martes 12 a las 10 de la mañana", "2027-01-12 10:00"),
    row("1º de febrero a las 10 de la mañana", "2027-02-01 10:00"),
    row("12 mar a las 10 de la mañana", "2027-03-12 10:00"),  # "mar": March, not martes
    row("2027-03-04 09:30", "2027-03-04 09:30"),
    row("25/12 a las 10 de la mañana", "2027-12-25 10:00"),
    row("3/4 a las 10 de la mañana", "2027-03-04 10:00", "2027-04-03 10:00", day_first=True),
    row("3/4/2027 a las 10 de la mañana", "2027-03-04 10:00", "2027-04-03 10:00", day_first=False),
    row("11.01.28 a las 9 de la mañana", "2028-01-11 09:00", "2028-11-01 09:00"),
    # the past
    row("a las 9 de la mañana", "2027-01-11 09:00", prefer="past"),
    row("a las 10 de la noche", "2027-01-10 22:00", prefer="past"),
    row("a las 2 de la madrugada", "2027-01-11 02:00", prefer="past", at=(23, 0)),
    row("anoche a las 11", "2027-01-10 23:00", prefer="past"),
    row("anoche a las 2", "2027-01-11 02:00", prefer="past"),
    row("ayer a las 3 de la tarde", "2027-01-10 15:00", prefer="past"),
    row("el martes a las 9 de la mañana", "2027-01-05 09:00", prefer="past"),
    row("el martes pasado a las 9 de la mañana", "2027-01-05 09:00", prefer="past"),
    row("hace 2 días a las 8 de la tarde", "2027-01-09 20:00", prefer="past"),
    row("el 12 de enero a las 10 de la mañana", "2026-01-12 10:00", prefer="past"),
    # what the caller needs
    row("mañana", "2027-01-12 00:00", need="date"),
    row("anoche", "2027-01-10 00:00", need="date", prefer="past"),
    row("a las 8 de la tarde", "2027-01-11 20:00", need="time"),
    row("a las 9 de la mañana", NO_DATE, need="date"),
    row("mañana", NO_TIME),
    row("mañana por la mañana", NO_TIME),
    # bad input
    row("31 de febrero a las 9", NO_SUCH_DATE),
    row("a las 25:00", NO_SUCH_TIME),
    row("algún día", NOT_UNDERSTOOD),
    row("qwerty", NOT_UNDERSTOOD),
    row("el 11 de enero de 2032 a las 10:00", TOO_FAR),
    row("ayer a las 9 de la mañana", PAST),
    row("anoche a las 11", PAST),
    row("mañana a las 9 de la mañana", FUTURE, prefer="past"),
    row("el martes 13 de enero de 2027 a las 9:00", WEEKDAY),
]

TABLES = {"en": ENGLISH, "es": SPANISH}


@pytest.fixture(scope="module")
def words() -> dict[str, DateWords]:
    return {
        code: profile.dates
        for code, profile in load_profiles(ROOT / "content").items()
        if profile.dates is not None
    }


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def now_in(zone: str, at: tuple[int, int] = AT, second: int = 0) -> datetime:
    return datetime(*TODAY, *at, second, tzinfo=ZoneInfo(zone))


def test_the_tables_are_big_enough() -> None:
    for table in TABLES.values():
        assert len({r.text for r in table}) >= 40


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("language", sorted(TABLES))
def test_every_row_reads_as_expected(words: dict[str, DateWords], language: str, zone: str) -> None:
    wrong = []
    for r in TABLES[language]:
        outcome = read(
            r.text,
            now_in(zone, r.at),
            prefer=r.prefer,
            need=r.need,
            day_first=r.day_first,
            words=words[language],
        )
        got = outcome.problem or tuple(f"{m:%Y-%m-%d %H:%M}" for m in outcome.readings)
        want = r.expected if r.expected[0][0].isdigit() else r.expected[0]
        if got != want or any(m.tzinfo != ZoneInfo(zone) for m in outcome.readings):
            wrong.append(f"{r}: got {got}, want {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("zone", ZONES)
def test_nothing_fills_in_the_current_minutes(words: dict[str, DateWords], zone: str) -> None:
    now = now_in(zone, (10, 37), second=12)
    for text, language, minutes in [
        ("tomorrow 9", "en", {0}),
        ("9am", "en", {0}),
        ("tuesday 3pm", "en", {0}),
        ("half past 9", "en", {30}),
        ("mañana a las 9", "es", {0}),
        ("a las 8", "es", {0}),
        ("10 menos cuarto", "es", {45}),
    ]:
        outcome = read(text, now, prefer="future", words=words[language])
        assert outcome.readings, text
        assert {m.minute for m in outcome.readings} == minutes, text
        assert {(m.second, m.microsecond) for m in outcome.readings} == {(0, 0)}, text


def test_the_current_minute_counts_as_now(words: dict[str, DateWords]) -> None:
    now = now_in("Europe/Madrid", (10, 20), second=45)
    for prefer in ("future", "past"):
        outcome = read("10:20am", now, prefer=prefer, words=words["en"])
        assert [f"{m:%d %H:%M}" for m in outcome.readings] == ["11 10:20"], prefer
    later = read("10:19am", now, prefer="future", words=words["en"])
    assert [f"{m:%d %H:%M}" for m in later.readings] == ["12 10:19"]


def test_a_numeric_date_reads_two_ways_and_marks_the_countrys(words: dict[str, DateWords]) -> None:
    now = now_in("Europe/Madrid")
    march_4 = datetime(2027, 3, 4, 10, tzinfo=ZoneInfo("Europe/Madrid"))
    april_3 = datetime(2027, 4, 3, 10, tzinfo=ZoneInfo("Europe/Madrid"))
    for day_first, usual in ((True, (april_3,)), (False, (march_4,)), (None, ())):
        outcome = read("3/4 10am", now, prefer="future", day_first=day_first, words=words["en"])
        assert outcome.readings == (march_4, april_3)
        assert outcome.usual == usual
        assert outcome.sure is None
    sure = read("25/12 10am", now, prefer="future", day_first=False, words=words["en"])
    assert sure.usual == () and sure.sure == datetime(2027, 12, 25, 10, tzinfo=ZoneInfo("Europe/Madrid"))


def test_day_first_for_a_country() -> None:
    assert [day_first_for(c) for c in ("ES", "mx", "GB", "AU", "US", "ph", "CA", None, "")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        None,
        None,
        None,
    ]


Moment = tuple[int, int, int, int]  # year, month, day, hour: a local `now`
# (zone, now, English text, Spanish text): a night the clocks go forward, in 2027.
GAPS = [
    ("America/Chicago", (2027, 3, 10, 9), "14 Mar 2:30am", "14 de marzo a las 2:30 de la madrugada"),
    ("Europe/Madrid", (2027, 3, 20, 9), "28 Mar 2:30am", "28 de marzo a las 2:30 de la madrugada"),
    ("Australia/Sydney", (2027, 9, 20, 9), "3 Oct 2:30am", "3 de octubre a las 2:30 de la madrugada"),
]
# (zone, now, English text, Spanish text, the local time, its two UTC offsets in hours): a
# night the clocks go back, in 2027.
OVERLAPS = [
    (
        "America/Chicago",
        (2027, 11, 1, 9),
        "7 Nov 1:30am",
        "7 de noviembre a la 1:30 de la madrugada",
        "2027-11-07 01:30",
        (-5, -6),
    ),
    (
        "Europe/Madrid",
        (2027, 10, 20, 9),
        "31 Oct 2:30am",
        "31 de octubre a las 2:30 de la madrugada",
        "2027-10-31 02:30",
        (2, 1),
    ),
    (
        "Australia/Sydney",
        (2027, 3, 20, 9),
        "4 Apr 2:30am",
        "4 de abril a las 2:30 de la madrugada",
        "2027-04-04 02:30",
        (11, 10),
    ),
]


@pytest.mark.parametrize(("zone", "now", "english", "spanish"), GAPS)
def test_a_time_the_clocks_skip_is_reported_not_shifted(
    words: dict[str, DateWords], zone: str, now: Moment, english: str, spanish: str
) -> None:
    moment = datetime(*now, tzinfo=ZoneInfo(zone))
    for text, language in ((english, "en"), (spanish, "es")):
        outcome = read(text, moment, prefer="future", words=words[language])
        assert (outcome.problem, outcome.readings) == (GAP, ()), text
    # 03:30 that night exists; a bare "2:30" (02:30 or 14:30) is a gap too: the parent hears it
    day = english.rsplit(" ", 1)[0]
    after = read(f"{day} 3:30am", moment, prefer="future", words=words["en"])
    assert [f"{m:%H:%M}" for m in after.readings] == ["03:30"]
    assert read(f"{day} 2:30", moment, prefer="future", words=words["en"]).problem == GAP


@pytest.mark.parametrize(("zone", "now", "english", "spanish", "wall", "offsets"), OVERLAPS)
def test_a_time_the_clocks_show_twice_gives_both(
    words: dict[str, DateWords],
    zone: str,
    now: Moment,
    english: str,
    spanish: str,
    wall: str,
    offsets: tuple[int, int],
) -> None:
    moment = datetime(*now, tzinfo=ZoneInfo(zone))
    for text, language in ((english, "en"), (spanish, "es")):
        outcome = read(text, moment, prefer="future", words=words[language])
        assert outcome.problem is None
        assert [f"{m:%Y-%m-%d %H:%M}" for m in outcome.readings] == [wall, wall], text
        assert [m.fold for m in outcome.readings] == [0, 1], text
        assert [m.utcoffset() for m in outcome.readings] == [timedelta(hours=h) for h in offsets]
        first, second = (m.astimezone(UTC) for m in outcome.readings)
        assert second - first == timedelta(hours=1)
        shown = [echo(m, words[language]) for m in outcome.readings]
        assert [s.rsplit("(", 1)[1] for s in shown] == [f"UTC{h:+d})" for h in offsets]


def test_echo_shows_the_weekday_in_each_language(words: dict[str, DateWords]) -> None:
    moment = datetime(2027, 1, 12, 9, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    assert echo(moment, words["en"]) == "Tue 12 Jan 2027, 09:30"
    assert echo(moment, words["es"]) == "mar 12 ene 2027, 09:30"
    assert echo(moment.replace(month=8, day=1), words["es"]) == "dom 1 ago 2027, 09:30"
    assert echo(moment, words["en"], with_time=False) == "Tue 12 Jan 2027"
    assert echo(moment) == "2027-01-12 09:30"  # a language without date words


def test_importing_bot_when_imports_nothing_heavy() -> None:
    code = (
        "import sys; import bot.when; "
        "print(sorted(m for m in ('dateparser', 'yaml', 'telegram', 'handlers', 'regex', "
        "'babel') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_no_text_raises(words: dict[str, DateWords]) -> None:
    texts = [r.text for table in TABLES.values() for r in table]
    odd = [
        "9999",
        "0/0",
        "99:99",
        "32/13/2027",
        "00.00.00",
        "in 999 weeks",
        "the 0th",
        "@",
        "a",
        "de la",
        "h",
        "9h99",
        "2027-02-30",
        "jan jan",
        "next",
        "12 12 12",
        "9999-12-31 midnight",
        "0001-01-01 quarter to 12am",
        "dec 31 9999 11pm",
    ]
    now = now_in("Europe/Madrid")
    for text in texts + odd + [t[:i] for t in texts for i in range(0, len(t), 3)]:
        for language in ("en", "es", None):
            for prefer in ("future", "past"):
                outcome = read(text, now, prefer=prefer, words=words[language] if language else None)
                assert bool(outcome.readings) != bool(outcome.problem), text


def test_without_date_words_only_numbers_are_read() -> None:
    now = now_in("Europe/Madrid")
    assert read("2027-01-12 09:30", now, prefer="future").readings == (
        datetime(2027, 1, 12, 9, 30, tzinfo=ZoneInfo("Europe/Madrid")),
    )
    assert [f"{m:%m-%d %H:%M}" for m in read("25/1 21h", now, prefer="future").readings] == ["01-25 21:00"]
    assert read("tomorrow 9am", now, prefer="future").problem == NOT_UNDERSTOOD


def test_a_naive_now_is_a_programming_error(words: dict[str, DateWords]) -> None:
    with pytest.raises(ValueError):
        read("9am", datetime(2027, 1, 11, 10, 20), prefer="future", words=words["en"])


# ---- the profile's `dates:` --------------------------------------------------------------------
def profile_with(tmp_path: Path, change: Any) -> Path:
    shutil.copy(ROOT / "content" / "language.yaml", tmp_path / "language.yaml")
    path = tmp_path / "language.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["dates"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("weekdays"), "dates.weekdays: is missing"),
        (lambda d: d.update(months=d["months"][:11]), "dates.months: must have 12 items, has 11"),
        (lambda d: d.update(filler=[True]), "dates.filler: must be a list of words (quote yes/no"),
        (lambda d: d.update(half_past=["half past"]), "dates.half_past: 'half past' must hold {hour}"),
        (lambda d: d.update(echo_date="{weekday} {dia}"), "dates.echo_date: 'dia' is not one of"),
        (lambda d: d.update(tomorrow=["tomorrow", "Mon"]), "dates.tomorrow: 'Mon' also means"),
        (lambda d: d.update(someday=["x"]), "dates.someday: is not a dates key"),
    ],
)
def test_broken_date_words_are_refused_naming_the_key(tmp_path: Path, change: Any, message: str) -> None:
    with pytest.raises(ContentError, match=message.replace("(", r"\(").replace("{", r"\{")):
        load_profiles(profile_with(tmp_path, change))


def test_a_profile_without_dates_reads_numbers_only(tmp_path: Path) -> None:
    shutil.copy(ROOT / "content" / "language.yaml", tmp_path / "language.yaml")
    path = tmp_path / "language.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["dates"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_profiles(tmp_path)["en"].dates is None


@pytest.mark.parametrize(
    ("language", "text", "named"),
    [
        ("en", "what does remission mean", False),
        ("en", "is she ok", False),
        ("en", "someday", False),
        ("en", "next week sometime", True),
        ("en", "around noon", True),
        ("en", "the 12th", True),
        ("es", "qué significa remisión", False),
        ("es", "cuándo es la cita", False),
        ("es", "el martes que viene", True),
        ("es", "por la tarde", True),
    ],
)
def test_names_a_date_tells_a_try_at_a_date_from_other_text(language: str, text: str, named: bool) -> None:
    words = load_profiles(ROOT / "content")[language].dates
    assert names_a_date(text, words) is named
    assert names_a_date(text, None) is any(ch.isdigit() for ch in text)
