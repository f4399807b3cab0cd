"""Red flags, answered first wherever text arrives.

Every text a parent sends (typed outside or inside a prompt, a caption, an edit, a
forwarded message, `/search` words, an inline query) goes through `check` before anything
else reads it; when it names an item of the urgent card, the parent first sees that item's
line under its group ("call your local emergency number now" or "call your care team now"),
the family's own numbers as plain text Telegram makes tappable (read for their country, as the
urgent card shows them), and the card's button.
What cannot be read (a voice note, a sticker, a photo without a caption) always gets the
urgent line and the numbers, with a word that no person sees or hears it.

The check itself is bot.redflags, from the words in content/urgent.yaml. The bot never says
that nothing urgent was found: when the check names nothing, this module says nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Message, Update
from telegram.ext import MessageHandler, filters

from bot.ceiling import Priority
from bot.content import Content
from bot.context import BotApp, BotContext
from bot.redflags import Match, RedFlags
from bot.render import esc
from bot.storage import Contact
from handlers.common import View, button, circle_of, show
from handlers.privacy import (
    ShowSettings,
    ShowUrgent,
    family_lines,
    family_region,
    numbers_block,
    review_line,
)

# Private chats only; edits of text or of a caption.
EDITED = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE


def flags_of(content: Content) -> RedFlags:
    if content.red_flags is None:  # load_content always builds it
        raise RuntimeError(f"content {content.language!r} has no red-flag check")
    return content.red_flags


async def check(
    update: Update, context: BotContext, text: str, bare_numbers: bool = True, numbers: bool = True
) -> Match:
    """The card items `text` names: with the parent's language's words and numbers (the
    family's fever number if they saved one), and the other languages' words too, since
    parents mix them. `bare_numbers`: False inside a prompt that asks for a number;
    `numbers`: False inside one that asks for a temperature (its words are still read)."""
    if not text or not text.strip():
        return Match(())
    content = context.content
    fever = None
    if update.effective_user is not None:
        fever = await fever_threshold(update, context)
    own = flags_of(content).check(text, fever, bare_numbers, numbers=numbers)
    found = set(own.signs)
    for other in context.services.contents.values():
        if other.language != content.language:
            found.update(flags_of(other).check(text, numbers=False, as_written=True).signs)
    if found == set(own.signs):
        return own
    order = [sign.id for sign in content.urgent.signs]
    return Match(tuple(s for s in order if s in found), own.temperature_c)


async def fever_threshold(update: Update, context: BotContext) -> float | None:
    """The number a temperature is checked against: the lower of the family's own and the
    hospital's (a site folder's), or whichever there is (None: the card's general one)."""
    own = await context.storage.circles.fever_c(await circle_of(update, context))
    site = context.services.site
    hospital = site.fever.number_c if site is not None and site.fever is not None else None
    found = [n for n in (own, hospital) if n is not None]
    return min(found) if found else None


def alert_text(
    content: Content,
    match: Match,
    contacts: Sequence[Contact],
    fever: str | None,
    emergency: str | None = None,
    region: str | None = None,
    shared: bool = False,
    site: str | None = None,
) -> str:
    """The matching lines of the card under their group titles, the family's numbers, their
    emergency number (or, for a line that says to call it, the card's general one), and the
    card's review status. `region`: the family's country, to read their numbers. `shared`:
    others are in the family, and the bot does not tell them (the alert says so)."""
    s = content.strings
    card = content.urgent
    chunks = [s("redflags.title")]
    for group in card.groups:
        lines = [f"• {esc(sign.text)}" for sign in group.signs if sign.id in match.signs]
        if lines:
            chunks.append("\n".join([f"<b>{esc(group.title)}</b>", *lines]))
    if fever and ("fever" in match.signs or "low_temperature" in match.signs):
        chunks.append(fever)
    if site:  # the hospital's numbers and rule, before the family's own
        chunks.append(site)
    none = s("site_card.no_own_numbers") if site else s("redflags.no_numbers")
    chunks.append(numbers_block(content, contacts, none, region))
    if emergency:
        chunks.append(emergency)
    elif any(
        sign.id in match.signs for group in card.groups if group.id != "care_team" for sign in group.signs
    ):  # "call the emergency number", "go to the nearest…"
        chunks.append(f"🚑 {esc(card.no_number)}")
    if shared:
        chunks.append(s("redflags.not_shared"))
    chunks.append(review_line(content, match.signs))
    return "\n\n".join(chunks)


def alert_rows(content: Content, contacts: Sequence[Contact]) -> list[list[Button]]:
    s = content.strings
    rows = [[button(s("redflags.card_button"), ShowUrgent())]]
    if not contacts:
        rows.append([button(s("redflags.save_numbers"), ShowSettings())])
    return rows


async def alert_view(update: Update, context: BotContext, match: Match, after: str | None = None) -> View:
    """The alert as its own message: the card's lines, the numbers, the card's button, then
    `after` (what happened to the rest of the message)."""
    circle = await circle_of(update, context)
    contacts = await context.storage.contacts.list(circle)
    emergency, fever, site = await family_lines(update, context)
    region = await family_region(update, context)
    shared = bool(circle) and len(await context.storage.circles.members(circle)) > 1
    text = alert_text(context.content, match, contacts, fever, emergency, region, shared, site)
    if after:
        text = f"{text}\n\n{after}"
    return View(text, Markup(alert_rows(context.content, contacts)))


async def send_alert(update: Update, context: BotContext, match: Match, after: str | None = None) -> None:
    await show(update, context, *await alert_view(update, context, match, after), priority=Priority.URGENT)


async def unreadable_view(update: Update, context: BotContext) -> View:
    """A voice note, a sticker, a photo without a caption: the bot cannot read it, so it
    always gives the urgent line and the numbers, and says no person sees or hears it."""
    s = context.content.strings
    contacts = await context.storage.contacts.list(await circle_of(update, context))
    emergency, _, site = await family_lines(update, context)
    none = s("site_card.no_own_numbers") if site else s("redflags.no_numbers")
    text = "\n\n".join(
        [
            s("redflags.unreadable"),
            *([site] if site else []),  # the hospital's numbers, before the family's own
            numbers_block(context.content, contacts, none, await family_region(update, context)),
            emergency or f"🚑 {esc(context.content.urgent.no_number)}",
            s("redflags.unseen"),
        ]
    )
    return View(text, Markup(alert_rows(context.content, contacts)))


def caption_of(message: Message | None) -> str:
    if message is None:
        return ""
    return message.text or message.caption or ""


async def reply_media(update: Update, context: BotContext) -> None:
    """Anything but text in a private chat: its caption is checked; what cannot be read at
    all gets the urgent line anyway."""
    message = update.effective_message
    caption = caption_of(message)
    match = await check(update, context, caption)
    if match:
        await send_alert(update, context, match, context.content.strings("redflags.unseen"))
        return
    await show(update, context, *await unreadable_view(update, context), priority=Priority.URGENT)


async def reply_edit(update: Update, context: BotContext) -> None:
    """An edited message (a temperature corrected from 37.5 to 38.9): checked again; the
    alert is sent as a new message. An edit that names no card item changes nothing."""
    match = await check(update, context, caption_of(update.effective_message))
    if match:
        await send_alert(update, context, match, context.content.strings("redflags.edited"))


def setup_edits(app: BotApp) -> None:
    """Registered with the fallbacks: edits of texts and captions in private chats."""
    app.add_handler(MessageHandler(EDITED, reply_edit))
