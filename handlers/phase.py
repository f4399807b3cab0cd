"""🩺 The treatment phase: where the child is in treatment, and since when.

The phases are content (`content/phases.yaml`, each language its own labels and headings):
the guide's four phases of chemo (remission induction, CNS-directed therapy, consolidation,
maintenance or continuation), a stem cell transplant, ALL that came back (relapse),
treatment finished and "not sure". The phase and the day it began (optional: typed, read
looking back with bot.when, or "today") are one fact of the family (`circles.phase`), changed
by a full member only; a helper sees it.

What follows it:

- the home (Home, /start): a line naming it and since when, and buttons to the guide's pages
  its content row names (never a page that asks first: the content check refuses one, and
  the buttons are plain page buttons, so a page made hard later would still ask); a family
  with none yet gets one skippable row offering this screen (full members only);
- the question lists (handlers.questions): the phase's groups first;
- /settings → 🩺 Treatment phase, and the checklist's gentle question, open this screen.

**The old in-treatment answer** (`circles.treatment`, handlers.privacy: treated, new,
finished, unsure) keeps working, and the checklist and its notes (handlers.symptoms) still
read only it:

- choosing a phase also sets the answer its content row names: "finished" for Treatment
  finished (not in treatment), "unsure" for Not sure, "treated" for every other phase (ALL
  that came back included), so "not sure" and no answer at all count as in treatment;
- the old screen's buttons still in chats set the answer as before, and forget a phase that
  says the other thing (in treatment or not); an answer never becomes a phase (nothing is
  guessed: "being treated now" names no phase);
- forgetting the phase leaves the answer as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot import render, when
from bot.callbacks import CallbackData
from bot.content import Content, Phase
from bot.context import BotApp, BotContext, Command
from bot.storage import Prompt
from bot.zones import country_of_zone
from handlers.common import (
    Home,
    HomeExtra,
    Reply,
    View,
    button,
    circle_of,
    family_home,
    home_extra,
    me,
    stale_reply,
    tap,
)
from handlers.guide import ShowPage
from handlers.privacy import TREATMENT_STATES, SetTreatment, ShowSettings, ShowTreatment, in_treatment
from handlers.prompts import Asking, Outcome, Text, again, ask, done, not_for_this, on_prompt

DAY_PROMPT = "phase_day"  # the day the phase began, typed
YEARS = 20  # how far back a typed day may be (a child's treatment, finished years ago)
NOT_A_DAY_WORDS = 3  # this many words with no date in them: a question, for the search
PAGE_LABEL = 56  # characters of a suggested page's heading on its button
TODAY = 0  # PickPhaseDay.day: today on the family's calendar, read when tapped
# ALL that came back: the guide's survival figures (for children newly diagnosed) never lead.
RELAPSE = "relapse"


# ---- this feature's buttons ---------------------------------------------------------------------
@dataclass(frozen=True)
class SetPhase(CallbackData, prefix="tb"):
    """Choose this phase (a content id); then the day it began is asked (not for "not sure")."""

    phase: str


@dataclass(frozen=True)
class PickPhaseDay(CallbackData, prefix="tc"):
    """The day the phase began: TODAY, or a day (date.toordinal) read from what was typed.
    Only for the family's phase now (`phase`)."""

    phase: str
    day: int


@dataclass(frozen=True)
class ForgetPhase(CallbackData, prefix="td"):
    """Forget the phase (the in-treatment answer stays as it was)."""


# ---- pure --------------------------------------------------------------------------------------
def day_text(content: Content, day: date) -> str:
    """2 Mar 2026, in the content's month names."""
    months = content.strings("dates.month_abbr").split()
    return f"{day.day} {months[day.month - 1]} {day.year}"


def since_day(since: str | None) -> date | None:
    """The stored first day (ISO), or None (not said, or not a day)."""
    try:
        return date.fromisoformat(since) if since else None
    except ValueError:
        return None


