"""The symptom checklist: tick the guide's signs, explain one, a note for the doctor, clear all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.ext import CommandHandler

from bot import render
from bot.callbacks import CallbackData
from bot.content import Content, Part, Section
from bot.context import BotApp, BotContext, Command, services_of
from bot.render import utf16_len
from handlers.common import (
    PRIVATE,
    Home,
    Reply,
    View,
    button,
    circle_of,
    me,
    menu_button,
    show,
    stale_reply,
    tap,
)
from handlers.guide import section_commands, section_start
from handlers.privacy import ShowTreatment, ShowUrgent, in_treatment

MAX_ALERT = 200  # Telegram's limit for an answerCallbackQuery text, in UTF-16 code units


# ---- this feature's buttons ---------------------------------------------------------------------
@dataclass(frozen=True)
class ShowChecklist(CallbackData, prefix="k"):
    """The checklist with this parent's ticks."""


@dataclass(frozen=True)
class SetSymptom(CallbackData, prefix="kt"):
    """Tick (on) or untick one sign: the state the button offered, not a toggle."""

    item: str
    on: bool


@dataclass(frozen=True)
class ExplainSymptom(CallbackData, prefix="ki"):
    """One sign's explanation, as an alert."""

    item: str


@dataclass(frozen=True)
class ShowSummary(CallbackData, prefix="ks"):
    """The note for the doctor."""


@dataclass(frozen=True)
class AskClear(CallbackData, prefix="kc"):
    """Clear all: ask first."""


@dataclass(frozen=True)
class ClearSymptoms(CallbackData, prefix="ky"):
    """Clear all: confirmed."""


# ---- pure builders ------------------------------------------------------------------------
def checklist_text(content: Content) -> str:
    """Title, intro and how to use it; the source of the signs when the guide has that section."""
    s = content.strings
    checklist = content.checklist
    chunks = [
        f"<b>{render.esc(checklist.title)}</b>\n{render.esc(checklist.intro)}",
        s("symptoms.in_treatment"),
        s("symptoms.hint"),
    ]
    section = content.section_for("checklist")
    if section is not None:
        chunks.append(render.source_footer(s, section))
    return "\n\n".join(chunks)


def checklist_keyboard(
    content: Content, ticked: Mapping[str, float], treated: bool = True, asked: bool = True
) -> Markup:
    """One row per sign (its tick state and an info button), then the tools and Home. For
    a child in treatment (or not said), the urgent card comes first; until the family has
    said, a gentle question whether the child is being treated."""
    s = content.strings
    rows: list[list[Button]] = []
    if treated:
        rows.append([button(s("symptoms.urgent_button"), ShowUrgent())])
    if not asked:
        rows.append([button(s("privacy.treatment.ask"), ShowTreatment())])
    for item in content.checklist.items:
        on = item.id in ticked
        label = s("symptoms.item_on" if on else "symptoms.item_off", label=item.label)
        # The button carries the state the parent asks for, not a "toggle": a double tap
        # or two taps racing each other then still end in the state the parent meant.
        rows.append(
            [button(label, SetSymptom(item.id, not on)), button(s("symptoms.info"), ExplainSymptom(item.id))]
        )
    rows.append([button(s("symptoms.summary_button"), ShowSummary())])
    if not treated:
        rows.append([button(s("symptoms.urgent_button"), ShowUrgent())])
    rows.append([button(s("symptoms.clear_button"), AskClear())])
    section = content.section_for("checklist")
    if section is not None:
        rows.append([button(s("symptoms.read_button", title=section.title), section_start(section))])
    rows.append([button(s("menu.home"), Home())])
    return Markup(rows)


def summary_text(content: Content, ticked: Mapping[str, float]) -> str:
    """The ticked signs in checklist order with the day each was ticked, then the guide's advice."""
    s = content.strings
    # For a child in treatment the note's advice ("when a sign lasts...") is not enough: the
    # urgent line comes first, always.
    chunks = [s("symptoms.summary_title"), s("symptoms.in_treatment")]
    # Marks for signs no longer in the checklist are left out: the note lists only what
    # the parent can see ticked.
    lines = [
        s(
            "symptoms.summary_item",
            label=render.esc(item.label),
            date=datetime.fromtimestamp(ticked[item.id], tz=UTC),
        )
        for item in content.checklist.items
        if item.id in ticked
    ]
    if lines:
        chunks.append("\n".join([s("symptoms.summary_list"), *lines]))
        chunks.append(s("symptoms.summary_dates"))
    else:
        chunks.append(s("symptoms.summary_empty"))
    chunks.extend(render.body(advice) for advice in content.checklist.advice)
    section = content.section_for("checklist")
    if section is not None:
        chunks.append(render.source_footer(s, section))
    return "\n\n".join(chunks)


def summary_keyboard(content: Content) -> Markup:
    s = content.strings
    return Markup(
        [
            [button(s("symptoms.urgent_button"), ShowUrgent())],
            [button(s("symptoms.back"), ShowChecklist())],
            [button(s("menu.home"), Home())],
        ]
    )


