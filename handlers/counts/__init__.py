"""🩸 Blood counts: the values of a lab report, typed by the family, kept as their own notes
(README, "Families": the child's record, shared by the circle).

- **/counts** (and ShowCounts, `bc`, which other features link to): the last three months,
  one line per count and unit, with the values and days as typed; a chart per count (a PNG
  drawn by bot.charts on the heavy-work pool, one panel per unit, sent with its summary as
  the caption); every entry, each deletable (by who added it, or a full member, after a
  confirm).
- **Adding** (any member, helpers too): the day the blood was taken (Today, Yesterday, or
  typed and read by bot.when, looking back: never a day to come), then each count: tapped,
  then its value and unit typed ("45 ×10⁹/L"), or all in one message ("wbc 1.2 x10^9/L",
  "plaquetas 45 10^9/L"). A value typed without a unit asks for it (the family's units for
  that count as buttons, or typed). After each save the next count of the same report can be
  typed at once. Bad input is refused calmly with an example, and nothing is saved
  (handlers.counts.rules).
- **Never**: a word on what a value means (no "low", no "normal", no ranges or lines on a
  chart, no colours, nothing computed from a value); the screens send the family to their
  care team for that. Counts are never read by the red-flag check's reply.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update
from telegram.constants import ParseMode

from bot import render, when
from bot.charts import Chart, draw, warm_up
from bot.context import BotApp, BotContext, Command
from bot.storage import LimitReached, Member, NoConsent, Prompt
from bot.storage.interface import Count, Counts
from bot.zones import country_of_zone
from handlers.common import Reply, View, me, show, stale_reply, tap
from handlers.counts.buttons import (
    AddCount,
    ChartCount,
    ListEntries,
    OpenEntry,
    Pending,
    PickCountDay,
    PickCountName,
    PickUnit,
    ShowCounts,
)
from handlers.counts.rules import (
    LARGEST,
    LIMIT,
    MAX_NAME,
    MAX_UNIT,
    NAME_TOO_LONG,
    NOT_A_NUMBER,
    SHOWN_DAYS,
    STANDARD,
    UNIT_UNCLEAR,
    Typed,
    Value,
    code_of,
    day_from,
    day_number,
    day_problem,
    key_of,
    known_words,
    named,
    read_typed,
    read_unit,
    stored_name,
    unit_code,
    unit_problem,
    value_data,
    value_from,
)
from handlers.counts.views import (
    chart_caption,
    chart_labels,
    counts_view,
    day_view,
    delete_view,
    echo_day,
    entries_view,
    entry_view,
    points_of,
    readings_view,
    saved_view,
    unit_view,
    value_view,
    which_count_view,
)
from handlers.family.notify import short_date
from handlers.prompts import (
    Asking,
    Outcome,
    Text,
    again,
    done,
    handed_over,
    not_for_this,
    on_prompt,
    open_prompt,
)

__all__ = ["COMMANDS", "LIMIT", "ShowCounts", "setup"]

# A prompt's ref: the day (20261201) and the count's code (0: none picked yet).
_DAY = 100_000_000
# Words in a text with no digit that make it something else than a count (a question typed
# while the count prompt was open): it goes to the search instead.
NOT_A_COUNT_WORDS = 3


def counts_of(context: BotContext) -> Counts:
    """The counts repository (bot.storage.Store.counts)."""
    return context.storage.counts


async def _zone(context: BotContext, who: Member) -> tuple[ZoneInfo | None, str | None]:
    name = await context.storage.circles.timezone(who.circle) if who.circle else None
    if not name:
        return None, None
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None, None


async def _now(context: BotContext, who: Member) -> tuple[datetime, str | None]:
    """Now on the family's clock (UTC until they chose a time zone), and the zone's name."""
    tz, name = await _zone(context, who)
    return datetime.fromtimestamp(context.now(), tz or UTC), name


async def _today(context: BotContext, who: Member) -> date:
    return (await _now(context, who))[0].date()


def _words(context: BotContext) -> dict[str, str]:
    """The four counts' words in every language (parents mix them)."""
    lists = []
    for content in context.services.contents.values() or [context.content]:
        s = content.strings
        keys = [key for key in s.keys() if key.startswith("counts.words.")]  # noqa: SIM118 (no dict)
        lists.append({key.rsplit(".", 1)[1]: s(key) for key in keys})
    return known_words(lists)