def asks_day(phase: Phase) -> bool:
    """Every phase but "not sure" has a day it began."""
    return phase.treatment != "unsure"


def phase_view(
    content: Content,
    phase_id: str | None,
    since: str | None,
    state: str | None,
    notice: str | None = None,
) -> View:
    """The phase screen: what is saved now, one button per phase (✅ the family's), the day,
    forgetting it, Back to the settings."""
    s = content.strings
    current = content.phase(phase_id)
    day = since_day(since)
    if current is not None:
        label = render.esc(current.label)
        now = (
            s("phase.now", phase=label, since=day_text(content, day))
            if day is not None
            else s("phase.now_no_date", phase=label)
        )
    else:
        answer = (
            s(f"privacy.treatment.{state}")
            if state in TREATMENT_STATES
            else s("privacy.treatment.unanswered")
        )
        now = s("phase.now_none", state=answer)
    rows = [
        [button(("✅ " if current is not None and p.id == current.id else "") + p.label, SetPhase(p.id))]
        for p in content.phases
    ]
    if current is not None:
        if asks_day(current):
            rows.append([button(s("phase.change_day"), SetPhase(current.id))])
        rows.append([button(s("phase.forget"), ForgetPhase())])
    rows.append([button(s("privacy.contact.back"), ShowSettings()), button(s("menu.home"), Home())])
    text = "\n\n".join([s("phase.title"), s("phase.safety"), now])
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


def page_rows(content: Content, phase: Phase) -> tuple[tuple[Button, ...], ...]:
    """A button per page the phase suggests, named by the heading content gave it. Plain page
    buttons: a page that asks first would still ask (content refuses naming one here)."""
    rows = []
    for ref in phase.pages:
        section = content.section(ref.section)
        part = section.part(ref.part) if section is not None else None
        if part is None or not 0 <= ref.page < len(part.pages):
            continue  # the loader checked it: only a changed content object could miss
        label = content.strings("phase.page", title=render.clip(ref.heading, PAGE_LABEL))
        rows.append((button(label, ShowPage(ref.section, ref.part, ref.page)),))
    return tuple(rows)


def home_lines(content: Content, phase: Phase, since: str | None) -> str:
    """The home's line: the phase and since when, its note, and where its pages are."""
    s = content.strings
    label = render.esc(phase.label)
    day = since_day(since)
    lines = [
        s("phase.home_line", phase=label, since=day_text(content, day))
        if day is not None
        else s("phase.home_line_no_date", phase=label)
    ]
    if phase.note:
        lines.append(render.esc(phase.note))
    if phase.pages:
        lines.append(s("phase.home_pages"))
    return "\n".join(lines)


def day_keyboard(content: Content, phase: Phase, days: Sequence[date] = ()) -> Markup:
    """A button per reading of a typed day (the country's first), then Today and Skip (Skip
    keeps the phase without a day: Home)."""
    s = content.strings
    words = content.profile.dates
    rows: list[list[Button]] = [
        [
            button(
                when.echo(datetime.combine(d, datetime.min.time()), words, with_time=False),
                PickPhaseDay(phase.id, d.toordinal()),
            )
        ]
        for d in days
    ]
    rows.append([button(s("phase.today"), PickPhaseDay(phase.id, TODAY)), button(s("phase.skip"), Home())])
    return Markup(rows)


# ---- reading and saving ---------------------------------------------------------------------------
async def family_now(context: BotContext, circle: int) -> tuple[datetime, bool | None]:
    """Now on the family's clock (UTC until they chose a time zone), and whether their country
    writes the day first (bot.when.day_first_for)."""
    name = await context.storage.circles.timezone(circle) if circle else None
    try:
        tz = ZoneInfo(name) if name else UTC
    except (ValueError, ZoneInfoNotFoundError):
        tz, name = UTC, None
    now = datetime.fromtimestamp(context.now(), tz)
    return now, when.day_first_for(country_of_zone(name) if name else None)


