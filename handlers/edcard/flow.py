"""The card for the emergency department: shown, sent as a PDF, shown in another language,
and the lines the family keeps for it, changed (full members; a helper sees the card).

Everything on the card is read when it is shown: the facts the family wrote (each with the
day it was noted), the treatment phase, the medicines as entered, the care team's numbers,
the fever number and rule, and the last 48 hours of temperatures and symptoms from the log.
Nothing is worked out: no blood counts, no advice for the people reading it.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot import when
from bot.content import Content
from bot.context import BotContext
from bot.storage.interface import Fact
from bot.telegram_html import visible_text
from bot.zones import country_of_zone
from handlers.appointments.rules import twelve_hour, zone
from handlers.common import Reply, me, require_full, show, stale_reply
from handlers.counts.rules import day_from
from handlers.edcard.buttons import (
    ALLERGIES_PROMPT,
    CHEMO_PROMPT,
    INSTRUCTIONS_PROMPT,
    NAME_PROMPT,
    AskFact,
    ClearFact,
    EdCardDetails,
    PickChemoDay,
    SendEdCardPdf,
    SetFact,
    ShowEdCard,
)
from handlers.edcard.views import (
    ALLERGIES,
    CHOICES,
    FACTS,
    INSTRUCTIONS,
    LAST_CHEMO,
    LOG_HOURS,
    NAME,
    Card,
    card_parts,
    card_view,
    choices_view,
    day_buttons,
    details_view,
    plain_sections,
    prompt_markup,
    readings_markup,
)
from handlers.privacy import decimal_comma, family_region
from handlers.prompts import Asking, Outcome, Text, again, ask, cancel_keyboard, done, typed_text

MAX_NAME = 40
MAX_ALLERGIES = 200
MAX_INSTRUCTIONS = 300
MAX_DAYS_BACK = 2 * 366  # a day typed further back is refused (bot.when's own limit too)


# ---- what every screen reads ---------------------------------------------------------------------
class _Phases(Protocol):
    async def phase(self, circle_id: int) -> tuple[str | None, str | None]: ...


async def read_phase(context: BotContext, circle: int) -> tuple[str | None, str | None]:
    """The treatment phase (a content id) and the day it began, as the family said
    (bot.storage.circles; the storage protocol names it once the phase feature is in)."""
    if not circle:
        return None, None
    return await cast(_Phases, context.storage.circles).phase(circle)


async def family_clock(context: BotContext, circle: int) -> tuple[ZoneInfo, bool, str | None]:
    """The family's time zone (UTC until they chose one), whether its country reads a
    12-hour clock, and the zone's name."""
    name = await context.storage.circles.timezone(circle) if circle else None
    return zone(name) or ZoneInfo("UTC"), twelve_hour(name), name


def language_content(context: BotContext, lang: str) -> Content:
    """The content the card is written in: another language when one is asked for and known."""
    return context.services.contents.get(lang, context.content) if lang else context.content


async def read_card(update: Update, context: BotContext) -> Card:
    who = await me(update, context)
    circle = who.circle
    storage = context.storage
    tz, twelve, _ = await family_clock(context, circle)
    now = context.now()
    phase, since = await read_phase(context, circle)
    return Card(
        facts=await storage.log.facts(circle),
        phase=phase,
        since=since,
        medicines=await storage.medicines.listed(circle),
        contacts=await storage.contacts.list(circle),
        region=await family_region(update, context),
        fever_c=await storage.circles.fever_c(circle),
        fever_rule=await storage.circles.fever_rule(circle),
        comma=await decimal_comma(update, context),
        entries=await storage.log.between(circle, now - LOG_HOURS * 3600, now + 1),
        tz=tz,
        twelve=twelve,
        now=now,
        languages={code: c.strings("language.name") for code, c in context.services.contents.items()},
        site=context.services.site,
    )


async def card_reply(update: Update, context: BotContext, lang: str = "") -> Reply:
    content = language_content(context, lang)
    who = await me(update, context)
    card = await read_card(update, context)
    return Reply(card_view(context.content, content, card, lang, full=who.full))


async def edcard_command(update: Update, context: BotContext) -> None:
    """/edcard: the card, in the parent's language."""
    reply = await card_reply(update, context)
    assert reply.view is not None
    await show(update, context, *reply.view)


