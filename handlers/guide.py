"""Reading the guide: section commands, pages, the sensitive-page gate, and bookmarks."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.ext import CommandHandler

from bot import keyboards, render
from bot.app import BotApp, BotContext
from bot.callbacks import Callback, make
from bot.content import Section
from bot.storage import NoConsent
from handlers.common import PRIVATE, Router, answer, ask_consent, show, show_stale, user_id

MAX_LISTED_BOOKMARKS = 40  # two buttons each, under Telegram's 100 buttons per message


def _clamp(page: int, total: int) -> int:
    return max(0, min(page, total - 1))


async def open_section(update: Update, context: BotContext, sid: str, part_id: str, page: int,
                       gate_passed: bool = False) -> None:
    """Show a section page (or its parts menu, or the gate before a sensitive page)."""
    content = context.content
    section = content.section(sid)
    if section is None:
        await show_stale(update, context)
        return
    has_questions = bool(content.questions_about(section.id))
    if section.has_parts and (part_id == "" or section.part(part_id) is None):
        await show(update, context, render.parts_menu(content.strings, section),
                   keyboards.parts_menu(content, section, has_questions))
        return
    part = section.part(part_id) if section.has_parts else section.parts[0]
    assert part is not None
    page = _clamp(page, len(part.pages))
    if (part.sensitive or section.sensitive) and not gate_passed:
        await show(update, context, render.gate(content.strings, section, part),
                   keyboards.gate(content, section, part, page))
        return
    marked = await context.repo.is_bookmarked(user_id(update), section.id, part.id, page)
    await show(update, context, render.section_page(content.strings, section, part, page),
               keyboards.section_page(content, section, part, page, marked, has_questions))


def section_command(section: Section):  # type: ignore[no-untyped-def]
    async def show_section(update: Update, context: BotContext) -> None:
        """A section's command: its first page (or its parts menu)."""
        await open_section(update, context, section.id, "", 0)
    return show_section


async def tap_section(update: Update, context: BotContext, cb: Callback) -> None:
    """Open a page from a button."""
    if context.content.section(cb.sid) is None:
        await show_stale(update, context)
        return
    await answer(update, context)
    await open_section(update, context, cb.sid, cb.part, cb.page, gate_passed=cb.kind == "r")


async def tap_bookmark(update: Update, context: BotContext, cb: Callback) -> None:
    """Set this page's bookmark to what the button showed (a double tap changes nothing)."""
    section = context.content.section(cb.sid)
    part = section.part(cb.part) if section is not None else None
    if section is None or part is None or not 0 <= cb.page < len(part.pages):
        await show_stale(update, context)
        return
    uid = user_id(update)
    if cb.on:
        try:
            await context.repo.add_bookmark(uid, cb.sid, cb.part, cb.page)
        except NoConsent:
            await ask_consent(update, context, cb)
            return
    else:
        await context.repo.remove_bookmark(uid, cb.sid, cb.part, cb.page)
    s = context.content.strings
    await answer(update, context, s("bookmarks.added") if cb.on else s("bookmarks.removed"))
    await open_section(update, context, cb.sid, cb.part, cb.page, gate_passed=True)


async def render_bookmarks(update: Update, context: BotContext) -> None:
    content = context.content
    s = content.strings
    marks = await context.repo.list_bookmarks(user_id(update))
    if not marks:
        await show(update, context, s("bookmarks.empty"), keyboards.home_only(content))
        return
    rows = []
    any_gone = False
    for mark in marks[:MAX_LISTED_BOOKMARKS]:
        section = content.section(mark.section_id)
        part = section.part(mark.part_id) if section is not None else None
        alive = part is not None and 0 <= mark.page < len(part.pages)
        if section is not None and part is not None and alive:
            title = section.title if not section.has_parts else f"{section.title}: {part.title}"
            label = s("bookmarks.entry", title=title, page=mark.page + 1)
            open_data = make("s", sid=mark.section_id, part=mark.part_id, page=mark.page)
        else:
            any_gone = True
            label = s("bookmarks.gone")
            open_data = make("x")
        rows.append([Button(render.clip(label, 60), callback_data=open_data),
                     Button(s("bookmarks.remove"), callback_data=make(
                         "bx", sid=mark.section_id, part=mark.part_id, page=mark.page))])
    rows.append(keyboards.home_row(content))
    text = s("bookmarks.title") + (f"\n\n{s('bookmarks.gone_note')}" if any_gone else "")
    await show(update, context, text, Markup(rows))


async def list_bookmarks(update: Update, context: BotContext) -> None:
    """/bookmarks: the parent's bookmarks, newest first."""
    await render_bookmarks(update, context)


async def tap_bookmarks(update: Update, context: BotContext, cb: Callback) -> None:
    """Bookmarks button."""
    await answer(update, context)
    await render_bookmarks(update, context)


async def tap_remove_bookmark(update: Update, context: BotContext, cb: Callback) -> None:
    """Remove one bookmark from the list (always the tapping user's own)."""
    await context.repo.remove_bookmark(user_id(update), cb.sid, cb.part, cb.page)
    await answer(update, context, context.content.strings("bookmarks.removed"))
    await render_bookmarks(update, context)


def setup(app: BotApp, router: Router) -> None:
    private = PRIVATE
    for section in app.bot_data["services"].content.sections:
        if section.opens is None:
            app.add_handler(CommandHandler(section.command, section_command(section),
                                           filters=private))
    app.add_handler(CommandHandler("bookmarks", list_bookmarks, filters=private))
    router.tap("s", "r")(tap_section)
    router.tap("b")(tap_bookmark)
    router.tap("bl")(tap_bookmarks)
    router.tap("bx")(tap_remove_bookmark)
