"""The symptom checklist: tick the guide's signs, explain one, a note for the doctor, clear all."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.ext import CommandHandler

from bot import render
from bot.app import BotApp, BotContext
from bot.callbacks import Callback, make
from bot.content import Content
from bot.render import utf16_len
from bot.storage import NoConsent
from handlers.common import PRIVATE, Router, answer, ask_consent, show, show_stale, user_id

MAX_ALERT = 200  # Telegram's limit for an answerCallbackQuery text, in UTF-16 code units


# ---- pure builders ------------------------------------------------------------------------
def checklist_text(content: Content) -> str:
    """Title, intro and how to use it; the source of the signs when the guide has that section."""
    s = content.strings
    checklist = content.checklist
    chunks = [f"<b>{render.esc(checklist.title)}</b>\n{render.esc(checklist.intro)}",
              s("symptoms.hint")]
    section = content.section_for("checklist")
    if section is not None:
        chunks.append(render.source_footer(s, section))
    return "\n\n".join(chunks)


def checklist_keyboard(content: Content, ticked: Mapping[str, float]) -> Markup:
    """One row per sign (its tick state and an info button), then the tools and Home."""
    s = content.strings
    rows: list[list[Button]] = []
    for item in content.checklist.items:
        on = item.id in ticked
        label = s("symptoms.item_on" if on else "symptoms.item_off", label=item.label)
        # The button carries the state the parent asks for, not a "toggle": a double tap
        # or two taps racing each other then still end in the state the parent meant.
        rows.append([Button(label, callback_data=make("kt", item=item.id, on=not on)),
                     Button(s("symptoms.info"), callback_data=make("ki", item=item.id))])
    rows.append([Button(s("symptoms.summary_button"), callback_data=make("ks"))])
    rows.append([Button(s("symptoms.clear_button"), callback_data=make("kc"))])
    section = content.section_for("checklist")
    if section is not None:
        rows.append([Button(s("symptoms.read_button", title=section.title),
                            callback_data=make("s", sid=section.id, part="", page=0))])
    rows.append([Button(s("menu.home"), callback_data=make("h"))])
    return Markup(rows)


def summary_text(content: Content, ticked: Mapping[str, float]) -> str:
    """The ticked signs in checklist order with the day each was ticked, then the guide's advice."""
    s = content.strings
    chunks = [s("symptoms.summary_title")]
    # Marks for signs no longer in the checklist are left out: the note lists only what
    # the parent can see ticked.
    lines = [s("symptoms.summary_item", label=render.esc(item.label),
               date=datetime.fromtimestamp(ticked[item.id], tz=UTC))
             for item in content.checklist.items if item.id in ticked]
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
    return Markup([[Button(s("symptoms.back"), callback_data=make("k"))],
                   [Button(s("menu.home"), callback_data=make("h"))]])


def clear_keyboard(content: Content) -> Markup:
    s = content.strings
    return Markup([[Button(s("symptoms.clear_yes"), callback_data=make("ky")),
                    Button(s("symptoms.clear_no"), callback_data=make("k"))]])


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
async def render_checklist(update: Update, context: BotContext) -> None:
    # Always read back from storage: the tapped keyboard may be old or raced by another tap.
    ticked = await context.repo.marks(user_id(update))
    await show(update, context, checklist_text(context.content),
               checklist_keyboard(context.content, ticked))


async def show_checklist(update: Update, context: BotContext) -> None:
    """/symptoms: the checklist with this parent's ticks."""
    await render_checklist(update, context)


async def tap_checklist(update: Update, context: BotContext, cb: Callback) -> None:
    """Checklist button (main menu, the section page, back from the note)."""
    await answer(update, context)
    await render_checklist(update, context)


async def set_symptom(update: Update, context: BotContext, cb: Callback) -> None:
    """Set one sign to the state the parent asked for, then re-render from storage."""
    content = context.content
    item = content.checklist.item(cb.item)
    if item is None:
        await show_stale(update, context)
        return
    # Only a tick stores something (unticking never needs consent); the write itself
    # refuses a parent who has not agreed yet, and then we ask.
    try:
        await context.repo.set_mark(user_id(update), item.id, cb.on)
    except NoConsent:
        await ask_consent(update, context, cb)
        return
    s = content.strings
    await answer(update, context,
                 s("symptoms.ticked" if cb.on else "symptoms.unticked", label=item.label))
    await render_checklist(update, context)


async def explain_symptom(update: Update, context: BotContext, cb: Callback) -> None:
    """The ℹ️ button: the sign's explanation as an alert, so the checklist stays in place."""
    text = info_alert(context.content, cb.item)
    if text is None:
        await show_stale(update, context)
        return
    await answer(update, context, text, alert=True)


async def show_summary(update: Update, context: BotContext, cb: Callback) -> None:
    """The note for the doctor: exactly the ticked signs, then the guide's advice."""
    await answer(update, context)
    ticked = await context.repo.marks(user_id(update))
    await show(update, context, summary_text(context.content, ticked),
               summary_keyboard(context.content))


async def ask_clear(update: Update, context: BotContext, cb: Callback) -> None:
    """Clear all: ask first."""
    await answer(update, context)
    await show(update, context, context.content.strings("symptoms.clear_title"),
               clear_keyboard(context.content))


async def clear_symptoms(update: Update, context: BotContext, cb: Callback) -> None:
    """Clear all, confirmed: remove every tick of this parent, then the checklist."""
    await context.repo.clear_marks(user_id(update))
    await answer(update, context, context.content.strings("symptoms.cleared"))
    await render_checklist(update, context)


def setup(app: BotApp, router: Router) -> None:
    content: Content = app.bot_data["services"].content
    section = content.section_for("checklist")
    if section is not None:
        # The guide's section command opens the checklist (guide.py skips sections that open
        # a tool); the section's text stays one tap away.
        app.add_handler(CommandHandler(section.command, show_checklist,
                                       filters=PRIVATE))
    router.tap("k")(tap_checklist)
    router.tap("kt")(set_symptom)
    router.tap("ki")(explain_symptom)
    router.tap("ks")(show_summary)
    router.tap("kc")(ask_clear)
    router.tap("ky")(clear_symptoms)