async def show_card(update: Update, context: BotContext, data: ShowEdCard) -> Reply:
    return await card_reply(update, context, data.lang if data.lang in context.services.contents else "")


async def send_card_pdf(update: Update, context: BotContext, data: SendEdCardPdf) -> Reply:
    """The card as a PDF, in the language it was shown in; sent after the tap is answered."""
    chat = update.effective_chat
    if chat is None:
        return stale_reply(context)
    content = language_content(context, data.lang if data.lang in context.services.contents else "")
    card = await read_card(update, context)
    title, intro, sections = card_parts(content, card)
    from bot.pdf import build_sections_pdf  # fpdf (and numpy with it) loads on the first PDF

    body = await context.services.heavy.run(
        build_sections_pdf,
        content.strings,
        title,
        intro,
        plain_sections(sections),
        content.language,
        "edcard.pdf_footer",
    )
    s = content.strings

    async def send() -> None:
        await context.bot.send_document(
            chat.id,
            document=io.BytesIO(body),
            filename=s("edcard.pdf_filename"),
            caption=visible_text(s("edcard.pdf_caption"), "HTML"),
        )

    return Reply(notice=context.content.strings("edcard.sending"), after=send)


# ---- the details: each line the family keeps ------------------------------------------------------
async def details_reply(update: Update, context: BotContext, notice: str | None = None) -> Reply:
    who = await me(update, context)
    tz, _, _ = await family_clock(context, who.circle)
    facts = await context.storage.log.facts(who.circle) if who.circle else {}
    return Reply(details_view(context.content, facts, tz, notice))


async def show_details(update: Update, context: BotContext, data: EdCardDetails) -> Reply:
    return await details_reply(update, context)


async def _current(update: Update, context: BotContext, fact: str) -> Fact | None:
    who = await me(update, context)
    return (await context.storage.log.facts(who.circle)).get(fact) if who.circle else None


async def _today(update: Update, context: BotContext) -> date:
    now, _ = await family_now(context, (await me(update, context)).circle)
    return now.date()


async def ask_fact(update: Update, context: BotContext, data: AskFact) -> Reply:
    """A line of fixed choices shows them; a typed one opens its prompt (with its quick
    choices, and Remove when it is set)."""
    if not 0 <= data.fact < len(FACTS):
        return stale_reply(context)
    fact = FACTS[data.fact]
    current = await _current(update, context, fact)
    if fact in CHOICES and fact != ALLERGIES:
        return Reply(choices_view(context.content, data.fact, current))
    asking = TYPED_ASKS[fact]
    markup = prompt_markup(context.content, data.fact, current, await _today(update, context))
    question = context.content.strings(f"edcard.{fact}_prompt")
    return await ask(update, context, asking, question, EdCardDetails(), markup=markup)


async def _saved(update: Update, context: BotContext, fact: str, value: str) -> Reply:
    """The line written (or taken off, with ""), then the details with a word saying so."""
    who = await require_full(update, context)
    await context.storage.log.set_fact(who, fact, value)
    s = context.content.strings
    return await details_reply(update, context, s("edcard.saved") if value else s("edcard.removed"))


async def set_fact(update: Update, context: BotContext, data: SetFact) -> Reply:
    if not 0 <= data.fact < len(FACTS):
        return stale_reply(context)
    choices = CHOICES.get(FACTS[data.fact], ())
    if not 0 <= data.choice < len(choices):
        return stale_reply(context)
    return await _saved(update, context, FACTS[data.fact], choices[data.choice])


async def clear_fact(update: Update, context: BotContext, data: ClearFact) -> Reply:
    if not 0 <= data.fact < len(FACTS):
        return stale_reply(context)
    return await _saved(update, context, FACTS[data.fact], "")


async def pick_chemo_day(update: Update, context: BotContext, data: PickChemoDay) -> Reply:
    day = day_from(data.day)
    if day is None:
        return stale_reply(context)
    problem = day_problem(day, await _today(update, context))
    if problem:
        return Reply(
            notice=visible_text(context.content.strings(f"edcard.date.{problem}"), "HTML"), alert=True
        )
    return await _saved(update, context, LAST_CHEMO, day.isoformat())