async def phase_screen(update: Update, context: BotContext, notice: str | None = None) -> View:
    circle = await circle_of(update, context)
    phase_id, since = await context.storage.circles.phase(circle) if circle else (None, None)
    state = await context.storage.circles.treatment(circle) if circle else None
    return phase_view(context.content, phase_id, since, state, notice)


async def tap_phase_screen(update: Update, context: BotContext, data: ShowTreatment) -> Reply:
    """🩺 Treatment phase (settings, the checklist, the home's offer): reading needs no consent."""
    return Reply(await phase_screen(update, context))


async def set_phase(update: Update, context: BotContext, data: SetPhase) -> Reply:
    """A full member chooses a phase (after consent): it is saved at once, with the
    in-treatment answer its content names; its day, kept when the same phase is chosen again,
    is asked next."""
    content = context.content
    s = content.strings
    phase = content.phase(data.phase)
    if phase is None:
        return stale_reply(context)
    who = await me(update, context)
    old, since = await context.storage.circles.phase(who.circle) if who.circle else (None, None)
    await context.storage.circles.set_phase(
        who, phase.id, since if old == phase.id else None
    )  # may ask consent
    await context.storage.circles.set_treatment(who, phase.treatment)
    saved = s("phase.saved", phase=render.esc(phase.label))
    if not asks_day(phase):
        return Reply(await family_home(update, context, saved), s("phase.saved_short"))
    return await ask(
        update,
        context,
        DAY,
        f"{saved}\n\n{s('phase.ask_day')}",
        ShowTreatment(),
        ref=content.phases.index(phase),
        markup=day_keyboard(content, phase),
    )


async def load_day(update: Update, context: BotContext, prompt: Prompt) -> Phase | Outcome:
    """The phase the day is for: still the family's, or the screen as it is now."""
    content = context.content
    index = prompt.ref
    phase = content.phases[index] if index is not None and 0 <= index < len(content.phases) else None
    now, _ = await context.storage.circles.phase(await circle_of(update, context))
    if phase is None or now != phase.id:
        return done(await phase_screen(update, context, content.strings("phase.gone")))
    return phase


async def read_day(update: Update, context: BotContext, phase: Phase, text: str) -> date | Outcome:
    """A typed day, read looking back in the family's words and country's order: a day to
    come, a day that does not exist or words that are no day get a calm line and the prompt
    stays open; a day that reads two ways ("2/3") gets a button for each, never a guess."""
    content = context.content
    s = content.strings
    now, day_first = await family_now(context, await circle_of(update, context))
    words = content.profile.dates
    found = when.read(
        text, now, prefer="past", need="date", day_first=day_first, words=words, limit_years=YEARS
    )
    if found.problem is not None:
        if (
            found.problem == when.NOT_UNDERSTOOD
            and len(text.split()) >= NOT_A_DAY_WORDS
            and not when.names_a_date(text, words)
        ):
            return not_for_this(View(""))  # a question typed here: the search has it
        key = f"phase.date.{found.problem}"
        line = s(key, years=YEARS) if key in s else s("phase.date.not_understood")
        return again(content, line, day_keyboard(content, phase))
    usual = {m.date() for m in found.usual}
    days = sorted({m.date() for m in found.readings}, key=lambda d: (d not in usual, d))
    if len(days) > 1:
        shown = render.esc(render.clip(" ".join(text.split()), 40))
        return again(content, s("phase.which_day", text=shown), day_keyboard(content, phase, days))
    return days[0]


async def save_day_view(update: Update, context: BotContext, phase: Phase, day: date) -> View:
    content = context.content
    await context.storage.circles.set_phase(await me(update, context), phase.id, day.isoformat())
    notice = content.strings("phase.saved_since", phase=render.esc(phase.label), since=day_text(content, day))
    return await family_home(update, context, notice)


