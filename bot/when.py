"""Dates and times as parents type them ("tomorrow 9", "el martes a las 3 de la tarde",
"11/1", "half past 9"), read into aware datetimes in the family's zone, or a reason why not.

Pure: no Telegram, no storage, no handlers. The words belong to the language, not to this
module: each language's profile gives them (`dates:` in content/<lang>/language.yaml, read
into `DateWords` by bot/content.py); without them only numbers are read ("2027-01-11 09:30",
"11/1 21h").

    read(text, now, prefer="future"|"past", need="datetime"|"time"|"date", day_first=None,
         words=profile.dates, limit_years=2) -> Outcome
    echo(moment, words) -> "Tue 12 Jan 2027, 09:30"  (shown back, "- right?", before saving)

An Outcome holds every reading, earliest first (one: sure; two or more: the caller asks
which), or a `problem` key (PROBLEMS) the caller turns into a calm sentence.

Decisions, and why:

* Our own grammar, not dateparser. dateparser 1.5 (languages en+es, RELATIVE_BASE and
  PREFER_DATES_FROM set) was run over the 160 rows of tests/test_when.py: of the 113 rows
  with one expected reading it gave it for 58 (51%; this grammar: 113); it cannot say that
  "tomorrow 9" or "3/4" reads two ways (16 rows), and it returned a date for 12 of the 31
  texts that must be refused. It fills in the current minutes ("tonight at 9" at 10:20 is
  10:20), reads "21h" as "in 21 hours", and returns nothing for "a las 3 de la tarde",
  "anoche a las 11", "pasado mañana a las 10 de la mañana", "quarter past 9 pm". Its first
  use costs about 215 ms (30 ms import, 185 ms first parse), then 0.6 ms a parse (p99
  2 ms); this grammar is ready in about 7 ms and reads a text in 0.1 ms (p99 0.2 ms;
  scripts/bench_when.py). The forms parents type are a closed set, so a small grammar over
  the language's word lists reads all of them the same way every time, and refuses the rest
  with a reason instead of a guess. bot.when imports only the standard library.
* A bare hour from 1 to 11 ("9", "a las 9", "9:30", "half past 9") with no am/pm, no part
  of the day ("de la tarde", "tonight") and no 24-hour form (a leading zero "09:30", "21h")
  has TWO readings, 09:00 and 21:00, and the caller asks. A medicine time twelve hours off
  does harm, and the echo alone relies on a tired parent noticing "09:00" in a sentence; a
  tap costs little. 0, 12 (noon) and 13-23 are one reading. Minutes are never filled in
  from the clock: "tomorrow 9" is 09:00 (or 21:00), never 09:20.
* A night ("tonight", "last night", "de la noche") runs past midnight: an hour before 6 said
  of a named night is on the next calendar day ("last night at 2" is today 02:00), and
  "midnight" with a named day is the midnight that ends that day. "12am" is 00:00 of the
  named day (the clock time, not the word).
* Direction: `prefer="future"` (appointments, medicine) or `"past"` (a symptom log) picks
  what the text leaves open: the day of a bare time, the week of a weekday, the year of a
  date without one, the month of "the 12th". A text that names its day outright ("today",
  "yesterday", "next tuesday", "in 3 days", a date with its year) is taken as said and, when
  it points the other way, refused: "past" (for the future) or "future" (for the past).
* A reading that cannot be (in the wrong direction, too far) is dropped when another one
  remains: "today 9" typed at 10:20 for an appointment is 21:00. The echo still shows it.
* Numeric dates: "11/1" whose two parts are both 12 or less and differ always has two
  readings (11 January, 1 November), whatever the country; `day_first` (day_first_for) only
  marks which of them the family's country would mean (`Outcome.usual`), so the caller can
  show that one first. A part over 12 can only be the day, in any country.
* Daylight saving: a time in the spring-forward gap does not exist; the outcome is the
  problem "gap" with no readings (nothing is shifted). A time in the autumn overlap happens
  twice: both readings (fold 0, then fold 1, an hour apart), and echo() adds the UTC offset
  so the two buttons differ. Any reading in a gap makes the outcome "gap", even if another
  reading exists, so the parent hears that the clock changes that night.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Literal

Prefer = Literal["future", "past"]
Need = Literal["datetime", "time", "date"]

# Problems, the keys the caller turns into sentences.
NOT_UNDERSTOOD = "not_understood"  # "someday", "asdf"
NO_SUCH_DATE = "no_such_date"  # "31 Feb", "13/13"
NO_SUCH_TIME = "no_such_time"  # "25:00", "13am"
NO_TIME = "no_time"  # a time is needed and none was typed ("tomorrow")
NO_DATE = "no_date"  # a date is needed and none was typed ("9am")
PAST = "past"  # an explicit past day when the future is wanted
FUTURE = "future"  # an explicit future day for a log of the past
TOO_FAR = "too_far"  # more than `limit_years` ahead or behind
GAP = "gap"  # a local time the clocks skip (spring forward)
WEEKDAY = "weekday"  # "Tuesday 13 Jan 2027", and 13 Jan 2027 is a Wednesday
PROBLEMS = (NOT_UNDERSTOOD, NO_SUCH_DATE, NO_SUCH_TIME, NO_TIME, NO_DATE, PAST, FUTURE, TOO_FAR, GAP, WEEKDAY)

LIMIT_YEARS = 2  # how far ahead or behind a reading may be, by default
NIGHT_ENDS = 6  # an hour before this, said of a named night, is after its midnight
YEAR_SEARCH = 8  # years searched for a date without its year (29 Feb: every 4 to 8)
MONTH_SEARCH = 12  # months searched for "the 31st"
CENTURY = 2000  # "11.01.27" is 2027
DAY = 24 * 60  # minutes
MARGIN = timedelta(days=2)  # a named day's time may fall on the day after (or before) it

# Countries that write the month first ("1/11" is 11 January): the United States and the
# places that follow its usage, and those that write the year first (then month, day).
MONTH_FIRST = frozenset(
    {
        "US",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
        "UM",
        "FM",
        "MH",
        "PW",
        "PH",
        "CN",
        "JP",
        "KR",
        "TW",
        "HU",
        "MN",
        "LT",
    }
)
# Countries where both orders are in everyday use.
EITHER_ORDER = frozenset({"CA"})


def day_first_for(country_code: str | None) -> bool | None:
    """Does this country write the day before the month? None when unknown or mixed."""
    if not country_code:
        return None
    code = country_code.upper()
    if code in EITHER_ORDER:
        return None
    return code not in MONTH_FIRST


# ---- the words: data from the language's profile ------------------------------------------
# How each DateWords field is written in language.yaml (bot/content.py checks the shape).
PHRASES = "phrases"  # a list of words or phrases
TEMPLATES = "templates"  # a list of phrases with a slot: "in {n} days", "{hour} y media"
NAMES = "names"  # one entry per item (a word or a list of words): weekdays, months
SHOWN = "shown"  # one word per item, space-separated: how the echo writes them
FORMAT = "format"  # a str.format pattern


def _words(shape: str, *, count: int = 0, slot: str = "", required: bool = False) -> Any:
    return field(default=(), metadata={"shape": shape, "count": count, "slot": slot, "required": required})


def _format(default: str, *allowed: str) -> Any:
    return field(default=default, metadata={"shape": FORMAT, "allowed": allowed, "required": False})


@dataclass(frozen=True)
class DateWords:
    """The words a language reads dates and times with, and writes them back with. Matched
    whatever the case and accents ("Mañana", "manana"). docs/CONTENT.md describes each."""

    weekdays: tuple[tuple[str, ...], ...] = _words(NAMES, count=7, required=True)
    months: tuple[tuple[str, ...], ...] = _words(NAMES, count=12, required=True)
    echo_weekdays: tuple[str, ...] = _words(SHOWN, count=7, required=True)
    echo_months: tuple[str, ...] = _words(SHOWN, count=12, required=True)
    echo_date: str = _format("{weekday} {day} {month} {year}", "weekday", "day", "month", "year")
    echo_time: str = _format("{date}, {time}", "date", "time")
    numbers: tuple[tuple[str, ...], ...] = _words(NAMES)  # one, two... (from 1)
    today: tuple[str, ...] = _words(PHRASES)
    tomorrow: tuple[str, ...] = _words(PHRASES)
    day_after_tomorrow: tuple[str, ...] = _words(PHRASES)
    yesterday: tuple[str, ...] = _words(PHRASES)
    day_before_yesterday: tuple[str, ...] = _words(PHRASES)
    tonight: tuple[str, ...] = _words(PHRASES)
    last_night: tuple[str, ...] = _words(PHRASES)
    this_morning: tuple[str, ...] = _words(PHRASES)
    this_afternoon: tuple[str, ...] = _words(PHRASES)
    next: tuple[str, ...] = _words(PHRASES)  # beside a weekday: the coming one
    last: tuple[str, ...] = _words(PHRASES)  # beside a weekday: the one gone by
    this: tuple[str, ...] = _words(PHRASES)  # beside a weekday: this week's (today counts)
    in_days: tuple[str, ...] = _words(TEMPLATES, slot="{n}")
    in_weeks: tuple[str, ...] = _words(TEMPLATES, slot="{n}")
    days_ago: tuple[str, ...] = _words(TEMPLATES, slot="{n}")
    weeks_ago: tuple[str, ...] = _words(TEMPLATES, slot="{n}")
    am: tuple[str, ...] = _words(PHRASES)
    pm: tuple[str, ...] = _words(PHRASES)
    night: tuple[str, ...] = _words(PHRASES)
    noon: tuple[str, ...] = _words(PHRASES)
    midnight: tuple[str, ...] = _words(PHRASES)
    half_past: tuple[str, ...] = _words(TEMPLATES, slot="{hour}")
    quarter_past: tuple[str, ...] = _words(TEMPLATES, slot="{hour}")
    quarter_to: tuple[str, ...] = _words(TEMPLATES, slot="{hour}")
    at: tuple[str, ...] = _words(PHRASES)  # before a time: its number is an hour
    the_day: tuple[str, ...] = _words(PHRASES)  # before a number: it is a day of the month
    filler: tuple[str, ...] = _words(PHRASES)  # words that say nothing here
    ordinals: tuple[str, ...] = _words(PHRASES)  # after a day's number: "11th", "1º"


# The meaning of each key, as (kind, value); the words are the language's.
_AM, _PM, _NIGHT = "am", "pm", "night"
_DAYS = {
    "today": (0, ""),
    "tomorrow": (1, ""),
    "day_after_tomorrow": (2, ""),
    "yesterday": (-1, ""),
    "day_before_yesterday": (-2, ""),
    "tonight": (0, _NIGHT),
    "last_night": (-1, _NIGHT),
    "this_morning": (0, _AM),
    "this_afternoon": (0, _PM),
}
_SHIFTS = {"in_days": 1, "in_weeks": 7, "days_ago": -1, "weeks_ago": -7}
_MINUTES = {"half_past": 30, "quarter_past": 15, "quarter_to": -15}
_PARTS = {"am": _AM, "pm": _PM, "night": _NIGHT}


def check_words(words: DateWords) -> tuple[str, str] | None:
    """(key, rule broken) for words that cannot work, or None: a template without its slot,
    an echo pattern with an unknown field, a phrase that means two things."""
    for each in fields(DateWords):
        value = getattr(words, each.name)
        if each.metadata["shape"] == TEMPLATES:
            slot = each.metadata["slot"]
            for template in value:
                if (
                    template.count("{") != template.count(slot)
                    or template.count(slot) > 1
                    or (slot == "{hour}" and slot not in template)
                ):
                    need = "once" if slot == "{hour}" else "at most once"
                    return each.name, f"{template!r} must hold {slot} {need} and no other field"
        elif each.metadata["shape"] == FORMAT:
            try:
                named = {name for _, name, _, _ in string.Formatter().parse(value) if name}
            except ValueError as exc:
                return each.name, f"bad {{field}}: {exc}"
            unknown = named - set(each.metadata["allowed"])
            if unknown:
                return each.name, (
                    f"{sorted(unknown)[0]!r} is not one of {', '.join(each.metadata['allowed'])}"
                )
    meaning: dict[str, str] = {}
    for key, phrase in _every_phrase(words):
        folded = fold(phrase)
        if not folded:
            return key, f"{phrase!r} has no letters or digits left to match"
        if meaning.setdefault(folded, key) != key:
            return key, f"{phrase!r} also means {meaning[folded]}: a word must mean one thing"
    return None


def _every_phrase(words: DateWords) -> Iterator[tuple[str, str]]:
    """(key, phrase) for every word that is read (not the echo's), items named by number."""
    for each in fields(DateWords):
        shape = each.metadata["shape"]
        value = getattr(words, each.name)
        if shape == NAMES:
            for index, names in enumerate(value):
                yield from ((f"{each.name}[{index}]", name) for name in names)
        elif shape in (PHRASES, TEMPLATES) and each.name != "ordinals":
            yield from ((each.name, phrase) for phrase in value)


# ---- reading ---------------------------------------------------------------------------------
_DROP = re.compile(r"[,;!?¿¡()\[\]\"“”«»–—]")
_DOT_AFTER_LETTER = re.compile(r"(?<=[^\W\d_])\.")  # "a.m." -> "am", "jan." -> "jan"
_LONE_DOT = re.compile(r"\.(?!\d)|(?<!\d)\.")  # "at 9." -> "at 9", keeps "21.30"
_SPACES = re.compile(r"\s+")
_NOT_LETTER_NEXT = r"(?![^\W\d_])"


def fold(text: str) -> str:
    """The text as it is matched: lower case, no accents, no dots in words, single spaces.
    The words from the profile are folded the same way."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("’", "'")
    text = _LONE_DOT.sub(" ", _DOT_AFTER_LETTER.sub("", _DROP.sub(" ", text)))
    return _SPACES.sub(" ", text).strip()


# Token kinds.
_DAY, _WEEKDAY, _MONTH, _NEXT, _LAST, _THIS = "day", "weekday", "month", "next", "last", "this"
_SHIFT, _PART, _NOON, _MIDNIGHT, _AT, _THE_DAY = "shift", "part", "noon", "midnight", "at", "the_day"
_FILLER, _NUM, _ORDINAL, _CLOCK, _HM, _YMD, _NUMERIC = (
    "filler",
    "num",
    "ordinal",
    "clock",
    "hm",
    "ymd",
    "numeric",
)
_MODES = (_NEXT, _LAST, _THIS)
_TIMES = (_CLOCK, _HM, _NOON, _MIDNIGHT)


@dataclass(frozen=True)
class _Token:
    kind: str
    a: int = 0  # the number: days, weekday, month, hour, day of the month, year
    b: int = 0  # minutes; a numeric date's second part; an ISO date's month
    c: int = 0  # an ISO or numeric date's day or year (0: none typed)
    part: str = ""  # am, pm, night
    fixed: bool = False  # a 24-hour form: "09:30", "21h"
    digits: int = 0  # how many digits a number was typed with (0: a word)


_YMD_FORM = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")  # 2027-01-11
_NUMERIC_FORM = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")  # 11/1/2027
_SHORT_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})(?![\d/])")  # 11/1
_CLOCK_FORM = re.compile(r"(\d{1,2})[:.](\d{2})(?!\d)")  # 21:30, 9.30
_H_FORM = re.compile(r"(\d{1,2}) ?h(?:s|rs)?(\d{2})?" + _NOT_LETTER_NEXT)  # 21h, 21 h, 21h30
_NUMBER = re.compile(r"\d{1,4}(?!\d)")


def _ymd(m: re.Match[str]) -> _Token:
    return _Token(_YMD, int(m[1]), int(m[3]), int(m[4]))


def _numeric(m: re.Match[str]) -> _Token:
    year = int(m[4]) if len(m[4]) == 4 else CENTURY + int(m[4])
    return _Token(_NUMERIC, int(m[1]), int(m[3]), year)


def _short_numeric(m: re.Match[str]) -> _Token:
    return _Token(_NUMERIC, int(m[1]), int(m[2]))


def _clock(m: re.Match[str]) -> _Token:
    return _Token(_CLOCK, int(m[1]), int(m[2]), fixed=m[1].startswith("0"))


def _h_clock(m: re.Match[str]) -> _Token:
    return _Token(_CLOCK, int(m[1]), int(m[2] or 0), fixed=True)


def _number(m: re.Match[str]) -> _Token:
    return _Token(_NUM, int(m[0]), digits=len(m[0]))


_FIXED_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], _Token]], ...] = (
    (_YMD_FORM, _ymd),
    (_NUMERIC_FORM, _numeric),
    (_SHORT_NUMERIC, _short_numeric),
    (_CLOCK_FORM, _clock),
    (_H_FORM, _h_clock),
    (_NUMBER, _number),
)


@dataclass(frozen=True)
class _Date:
    """A date as said, before `now` is known."""

    kind: str  # "offset" (a), "calendar" (day a, month b, year c or 0), "numeric" (a/b, year
    a: int  #   c or 0), "dom" (day a of a month not said)
    b: int = 0
    c: int = 0


@dataclass(frozen=True)
class _Said:
    date: _Date | None
    weekday: int | None
    mode: str  # "", next, last, this: the weekday's
    day_part: str  # from "tonight", "this morning"
    meridiem: str  # from "pm", "de la tarde", "at night"
    time: _Token | None


class _Grammar:
    """A language's words compiled: a lexer of phrases and numbers, then a reader of what
    the tokens say."""

    def __init__(self, words: DateWords | None):
        words = words or DateWords()
        self._phrases: dict[str, _Token] = {}
        for key, (offset, part) in _DAYS.items():
            self._add(getattr(words, key), _Token(_DAY, offset, part=part))
        for index, names in enumerate(words.weekdays):
            self._add(names, _Token(_WEEKDAY, index))
        for index, names in enumerate(words.months, start=1):
            self._add(names, _Token(_MONTH, index))
        for index, names in enumerate(words.numbers, start=1):
            self._add(names, _Token(_NUM, index))
        for kind in _MODES:
            self._add(getattr(words, kind), _Token(kind))
        for key, part in _PARTS.items():
            self._add(getattr(words, key), _Token(_PART, part=part))
        for kind in (_NOON, _MIDNIGHT, _AT, _THE_DAY, _FILLER):
            self._add(getattr(words, kind), _Token(kind))
        self._numbers = {fold(n): i for i, names in enumerate(words.numbers, start=1) for n in names}
        # A number in a slot: digits (a letter may follow: "half past 9pm"), or a word.
        number_words = "".join(f"|{re.escape(n)}{_NOT_LETTER_NEXT}" for n in _longest_first(self._numbers))
        self._forms: list[tuple[re.Pattern[str], Callable[[re.Match[str]], _Token]]] = []
        if self._phrases:
            alternatives = "|".join(re.escape(p) for p in _longest_first(self._phrases))
            self._forms.append(
                (re.compile(f"(?:{alternatives}){_NOT_LETTER_NEXT}"), lambda m: self._phrases[m[0]])
            )
        if words.ordinals:
            suffixes = "|".join(re.escape(fold(o)) for o in _longest_first(words.ordinals))
            self._forms.append(
                (
                    re.compile(rf"(\d{{1,2}})(?:{suffixes}){_NOT_LETTER_NEXT}"),
                    lambda m: _Token(_ORDINAL, int(m[1]), digits=len(m[1])),
                )
            )
        slots = {"{n}": rf"(\d{{1,3}}{number_words})", "{hour}": rf"(\d{{1,2}}{number_words})"}
        for key, unit in _SHIFTS.items():
            for template in getattr(words, key):
                self._template(template, slots, _Token(_SHIFT, unit))
        for key, minutes in _MINUTES.items():
            for template in getattr(words, key):
                self._template(template, slots, _Token(_HM, 1, minutes))
        self._forms.extend(_FIXED_FORMS)

    def _add(self, phrases: tuple[str, ...], token: _Token) -> None:
        for phrase in phrases:
            self._phrases[fold(phrase)] = token

    def _template(self, template: str, slots: dict[str, str], unit: _Token) -> None:
        """A phrase with a number in it: the token for n is `unit` with its `a` times n
        (days for "in {n} days", the hour for "half past {hour}"); no slot: n is 1."""
        folded = fold(template)
        slot = next((s for s in slots if s in folded), None)
        before, after = folded.split(slot) if slot else (folded, "")
        number = slots[slot] if slot else "()"
        pattern = re.compile(
            re.escape(before) + number + re.escape(after) + (_NOT_LETTER_NEXT if after or not slot else "")
        )

        def make(m: re.Match[str]) -> _Token:
            n = 1 if not m[1] else int(m[1]) if m[1].isdigit() else self._numbers[m[1]]
            return replace(unit, a=unit.a * n)

        self._forms.append((pattern, make))

    def lex(self, text: str) -> list[_Token] | None:
        """The tokens of folded text, each the longest form matching where it starts (the
        first listed on a tie); None if some part matches nothing."""
        tokens: list[_Token] = []
        at = 0
        while at < len(text):
            if text[at] == " ":
                at += 1
                continue
            best: tuple[re.Match[str], Callable[[re.Match[str]], _Token]] | None = None
            for pattern, make in self._forms:
                found = pattern.match(text, at)
                if found and (best is None or found.end() > best[0].end()):
                    best = (found, make)
            if best is None:
                return None
            tokens.append(best[1](best[0]))
            at = best[0].end()
        return tokens

    def understand(self, text: str) -> _Said | str:
        """What the text says (a date, a weekday, a part of the day, a time), or a problem.
        A bare number is a day beside a month ("11 Jan", "Jan 11") or after "the"/"el",
        a year of four digits right after a date, and otherwise an hour."""
        lexed = self.lex(fold(text))
        if not lexed:
            return NOT_UNDERSTOOD
        toks = [t for t in lexed if t.kind != _FILLER]
        role = [""] * len(toks)  # used, dom (a day of the month), hour

        def kind(i: int) -> str:
            return toks[i].kind if 0 <= i < len(toks) else ""

        def free_day(i: int) -> bool:
            return kind(i) in (_NUM, _ORDINAL) and not role[i] and toks[i].digits in (1, 2)

        dates: list[_Date] = []
        for i, t in enumerate(toks):
            if t.kind == _NUM and t.a == 12 and kind(i + 1) in (_NOON, _MIDNIGHT):
                role[i] = "used"  # "12 noon"
        for i, t in enumerate(toks):
            if t.kind == _MONTH:
                day = next((j for j in (i - 1, i + 1) if free_day(j)), None)
                if day is None:
                    return NOT_UNDERSTOOD
                year_at = max(i, day) + 1
                year = toks[year_at].a if kind(year_at) == _NUM and toks[year_at].digits == 4 else 0
                role[i] = role[day] = "used"
                if year:
                    role[year_at] = "used"
                dates.append(_Date("calendar", toks[day].a, t.a, year))
            elif t.kind == _YMD:
                dates.append(_Date("calendar", t.c, t.b, t.a))
            elif t.kind == _NUMERIC:
                dates.append(_Date("numeric", t.a, t.b, t.c))
            elif t.kind in (_DAY, _SHIFT):
                dates.append(_Date("offset", t.a))
        for i, t in enumerate(toks):
            if (t.kind == _THE_DAY and free_day(i + 1)) or (t.kind == _ORDINAL and not role[i]):
                role[i + 1 if t.kind == _THE_DAY else i] = "dom"
            elif t.kind == _AT and kind(i + 1) == _NUM and not role[i + 1]:
                role[i + 1] = "hour"
            elif t.kind == _NUM and not role[i] and kind(i + 1) == _PART:
                role[i] = "hour"
        left = [i for i, t in enumerate(toks) if t.kind == _NUM and not role[i]]
        timed = any(r == "hour" for r in role) or any(t.kind in _TIMES for t in toks)
        if len(left) > 1 or any(toks[i].digits > 2 for i in left):
            return NOT_UNDERSTOOD
        if left:
            has_dom = "dom" in role or any(d.kind != "offset" for d in dates)
            if timed and has_dom:
                return NOT_UNDERSTOOD
            role[left[0]] = "dom" if timed else "hour"
        dates += [_Date("dom", toks[i].a) for i, r in enumerate(role) if r == "dom"]
        times = [t for i, t in enumerate(toks) if t.kind in _TIMES or role[i] == "hour"]

        weekdays = [i for i, t in enumerate(toks) if t.kind == _WEEKDAY]
        modes = [i for i, t in enumerate(toks) if t.kind in _MODES]
        mode = ""
        if modes:
            if len(modes) > 1 or len(weekdays) != 1 or abs(modes[0] - weekdays[0]) != 1:
                return NOT_UNDERSTOOD
            mode = toks[modes[0]].kind
        day_parts = {t.part for t in toks if t.kind == _DAY and t.part}
        meridiems = {t.part for t in toks if t.kind == _PART}
        if len(dates) > 1 or len(weekdays) > 1 or len(times) > 1 or len(meridiems) > 1:
            return NOT_UNDERSTOOD
        if not (dates or weekdays or times):
            return NOT_UNDERSTOOD
        return _Said(
            date=dates[0] if dates else None,
            weekday=toks[weekdays[0]].a if weekdays else None,
            mode=mode,
            day_part=next(iter(day_parts), ""),
            meridiem=next(iter(meridiems), ""),
            time=times[0] if times else None,
        )


def _longest_first(phrases: Any) -> list[str]:
    return sorted(phrases, key=lambda p: (-len(p), p))


@lru_cache(maxsize=16)
def _grammar(words: DateWords | None) -> _Grammar:
    return _Grammar(words)


# Words that only join others ("at", "the", "de"): naming one is not naming a date.
_JOINING = ("at", "the_day", "filler")


@lru_cache(maxsize=16)
def _date_phrases(words: DateWords | None) -> tuple[str, ...]:
    if words is None:
        return ()
    return tuple(
        f" {fold(phrase)} "
        for key, phrase in _every_phrase(words)
        if key not in _JOINING and "{" not in phrase
    )


def names_a_date(text: str, words: DateWords | None = None) -> bool:
    """Whether the text has a digit or one of the language's date and time words or phrases
    in it ("tomorrow", "tuesday", "noon", "que viene"): a text with neither is no attempt at
    a date ("what does remission mean"), which a screen that merely offers typing passes on."""
    if any(ch.isdigit() for ch in text):
        return True
    folded = f" {fold(text)} "
    return any(phrase in folded for phrase in _date_phrases(words))


# ---- from what was said to moments -----------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """Every reading, earliest first (aware, in the zone of `now`), or the problem."""

    readings: tuple[datetime, ...] = ()
    problem: str | None = None
    # Of two readings of a numeric date ("11/1"), those the family's country's order gives
    # (day_first): the caller may show them first. Empty when the order is not known.
    usual: tuple[datetime, ...] = ()

    @property
    def sure(self) -> datetime | None:
        """The reading, when there is exactly one."""
        return self.readings[0] if len(self.readings) == 1 else None


@dataclass(frozen=True)
class _Day:
    day: date
    usual: bool = False  # the reading the country's order gives, of two numeric readings


def _exists(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _in_direction(d: date, today: date, prefer: Prefer) -> bool:
    return d >= today if prefer == "future" else d <= today


def _calendar(day: int, month: int, year: int, today: date, prefer: Prefer) -> date | None:
    """The date; without a year, the next (or last) such date, today included."""
    if year:
        return _exists(year, month, day)
    step = 1 if prefer == "future" else -1
    for k in range(YEAR_SEARCH):
        found = _exists(today.year + step * k, month, day)
        if found and _in_direction(found, today, prefer):
            return found
    return None


def _day_of_month(day: int, today: date, prefer: Prefer) -> date | None:
    """The next (or last) date with this day of the month, today included."""
    step = 1 if prefer == "future" else -1
    for k in range(MONTH_SEARCH):
        months = today.year * 12 + today.month - 1 + step * k
        found = _exists(months // 12, months % 12 + 1, day)
        if found and _in_direction(found, today, prefer):
            return found
    return None


def _weekday(weekday: int, mode: str, today: date, prefer: Prefer) -> date:
    """A bare weekday is the next (or last) one after (before) today; "this" counts today;
    "next" and "last" point their own way whatever is preferred."""
    ahead = (weekday - today.weekday()) % 7
    behind = (today.weekday() - weekday) % 7
    forward = mode == _NEXT or (mode in ("", _THIS) and prefer == "future")
    if mode == _THIS:
        return today + timedelta(days=ahead) if forward else today - timedelta(days=behind)
    return today + timedelta(days=ahead or 7) if forward else today - timedelta(days=behind or 7)


def _days(said: _Said, today: date, prefer: Prefer, day_first: bool | None) -> list[_Day] | str | None:
    """The dates the text names (None: it names none), or a problem."""
    spec = said.date
    out: list[_Day] = []
    if spec is None:
        if said.weekday is None:
            return None
        return [_Day(_weekday(said.weekday, said.mode, today, prefer))]
    if spec.kind == "offset":
        out = [_Day(today + timedelta(days=spec.a))]
    elif spec.kind == "calendar":
        found = _calendar(spec.a, spec.b, spec.c, today, prefer)
        out = [_Day(found)] if found else []
    elif spec.kind == "dom":
        found = _day_of_month(spec.a, today, prefer)
        out = [_Day(found)] if found else []
    else:  # numeric: day/month, and month/day when both could be a month
        orders = [(spec.a, spec.b, day_first is True), (spec.b, spec.a, day_first is False)]
        for day, month, usual in orders[:1] if spec.a == spec.b else orders:
            found = _calendar(day, month, spec.c, today, prefer)
            if found:
                out.append(_Day(found, usual))
        if len(out) < 2:
            out = [_Day(d.day) for d in out]
    if not out:
        return NO_SUCH_DATE
    if said.weekday is not None:
        out = [d for d in out if d.day.weekday() == said.weekday]
        if not out:
            return WEEKDAY
    return out


def _hours(hour: int, meridiem: str, fixed: bool) -> list[int]:
    """The hours of the day an hour as typed can be ([] if none): see the module's notes.
    A 24-hour hour beside pm or night is still that hour ("13pm" is 13:00); beside am it is
    no hour at all ("13am")."""
    if hour > 23:
        return []
    if meridiem == _AM:
        return [hour % 12] if 1 <= hour <= 12 else []
    if meridiem == _PM:
        return [hour + 12 if hour < 12 else hour] if hour else []
    if meridiem == _NIGHT:
        return [hour % 12 if hour < NIGHT_ENDS or hour == 12 else hour + 12 if hour < 12 else hour]
    return [hour] if fixed or hour == 0 or hour >= 12 else [hour, hour + 12]


def _times(said: _Said, dated: bool) -> list[int] | str | None:
    """Minutes from the start of the day (past 24 h: on the next day) the time can be, None
    if no time was said, or a problem."""
    t = said.time
    if t is None:
        return None
    night = _NIGHT in (said.meridiem, said.day_part)
    if t.kind == _NOON:
        return [12 * 60]
    if t.kind == _MIDNIGHT:
        return [DAY if dated else 0]
    minute, delta = (t.b, 0) if t.kind == _CLOCK else (0, t.b if t.kind == _HM else 0)
    if minute > 59 or (t.kind == _HM and not 1 <= t.a <= 12) or t.digits > 2:
        return NO_SUCH_TIME
    fixed = t.fixed or (t.kind == _NUM and t.digits == 2 and t.a < 10)  # "09"
    hours = _hours(t.a, said.meridiem or said.day_part, fixed)
    if not hours:
        return NO_SUCH_TIME
    return [h * 60 + minute + delta + (DAY if dated and night and h < NIGHT_ENDS else 0) for h in hours]


def _localize(wall: datetime, tz: tzinfo) -> tuple[datetime, ...]:
    """The moments a local wall time names: one; two in the autumn overlap (fold 0 first);
    none in the spring gap."""
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return (first,)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        return ()
    return (first, second)


def _add_years(d: date, years: int) -> date:
    """The same day `years` on (29 Feb: the 28th), kept a year inside what datetime holds."""
    year = min(max(d.year + years, MINYEAR + 1), MAXYEAR - 1)
    return _exists(year, d.month, d.day) or date(year, d.month, 28)


def read(
    text: str,
    now: datetime,
    *,
    prefer: Prefer,
    need: Need = "datetime",
    day_first: bool | None = None,
    words: DateWords | None = None,
    limit_years: int = LIMIT_YEARS,
) -> Outcome:
    """What a parent typed, as moments in the zone of `now` (an aware datetime).

    `need`: "datetime" wants a time, and takes the date if one is typed (else the time's
    next or last occurrence); "time" wants a time and uses only it (a typed date is read,
    then left to the caller: the reading is the time's next or last occurrence); "date"
    wants a date and uses only it (readings at 00:00; a typed time is read, then left).
    Never raises for any text; raises ValueError for a naive `now`."""
    tz = now.tzinfo
    if tz is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime in the family's zone")
    said = _grammar(words).understand(text)
    if isinstance(said, str):
        return Outcome(problem=said)
    today = now.date()
    days = _days(said, today, prefer, day_first)
    if isinstance(days, str):
        return Outcome(problem=days)
    times = _times(said, dated=days is not None and need == "datetime")
    if isinstance(times, str):
        return Outcome(problem=times)
    earliest, latest = _add_years(today, -limit_years), _add_years(today, limit_years)
    if days is not None:  # far beyond the limit: refused before any arithmetic (year 9999)
        days = [d for d in days if earliest - MARGIN <= d.day <= latest + MARGIN]
        if not days:
            return Outcome(problem=TOO_FAR)
    floor = now.replace(second=0, microsecond=0)

    def wrong(moment: datetime) -> str | None:
        """Why a reading cannot be: too far, or against the preferred direction."""
        if not earliest <= moment.date() <= latest:
            return TOO_FAR
        if need == "date":
            before, after = moment.date() < today, moment.date() > today
        else:
            instant = moment.astimezone(UTC)
            before, after = instant < floor, instant > now
        return PAST if prefer == "future" and before else FUTURE if prefer == "past" and after else None

    candidates: list[tuple[datetime, bool]] = []  # (moment, the country's reading)
    in_gap = False
    if need == "date":
        if days is None:
            return Outcome(problem=NO_DATE)
        candidates = [(datetime.combine(d.day, time(), tzinfo=tz), d.usual) for d in days]
    else:
        if times is None:
            return Outcome(problem=NO_TIME)
        walls = (
            [(_nearest(now, minutes, prefer), False) for minutes in times]
            if days is None or need == "time"
            else [
                (datetime.combine(d.day, time()) + timedelta(minutes=m), d.usual) for d in days for m in times
            ]
        )
        for wall, usual in walls:
            moments = _localize(wall, tz)
            # A wall time the clocks skip is a gap only if it would otherwise be a reading.
            in_gap = in_gap or not (moments or wrong(wall.replace(tzinfo=tz)))
            candidates += [(moment, usual) for moment in moments]
    if in_gap:
        return Outcome(problem=GAP)
    problems = [problem for moment, _ in candidates if (problem := wrong(moment))]
    found = {moment.astimezone(UTC): (moment, usual) for moment, usual in candidates if not wrong(moment)}
    if not found:
        return Outcome(problem=min(problems, key=(PAST, FUTURE, TOO_FAR).index))
    ordered = [found[instant] for instant in sorted(found)]
    readings = tuple(moment for moment, _ in ordered)
    country = tuple(moment for moment, usual in ordered if usual)
    return Outcome(readings, usual=country if len(readings) > 1 else ())


def _nearest(now: datetime, minutes: int, prefer: Prefer) -> datetime:
    """The wall time `minutes` after the start of a day, on the nearest day in the preferred
    direction: today if that is still ahead (future) or already gone (past)."""
    wall_now = now.replace(tzinfo=None, second=0, microsecond=0)
    wall = datetime.combine(now.date(), time()) + timedelta(minutes=minutes)
    step = timedelta(days=1)
    while prefer == "future" and wall < wall_now:
        wall += step
    while prefer == "past" and wall > now.replace(tzinfo=None):
        wall -= step
    return wall


# ---- showing back ----------------------------------------------------------------------------
def _offset(moment: datetime) -> str:
    """ "UTC-5", "UTC+10", "UTC+5:30"."""
    offset = moment.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    hours, rest = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def echo(moment: datetime, words: DateWords | None = None, *, with_time: bool = True) -> str:
    """The moment as it is shown back before saving, weekday first: "Tue 12 Jan 2027,
    09:30", "mar 12 ene 2027, 09:30" (the profile's `echo_*` words and patterns). A time the
    clocks show twice that night carries its UTC offset: "01:30 (UTC-5)". Without a
    language's words: "2027-01-12 09:30"."""
    if words is None:
        day_text = moment.strftime("%Y-%m-%d")
    else:
        day_text = words.echo_date.format(
            weekday=words.echo_weekdays[moment.weekday()],
            day=moment.day,
            month=words.echo_months[moment.month - 1],
            year=moment.year,
        )
    if not with_time:
        return day_text
    clock = moment.strftime("%H:%M")
    other = moment.replace(fold=1 - moment.fold)
    if (
        moment.tzinfo is not None
        and other.utcoffset() != moment.utcoffset()
        and _localize(moment.replace(tzinfo=None), moment.tzinfo)
    ):
        clock += f" ({_offset(moment)})"
    return words.echo_time.format(date=day_text, time=clock) if words else f"{day_text} {clock}"
