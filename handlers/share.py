"""Sharing: every page's card in any chat through inline mode, opening the page in the bot.

A page's "Share" button opens Telegram's chat picker with the page's payload as the inline
query; typing `@bot words` in any chat searches the guide. Cards hold only the guide's own
words (never a parent's questions, notes or numbers), so results are not personal.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import InlineQueryHandler

from bot import render
from bot.content import Content, Part, Section
from bot.context import BotApp, BotContext, Command
from handlers.guide import ShowPage, deep_link, page_payload
from handlers.privacy import URGENT_LINK, urgent_text
from handlers.redflags import check as red_flags
from handlers.search import index_of

MAX_RESULTS = 10
CACHE_SECONDS = 300  # the cards are the guide's own words, the same for everyone


def card_html(content: Content, section: Section, part: Part, page: int) -> str:
    """Title, two lines of the page (its key points on a section's first page), the source."""
    s = content.strings
    if page == 0 and part is section.parts[0] and section.key_points:
        lines = [f"• {render.esc(p)}" for p in section.key_points[:2]]
    else:
        body = [line.strip().removeprefix("• ") for line in part.pages[page].splitlines()
                if line.strip() and not line.startswith("## ")]
        lines = [render.esc(render.clip(line, 200)) for line in body[:2]]
    return "\n\n".join([render.page_title(section, part), "\n".join(lines),
                        render.source_footer(s, section)])


def card(content: Content, username: str, section: Section, part: Part,
         page: int) -> InlineQueryResultArticle:
    s = content.strings
    payload = page_payload(section, part, page)
    title = section.title if not section.has_parts else f"{section.title}: {part.title}"
    if len(part.pages) > 1:
        title = f"{title} ({page + 1}/{len(part.pages)})"
    first = next((line.strip().removeprefix("## ") for line in part.pages[page].splitlines()
                  if line.strip()), section.description)
    return InlineQueryResultArticle(
        id=payload, title=title, description=render.clip(first, 100),
        input_message_content=InputTextMessageContent(
            card_html(content, section, part, page), parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True)),
        reply_markup=Markup([[Button(s("share.open"),
                                     url=f"https://t.me/{username}?start={payload}")]]))


def cards_for(content: Content, index_hits: list[str], username: str,
              limit: int = MAX_RESULTS) -> list[InlineQueryResultArticle]:
    out: list[InlineQueryResultArticle] = []
    for key in index_hits:
        data = ShowPage.unpack(key)
        section = content.section(data.sid) if data is not None else None
        part = section.part(data.part) if section is not None and data is not None else None
        if data is None or section is None or part is None:
            continue
        result = card(content, username, section, part, data.page)
        if all(r.id != result.id for r in out):
            out.append(result)
        if len(out) >= limit:
            break
    return out


async def answer_inline(update: Update, context: BotContext) -> None:
    """`@bot words` in any chat: up to 10 page cards; an empty query lists the sections; a
    Share button's query (a page's payload) gives that page's card first."""
    query = update.inline_query
    if query is None:
        return
    content = context.content
    username = context.bot.username
    text = query.query.strip()
    if not text:
        keys = [ShowPage(s.id, s.parts[0].id, 0).pack() for s in content.sections]
        limit = len(keys)
    else:
        target = deep_link(content, text)
        _, hits = index_of(context).search(text, limit=MAX_RESULTS * 3)
        keys = ([target.pack()] if target is not None else []) + [h.document.key for h in hits]
        limit = MAX_RESULTS
    results = cards_for(content, keys, username, limit)
    match = await red_flags(update, context, text)
    if match:  # a red flag: the urgent card first, then what the guide says
        results = [urgent_card(content, username), *results][:MAX_RESULTS]
    # A number is read against the family's own fever number: such answers are theirs.
    personal = bool(match) or any(ch.isdigit() for ch in text)
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=personal)


def urgent_card(content: Content, username: str) -> InlineQueryResultArticle:
    """The urgent card as an inline result: the card's words only (never a family's
    numbers: an inline result can be sent into any chat)."""
    s = content.strings
    return InlineQueryResultArticle(
        id="urgent", title=content.urgent.title, description=s("redflags.inline_description"),
        input_message_content=InputTextMessageContent(
            urgent_text(content, (), numbers=False), parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True)),
        reply_markup=Markup([[Button(s("share.open"),
                                     url=f"https://t.me/{username}?start={URGENT_LINK}")]]))


COMMANDS: tuple[Command, ...] = ()


def setup(app: BotApp) -> None:
    app.add_handler(InlineQueryHandler(answer_inline))