async def save_day(update: Update, context: BotContext, phase: Phase, day: date) -> Outcome:
    return done(await save_day_view(update, context, phase, day))


DAY = Asking(DAY_PROMPT, Text.STRUCTURED, load=load_day, read=read_day, save=save_day, full=True)


async def pick_day(update: Update, context: BotContext, data: PickPhaseDay) -> Reply:
    """Today, or one reading of a typed day: only for the family's phase now, and only a day
    from the last YEARS years up to today (the data is untrusted)."""
    content = context.content
    phase = content.phase(data.phase)
    who = await me(update, context)
    current, _ = await context.storage.circles.phase(who.circle) if who.circle else (None, None)
    if phase is None or current != phase.id or not asks_day(phase):
        return Reply(await phase_screen(update, context, content.strings("phase.gone")))
    today = (await family_now(context, who.circle))[0].date()
    try:
        day = today if data.day == TODAY else date.fromordinal(data.day)
    except ValueError:
        return stale_reply(context)
    if not date(today.year - YEARS, 1, 1) <= day <= today:
        return stale_reply(context)
    return Reply(await save_day_view(update, context, phase, day), content.strings("phase.saved_short"))


async def forget_phase(update: Update, context: BotContext, data: ForgetPhase) -> Reply:
    s = context.content.strings
    await context.storage.circles.set_phase(await me(update, context), None, None)
    return Reply(await phase_screen(update, context, s("phase.forgotten")), s("phase.saved_short"))


async def set_treatment(update: Update, context: BotContext, data: SetTreatment) -> Reply:
    """The old screen's answer (buttons still in chats): saved after consent, one of the four
    answers only; a phase that says the other thing (in treatment or not) is forgotten."""
    s = context.content.strings
    if data.state not in TREATMENT_STATES:
        return stale_reply(context)
    who = await me(update, context)
    await context.storage.circles.set_treatment(who, data.state)  # may ask consent
    phase_id, _ = await context.storage.circles.phase(who.circle)
    phase = context.content.phase(phase_id)
    if phase is not None and in_treatment(phase.treatment) != in_treatment(data.state):
        await context.storage.circles.set_phase(who, None, None)
    return Reply(
        await phase_screen(update, context, s("privacy.fever.saved")), s("privacy.fever.saved_short")
    )


# ---- the home ------------------------------------------------------------------------------------
async def on_home(update: Update, context: BotContext) -> HomeExtra | None:
    """The family's phase on their home: its line and its pages; without one, a full member
    gets one skippable row offering the phase screen. Nothing for someone in no family."""
    who = await me(update, context)
    if not who.circle:
        return None
    content = context.content
    phase_id, since = await context.storage.circles.phase(who.circle)
    phase = content.phase(phase_id)
    if phase is None:
        if not who.full:
            return None
        return HomeExtra("phase?", bottom=((button(content.strings("phase.home_ask"), ShowTreatment()),),))
    return HomeExtra(
        f"phase:{phase.id}", lines=(home_lines(content, phase, since),), top=page_rows(content, phase)
    )


async def survival_first(update: Update, context: BotContext) -> bool:
    """Whether a hopeful question ("will my child survive") may open with the survival
    figures (handlers.search): not for a family whose child's ALL came back. One read, made
    only when such a question was typed."""
    circle = await circle_of(update, context)
    phase_id, _ = await context.storage.circles.phase(circle) if circle else (None, None)
    return phase_id != RELAPSE


COMMANDS: tuple[Command, ...] = ()


def setup(app: BotApp) -> None:
    tap(app, ShowTreatment, tap_phase_screen)
    tap(app, SetTreatment, set_treatment, full=True)
    tap(app, SetPhase, set_phase, full=True)
    tap(app, PickPhaseDay, pick_day, full=True)
    tap(app, ForgetPhase, forget_phase, full=True)
    on_prompt(app, DAY)
    home_extra(app, on_home)
