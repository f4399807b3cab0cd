"""📄 A summary for the next visit: one PDF of what the family noted from a day they choose
(the last 7 or 14 days, since the last appointment, or a typed day) up to now:
temperatures and symptoms from the log, the doses given, skipped and not marked (never
"missed"), blood counts labelled as the family's entries, and the questions still open.

Reached with /summary, and from an appointment's reminder ("📄 Summary for this visit": since
the appointment before it). Everything is read when the PDF is made; nothing is kept.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from telegram import Update

from bot.context import BotContext
from bot.storage import Appointment
from bot.telegram_html import visible_text
from handlers.appointments.rules import still_to_ask
from handlers.common import Reply, me, show, stale_reply
from handlers.counts.rules import day_from
from handlers.edcard.buttons import (
    SUMMARY_PROMPT,
    PickSummaryDay,
    SendSummary,
    ShowSummary,
    SummaryForVisit,
    TypeSummaryDay,
)
from handlers.edcard.flow import day_problem, family_clock, family_now, read_past_day
from handlers.edcard.views import SUMMARY_DAYS, Summary, summary_choice_view, summary_parts, summary_period
from handlers.privacy import decimal_comma
from handlers.prompts import Asking, Outcome, Text, ask, done
from handlers.questions import localized

DEFAULT_DAYS = 14  # from a reminder, when no appointment before it is noted


async def summary_command(update: Update, context: BotContext) -> None:
    """/summary: from when?"""
    await show(update, context, *summary_choice_view(context.content))


async def show_summary(update: Update, context: BotContext, data: ShowSummary) -> Reply:
    return Reply(summary_choice_view(context.content))


async def _day_start(context: BotContext, circle: int, day: date) -> float:
    """00:00 of that day on the family's clock."""
    tz, _, _ = await family_clock(context, circle)
    return datetime.combine(day, time(), tz).timestamp()


async def _days_back(context: BotContext, circle: int, days: int) -> float:
    """The start of the last `days` days, today counted."""
    now, _ = await family_now(context, circle)
    return await _day_start(context, circle, now.date() - timedelta(days=days - 1))


async def last_appointment(context: BotContext, circle: int, *, besides: int = 0) -> Appointment | None:
    """The most recent appointment that has begun (not deleted; not `besides`)."""
    now = context.now()
    past = [
        a
        for a in await context.storage.appointments.all_kept(circle)
        if a.removed_at is None and a.starts_at <= now and a.id != besides
    ]
    return max(past, key=lambda a: (a.starts_at, a.id)) if past else None


async def send_summary(update: Update, context: BotContext, data: SendSummary) -> Reply:
    circle = (await me(update, context)).circle
    if data.days in SUMMARY_DAYS:
        return await _file_reply(update, context, await _days_back(context, circle, data.days))
    if data.days != 0:
        return stale_reply(context)
    last = await last_appointment(context, circle)
    if last is None:
        return Reply(notice=context.content.strings("summary.no_last"), alert=True)
    return await _file_reply(update, context, last.starts_at)


async def summary_for_visit(update: Update, context: BotContext, data: SummaryForVisit) -> Reply:
    """From a reminder: since the appointment before this one (the last 14 days when none is
    noted), the visit named at the top when it is still in the family's list."""
    circle = (await me(update, context)).circle
    visit = await context.storage.appointments.get(circle, data.appt) if circle else None
    last = await last_appointment(context, circle, besides=data.appt)
    start = last.starts_at if last else await _days_back(context, circle, DEFAULT_DAYS)
    return await _file_reply(update, context, start, visit.starts_at if visit else None)


async def type_summary_day(update: Update, context: BotContext, data: TypeSummaryDay) -> Reply:
    return await ask(
        update, context, SUMMARY_ASK, context.content.strings("summary.day_prompt"), ShowSummary()
    )


async def pick_summary_day(update: Update, context: BotContext, data: PickSummaryDay) -> Reply:
    day = day_from(data.day)
    if day is None:
        return stale_reply(context)
    circle = (await me(update, context)).circle
    now, _ = await family_now(context, circle)
    problem = day_problem(day, now.date())
    if problem:
        return Reply(
            notice=visible_text(context.content.strings(f"edcard.date.{problem}"), "HTML"), alert=True
        )
    return await _file_reply(update, context, await _day_start(context, circle, day))


# ---- making and sending the PDF ----------------------------------------------------------------------
async def read_summary(update: Update, context: BotContext, start: float, visit: float | None) -> Summary:
    who = await me(update, context)
    circle = who.circle
    storage = context.storage
    tz, twelve, _ = await family_clock(context, circle)
    now = context.now()
    first = datetime.fromtimestamp(start, tz).date().isoformat()
    today = datetime.fromtimestamp(now, tz).date().isoformat()
    return Summary(
        start=start,
        now=now,
        tz=tz,
        twelve=twelve,
        comma=await decimal_comma(update, context),
        visit=visit,
        entries=list(reversed(await storage.log.between(circle, start, now + 1))),  # the oldest first
        doses=await storage.medicines.on_days(circle, first, today),
        medicines={m.id: m for m in await storage.medicines.listed(circle, stopped=True)},
        window=await storage.medicines.window(circle),
        counts=await storage.counts.list(circle, first),
        questions=still_to_ask(localized(context.content, await storage.questions.list(circle))),
    )


async def summary_pdf(
    update: Update, context: BotContext, start: float, visit: float | None
) -> tuple[bytes, str]:
    """The PDF and its caption."""
    content = context.content
    summary = await read_summary(update, context, start, visit)
    title, intro, sections = summary_parts(content, summary)
    from bot.pdf import build_sections_pdf  # fpdf (and numpy with it) loads on the first PDF

    body = await context.services.heavy.run(
        build_sections_pdf, content.strings, title, intro, sections, content.language, "summary.pdf_footer"
    )
    first, last = summary_period(content, summary)
    return body, content.strings("summary.pdf_caption", start=first, end=last)


async def _send(context: BotContext, chat_id: int, body: bytes, caption: str) -> None:
    await context.bot.send_document(
        chat_id,
        document=io.BytesIO(body),
        filename=context.content.strings("summary.pdf_filename"),
        caption=caption,
    )


async def _file_reply(update: Update, context: BotContext, start: float, visit: float | None = None) -> Reply:
    """ "Making the summary", then the PDF, after the tap is answered (the screen it was
    tapped on, a reminder say, stays as it was)."""
    chat = update.effective_chat
    if chat is None:
        return stale_reply(context)
    body, caption = await summary_pdf(update, context, start, visit)

    async def send() -> None:
        await _send(context, chat.id, body, caption)

    return Reply(notice=context.content.strings("summary.sending"), after=send)


# ---- the typed first day --------------------------------------------------------------------------
async def read_day(update: Update, context: BotContext, row: None, text: str) -> date | Outcome:
    return await read_past_day(update, context, text, summary=True)


async def save_day(update: Update, context: BotContext, row: None, day: date) -> Outcome:
    """The PDF from that day, then the choices again under a word that it was sent."""
    circle = (await me(update, context)).circle
    chat = update.effective_chat
    body, caption = await summary_pdf(update, context, await _day_start(context, circle, day), None)
    if chat is not None:
        await _send(context, chat.id, body, caption)
    return done(summary_choice_view(context.content, context.content.strings("summary.sent")))


SUMMARY_ASK: Asking[None, date] = Asking(SUMMARY_PROMPT, Text.STRUCTURED, read=read_day, save=save_day)
