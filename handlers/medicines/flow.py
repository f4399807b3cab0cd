"""Adding, changing, pausing and stopping medicines; the list, one medicine, its history,
the reminder settings, the stopped ones.

A medicine is added as the label says: its name (typed, or one of the content's names), its
dose as typed, how often (every day, some weekdays, every N days, courses, only when
needed), the first day where it counts, the clock times (typed as people write them, read by
bot.when; "8" asks morning or evening), then everything is shown back in words and nothing
is saved until ✅. The half-added medicine is kept as a draft meanwhile (a restart loses
nothing). Only a full member adds or changes one; every member is told.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot import render, when
from bot.callbacks import CallbackData
from bot.context import BotContext
from bot.doses import CYCLE, EVERY_N, KINDS, MAX_TIMES, NEEDED, WEEKDAYS, Schedule, next_due
from bot.storage import LimitReached, Member, Prompt
from bot.storage.interface import Medicine
from bot.storage.medicines import ACTIVE, DRAFT, PAUSED, STOPPED
from handlers.appointments.booking import family_zone, zone_screen
from handlers.appointments.rules import day_first_of, twelve_hour
from handlers.common import Reply, View, forget_me, me, require_consent, require_full, show, stale_reply
from handlers.family.notify import short_date, tell_members
from handlers.family.views import name_of
from handlers.medicines.buttons import (
    DAY_DOSE_PROMPT,
    DOSE_PROMPT,
    EDIT_DAY_DOSE,
    EDIT_DOSE,
    EDIT_END,
    EDIT_NOTE,
    EDIT_TIMES,
    END_PROMPT,
    NAME_PROMPT,
    NOTE_PROMPT,
    START_PROMPT,
    TIMES_PROMPT,
    AddMedicine,
    ChangeMedicine,
    DiscardDraft,
    DoseSettings,
    EditDraft,
    MedicineHistory,
    OpenMedicine,
    PickDoseDay,
    PickTime,
    SaveMedicine,
    SetCycle,
    SetEvery,
    SetEveryN,
    SetStart,
    SetStatus,
    ShowDraft,
    ShowMedicines,
    ShowStopped,
    SuggestedName,
    TimesDone,
    ToggleWeekday,
    TypeStart,
    WeekdaysDone,
)
from handlers.medicines.views import (
    CYCLE_OF_CHOICES,
    CYCLE_ON_CHOICES,
    EVERY_N_CHOICES,
    STATUSES,
    WINDOW_CHOICES,
    cycle_of_view,
    cycle_on_view,
    day_names,
    dose_day_view,
    echo_view,
    every_n_view,
    every_view,
    history_view,
    last_given_text,
    list_view,
    medicine_view,
    name_markup,
    names,
    schedule_text,
    settings_view,
    start_view,
    state_text,
    stop_ask_view,
    stopped_view,
    time_which_view,
    times_markup,
    times_text,
    weekdays_view,
    when_text,
)
from handlers.prompts import (
    Asking,
    Outcome,
    Text,
    again,
    ask,
    cancel_keyboard,
    done,
    handed_over,
    not_for_this,
    open_prompt,
    typed_text,
)

MAX_MEDICINES = 30
NOT_A_TIME_WORDS = 3  # words with no time in them that make a text something else
MAX_NAME = 60
MAX_DOSE = 80
MAX_NOTE = 200
# A typed list of times: "8am and 8pm", "08:00, 14:00; 20:00", "a las 8 y a las 20".
_SPLIT = re.compile(r"\s*(?:,|;|\+|&|/|\band\b|\by\b|\bthen\b)\s*", re.IGNORECASE)
_FIXED_DAY = datetime(2001, 1, 1, 12, tzinfo=UTC)  # reading a clock time alone (no gaps in UTC)


# ---- what every step needs -------------------------------------------------------------------
async def clock_of(update: Update, context: BotContext) -> tuple[ZoneInfo, bool] | None:
    """The family's zone and whether its country reads a 12-hour clock; None without a zone."""
    found = await family_zone(update, context)
    return None if found is None else (found[0], twelve_hour(found[1]))


async def members_of(context: BotContext, circle: int) -> dict[int, Member]:
    return {m.user: m for m in await context.storage.circles.members(circle)}


