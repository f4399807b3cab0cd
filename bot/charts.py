"""Charts of the blood counts a family typed: points in, a PNG out. Pure (no Telegram, no
storage): called on the heavy-work pool (bot.offload), never on the event loop.

What a chart shows, and what it never shows:

* One chart per count, one panel per unit: entries typed in different units are never
  drawn on one line, and no value is converted from one unit to another. `series` groups
  the points by (count, unit); `draw` returns the panels it drew with the PNG, so a test
  checks what was drawn, not only that a picture came out.
* Each unit is the one typed. Spellings of the very same unit are one panel ("x10^9/L",
  "×10⁹/L" and "10^9/l" are one); anything else is another ("g/dL" and "g/L").
* A value typed as "<0.1" is drawn at 0.1 with a hollow marker pointing down, and the
  legend says the lab wrote it as below that number (">" the same, pointing up).
* One neutral ink for every point and line. No reference lines, no shaded ranges, no
  colours that could read as good or bad, nothing computed (no ANC from a percentage).
* Matplotlib's object API with the Agg canvas (no pyplot, no GUI, no global figure list),
  about 800×500 pixels; the figure is cleared once it is written. Text a family typed is
  drawn as plain text (`parse_math=False`: a "$" in a name is not maths).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

WIDTH = 800  # pixels
HEIGHT = 500  # pixels for one panel
PANEL = 230  # pixels more for each further panel
MAX_PANELS = 4  # units drawn for one count (the most recently used); the rest stay in the text
DPI = 100
INK = "#1f3a5f"  # the one colour of every point and line
LABELLED = 16  # points up to this many in a panel each carry their value as typed
BELOW, ABOVE = "<", ">"


@dataclass(frozen=True)
class Point:
    """One entry as the family typed it."""

    day: date
    number: float  # read from the value ("<0.1" is 0.1)
    value: str  # as typed
    unit: str  # as typed
    name: str = ""
    mark: str = ""  # BELOW when typed "<0.1", ABOVE when typed ">1000", else ""


@dataclass(frozen=True)
class Series:
    """The points of one count in one unit, oldest first; `unit` as most recently typed."""

    name: str
    unit: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Labels:
    """The words drawn, in the family's language."""

    title: str  # the count's name
    note: str  # "Day the blood was taken. Entered by your family; the lab report is the record."
    below: str  # legend of a "<" value
    above: str  # legend of a ">" value
    months: tuple[str, ...]  # twelve short month names for the dates


