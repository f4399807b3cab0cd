"""The blood counts' button types (prefixes bc to bk, fixed: buttons already in chats keep
working). Data never carries a name or a unit as typed: a name or a unit travels as a short
check of it (rules.code_of, rules.unit_code), found again among the family's own; a value
as typed travels in an id field ("<0.1" as "l0p1", rules.value_data), read again when
tapped."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import CallbackData


@dataclass(frozen=True)
class ShowCounts(CallbackData, prefix="bc"):
    """The blood counts screen. Other features link here: keep it without fields."""


@dataclass(frozen=True)
class AddCount(CallbackData, prefix="bd"):
    """Add a lab result: the day the blood was taken first (Today, Yesterday, or typed)."""


@dataclass(frozen=True)
class ChartCount(CallbackData, prefix="be"):
    """Send the chart of one count (its name's code) over the last three months."""

    name: int


@dataclass(frozen=True)
class PickCountDay(CallbackData, prefix="bf"):
    """The day the blood was taken (20261201); then which count."""

    day: int


@dataclass(frozen=True)
class PickCountName(CallbackData, prefix="bg"):
    """A count tapped for that day; then its value is typed."""

    day: int
    name: int


@dataclass(frozen=True)
class PickUnit(CallbackData, prefix="bh"):
    """A unit the family used before, tapped for a value typed without one: saves it."""

    day: int
    name: int
    value: str
    unit: int


@dataclass(frozen=True)
class ListEntries(CallbackData, prefix="bi"):
    """Every entry, newest first, a page at a time."""

    page: int = 0


@dataclass(frozen=True)
class OpenEntry(CallbackData, prefix="bj"):
    """One entry (act 0), asked to delete it (1), deleted (2)."""

    id: int
    act: int = 0


@dataclass(frozen=True)
class Pending(CallbackData, prefix="bk"):
    """A value waiting for its unit: the unit prompt's origin, carrying the day, the count and
    the value; tapped (Cancel on that prompt), it goes back to the counts."""

    day: int
    name: int
    value: str