# ---- reading a day that has been (the last chemotherapy; the summary's first day) ---------------------
async def family_now(context: BotContext, circle: int) -> tuple[datetime, str | None]:
    """Now on the family's clock (UTC until they chose a time zone), and the zone's name."""
    tz, _, name = await family_clock(context, circle)
    return datetime.fromtimestamp(context.now(), tz), name


def day_problem(day: date, today: date) -> str | None:
    """Why a day cannot be one that has been (a content key under edcard.date), or None."""
    if day > today:
        return "future"
    if day < today - timedelta(days=MAX_DAYS_BACK):
        return "too_far"
    return None


async def read_past_day(update: Update, context: BotContext, text: str, *, summary: bool) -> date | Outcome:
    """A typed day, read looking back (bot.when, in the family's words and their country's
    order): a day to come, one that does not exist, or words that are no day get a calm line
    and the prompt stays open; a date that reads two ways gets a button for each."""
    content = context.content
    s = content.strings
    now, zone_name = await family_now(context, (await me(update, context)).circle)
    quick = cancel_keyboard(content)
    if not summary:
        quick = Markup([day_buttons(content, now.date()), *quick.inline_keyboard])
    found = when.read(
        text,
        now,
        prefer="past",
        need="date",
        day_first=when.day_first_for(country_of_zone(zone_name) if zone_name else None),
        words=content.profile.dates,
    )
    if found.problem is not None:
        key = f"edcard.date.{found.problem}"
        return again(content, s(key if key in s else "edcard.date.not_understood"), quick)
    days = sorted({moment.date() for moment in found.readings})
    if len(days) > 1:
        return again(content, s("edcard.date.which"), readings_markup(content, days, summary=summary))
    problem = day_problem(days[0], now.date())
    if problem:
        return again(content, s(f"edcard.date.{problem}"), quick)
    return days[0]


# ---- the prompts ----------------------------------------------------------------------------------
async def _typed_saved(update: Update, context: BotContext, fact: str, value: str) -> Outcome:
    reply = await _saved(update, context, fact, value)
    assert reply.view is not None
    return done(reply.view)


async def save_name(update: Update, context: BotContext, row: None, text: str) -> Outcome:
    return await _typed_saved(update, context, NAME, " ".join(text.split()))


async def save_allergies(update: Update, context: BotContext, row: None, text: str) -> Outcome:
    return await _typed_saved(update, context, ALLERGIES, text.strip())


async def save_instructions(update: Update, context: BotContext, row: None, text: str) -> Outcome:
    return await _typed_saved(update, context, INSTRUCTIONS, text.strip())


async def read_chemo_day(update: Update, context: BotContext, row: None, text: str) -> date | Outcome:
    return await read_past_day(update, context, text, summary=False)


async def save_chemo_day(update: Update, context: BotContext, row: None, day: date) -> Outcome:
    return await _typed_saved(update, context, LAST_CHEMO, day.isoformat())


NAME_ASK: Asking[None, str] = Asking(
    NAME_PROMPT,
    Text.STRUCTURED,
    read=typed_text(MAX_NAME, "edcard.name_empty", "edcard.name_too_long"),
    save=save_name,
    full=True,
)
ALLERGIES_ASK: Asking[None, str] = Asking(
    ALLERGIES_PROMPT,
    Text.FREE,
    read=typed_text(MAX_ALLERGIES, "edcard.allergies_empty", "edcard.allergies_too_long"),
    save=save_allergies,
    full=True,
)
CHEMO_ASK: Asking[None, date] = Asking(
    CHEMO_PROMPT, Text.STRUCTURED, read=read_chemo_day, save=save_chemo_day, full=True
)
INSTRUCTIONS_ASK: Asking[None, str] = Asking(
    INSTRUCTIONS_PROMPT,
    Text.FREE,
    read=typed_text(MAX_INSTRUCTIONS, "edcard.instructions_empty", "edcard.instructions_too_long"),
    save=save_instructions,
    full=True,
)
TYPED_ASKS: dict[str, Asking[None, Any]] = {
    NAME: NAME_ASK,
    ALLERGIES: ALLERGIES_ASK,
    LAST_CHEMO: CHEMO_ASK,
    INSTRUCTIONS: INSTRUCTIONS_ASK,
}
PROMPTS = tuple(TYPED_ASKS.values())
