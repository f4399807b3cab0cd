"""The blood counts' screens: content and rows in, a `View` (or text) out; no storage, no
Telegram calls. Every screen that shows values says whose they are ("entered by your
family; the lab report is the record") and who can say what they mean (the care team);
none says what a value means."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from bot import render, when
from bot.charts import MAX_PANELS, Labels, Point, Series, series
from bot.content import Content
from bot.render import utf16_len
from bot.storage.interface import Count, Member
from bot.telegram_html import visible_text
from handlers.common import CancelPrompt, Home, View, button
from handlers.counts.buttons import (
    AddCount,
    ChartCount,
    ListEntries,
    OpenEntry,
    PickCountDay,
    PickCountName,
    PickUnit,
    ShowCounts,
)
from handlers.counts.rules import (
    STANDARD,
    Value,
    code_of,
    day_number,
    key_of,
    unit_code,
    value_data,
)
from handlers.family.views import name_of

SUMMARY_VALUES = 12  # values listed on a summary line (the latest; "…" before them)
CAPTION_VALUES = 8  # on a chart's caption
SUMMARY_LINES = 12  # count-and-unit lines on the screen (the rest: "and N more")
OFFERED_NAMES = 4  # the family's own names offered as buttons, beside the four
OFFERED_UNITS = 6
PAGE = 8  # entries on a page
MAX_CAPTION = 1024  # Telegram's limit for a photo's caption (visible characters)


# ---- words --------------------------------------------------------------------------------------
def label(content: Content, name: str) -> str:
    """A count's name as shown, plain (a button's label, the chart's title)."""
    return content.strings(f"counts.names.{name}") if name in STANDARD else name


def shown(content: Content, name: str) -> str:
    """A count's name as shown in HTML (a typed one escaped)."""
    return render.esc(label(content, name))


def day_text(content: Content, day: date) -> str:
    """1 Dec 2026."""
    months = content.strings("dates.month_abbr").split()
    return f"{day.day} {months[day.month - 1]} {day.year}" if len(months) == 12 else day.isoformat()


def echo_day(content: Content, day: date) -> str:
    """Tue 1 Dec 2026: the day shown back while entering, with its weekday."""
    return when.echo(datetime.combine(day, time()), content.profile.dates, with_time=False)


def points_of(counts: Sequence[Count]) -> list[Point]:
    return [
        Point(
            day=date.fromisoformat(c.taken_on),
            number=c.number,
            value=c.value,
            unit=c.unit,
            name=c.name,
            mark=c.value[:1] if c.value[:1] in ("<", ">") else "",
        )
        for c in counts
    ]


def summary_line(content: Content, group: Series, most: int = SUMMARY_VALUES) -> str:
    """ "Platelets (×10⁹/L): 3 entries, 2 Nov 2026 – 1 Dec 2026: 45, 60, 80": the values
    and days as typed, nothing read into them."""
    s = content.strings
    values = [render.esc(p.value) for p in group.points]
    listed = ", ".join(values[-most:])
    if len(values) > most:
        listed = f"…, {listed}"
    name, unit = shown(content, group.name), render.esc(group.unit)
    first, last = group.points[0].day, group.points[-1].day
    if len(values) == 1:
        return s("counts.summary_one", name=name, unit=unit, date=day_text(content, last), values=listed)
    if first == last:
        date_text = day_text(content, last)
        return s("counts.summary_day", name=name, unit=unit, n=len(values), date=date_text, values=listed)
    return s(
        "counts.summary_many",
        name=name,
        unit=unit,
        n=len(values),
        first=day_text(content, first),
        last=day_text(content, last),
        values=listed,
    )


def ordered(groups: Sequence[Series]) -> list[Series]:
    """The four in their usual order, then the family's own names A to Z; within a count,
    the unit used most recently first (as `series` gives them)."""
    place = {name: n for n, name in enumerate(STANDARD)}
    return sorted(
        groups,
        key=lambda g: (place.get(key_of(g.name), len(STANDARD)), key_of(g.name)),
    )