# ---- the screen ---------------------------------------------------------------------------------------
_CHARTS_WARMED = "counts.charts_warmed"  # bot_data: the warm-up below was started


def warm_charts(context: BotContext) -> None:
    """The first chart costs about a second (matplotlib's import and fonts): the first time a
    bot shows the counts, that is paid on the heavy-work pool, so the family's first chart
    does not wait for it, and no tap waits either."""
    if not context.bot_data.get(_CHARTS_WARMED):
        context.bot_data[_CHARTS_WARMED] = True
        context.application.create_task(context.services.heavy.run(warm_up), name="charts-warm-up")


async def _screen(update: Update, context: BotContext, notice: str | None = None) -> View:
    warm_charts(context)
    who = await me(update, context)
    repo = counts_of(context)
    if not who.circle:
        return counts_view(context.content, [], 0, notice)
    since = date.fromordinal((await _today(context, who)).toordinal() - SHOWN_DAYS)
    recent = await repo.list(who.circle, since.isoformat())
    total = len(recent) or await repo.total(who.circle)
    return counts_view(context.content, recent, total, notice)


async def counts_command(update: Update, context: BotContext) -> None:
    """/counts"""
    await show(update, context, *await _screen(update, context))


async def tap_counts(update: Update, context: BotContext, data: ShowCounts) -> Reply:
    return Reply(await _screen(update, context))


async def chart(update: Update, context: BotContext, data: ChartCount) -> Reply:
    """📈 a count: its chart over the last three months (drawn off the event loop), sent as a
    photo with its lines as the caption."""
    who = await me(update, context)
    repo = counts_of(context)
    name = named(data.name, await repo.names(who.circle)) if who.circle else None
    if name is None:
        return stale_reply(context)
    today = await _today(context, who)
    start = date.fromordinal(today.toordinal() - SHOWN_DAYS)
    recent = [c for c in await repo.list(who.circle, start.isoformat()) if key_of(c.name) == key_of(name)]
    s = context.content.strings
    if not recent:
        return Reply(notice=s("counts.chart_none"))
    content = context.content
    caption = chart_caption(content, recent)
    labels = chart_labels(content, name)
    points = points_of(recent)
    chat = update.effective_chat

    async def send_chart() -> None:
        drawn: Chart = await context.services.heavy.run(draw, points, labels, start, today)
        if chat is not None:
            await context.bot.send_photo(chat.id, photo=drawn.png, caption=caption, parse_mode=ParseMode.HTML)

    return Reply(after=send_chart)


# ---- adding: the day ------------------------------------------------------------------------------------
async def add_count(update: Update, context: BotContext, data: AddCount) -> Reply:
    """➕ Which day was the blood taken (needs consent: what is typed next will be kept)."""
    who = await me(update, context)
    today = await _today(context, who)
    await open_prompt(update, context, DAY.kind, ShowCounts())
    return Reply(day_view(context.content, today))


def _day_again(context: BotContext, today: date, line: str) -> Outcome:
    view = day_view(context.content, today, line)
    return again(context.content, view.text, view.markup)


async def read_day(update: Update, context: BotContext, row: None, text: str) -> date | Outcome:
    """A typed day, read looking back (bot.when, in the family's words and country's order):
    a day to come, a day that does not exist or words that are no day get a calm line; a
    date that reads two ways ("1/12") gets a button for each, never a guess."""
    who = await me(update, context)
    now, zone_name = await _now(context, who)
    content = context.content
    s = content.strings
    found = when.read(
        text,
        now,
        prefer="past",
        need="date",
        day_first=when.day_first_for(country_of_zone(zone_name) if zone_name else None),
        words=content.profile.dates,
    )
    if found.problem is not None:
        if (
            found.problem == when.NOT_UNDERSTOOD
            and len(text.split()) >= NOT_A_COUNT_WORDS
            and not when.names_a_date(text, content.profile.dates)
        ):
            return not_for_this(View(""))  # a question typed here: the search has it
        key = f"counts.date.{found.problem}"
        return _day_again(context, now.date(), s(key if key in s else "counts.date.not_understood"))
    days = sorted({moment.date() for moment in found.readings})
    if len(days) > 1:
        view = readings_view(content, text, days, now.date())
        return again(content, view.text, view.markup)
    problem = day_problem(days[0], now.date())
    if problem:
        return _day_again(context, now.date(), s(f"counts.date.{problem}"))
    return days[0]


