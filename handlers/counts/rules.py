"""Blood counts: reading what a family types from a lab report, and carrying it on buttons.
Pure functions (text in, values or a problem key out), no Telegram and no storage, tested
directly in tests/test_counts.py.

What is read, and what is refused calmly (the prompt stays open, nothing saved):

* one message may give everything: "wbc 1.2 x10^9/L", "platelets 45 10^9/L",
  "Hb 9,5 g/dl", "neutrophils <0.1 x10^9/L"; or, once a count was tapped, the value and
  unit ("45 ×10⁹/L"); or the value alone (the unit is asked next);
* the value is kept as typed (spaces taken out): "1.2", "1,2" (a decimal comma), "1200",
  "<0.1" (the lab's "below 0.1": drawn at 0.1, marked), ">1000" likewise; the number is
  read from it for the chart only;
* refused: a number that reads two ways ("1,200" and "1.200": a thousand, or one point
  two?), a negative or impossible value (outside 0 to 1,000,000), text with no number,
  two values in one message, a name over 40 characters, a unit over 20 or with no letter
  in it ("/11": a date, not a unit).

Names: the four counts every lab reports are known by their words in every language
(`counts.words.*` in the content: "plt", "plaquetas"), stored by their id ("platelets")
and shown in the reader's language; any other name is kept as typed.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.callbacks import MAX_NUMBER
from bot.charts import ABOVE, BELOW, name_key

LIMIT = 2000  # entries kept per family
MAX_NAME = 40  # characters in a count's name
MAX_UNIT = 20  # characters in a unit
MAX_VALUE = 12  # characters in a value as typed
LARGEST = 1_000_000  # the values taken: 0 to this
SHOWN_DAYS = 92  # the summary and the charts: the last three months
STANDARD = ("wbc", "neutrophils", "hemoglobin", "platelets")  # ids, in the order offered

# Problems, the keys of the lines that say what to type instead (counts.problem.*).
NOT_A_NUMBER = "not_a_number"
TWO_READINGS = "two_readings"
OUT_OF_RANGE = "out_of_range"
ONE_VALUE = "one_value"
NAME_TOO_LONG = "name_too_long"
UNIT_TOO_LONG = "unit_too_long"
UNIT_UNCLEAR = "unit_unclear"

_SIGNS = str.maketrans({"−": "-", "–": "-", "≤": "<", "≥": ">", "＜": "<", "＞": ">"})
# A value: not inside a word or a unit ("CD4", "x10^9", "mm3"), nor a power of ten.
_VALUE = re.compile(
    r"(?<![\w^.,/])(?P<mark>[<>]\s*)?(?P<num>-?\d+(?:[.,]\d+)*)(?![\d^⁰¹²³⁴⁵⁶⁷⁸⁹]|[eE]\d|[.,]\d)"
)
_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:[.,]\d{3})+$")  # "1,200", "1.200", "12,345"
_NAME_END = re.compile(r"[\s:=\-–]+$")


@dataclass(frozen=True)
class Value:
    text: str  # as typed, spaces out: "<0.1", "1,2"
    number: float  # for the chart
    mark: str = ""  # BELOW, ABOVE or ""


@dataclass(frozen=True)
class Typed:
    """What one message gave: a value, and the name and unit when typed with it."""

    value: Value
    name: str | None = None  # as typed (spaces tidied), None when not typed
    unit: str | None = None


def read_value(raw: str) -> Value | str:
    """A value as typed, or the problem with it."""
    text = "".join(raw.translate(_SIGNS).split())
    mark = text[0] if text[:1] in (BELOW, ABOVE) else ""
    digits = text[len(mark) :]
    if not digits or len(text) > MAX_VALUE or not re.fullmatch(r"-?\d+(?:[.,]\d+)*", digits):
        return NOT_A_NUMBER
    separators = re.findall(r"[.,]", digits)
    if len(separators) > 1 or _THOUSANDS.match(digits.lstrip("-")):
        return TWO_READINGS
    number = float(digits.replace(",", "."))
    if number < 0 or number > LARGEST or (mark == BELOW and number == 0):
        return OUT_OF_RANGE
    return Value(text, number, mark)


def read_typed(text: str) -> Typed | str:
    """One message: [name] value [unit], or the problem with it."""
    clean = " ".join(text.translate(_SIGNS).split())
    found = _VALUE.search(clean)
    if found is None:
        return NOT_A_NUMBER
    value = read_value(found.group(0))
    if isinstance(value, str):
        return value
    name = _NAME_END.sub("", clean[: found.start()]).strip()
    unit = clean[found.end() :].strip()
    if unit and _VALUE.search(unit):
        return ONE_VALUE
    if len(name) > MAX_NAME:
        return NAME_TOO_LONG
    if unit:
        problem = unit_problem(unit)
        if problem:
            return problem
    return Typed(value, name or None, unit or None)


def read_unit(text: str) -> str | None:
    """A unit typed on its own, tidied; None when it has no letter (or % sign) in it."""
    unit = " ".join(text.split())
    return None if unit_problem(unit) else unit


def unit_problem(unit: str) -> str | None:
    if len(unit) > MAX_UNIT:
        return UNIT_TOO_LONG
    if not any(ch.isalpha() or ch == "%" for ch in unit):
        return UNIT_UNCLEAR
    return None


# ---- names ----------------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Case, accents and spacing folded: "Plaquetas" is "plaquetas", "Glóbulos" "globulos"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def known_words(lists: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Every language's words for the four counts (a comma-separated list per id), folded,
    each to its id."""
    out: dict[str, str] = {}
    for words in lists:
        for count_id, phrase_list in words.items():
            for phrase in phrase_list.split(","):
                if phrase.strip():
                    out[fold(phrase)] = count_id
    return out