def clear_keyboard(content: Content) -> Markup:
    s = content.strings
    return Markup(
        [[button(s("symptoms.clear_yes"), ClearSymptoms()), button(s("symptoms.clear_no"), ShowChecklist())]]
    )


def fit_alert(text: str) -> str:
    """Shorten an alert to what Telegram accepts (it counts UTF-16 code units, not characters)."""
    if utf16_len(text) <= MAX_ALERT:
        return text
    cut = text[:MAX_ALERT]
    while utf16_len(cut) > MAX_ALERT - 1:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def info_alert(content: Content, item_id: str) -> str | None:
    """The sign's one-line explanation, with its label when both fit in one alert."""
    item = content.checklist.item(item_id)
    if item is None:
        return None
    full = content.strings("symptoms.info_alert", label=item.label, explain=item.explain)
    return full if utf16_len(full) <= MAX_ALERT else fit_alert(item.explain)


# ---- handlers -----------------------------------------------------------------------------
async def checklist_view(update: Update, context: BotContext) -> View:
    # Always read back from storage: the tapped keyboard may be old or raced by another tap.
    ticked = await context.storage.marks.all(await circle_of(update, context))
    state = await context.storage.circles.treatment(await circle_of(update, context))
    return View(
        checklist_text(context.content),
        checklist_keyboard(context.content, ticked, in_treatment(state), state is not None),
    )


async def show_checklist(update: Update, context: BotContext) -> None:
    """/symptoms: the checklist with this parent's ticks."""
    await show(update, context, *await checklist_view(update, context))


async def tap_checklist(update: Update, context: BotContext, data: ShowChecklist) -> Reply:
    """Checklist button (main menu, the section page, back from the note)."""
    return Reply(await checklist_view(update, context))


async def set_symptom(update: Update, context: BotContext, data: SetSymptom) -> Reply:
    """Set one sign to the state the parent asked for, then re-render from storage."""
    content = context.content
    item = content.checklist.item(data.item)
    if item is None:
        return stale_reply(context)
    # Only a tick stores something (unticking never needs consent); the write itself
    # refuses a parent who has not agreed yet, and then the consent prompt comes up.
    await context.storage.marks.set(await me(update, context), item.id, data.on)
    return Reply(
        await checklist_view(update, context),
        content.strings("symptoms.ticked" if data.on else "symptoms.unticked", label=item.label),
    )


async def explain_symptom(update: Update, context: BotContext, data: ExplainSymptom) -> Reply:
    """The ℹ️ button: the sign's explanation as an alert, so the checklist stays in place."""
    content = context.content
    text = info_alert(content, data.item)
    item = content.checklist.item(data.item)
    if text is None or item is None:
        return stale_reply(context)
    state = await context.storage.circles.treatment(await circle_of(update, context))
    if (
        in_treatment(state)
        and content.red_flags is not None
        and content.red_flags.check(f"{item.label}. {item.explain}", bare_numbers=False)
    ):
        # A sign on the urgent card, for a child in treatment: the card leads.
        text = fit_alert(f"{content.strings('symptoms.in_treatment_alert')}\n\n{item.explain}")
    return Reply(notice=text, alert=True)


async def show_summary(update: Update, context: BotContext, data: ShowSummary) -> Reply:
    """The note for the doctor: exactly the ticked signs, then the guide's advice."""
    ticked = await context.storage.marks.all(await circle_of(update, context))
    return Reply(View(summary_text(context.content, ticked), summary_keyboard(context.content)))


async def ask_clear(update: Update, context: BotContext, data: AskClear) -> Reply:
    """Clear all: ask first."""
    return Reply(View(context.content.strings("symptoms.clear_title"), clear_keyboard(context.content)))


async def clear_symptoms(update: Update, context: BotContext, data: ClearSymptoms) -> Reply:
    """Clear all, confirmed: remove every tick of this parent, then the checklist."""
    await context.storage.marks.clear(await me(update, context))
    return Reply(await checklist_view(update, context), context.content.strings("symptoms.cleared"))


def page_extras(
    content: Content, section: Section, part: Part | None, page: int
) -> Sequence[Sequence[Button]]:
    """The checklist's own section links to the checklist."""
    if section.opens != "checklist":
        return []
    return [[button(content.strings("page.open_checklist"), ShowChecklist())]]


COMMANDS: tuple[Command, ...] = ()


def setup(app: BotApp) -> None:
    services = services_of(app)
    content = services.content
    section = content.section_for("checklist")
    if section is not None:
        # The guide's section command opens the checklist (guide.py skips sections that open
        # a tool); the section's text stays one tap away.
        app.add_handler(
            CommandHandler(section_commands(services.contents, section.id), show_checklist, filters=PRIVATE)
        )
    tap(app, ShowChecklist, tap_checklist)
    tap(app, SetSymptom, set_symptom)
    tap(app, ExplainSymptom, explain_symptom)
    tap(app, ShowSummary, show_summary)
    tap(app, AskClear, ask_clear)
    tap(app, ClearSymptoms, clear_symptoms)
    services.page_extras.append(page_extras)
    menu_button(app, "menu.checklist", ShowChecklist())