async def save_day(update: Update, context: BotContext, row: None, day: date) -> Outcome:
    return handed_over(await _which_count(update, context, day))


async def _own(context: BotContext, who: Member) -> tuple[str, ...]:
    """The names the family used, the most recently used first."""
    return tuple(await counts_of(context).names(who.circle)) if who.circle else ()


async def _which_count(update: Update, context: BotContext, day: date) -> View:
    """Which count: the value prompt open for that day, no count picked yet."""
    own = await _own(context, await me(update, context))
    await open_prompt(update, context, VALUE.kind, ShowCounts(), ref=day_number(day) * _DAY)
    return which_count_view(context.content, day, own)


async def _checked_day(update: Update, context: BotContext, number: int) -> date | None:
    """A day a button carries, if it can be a day the blood was taken (untrusted data)."""
    day = day_from(number)
    if day is None or day_problem(day, await _today(context, await me(update, context))):
        return None
    return day


async def pick_day(update: Update, context: BotContext, data: PickCountDay) -> Reply:
    day = await _checked_day(update, context, data.day)
    if day is None:
        return stale_reply(context)
    return Reply(await _which_count(update, context, day))


# ---- adding: the count, its value and its unit ----------------------------------------------------------
@dataclass(frozen=True)
class Entering:
    """What a prompt of this feature is for: the day, the count (None: not picked yet), the
    value waiting for its unit (the unit prompt), and the family's own names."""

    day: date
    name: str | None
    own: tuple[str, ...]
    value: Value | None = None


@dataclass(frozen=True)
class Step:
    """What was typed, ready to save, or to ask the unit of."""

    day: date
    name: str
    value: Value
    unit: str | None
    own: tuple[str, ...]


async def pick_name(update: Update, context: BotContext, data: PickCountName) -> Reply:
    """A count tapped: its value and unit are typed next."""
    day = await _checked_day(update, context, data.day)
    who = await me(update, context)
    name = named(data.name, await _own(context, who))
    if day is None or name is None:
        return stale_reply(context)
    await open_prompt(update, context, VALUE.kind, ShowCounts(), ref=day_number(day) * _DAY + data.name)
    units = await counts_of(context).units(who.circle, name) if who.circle else []
    return Reply(value_view(context.content, day, name, units))