# ---- the screen -------------------------------------------------------------------------------------
def counts_view(content: Content, recent: Sequence[Count], total: int, notice: str | None = None) -> View:
    """The last three months, one line per count and unit, each count's chart, the entries."""
    s = content.strings
    head = [part for part in (notice, s("counts.title"), s("counts.about")) if part]
    groups = ordered(series(points_of(recent)))
    if groups:
        lines = [summary_line(content, g) for g in groups[:SUMMARY_LINES]]
        if len(groups) > SUMMARY_LINES:
            lines.append(s("counts.more_lines", n=len(groups) - SUMMARY_LINES))
        body = "\n".join([s("counts.recent"), *lines])
    else:
        body = s("counts.none_recent" if total else "counts.none")
    rows: list[list[Button]] = [[button(s("counts.add"), AddCount())]]
    names: list[str] = []
    for g in groups:
        if key_of(g.name) not in (key_of(n) for n in names):
            names.append(g.name)
    charts = [button(s("counts.chart", name=label(content, n)), ChartCount(code_of(n))) for n in names]
    rows += [charts[i : i + 2] for i in range(0, min(len(charts), SUMMARY_LINES), 2)]
    if total:
        rows.append([button(s("counts.entries"), ListEntries(0))])
    rows.append([button(s("menu.home"), Home())])
    return View("\n\n".join([*head, body]), Markup(rows))


def chart_caption(content: Content, recent: Sequence[Count]) -> str:
    """What is sent beside a chart: the count's lines (values and days as typed, a line per
    unit) and whose values they are; within Telegram's limit for a caption."""
    s = content.strings
    groups = series(points_of(recent))
    foot = s("counts.about")
    lines = [summary_line(content, g, CAPTION_VALUES) for g in groups]
    if len(lines) > MAX_PANELS:
        lines = [*lines[:MAX_PANELS], s("counts.more_units", n=len(lines) - MAX_PANELS)]
    while True:
        caption = "\n\n".join(["\n".join(lines), foot])
        if utf16_len(visible_text(caption, "HTML")) <= MAX_CAPTION or len(lines) <= 1:
            return caption
        lines = lines[:-1]


def chart_labels(content: Content, name: str) -> Labels:
    s = content.strings
    months = tuple(s("dates.month_abbr").split())
    return Labels(
        title=label(content, name),
        note=s("counts.chart_note"),
        below=s("counts.chart_below"),
        above=s("counts.chart_above"),
        months=months if len(months) == 12 else (),
    )


# ---- adding -----------------------------------------------------------------------------------------
def cancel_row(content: Content) -> list[Button]:
    return [button(content.strings("questions.cancel"), CancelPrompt())]


def day_buttons(content: Content, today: date) -> list[list[Button]]:
    s = content.strings
    yesterday = date.fromordinal(today.toordinal() - 1)
    return [
        [
            button(s("counts.today", date=day_text(content, today)), PickCountDay(day_number(today))),
            button(
                s("counts.yesterday", date=day_text(content, yesterday)), PickCountDay(day_number(yesterday))
            ),
        ]
    ]


def day_view(content: Content, today: date, line: str | None = None) -> View:
    """Which day was the blood taken: Today, Yesterday, or typed."""
    s = content.strings
    text = line or s("counts.day_ask")
    return View(text, Markup([*day_buttons(content, today), cancel_row(content)]))


def readings_view(content: Content, text: str, readings: Sequence[date], today: date) -> View:
    """A typed date that can be two days ("1/12"): one button each, never a guess."""
    s = content.strings
    rows = [[button(echo_day(content, d), PickCountDay(day_number(d)))] for d in readings]
    return View(
        s("counts.date.which", text=render.esc(text[:40])),
        Markup([*rows, *day_buttons(content, today), cancel_row(content)]),
    )


def name_rows(content: Content, day: date, own: Sequence[str]) -> list[list[Button]]:
    """The four counts, then the family's own names (the most recently used)."""
    names = [*STANDARD, *[n for n in own if n not in STANDARD][:OFFERED_NAMES]]
    made = [button(label(content, n), PickCountName(day_number(day), code_of(n))) for n in names]
    return [made[i : i + 2] for i in range(0, len(made), 2)]


def which_count_view(content: Content, day: date, own: Sequence[str], line: str | None = None) -> View:
    s = content.strings
    text = s("counts.which_count", day=echo_day(content, day))
    rows = [
        *name_rows(content, day, own),
        [button(s("counts.other_day"), AddCount())],
        cancel_row(content),
    ]
    return View(f"{line}\n\n{text}" if line else text, Markup(rows))


