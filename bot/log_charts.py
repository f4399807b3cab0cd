"""Charts of the family's log: temperatures over the last days (the family's fever number as
a dashed line, one marker per way of measuring) and a symptom timeline (one row per symptom,
a mark per entry, its size by severity). Points in, a PNG out; pure; drawn on the heavy-work
pool. Nothing read into the values: no colours meaning good or bad, no ranges.

Matplotlib's object API on the Agg canvas, as bot.charts does."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

WIDTH, HEIGHT, DPI = 800, 480, 100
INK = "#1f3a5f"
RULE = "#8a8a8a"
MARKERS = {"mouth": "o", "armpit": "s", "ear": "^", "other": "D"}
SIZES = {"mild": 40, "moderate": 90, "severe": 160}


@dataclass(frozen=True)
class TempPoint:
    at: float  # UTC seconds
    celsius: float
    site: str


@dataclass(frozen=True)
class SymptomPoint:
    at: float
    row: str  # the symptom's label, in the family's language
    severity: str


@dataclass(frozen=True)
class Words:
    title: str
    note: str  # "Entered by your family."
    rule: str = ""  # the fever number's legend
    sites: tuple[tuple[str, str], ...] = ()  # (site id, label) for the legend


def _figure(height: int = HEIGHT) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


def _finish(fig: Any, ax: Any, words: Words, tz: tzinfo, start: float, end: float) -> bytes:
    import matplotlib.dates as mdates

    dates: Any = mdates
    ax.set_xlim(datetime.fromtimestamp(start, tz), datetime.fromtimestamp(end, tz))
    ax.xaxis.set_major_locator(dates.DayLocator(tz=tz))
    ax.xaxis.set_major_formatter(dates.DateFormatter("%d/%m", tz=tz))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.suptitle(words.title, fontsize=14, fontweight="bold", parse_math=False)
    fig.supxlabel(words.note, fontsize=9, color="#444444", parse_math=False)
    fig.subplots_adjust(left=0.2, right=0.97, top=0.88, bottom=0.17)
    out = io.BytesIO()
    try:
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        fig.clear()
    return out.getvalue()


def temperatures(
    points: Sequence[TempPoint], fever_c: float | None, words: Words, tz: tzinfo, start: float, end: float
) -> bytes:
    """Temperatures (°C) over time, a marker per way of measuring, the family's fever number
    as a dashed line when they saved one."""
    if not points:
        raise ValueError("nothing to draw")
    fig, ax = _figure()
    ordered = sorted(points, key=lambda p: p.at)
    ax.plot(
        [datetime.fromtimestamp(p.at, tz) for p in ordered], [p.celsius for p in ordered], color=INK, lw=1
    )
    labels = dict(words.sites)
    for site, marker in MARKERS.items():
        chosen = [p for p in ordered if p.site == site]
        if chosen:
            ax.scatter(
                [datetime.fromtimestamp(p.at, tz) for p in chosen],
                [p.celsius for p in chosen],
                marker=marker,
                color=INK,
                zorder=3,
                label=labels.get(site, site),
            )
    if fever_c is not None:
        ax.axhline(fever_c, color=RULE, linestyle="--", lw=1, label=words.rule)
    low = min([p.celsius for p in ordered] + ([fever_c] if fever_c else []))
    high = max([p.celsius for p in ordered] + ([fever_c] if fever_c else []))
    ax.set_ylim(low - 0.5, high + 0.5)
    ax.set_ylabel("°C")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return _finish(fig, ax, words, tz, start, end)


def symptoms(points: Sequence[SymptomPoint], words: Words, tz: tzinfo, start: float, end: float) -> bytes:
    """One row per symptom, a mark per entry, bigger for more severe."""
    if not points:
        raise ValueError("nothing to draw")
    rows = sorted({p.row for p in points})
    fig, ax = _figure(max(HEIGHT, 160 + 40 * len(rows)))
    ax.scatter(
        [datetime.fromtimestamp(p.at, tz) for p in points],
        [rows.index(p.row) for p in points],
        s=[SIZES.get(p.severity, 40) for p in points],
        color=INK,
        zorder=3,
    )
    ax.set_yticks(range(len(rows)), rows)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="y", color="#dddddd", lw=0.5)
    return _finish(fig, ax, words, tz, start, end)