@dataclass(frozen=True)
class Chart:
    png: bytes
    panels: tuple[Series, ...]  # what was drawn, one per unit


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_POWER = re.compile(r"\^?([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_TIMES = re.compile(r"^[x×X*·](?=\d)")
_LITRE = re.compile(r"/(d|m|u|µ|μ|mc)?[lL]$")
_CUBED = re.compile(r"(mm)(3|³|\^3)$")


def unit_key(unit: str) -> str:
    """The unit with only its spelling folded: spaces, a leading "x" or "×" before a power of
    ten, "⁹" or "^9", a lower-case litre. Never the unit itself: "g/dL" and "g/L" differ,
    and so do "10^9/L" and "10^3/µL" (equal amounts, but not what was typed)."""
    text = "".join(unit.split())
    text = _POWER.sub(lambda m: "^" + m.group(1).translate(_SUPERSCRIPTS), text)
    text = _TIMES.sub("", text)

    def litre(m: re.Match[str]) -> str:
        prefix = m.group(1) or ""
        return "/" + ("µ" if prefix in ("u", "µ", "μ", "mc") else prefix) + "L"

    text = _LITRE.sub(litre, text)
    return _CUBED.sub(r"\1³", text)


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def series(points: Iterable[Point]) -> tuple[Series, ...]:
    """The points grouped by (count, unit), each group oldest first; the groups in the order
    of their latest entry, the most recent first (ties: as given)."""
    groups: dict[tuple[str, str], list[Point]] = {}
    for point in points:
        groups.setdefault((name_key(point.name), unit_key(point.unit)), []).append(point)
    out: list[tuple[int, Series]] = []
    for order, found in enumerate(groups.values()):
        ordered = tuple(sorted(found, key=lambda p: p.day))  # stable: as entered within a day
        latest = max(found, key=lambda p: p.day)
        last = [p for p in found if p.day == latest.day][-1]
        out.append((order, Series(last.name, last.unit, ordered)))
    out.sort(key=lambda item: (-item[1].points[-1].day.toordinal(), item[0]))
    return tuple(s for _, s in out)


def draw(points: Sequence[Point], labels: Labels, start: date, end: date) -> Chart:
    """One count's chart from `start` to `end`: a panel per unit (at most MAX_PANELS, the
    most recently used), as a PNG of WIDTH pixels across."""
    panels = series(points)[:MAX_PANELS]
    if not panels:
        raise ValueError("nothing to draw")
    import matplotlib.dates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    dates: Any = matplotlib.dates  # its date helpers carry no annotations
    date2num, num2date = dates.date2num, dates.num2date
    height = HEIGHT + PANEL * (len(panels) - 1)
    fig = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI)
    fig.subplots_adjust(left=0.12, right=0.97, top=1 - 60 / height, bottom=70 / height, hspace=0.25)
    FigureCanvasAgg(fig)
    try:
        grid = fig.subplots(len(panels), 1, sharex=True, squeeze=False)
        months = labels.months

        def day_label(x: float, _pos: Any) -> str:
            d = num2date(x)
            return f"{d.day} {months[d.month - 1]}" if len(months) == 12 else d.strftime("%Y-%m-%d")

        for row, panel in zip(grid, panels, strict=True):
            _panel(row[0], panel, labels, date2num)
            row[0].set_xlim(date2num(start) - 1, date2num(end) + 1)
            row[0].xaxis.set_major_locator(dates.AutoDateLocator(minticks=3, maxticks=8))
            row[0].xaxis.set_major_formatter(FuncFormatter(day_label))
        fig.suptitle(labels.title, fontsize=14, fontweight="bold", parse_math=False)
        fig.supxlabel(labels.note, fontsize=9, color="#444444", parse_math=False)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
        return Chart(out.getvalue(), panels)
    finally:
        fig.clear()


def warm_up() -> None:
    """Draw a throw-away chart: matplotlib's modules and fonts are loaded after it."""
    day = date(2000, 1, 3)
    draw([Point(day, 1.0, "1", "u")], Labels("", "", "", "", ()), day, day)


def _panel(ax: Any, panel: Series, labels: Labels, date2num: Any) -> None:
    """One unit's line: the values as typed beside their points, a hollow triangle for a
    value the lab wrote as below ("<") or above (">") a number."""
    xs = [date2num(p.day) for p in panel.points]
    ys = [p.number for p in panel.points]
    ax.plot(xs, ys, color=INK, linewidth=1.5)
    for mark, marker, legend in (("", "o", None), (BELOW, "v", labels.below), (ABOVE, "^", labels.above)):
        chosen = [(x, p.number) for x, p in zip(xs, panel.points, strict=True) if p.mark == mark]
        if not chosen:
            continue
        ax.plot(
            [x for x, _ in chosen],
            [y for _, y in chosen],
            linestyle="none",
            marker=marker,
            markersize=7 if mark else 5,
            color=INK,
            markerfacecolor="white" if mark else INK,
            label=legend,
        )
    if len(panel.points) <= LABELLED:
        for x, p in zip(xs, panel.points, strict=True):
            ax.annotate(
                p.value,
                (x, p.number),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
                color=INK,
                parse_math=False,
            )
    if any(p.mark for p in panel.points):
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_ylabel(panel.unit, parse_math=False)
    top = max(ys)
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
