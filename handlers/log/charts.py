"""The log's two charts, drawn by bot.log_charts on the heavy-work pool and sent as photos
with a short text beside them (the caption): the temperatures of the last 7 days with the
family's fever number, and the symptoms as a timeline."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot import log_charts
from bot.context import BotContext
from bot.storage.interface import LogEntry
from bot.storage.log import SYMPTOM, TEMPERATURE
from handlers.common import Reply, View, me
from handlers.log.buttons import SymptomChart, TempChart
from handlers.log.flow import DAYS, SITES, back_row, clock_of, temp_text

_CAPTION = 1024  # Telegram's limit for a photo's caption


async def _entries(update: Update, context: BotContext, kind: str) -> tuple[list[LogEntry], float, float]:
    who = await me(update, context)
    now = context.now()
    start = now - DAYS * 86400
    entries = await context.storage.log.between(who.circle, start, now + 1) if who.circle else []
    return [e for e in entries if e.kind == kind], start, now


async def _send(update: Update, context: BotContext, png: bytes, caption: str) -> Reply:
    chat = update.effective_chat

    async def send() -> None:
        if chat is not None:
            await context.bot.send_photo(
                chat.id, png, caption=caption[:_CAPTION], reply_markup=Markup([back_row(context.content)])
            )

    return Reply(notice=context.content.strings("medicines.sending"), after=send)


async def temp_chart(update: Update, context: BotContext, data: TempChart) -> Reply:
    s = context.content.strings
    entries, start, now = await _entries(update, context, TEMPERATURE)
    who = await me(update, context)
    if not entries:
        return Reply(View(s("log.temp_chart_none"), Markup([back_row(context.content)])))
    tz, _, _ = await clock_of(context, who.circle)
    fever = await context.storage.circles.fever_c(who.circle)
    points = [log_charts.TempPoint(e.at, e.temp_c or 0.0, e.site or "other") for e in entries]
    words = log_charts.Words(
        s("log.temp_chart_title"),
        s("log.chart_note"),
        s("log.temp_chart_rule"),
        tuple((site, s(f"log.site_words.{site}")) for site in SITES),
    )
    png = await context.services.heavy.run(log_charts.temperatures, points, fever, words, tz, start, now)
    high = max(entries, key=lambda e: e.temp_c or 0.0)
    low = min(entries, key=lambda e: e.temp_c or 0.0)
    shown = {
        "count": len(entries),
        "high": temp_text(high.temp_c or 0.0, False),
        "low": temp_text(low.temp_c or 0.0, False),
    }
    caption = (
        s("log.temp_chart_caption", rule=temp_text(fever, False), **shown)
        if fever is not None
        else s("log.temp_chart_caption_no_rule", **shown)
    )
    return await _send(update, context, png, caption)


async def symptom_chart(update: Update, context: BotContext, data: SymptomChart) -> Reply:
    s = context.content.strings
    entries, start, now = await _entries(update, context, SYMPTOM)
    who = await me(update, context)
    if not entries:
        return Reply(View(s("log.symptom_chart_none"), Markup([back_row(context.content)])))
    tz, _, _ = await clock_of(context, who.circle)
    points = [
        log_charts.SymptomPoint(e.at, s(f"log.symptoms.{e.symptom}"), e.severity or "mild") for e in entries
    ]
    words = log_charts.Words(s("log.symptom_chart_title"), s("log.chart_note"))
    png = await context.services.heavy.run(log_charts.symptoms, points, words, tz, start, now)
    counted: dict[str, int] = {}
    for p in points:
        counted[p.row] = counted.get(p.row, 0) + 1
    listed = ", ".join(f"{row} ×{n}" for row, n in sorted(counted.items(), key=lambda kv: -kv[1]))
    return await _send(update, context, png, s("log.symptom_chart_caption", count=len(entries), list=listed))