def value_view(content: Content, day: date, name: str, units: Sequence[str]) -> View:
    s = content.strings
    text = s("counts.value_ask", name=shown(content, name), day=echo_day(content, day))
    if units:
        used = ", ".join(render.esc(u) for u in units[:OFFERED_UNITS])
        text += "\n" + s("counts.units_before", units=used)
    rows = [[button(s("counts.other_counts"), PickCountDay(day_number(day)))], cancel_row(content)]
    return View(text, Markup(rows))


def unit_view(content: Content, day: date, name: str, value: Value, units: Sequence[str]) -> View:
    """The unit of a value typed without one: the family's units for this count as buttons,
    or typed."""
    s = content.strings
    text = s(
        "counts.unit_ask",
        name=shown(content, name),
        value=render.esc(value.text),
        day=echo_day(content, day),
    )
    rows: list[list[Button]] = []
    if units:
        text += "\n" + s("counts.unit_tap")
        made = [
            button(u, PickUnit(day_number(day), code_of(name), value_data(value), unit_code(u)))
            for u in units[:OFFERED_UNITS]
        ]
        rows += [made[i : i + 2] for i in range(0, len(made), 2)]
    rows.append(cancel_row(content))
    return View(text, Markup(rows))


def saved_view(
    content: Content, day: date, name: str, value: str, unit: str, own: Sequence[str], line: str = ""
) -> View:
    """Saved, and the next count of the same report can be typed or tapped at once."""
    s = content.strings
    text = "\n\n".join(
        part
        for part in (
            line,
            s(
                "counts.saved",
                name=shown(content, name),
                value=render.esc(value),
                unit=render.esc(unit),
                day=echo_day(content, day),
            ),
            s("counts.about"),
            s("counts.next"),
        )
        if part
    )
    rows = [*name_rows(content, day, own), [button(s("counts.done"), ShowCounts())]]
    return View(text, Markup(rows))


# ---- entries ----------------------------------------------------------------------------------------
def entry_line(content: Content, count: Count) -> str:
    """1 Dec 2026 · Platelets 45 ×10⁹/L (plain: a button's label)."""
    return content.strings(
        "counts.entry_button",
        date=day_text(content, date.fromisoformat(count.taken_on)),
        name=label(content, count.name),
        value=count.value,
        unit=count.unit,
    )


def entries_view(
    content: Content, newest_first: Sequence[Count], page: int, notice: str | None = None
) -> View:
    s = content.strings
    pages = max(1, -(-len(newest_first) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown_here = newest_first[page * PAGE : (page + 1) * PAGE]
    text = s("counts.entries_title", total=len(newest_first)) if newest_first else s("counts.none")
    if notice:
        text = f"{notice}\n\n{text}"
    rows = [[button(entry_line(content, c), OpenEntry(c.id))] for c in shown_here]
    nav: list[Button] = []
    if page > 0:
        nav.append(button(s("page.prev"), ListEntries(page - 1)))
    if page < pages - 1:
        nav.append(button(s("page.next"), ListEntries(page + 1)))
    if nav:
        rows.append(nav)
    rows.append([button(s("counts.to_counts"), ShowCounts())])
    return View(text, Markup(rows))


def entry_text(content: Content, count: Count) -> str:
    return content.strings(
        "counts.entry",
        name=shown(content, count.name),
        value=render.esc(count.value),
        unit=render.esc(count.unit),
        day=echo_day(content, date.fromisoformat(count.taken_on)),
    )


def entry_view(
    content: Content, count: Count, members: Sequence[Member], added_on: str, may_delete: bool
) -> View:
    s = content.strings
    parts = [entry_text(content, count)]
    if count.added_by is not None and len(members) > 1:
        by = next((m for m in members if m.user == count.added_by), None)
        parts.append(s("family.added_by", name=name_of(content, by), date=added_on))
    parts.append(s("counts.about"))
    rows: list[list[Button]] = []
    if may_delete:
        rows.append([button(s("counts.delete"), OpenEntry(count.id, 1))])
    rows.append([button(s("counts.back_entries"), ListEntries(0))])
    return View("\n\n".join(parts), Markup(rows))


def delete_view(content: Content, count: Count) -> View:
    s = content.strings
    rows = [
        [button(s("counts.delete_yes"), OpenEntry(count.id, 2))],
        [button(s("counts.back"), OpenEntry(count.id, 0))],
    ]
    return View(s("counts.delete_ask", entry=entry_text(content, count)), Markup(rows))