async def load_value(update: Update, context: BotContext, prompt: Prompt) -> Entering | Outcome:
    ref = prompt.ref or 0
    day = day_from(ref // _DAY)
    if day is None:
        return done(await _screen(update, context))
    own = await _own(context, await me(update, context))
    code = ref % _DAY
    return Entering(day, named(code, own) if code else None, own)


async def load_unit(update: Update, context: BotContext, prompt: Prompt) -> Entering | Outcome:
    """The day, count and value a unit is typed for, carried by the prompt's origin."""
    pending = Pending.unpack(prompt.origin)
    own = await _own(context, await me(update, context))
    day = day_from(pending.day) if pending else None
    name = named(pending.name, own) if pending else None
    value = value_from(pending.value) if pending else None
    if day is None or name is None or value is None:
        return done(await _screen(update, context))
    return Entering(day, name, own, value)


def _again(context: BotContext, row: Entering, line: str) -> Outcome:
    """Nothing saved: why, above what the prompt asked, with its buttons."""
    content = context.content
    if row.value is not None and row.name is not None:
        view = unit_view(content, row.day, row.name, row.value, [])
    elif row.name is not None:
        view = value_view(content, row.day, row.name, [])
    else:
        view = which_count_view(content, row.day, row.own)
    return again(content, f"{line}\n\n{view.text}", view.markup)


def _problem_line(context: BotContext, problem: str, text: str) -> str:
    """The calm line for what could not be read (counts.problem.*), with an example."""
    s = context.content.strings
    key = f"counts.problem.{problem}"
    name_words = list(itertools.takewhile(lambda w: not any(ch.isdigit() for ch in w), text.split()))
    fields: dict[str, object] = {
        "limit": MAX_NAME if problem == NAME_TOO_LONG else MAX_UNIT,
        "length": len(" ".join(name_words)),
        "value": render.esc(next((w for w in text.split() if any(ch.isdigit() for ch in w)), "")[:20]),
        "largest": _number(context, LARGEST),
    }
    return s(key, **{k: v for k, v in fields.items() if k in s.fields(key)})


def _number(context: BotContext, n: int) -> str:
    """1,000,000 as the language writes it (1.000.000)."""
    return f"{n:,}".replace(",", context.content.strings("counts.thousands"))


def _step(context: BotContext, row: Entering, typed: Typed) -> Step | Outcome:
    """The count is the one typed in the message, else the one tapped; with neither, asked."""
    name = stored_name(typed.name, _words(context)) if typed.name else row.name
    if name is None:
        line = context.content.strings("counts.name_needed", value=render.esc(typed.value.text))
        return _again(context, row, line)
    return Step(row.day, name, typed.value, typed.unit, row.own)


async def read_entry(update: Update, context: BotContext, row: Entering, text: str) -> Step | Outcome:
    """ "[name] value [unit]" typed on the value prompt."""
    if not any(ch.isdigit() for ch in text):
        name = stored_name(text, _words(context))
        if len(text.split()) >= NOT_A_COUNT_WORDS and name not in (*STANDARD, *row.own):
            return not_for_this(View(""))  # several words, no number, no count: for the search
    if await _a_day(update, context, text):
        return _again(context, row, _day_set(context, row))
    typed = read_typed(text)
    if isinstance(typed, str):
        return _again(context, row, _problem_line(context, typed, text))
    return _step(context, row, typed)


async def _a_day(update: Update, context: BotContext, text: str) -> bool:
    """Whether the text is a day ("12 Nov", "yesterday", "12/11"), not a count: "12 Nov"
    typed for a count would otherwise be the value 12 in the unit "Nov"."""
    now, _ = await _now(context, await me(update, context))
    found = when.read(text, now, prefer="past", need="date", words=context.content.profile.dates)
    return bool(found.readings)


def _day_set(context: BotContext, row: Entering) -> str:
    return context.content.strings("counts.problem.a_date", day=echo_day(context.content, row.day))


async def read_unit_text(update: Update, context: BotContext, row: Entering, text: str) -> Step | Outcome:
    """The unit asked for ("×10⁹/L"), or the whole line typed again with one."""
    assert row.value is not None and row.name is not None
    if await _a_day(update, context, text):
        return _again(context, row, _day_set(context, row))
    typed = read_typed(text)
    if isinstance(typed, Typed):
        return _step(context, replace(row, value=None), typed)
    if typed != NOT_A_NUMBER:
        return _again(context, row, _problem_line(context, typed, text))
    unit = read_unit(text)
    if unit is None:
        problem = unit_problem(" ".join(text.split())) or UNIT_UNCLEAR
        return _again(context, row, _problem_line(context, problem, text))
    return Step(row.day, row.name, row.value, unit, row.own)


async def save_entry(update: Update, context: BotContext, row: Entering, step: Step) -> Outcome:
    """With its unit: saved, and the next count of the same report may come at once.
    Without: the unit is asked (the family's units for that count as buttons, or typed)."""
    content = context.content
    if step.unit is not None:
        view, saved = await _save(update, context, step.day, step.name, step.value, step.unit)
        return handed_over(view) if saved else done(view)
    if step.name not in (*STANDARD, *step.own):
        # A name the family never used: a button could not name it; asked whole instead.
        line = content.strings(
            "counts.unit_with_name", name=render.esc(step.name), value=render.esc(step.value.text)
        )
        return again(content, line)
    who = await me(update, context)
    origin = Pending(day_number(step.day), code_of(step.name), value_data(step.value))
    await open_prompt(update, context, UNIT.kind, origin)
    units = await counts_of(context).units(who.circle, step.name) if who.circle else []
    return handed_over(unit_view(content, step.day, step.name, step.value, units))


async def pick_unit(update: Update, context: BotContext, data: PickUnit) -> Reply:
    """A unit the family used before, tapped for a value typed without one."""
    day = await _checked_day(update, context, data.day)
    who = await me(update, context)
    name = named(data.name, await _own(context, who))
    value = value_from(data.value)
    if day is None or name is None or value is None or not who.circle:
        return stale_reply(context)
    units = await counts_of(context).units(who.circle, name)
    unit = next((u for u in units if unit_code(u) == data.unit), None)
    if unit is None:
        return stale_reply(context)
    view, _ = await _save(update, context, day, name, value, unit)
    return Reply(view)


async def _save(
    update: Update, context: BotContext, day: date, name: str, value: Value, unit: str
) -> tuple[View, bool]:
    """Saved, with the value prompt open again for the next count of that day (True); or
    the counts screen saying why not (False)."""
    who = await me(update, context)
    repo = counts_of(context)
    s = context.content.strings
    try:
        await repo.add(who, day.isoformat(), name, value.text, value.number, unit, limit=LIMIT)
    except LimitReached:
        return await _screen(update, context, s("counts.full", limit=_number(context, LIMIT))), False
    except NoConsent:
        if not who.circle:
            raise  # the consent question, then the tap again
        return await _screen(update, context, s("counts.not_member")), False
    await open_prompt(update, context, VALUE.kind, ShowCounts(), ref=day_number(day) * _DAY)
    own = await _own(context, who)
    return saved_view(context.content, day, name, value.text, unit, own), True


# ---- entries -----------------------------------------------------------------------------------------------
async def _entries(update: Update, context: BotContext, page: int, notice: str | None = None) -> View:
    who = await me(update, context)
    everything = await counts_of(context).list(who.circle) if who.circle else []
    return entries_view(context.content, everything[::-1], page, notice)


async def list_entries(update: Update, context: BotContext, data: ListEntries) -> Reply:
    return Reply(await _entries(update, context, data.page))


def _may_delete(who: Member, count: Count) -> bool:
    return bool(who.circle) and (who.full or count.added_by == who.user)


async def open_entry(update: Update, context: BotContext, data: OpenEntry) -> Reply:
    """One entry (act 0); delete, asked first (1), then done (2): only who added it, or a
    full member."""
    who = await me(update, context)
    s = context.content.strings
    count = await counts_of(context).get(who.circle, data.id) if who.circle else None
    if count is None:
        return Reply(await _entries(update, context, 0, s("counts.gone")))
    allowed = _may_delete(who, count)
    if data.act == 0:
        members = await context.storage.circles.members(who.circle)
        zone_name = await context.storage.circles.timezone(who.circle)
        added_on = short_date(context.content, count.created_at, zone_name)
        return Reply(entry_view(context.content, count, members, added_on, allowed))
    if data.act not in (1, 2):
        return stale_reply(context)
    if not allowed:
        return Reply(notice=s("counts.not_yours"), alert=True)
    if data.act == 1:
        return Reply(delete_view(context.content, count))
    if not await counts_of(context).remove(who, count.id):
        return Reply(await _entries(update, context, 0, s("counts.gone")))
    return Reply(await _entries(update, context, 0, s("counts.deleted")))


# ---- registration ----------------------------------------------------------------------------------------
DAY: Asking[None, date] = Asking("count_day", Text.STRUCTURED, read=read_day, save=save_day)
VALUE: Asking[Entering, Step] = Asking(
    "count_value", Text.STRUCTURED, load=load_value, read=read_entry, save=save_entry
)
UNIT: Asking[Entering, Step] = Asking(
    "count_unit", Text.STRUCTURED, load=load_unit, read=read_unit_text, save=save_entry
)

COMMANDS = (Command("counts", "help.commands.counts", counts_command),)


def setup(app: BotApp) -> None:
    """Every button of the feature (any member may add; deleting checks who is asking), its
    three prompts. No menu button: /counts, and other features link to ShowCounts."""
    tap(app, ShowCounts, tap_counts)
    tap(app, AddCount, add_count)
    tap(app, ChartCount, chart)
    tap(app, PickCountDay, pick_day)
    tap(app, PickCountName, pick_name)
    tap(app, PickUnit, pick_unit)
    tap(app, ListEntries, list_entries)
    tap(app, OpenEntry, open_entry)
    tap(app, Pending, tap_counts_from_pending)
    on_prompt(app, DAY)
    on_prompt(app, VALUE)
    on_prompt(app, UNIT)


async def tap_counts_from_pending(update: Update, context: BotContext, data: Pending) -> Reply:
    """Cancel on the unit question (its origin): back to the counts; nothing was saved."""
    return Reply(await _screen(update, context))
