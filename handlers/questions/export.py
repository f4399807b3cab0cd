"""Taking the list to the appointment: My questions as a printable PDF, or as plain text
messages the parent can forward, both dated on the parent's own day."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update

from bot.context import BotContext
from handlers.common import Reply, circle_of
from handlers.questions.buttons import SendPdf, SendText
from handlers.questions.my_questions import my_list
from handlers.questions.rules import explanation, export_messages, localized


async def parent_today(update: Update, context: BotContext) -> date:
    """Today on the bot's clock, in the parent's time zone where they gave one (for their
    appointments), else in UTC."""
    name = await context.storage.circles.timezone(await circle_of(update, context))
    try:
        tz: tzinfo = ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):  # a zone this system's tzdata lacks
        tz = UTC
    return datetime.fromtimestamp(context.now(), tz).date()


async def send_pdf(update: Update, context: BotContext, data: SendPdf) -> Reply:
    """Send the list as a printable PDF with the date and room to write answers."""
    s = context.content.strings
    questions = localized(
        context.content, await context.storage.questions.list(await circle_of(update, context))
    )
    chat = update.effective_chat
    if not questions or chat is None:
        return Reply(await my_list(update, context), s("questions.nothing_to_export"))
    today = await parent_today(update, context)

    async def send() -> None:
        # Laying out 200 long questions takes a moment: off the event loop, so other chats
        # go on. Imported here: fpdf2 and its font tools cost ~0.35 s and ~20 MB at
        # start-up, for a button most parents tap rarely.
        from bot.pdf import build_pdf

        explains = {q.id: explanation(context.content, q) for q in questions}
        pdf = await context.services.heavy.run(
            build_pdf, questions, s, today, explains, context.content.language
        )
        await context.bot.send_document(
            chat.id,
            document=pdf,
            filename=s("questions.pdf_filename", date=today),
            caption=s("questions.pdf_caption", date=today),
        )

    return Reply(notice=s("questions.pdf_preparing"), after=send)


async def send_text(update: Update, context: BotContext, data: SendText) -> Reply:
    """Send the list as plain text messages the parent can forward."""
    s = context.content.strings
    questions = localized(
        context.content, await context.storage.questions.list(await circle_of(update, context))
    )
    chat = update.effective_chat
    if not questions or chat is None:
        return Reply(await my_list(update, context), s("questions.nothing_to_export"))
    today = await parent_today(update, context)

    async def send() -> None:
        for message in export_messages(context.content, questions, today):
            await context.bot.send_message(chat.id, message)

    return Reply(notice=s("questions.text_sent"), after=send)