async def own(update: Update, context: BotContext, med: int, *, draft: bool | None = None) -> Medicine | None:
    """The tapper's family's medicine `med` (None: not theirs, or gone); `draft` True only a
    medicine being added, False only a saved one."""
    found = await context.storage.medicines.get((await me(update, context)).circle, med)
    if (
        found is None
        or (draft is True and found.status != DRAFT)
        or (draft is False and found.status == DRAFT)
    ):
        return None
    return found


def next_at(medicine: Medicine, schedule: Schedule, tz: ZoneInfo, now: float) -> float | None:
    """The next dose after now, for an active medicine."""
    due = next_due(schedule, tz, datetime.fromtimestamp(now, UTC))
    return due.at.timestamp() if due else None


async def list_reply(update: Update, context: BotContext, notice: str | None = None) -> Reply:
    who = await me(update, context)
    clock = await clock_of(update, context)
    twelve = clock[1] if clock else False
    medicines = await context.storage.medicines.listed(who.circle)
    receivers = await context.storage.medicines.receivers(who.circle) if who.circle else 0
    drafts = await context.storage.medicines.drafts(who.circle) if who.full else []
    view = list_view(context.content, medicines, twelve, receivers=receivers, notice=notice, drafts=drafts)
    return Reply(view)


async def gone(update: Update, context: BotContext) -> Reply:
    reply = await list_reply(update, context)
    return Reply(reply.view, context.content.strings("medicines.gone"))


async def medicines_command(update: Update, context: BotContext) -> None:
    reply = await list_reply(update, context)
    assert reply.view is not None
    await show(update, context, *reply.view)


async def tap_medicines(update: Update, context: BotContext, data: ShowMedicines) -> Reply:
    return await list_reply(update, context)


async def tap_stopped(update: Update, context: BotContext, data: ShowStopped) -> Reply:
    who = await me(update, context)
    return Reply(
        stopped_view(context.content, await context.storage.medicines.listed(who.circle, stopped=True))
    )


async def medicine_reply(
    update: Update, context: BotContext, m: Medicine, notice: str | None = None
) -> Reply:
    who = await me(update, context)
    clock = await clock_of(update, context)
    tz, twelve = clock if clock else (ZoneInfo("UTC"), False)
    members = await members_of(context, who.circle)
    last = await context.storage.medicines.last_given(who.circle, m.id)
    signature = None
    if len(members) > 1 and m.added_by is not None:
        zone_name = tz.key
        signature = context.content.strings(
            "family.added_by",
            name=name_of(context.content, members.get(m.added_by)),
            date=short_date(context.content, m.created_at, zone_name),
        )
        if m.changed_by is not None and m.changed_at is not None:
            signature += " " + context.content.strings(
                "family.changed_by",
                name=name_of(context.content, members.get(m.changed_by)),
                date=short_date(context.content, m.changed_at, zone_name),
            )
    view = medicine_view(
        context.content,
        m,
        twelve,
        tz,
        last=last_given_text(context.content, last, members, tz, twelve),
        signature=signature,
        full=who.full,
        notice=notice,
    )
    return Reply(view)


async def open_medicine(update: Update, context: BotContext, data: OpenMedicine) -> Reply:
    m = await own(update, context, data.med, draft=False)
    return await medicine_reply(update, context, m) if m else await gone(update, context)


# ---- adding: the name -------------------------------------------------------------------------
async def add_medicine(update: Update, context: BotContext, data: AddMedicine) -> Reply:
    """Asks the name (the family's zone first: doses are due on its clock)."""
    if await clock_of(update, context) is None:
        return Reply(zone_screen(context, context.content.strings("medicines.zone_first")))
    s = context.content.strings
    return await ask(
        update,
        context,
        NAME,
        s("medicines.name_prompt"),
        ShowMedicines(),
        markup=name_markup(context.content),
    )