def stored_name(name: str, words: Mapping[str, str]) -> str:
    """What is stored as the name: one of the four's id when the words name it, else the
    name as typed (spaces tidied)."""
    return words.get(fold(name).rstrip(".:"), " ".join(name.split()))


def key_of(name: str) -> str:
    """The name as counts are grouped by it: one of the four's id, or a typed name folded
    for case and spaces ("Lymphocytes" and "lymphocytes" are one)."""
    return name if name in STANDARD else name_key(name)


def code_of(name: str) -> int:
    """A name as a button carries it (never 0, which is "no name yet")."""
    return zlib.crc32(key_of(name).encode()) % (MAX_NUMBER - 1) + 1


def unit_code(unit: str) -> int:
    return zlib.crc32(unit.encode()) % (MAX_NUMBER - 1) + 1


def named(code: int, names: Iterable[str]) -> str | None:
    """The name among `names` (the four, then the family's) a button's code stands for."""
    return next((n for n in (*STANDARD, *names) if code_of(n) == code), None)


# ---- values and days on buttons -----------------------------------------------------------------
_ENCODE = str.maketrans({"<": "l", ">": "g", ".": "p", ",": "c"})
_DECODE = str.maketrans({"l": "<", "g": ">", "p": ".", "c": ","})


def value_data(value: Value) -> str:
    """The value as typed, in a button's id field ("<0.1" -> "l0p1")."""
    return value.text.translate(_ENCODE)


def value_from(data: str) -> Value | None:
    """A value a button carries, read again (the data is untrusted)."""
    found = read_value(data.translate(_DECODE))
    return found if isinstance(found, Value) else None


def day_number(day: date) -> int:
    """A day on a button: 20261201."""
    return day.year * 10000 + day.month * 100 + day.day


def day_from(number: int) -> date | None:
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def day_problem(day: date, today: date) -> str | None:
    """Why a day cannot be the day the blood was taken (a bot.when problem key), or None."""
    if day > today:
        return "future"
    if day < today - timedelta(days=2 * 366):
        return "too_far"
    return None