async def _started(update: Update, context: BotContext, name: str) -> Medicine | View:
    """A new draft named as typed; the list saying it is full when there is no room."""
    who = await require_full(update, context)
    try:
        med = await context.storage.medicines.start(await me(update, context), name, limit=MAX_MEDICINES)
    except LimitReached:
        reply = await list_reply(
            update, context, context.content.strings("medicines.full", limit=MAX_MEDICINES)
        )
        assert reply.view is not None
        return reply.view
    found = await context.storage.medicines.get(who.circle, med)
    assert found is not None
    return found


def _dose_question(context: BotContext, m: Medicine) -> str:
    return context.content.strings("medicines.dose_prompt", name=render.esc(m.name))


async def save_name(update: Update, context: BotContext, row: None, name: str) -> Outcome:
    started = await _started(update, context, name.strip())
    if isinstance(started, View):
        return done(started)
    await open_prompt(update, context, DOSE_PROMPT, ShowMedicines(), started.id)
    return handed_over(View(_dose_question(context, started), cancel_keyboard(context.content)))


async def suggested_name(update: Update, context: BotContext, data: SuggestedName) -> Reply:
    offered = names(context.content)
    if not 0 <= data.n < len(offered):
        return stale_reply(context)
    started = await _started(update, context, offered[data.n])
    if isinstance(started, View):
        return Reply(started)
    return await ask(update, context, DOSE, _dose_question(context, started), ShowMedicines(), started.id)


# ---- the dose, the note, a weekday's dose: typed (while adding, or a change) -----------------------
async def load_medicine(update: Update, context: BotContext, prompt: Prompt) -> Medicine | Outcome:
    m = await own(update, context, prompt.ref or 0)
    if m is None or m.status == STOPPED:
        reply = await gone(update, context)
        assert reply.view is not None
        return done(reply.view)
    return m


async def load_day_dose(
    update: Update, context: BotContext, prompt: Prompt
) -> tuple[Medicine, int] | Outcome:
    ref = prompt.ref or 0
    found = await load_medicine(update, context, replace(prompt, ref=ref // 8))
    return found if isinstance(found, Outcome) else (found, ref % 8)


async def _after_edit(update: Update, context: BotContext, m: Medicine, what: str, **fields: str) -> Outcome:
    """A draft: set the fields, then the next step (how often, or the check screen). A saved
    medicine: changed, with its history, and every member told."""
    who = await require_full(update, context)
    if m.status == DRAFT:
        await context.storage.medicines.edit_draft(who, m.id, **fields)
        fresh = await own(update, context, m.id)
        assert fresh is not None
        return done(await draft_screen(update, context, fresh))
    clock = await clock_of(update, context)
    schedule = Schedule.loads(fields.get("schedule", m.schedule))
    nxt = next_at(m, schedule, clock[0], context.now()) if clock and m.status == ACTIVE else None
    if not await context.storage.medicines.change(who, m.id, what, nxt, **fields):
        reply = await gone(update, context)
        assert reply.view is not None
        return done(reply.view)
    fresh = await own(update, context, m.id)
    assert fresh is not None
    await tell_everyone(update, context, who, "medicines.notice_changed", fresh)
    reply = await medicine_reply(update, context, fresh, context.content.strings("medicines.saved"))
    assert reply.view is not None
    return done(reply.view)


async def save_dose(update: Update, context: BotContext, m: Medicine, dose: str) -> Outcome:
    return await _after_edit(update, context, m, "dose", dose=dose.strip())


async def save_note(update: Update, context: BotContext, m: Medicine, note: str) -> Outcome:
    return await _after_edit(update, context, m, "notes", notes=note.strip())


async def save_day_dose(
    update: Update, context: BotContext, target: tuple[Medicine, int], dose: str
) -> Outcome:
    m, day = target
    schedule = Schedule.loads(m.schedule)
    doses = {**schedule.doses, day: dose.strip()}
    return await _after_edit(update, context, m, "dose", schedule=replace(schedule, doses=doses).dumps())


async def read_day_dose(
    update: Update, context: BotContext, target: tuple[Medicine, int], text: str
) -> str | Outcome:
    return await _read_dose(update, context, target[0], text)


_read_dose = typed_text(MAX_DOSE, "medicines.dose_empty", "medicines.dose_too_long")


# ---- adding: how often, which days, from when --------------------------------------------------
async def draft_screen(update: Update, context: BotContext, m: Medicine) -> View:
    """The next thing a draft needs, or the check screen when it has everything."""
    clock = await clock_of(update, context)
    twelve = clock[1] if clock else False
    schedule = Schedule.loads(m.schedule)
    if not m.dose:
        await open_prompt(update, context, DOSE_PROMPT, ShowMedicines(), m.id)
        return View(_dose_question(context, m), cancel_keyboard(context.content))
    if not m.schedule:
        return every_view(context.content, m)
    if schedule.every == EVERY_N and schedule.n < 2:
        return every_n_view(context.content, m)
    if schedule.every == CYCLE and not schedule.of:
        return cycle_on_view(context.content, m)
    missing = schedule.missing()
    if missing == "weekdays":
        return weekdays_view(context.content, m, schedule)
    if missing == "start":
        return start_view(context.content, m)
    if missing == "times":
        await open_prompt(update, context, TIMES_PROMPT, ShowDraft(m.id), m.id)
        return View(
            context.content.strings("medicines.times_prompt", name=render.esc(m.name)),
            times_markup(context.content, m, schedule),
        )
    return echo_view(context.content, m, twelve)


async def show_draft(update: Update, context: BotContext, data: ShowDraft) -> Reply:
    m = await own(update, context, data.med, draft=True)
    return Reply(await draft_screen(update, context, m)) if m else await gone(update, context)


async def _set_schedule(update: Update, context: BotContext, med: int, change: object) -> Reply:
    """A draft's schedule changed by one tap, then its next step."""
    who = await require_full(update, context)
    m = await own(update, context, med, draft=True)
    if m is None:
        return await gone(update, context)
    schedule = change(Schedule.loads(m.schedule))  # type: ignore[operator]
    if schedule is None:
        return stale_reply(context)
    await context.storage.medicines.edit_draft(who, m.id, schedule=schedule.dumps())
    fresh = await own(update, context, m.id)
    assert fresh is not None
    return Reply(await draft_screen(update, context, fresh))


async def set_every(update: Update, context: BotContext, data: SetEvery) -> Reply:
    if not 0 <= data.kind < len(KINDS):
        return stale_reply(context)
    kind = KINDS[data.kind]

    def change(old: Schedule) -> Schedule:
        return Schedule(every=kind, times=() if kind == NEEDED else old.times, doses=old.doses, end=old.end)

    return await _set_schedule(update, context, data.med, change)


async def toggle_weekday(update: Update, context: BotContext, data: ToggleWeekday) -> Reply:
    if not 0 <= data.day < 7:
        return stale_reply(context)
    who = await require_full(update, context)
    m = await own(update, context, data.med, draft=True)
    if m is None:
        return await gone(update, context)
    schedule = Schedule.loads(m.schedule)
    if schedule.every != WEEKDAYS:
        return stale_reply(context)
    days = set(schedule.weekdays) ^ {data.day}
    schedule = replace(schedule, weekdays=tuple(sorted(days)))
    await context.storage.medicines.edit_draft(who, m.id, schedule=schedule.dumps())
    return Reply(weekdays_view(context.content, m, schedule))


async def weekdays_done(update: Update, context: BotContext, data: WeekdaysDone) -> Reply:
    m = await own(update, context, data.med, draft=True)
    if m is None:
        return await gone(update, context)
    if not Schedule.loads(m.schedule).weekdays:
        return Reply(notice=context.content.strings("medicines.weekdays_none"), alert=True)
    return Reply(await draft_screen(update, context, m))


async def set_every_n(update: Update, context: BotContext, data: SetEveryN) -> Reply:
    if data.n not in EVERY_N_CHOICES:
        return stale_reply(context)

    def change(old: Schedule) -> Schedule | None:
        return replace(old, n=data.n) if old.every == EVERY_N else None

    return await _set_schedule(update, context, data.med, change)


async def set_cycle(update: Update, context: BotContext, data: SetCycle) -> Reply:
    if data.on not in CYCLE_ON_CHOICES or (
        data.of and (data.of not in CYCLE_OF_CHOICES or data.of <= data.on)
    ):
        return stale_reply(context)
    if not data.of:
        m = await own(update, context, data.med, draft=True)
        return Reply(cycle_of_view(context.content, m, data.on)) if m else await gone(update, context)

    def change(old: Schedule) -> Schedule | None:
        return replace(old, on=data.on, of=data.of) if old.every == CYCLE else None

    return await _set_schedule(update, context, data.med, change)


async def _today(update: Update, context: BotContext) -> date:
    clock = await clock_of(update, context)
    return datetime.fromtimestamp(context.now(), clock[0] if clock else UTC).date()


async def set_start(update: Update, context: BotContext, data: SetStart) -> Reply:
    if data.days not in (0, 1):
        return stale_reply(context)
    start = await _today(update, context) + timedelta(days=data.days)

    def change(old: Schedule) -> Schedule:
        return replace(old, start=start)

    return await _set_schedule(update, context, data.med, change)


async def type_start(update: Update, context: BotContext, data: TypeStart) -> Reply:
    m = await own(update, context, data.med, draft=True)
    if m is None:
        return await gone(update, context)
    return await ask(
        update, context, START, context.content.strings("medicines.start_prompt"), ShowDraft(m.id), m.id
    )


async def read_day(update: Update, context: BotContext, m: Medicine, text: str) -> date | Outcome:
    """A typed day, the nearest reading to today either way ("1 Dec" on 3 Dec is two days ago)."""
    found = await family_zone(update, context)
    tz = found[0] if found else ZoneInfo("UTC")
    now = datetime.fromtimestamp(context.now(), tz)
    days: list[date] = []
    prefers: tuple[when.Prefer, ...] = ("future", "past")
    for prefer in prefers:
        outcome = when.read(
            text,
            now,
            prefer=prefer,
            need="date",
            words=context.content.profile.dates,
            day_first=day_first_of(found[1] if found else None),
        )
        if outcome.sure is not None:
            days.append(outcome.sure.date())
    if not days:
        return again(context.content, context.content.strings("medicines.date_problem"))
    return min(days, key=lambda d: abs((d - now.date()).days))


async def save_start(update: Update, context: BotContext, m: Medicine, day: date) -> Outcome:
    if m.status != DRAFT:
        return done(stale_reply(context).view or View(""))
    return await _after_edit(
        update, context, m, "schedule", schedule=replace(Schedule.loads(m.schedule), start=day).dumps()
    )


async def save_end(update: Update, context: BotContext, m: Medicine, day: date) -> Outcome:
    schedule = Schedule.loads(m.schedule)
    if schedule.start and day < schedule.start:
        return again(
            context.content,
            context.content.strings(
                "medicines.end_before_start", start=short_date_of(context, schedule.start)
            ),
        )
    return await _after_edit(update, context, m, "schedule", schedule=replace(schedule, end=day).dumps())


def short_date_of(context: BotContext, day: date) -> str:
    months = context.content.strings("dates.month_abbr").split()
    return f"{day.day} {months[day.month - 1]} {day.year}"


# ---- the times ------------------------------------------------------------------------------
def read_times(context: BotContext, text: str) -> tuple[list[int], list[tuple[str, list[int]]], str | None]:
    """Typed clock times: (sure ones in minutes, [(part, its two readings)], a part that
    could not be read)."""
    sure: list[int] = []
    unsure: list[tuple[str, list[int]]] = []
    for part in (p for p in _SPLIT.split(text.strip()) if p and p.strip()):
        outcome = when.read(
            part, _FIXED_DAY, prefer="future", need="time", words=context.content.profile.dates
        )
        if not outcome.readings:
            return sure, unsure, part
        minutes = sorted({r.hour * 60 + r.minute for r in outcome.readings})
        if len(minutes) == 1:
            sure.append(minutes[0])
        else:
            unsure.append((part, minutes))
    return sure, unsure, None


async def read_times_typed(
    update: Update, context: BotContext, m: Medicine, text: str
) -> tuple[list[int], list[tuple[str, list[int]]]] | Outcome:
    sure, unsure, bad = read_times(context, text)
    if (
        not (sure or unsure)
        and len(text.split()) >= NOT_A_TIME_WORDS
        and not when.names_a_date(text, context.content.profile.dates)
    ):
        # Words with no time in them ("what does remission mean"), typed after leaving half
        # way: not refused here; the prompt closes and they go where any text goes (the
        # medicine stays as a draft, offered as "Finish adding" in the list).
        return not_for_this(View(""))
    if bad is not None or not (sure or unsure):
        part = bad if bad is not None else text
        return again(
            context.content,
            context.content.strings("medicines.times_problem", part=render.esc(part[:40])),
            times_markup(context.content, m, Schedule.loads(m.schedule)),
        )
    return sure, unsure


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


async def save_times(
    update: Update, context: BotContext, m: Medicine, typed: tuple[list[int], list[tuple[str, list[int]]]]
) -> Outcome:
    """While adding: the times join the draft's, the prompt stays open for more (Done ends it);
    one that reads two ways is asked by buttons. A saved medicine: the typed times replace its
    times at once (one that reads two ways is asked again in words)."""
    who = await require_full(update, context)
    sure, unsure = typed
    clock = await clock_of(update, context)
    twelve = clock[1] if clock else False
    s = context.content.strings
    schedule = Schedule.loads(m.schedule)
    if m.status != DRAFT:
        if unsure:
            part = unsure[0][0]
            return again(
                context.content,
                s("medicines.time_which", part=render.esc(part))
                + "\n"
                + s("medicines.times_prompt", name=render.esc(m.name)),
            )
        times = tuple(sorted({_hhmm(t) for t in sure}))[:MAX_TIMES]
        return await _after_edit(
            update, context, m, "schedule", schedule=replace(schedule, times=times).dumps()
        )
    for minutes in sure:
        if len(schedule.times) >= MAX_TIMES:
            break
        schedule = schedule.with_time(_hhmm(minutes))
    await context.storage.medicines.edit_draft(who, m.id, schedule=schedule.dumps())
    fresh = await own(update, context, m.id)
    assert fresh is not None
    if unsure:
        part, readings = unsure[0]
        view = time_which_view(context.content, fresh, part, readings, twelve)
        return again(context.content, view.text, view.markup)
    return again(
        context.content,
        s("medicines.times_so_far", times=times_text(context.content, schedule.times, twelve)),
        times_markup(context.content, fresh, schedule),
    )


async def pick_time(update: Update, context: BotContext, data: PickTime) -> Reply:
    """One reading of a time that reads two ways: added, and the prompt open again for more."""
    if not 0 <= data.minutes < 24 * 60:
        return stale_reply(context)
    who = await require_full(update, context)
    m = await own(update, context, data.med, draft=True)
    if m is None:
        return await gone(update, context)
    schedule = Schedule.loads(m.schedule).with_time(_hhmm(data.minutes))
    await context.storage.medicines.edit_draft(who, m.id, schedule=schedule.dumps())
    clock = await clock_of(update, context)
    await open_prompt(update, context, TIMES_PROMPT, ShowDraft(m.id), m.id)
    return Reply(
        View(
            context.content.strings(
                "medicines.times_so_far",
                times=times_text(context.content, schedule.times, clock[1] if clock else False),
            ),
            times_markup(context.content, m, schedule),
        )
    )


async def times_done(update: Update, context: BotContext, data: TimesDone) -> Reply:
    m = await own(update, context, data.med, draft=True)
    if m is None:
        return await gone(update, context)
    if not Schedule.loads(m.schedule).times:
        return Reply(notice=context.content.strings("medicines.times_none"), alert=True)
    return Reply(await draft_screen(update, context, m))


# ---- the check screen: change a part, save, or drop ------------------------------------------------
async def edit_draft(update: Update, context: BotContext, data: EditDraft) -> Reply:
    m = await own(update, context, data.med, draft=True)
    if m is None:
        return await gone(update, context)
    return await _edit_part(update, context, m, data.part, ShowDraft(m.id))


async def change_medicine(update: Update, context: BotContext, data: ChangeMedicine) -> Reply:
    m = await own(update, context, data.med, draft=False)
    if m is None or m.status == STOPPED:
        return await gone(update, context)
    return await _edit_part(update, context, m, data.part, OpenMedicine(m.id))


async def _edit_part(
    update: Update, context: BotContext, m: Medicine, part: int, origin: CallbackData
) -> Reply:
    s = context.content.strings
    name = render.esc(m.name)
    if part == EDIT_DOSE:
        return await ask(update, context, DOSE, _dose_question(context, m), origin, m.id)
    if part == EDIT_NOTE:
        return await ask(update, context, NOTE, s("medicines.note_prompt"), origin, m.id)
    if part == EDIT_END:
        return await ask(update, context, END, s("medicines.end_prompt"), origin, m.id)
    if part == EDIT_DAY_DOSE:
        return Reply(dose_day_view(context.content, m, change=m.status != DRAFT))
    if part == EDIT_TIMES:
        if m.status == DRAFT:
            who = await require_full(update, context)
            schedule = replace(Schedule.loads(m.schedule), times=())
            await context.storage.medicines.edit_draft(who, m.id, schedule=schedule.dumps())
        return await ask(
            update,
            context,
            TIMES,
            s("medicines.times_prompt", name=name),
            origin,
            m.id,
        )
    return stale_reply(context)


async def pick_dose_day(update: Update, context: BotContext, data: PickDoseDay) -> Reply:
    if not 0 <= data.day < 7:
        return stale_reply(context)
    m = await own(update, context, data.med)
    if m is None or m.status == STOPPED:
        return await gone(update, context)
    origin = ShowDraft(m.id) if m.status == DRAFT else OpenMedicine(m.id)
    question = context.content.strings("medicines.day_dose_prompt", day=day_names(context.content)[data.day])
    return await ask(update, context, DAY_DOSE, question, origin, m.id * 8 + data.day)


async def save_medicine(update: Update, context: BotContext, data: SaveMedicine) -> Reply:
    """✅ on the check screen: the medicine is the family's now; everyone is told."""
    who = await require_full(update, context)
    m = await own(update, context, data.med, draft=True)
    clock = await clock_of(update, context)
    if m is None or clock is None:
        return await gone(update, context)
    schedule = Schedule.loads(m.schedule)
    if not m.dose or not m.schedule or schedule.missing():
        return Reply(await draft_screen(update, context, m))
    first = not await context.storage.medicines.listed(who.circle, stopped=True)
    if not await context.storage.medicines.activate(who, m.id, next_at(m, schedule, clock[0], context.now())):
        return await gone(update, context)
    saved = await own(update, context, m.id)
    assert saved is not None
    await tell_everyone(update, context, who, "medicines.notice_added", saved)
    s = context.content.strings
    notice = s("medicines.first_saved") if first else s("medicines.saved")  # the list says what the bot is
    return await list_reply(update, context, notice)


async def discard_draft(update: Update, context: BotContext, data: DiscardDraft) -> Reply:
    who = await require_full(update, context)
    await context.storage.medicines.discard_draft(who, data.med)
    return await list_reply(update, context, context.content.strings("medicines.discarded"))


async def tell_everyone(update: Update, context: BotContext, who: Member, key: str, m: Medicine) -> None:
    """A medicine added, changed, paused, resumed or stopped: every other member is told (not
    only those who chose notices: this is the plan they give doses by)."""
    clock = await clock_of(update, context)
    twelve = clock[1] if clock else False
    schedule = Schedule.loads(m.schedule)
    await tell_members(
        context,
        who,
        key,
        only_notices=False,
        medicine=render.esc(m.name),
        dose=render.esc(m.dose),
        schedule=lambda content: schedule_text(content, schedule, twelve),
    )


# ---- pause, resume, stop; history ----------------------------------------------------------
async def set_status(update: Update, context: BotContext, data: SetStatus) -> Reply:
    if not 0 <= data.status < len(STATUSES):
        return stale_reply(context)
    status = STATUSES[data.status]
    who = await require_full(update, context)
    m = await own(update, context, data.med, draft=False)
    if m is None or m.status == STOPPED:
        return await gone(update, context)
    if status == STOPPED and not data.sure:
        return Reply(stop_ask_view(context.content, m))
    clock = await clock_of(update, context)
    nxt = (
        next_at(m, Schedule.loads(m.schedule), clock[0], context.now())
        if clock and status == ACTIVE
        else None
    )
    if status == m.status or not await context.storage.medicines.set_status(who, m.id, status, nxt):
        return await open_medicine(update, context, OpenMedicine(m.id))
    fresh = await own(update, context, m.id)
    assert fresh is not None
    key = {PAUSED: "paused", ACTIVE: "resumed", STOPPED: "stopped"}[status]
    await tell_everyone(update, context, who, f"medicines.notice_{key}", fresh)
    if status == STOPPED:
        return await list_reply(update, context, context.content.strings("medicines.stopped"))
    return await medicine_reply(update, context, fresh, context.content.strings(f"medicines.{key}"))


async def medicine_history(update: Update, context: BotContext, data: MedicineHistory) -> Reply:
    who = await me(update, context)
    m = await own(update, context, data.med, draft=False)
    if m is None:
        return await gone(update, context)
    clock = await clock_of(update, context)
    tz, twelve = clock if clock else (ZoneInfo("UTC"), False)
    members = await members_of(context, who.circle)
    content = context.content
    changes = [
        (short_date(content, c.at, tz.key), c.what, name_of(content, members.get(c.by_user or 0)), c.dose)
        for c in await context.storage.medicines.changes(who.circle, m.id)
    ]
    window = await context.storage.medicines.window(who.circle)
    doses = [
        (
            date.fromisoformat(d.day),
            when_text(content, d.due_at, tz, twelve)[1] if d.due_at is not None else d.clock,
            state_text(content, d, members, tz, twelve, now=context.now(), window=window),
        )
        for d in await context.storage.medicines.of_medicine(who.circle, m.id, limit=30)
    ]
    return Reply(history_view(content, m, changes, doses))


# ---- the reminder settings ------------------------------------------------------------------
async def dose_settings(update: Update, context: BotContext, data: DoseSettings) -> Reply:
    """Reminders to me on/off and their lock-screen wording are each member's own; the
    window before "not marked" is the family's (a full member's)."""
    who = await me(update, context)
    if not who.circle:
        await require_consent(update, context)
    storage = context.storage.medicines
    if data.what == 1:
        await storage.set_reminders(who.user, not who.dose_reminders)
    elif data.what == 2:
        await storage.set_discreet(who.user, not who.discreet)
    elif data.what == 3:
        if data.value not in WINDOW_CHOICES:
            return stale_reply(context)
        await storage.set_window(await require_full(update, context), data.value)
    elif data.what != 0:
        return stale_reply(context)
    forget_me(context)
    who = await me(update, context)
    view = settings_view(
        context.content, who, await storage.window(who.circle), await storage.receivers(who.circle)
    )
    return Reply(view)


# ---- the prompts -----------------------------------------------------------------------------
NAME: Asking[None, str] = Asking(
    NAME_PROMPT,
    Text.STRUCTURED,
    read=typed_text(MAX_NAME, "medicines.name_empty", "medicines.name_too_long"),
    save=save_name,
    full=True,
)
DOSE: Asking[Medicine, str] = Asking(
    DOSE_PROMPT, Text.STRUCTURED, read=_read_dose, save=save_dose, load=load_medicine, full=True
)
NOTE: Asking[Medicine, str] = Asking(
    NOTE_PROMPT,
    Text.FREE,
    read=typed_text(MAX_NOTE, "medicines.note_empty", "medicines.note_too_long"),
    save=save_note,
    load=load_medicine,
    full=True,
)
DAY_DOSE: Asking[tuple[Medicine, int], str] = Asking(
    DAY_DOSE_PROMPT, Text.STRUCTURED, read=read_day_dose, save=save_day_dose, load=load_day_dose, full=True
)
TIMES: Asking[Medicine, tuple[list[int], list[tuple[str, list[int]]]]] = Asking(
    TIMES_PROMPT, Text.STRUCTURED, read=read_times_typed, save=save_times, load=load_medicine, full=True
)
START: Asking[Medicine, date] = Asking(
    START_PROMPT, Text.STRUCTURED, read=read_day, save=save_start, load=load_medicine, full=True
)
END: Asking[Medicine, date] = Asking(
    END_PROMPT, Text.STRUCTURED, read=read_day, save=save_end, load=load_medicine, full=True
)
