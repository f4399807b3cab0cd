"""Sharing: every page's card in any chat through inline mode, opening the page in the bot.

A page's "Share" button opens Telegram's chat picker with the page's payload as the inline
query, which gives that page's card alone; typing `@bot words` in any chat searches the
guide. Cards hold only the guide's own words (never a parent's questions, notes or numbers),
so results are not personal. A hard page (one that asks first) is never offered by a search:
its card would carry its words into any chat without the question. Named by its own payload
(or listed in the contents), it gets a neutral card whose button opens the page's gate; only
its own payload, from a parent who chose not to be asked, gives its real card.
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
from handlers.glossary import asks_first
from handlers.guide import ShowPage, deep_link, page_payload
from handlers.privacy import URGENT_LINK, urgent_text
from handlers.redflags import check as red_flags
from handlers.search import hidden_pages, index_of, neutral_title, page_title

MAX_RESULTS = 10
CACHE_SECONDS = 300  # the cards are the guide's own words, the same for everyone
LINE = 200  # characters of a card's line


def clip_line(line: str, limit: int = LINE) -> str:
    """A long line cut after its last whole sentence that fits, else after its last whole
    word, marked "…" (never mid-word, as "…spinal cord. C…" was)."""
    if len(line) <= limit:
        return line
    end = max(line.rfind(f"{mark} ", 0, limit) for mark in ".!?")
    if end >= limit // 3:
        return line[: end + 1]
    space = line.rfind(" ", 0, limit)
    return line[:space].rstrip() + "…" if space > 0 else render.clip(line, limit)


def card_html(content: Content, section: Section, part: Part, page: int) -> str:
    """Title, two lines of the page (its key points on a section's first page), the source."""
    s = content.strings
    if page == 0 and part is section.parts[0] and section.key_points:
        lines = [f"• {render.esc(p)}" for p in section.key_points[:2]]
    else:
        body = [
            line.strip().removeprefix("• ")
            for line in part.pages[page].splitlines()
            if line.strip() and not line.startswith("## ")
        ]
        lines = [render.esc(clip_line(line)) for line in body[:2]]
    return "\n\n".join([render.page_title(section, part), "\n".join(lines), render.source_footer(s, section)])


def open_button(content: Content, username: str, payload: str) -> Markup:
    return Markup([[Button(content.strings("share.open"), url=f"https://t.me/{username}?start={payload}")]])


def card(
    content: Content, username: str, section: Section, part: Part, page: int
) -> InlineQueryResultArticle:
    payload = page_payload(section, part, page)
    first = next(
        (line.strip().removeprefix("## ") for line in part.pages[page].splitlines() if line.strip()),
        section.description,
    )
    return InlineQueryResultArticle(
        id=payload,
        title=page_title(section, part, page),
        description=render.clip(first, 100),
        input_message_content=InputTextMessageContent(
            card_html(content, section, part, page),
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        reply_markup=open_button(content, username, payload),
    )


def neutral_card(
    content: Content, username: str, section: Section, part: Part, page: int
) -> InlineQueryResultArticle:
    """A hard page's card before anyone said yes: its neutral name, that the bot asks first,
    the source, and the button that opens the page's gate. None of the page's words."""
    s = content.strings
    payload = page_payload(section, part, page)
    title = neutral_title(section, part, page)
    text = "\n\n".join(
        [s("share.asks_first_card", title=render.esc(title)), render.source_footer(s, section)]
    )
    return InlineQueryResultArticle(
        id=payload,
        title=s("share.asks_first_title", title=title),
        description=s("share.asks_first_description"),
        input_message_content=InputTextMessageContent(
            text, parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
        reply_markup=open_button(content, username, payload),
    )


def page_of(content: Content, data: object) -> tuple[Section, Part, int] | None:
    """The page a ShowPage names, if it still exists."""
    if not isinstance(data, ShowPage):
        return None
    section = content.section(data.sid)
    part = section.part(data.part) if section is not None else None
    if section is None or part is None or not 0 <= data.page < len(part.pages):
        return None
    return section, part, data.page


def page_card(
    content: Content, username: str, section: Section, part: Part, page: int, full: bool = False
) -> InlineQueryResultArticle:
    """A page's card; a hard page's neutral one unless `full`."""
    if asks_first(section, part, page) and not full:
        return neutral_card(content, username, section, part, page)
    return card(content, username, section, part, page)


def cards_for(
    content: Content, index_hits: list[str], username: str, limit: int = MAX_RESULTS
) -> list[InlineQueryResultArticle]:
    """The cards of the pages among search results: never a hard page's."""
    out: list[InlineQueryResultArticle] = []
    for key in index_hits:
        found = page_of(content, ShowPage.unpack(key))
        if found is None or asks_first(*found):
            continue
        result = card(content, username, *found)
        if all(r.id != result.id for r in out):
            out.append(result)
        if len(out) >= limit:
            break
    return out


async def skips_gates(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and await context.storage.users.skips_gates(user.id)


async def answer_inline(update: Update, context: BotContext) -> None:
    """`@bot words` in any chat: up to 10 page cards, never a hard page's; an empty query
    lists the sections; a Share button's query (a page's payload) gives that page's card."""
    query = update.inline_query
    if query is None:
        return
    content = context.content
    username = context.bot.username
    text = query.query.strip()
    hidden = hidden_pages(context)  # a hospital's pages past their review-by day
    if not text:
        results = [
            page_card(content, username, s, s.parts[0], 0)
            for s in content.sections
            if ShowPage(s.id, s.parts[0].id, 0).pack() not in hidden
        ]
        await query.answer(results, cache_time=CACHE_SECONDS, is_personal=False)
        return
    target = page_of(content, deep_link(content, text))
    if target is not None and ShowPage(target[0].id, target[1].id, target[2]).pack() in hidden:
        target = None
    if target is not None and page_payload(*target) == text:
        # A page's own payload (its Share button): that card alone, nothing one mis-tap away.
        # A hard page's real card only for a parent who chose not to be asked, and then the
        # answer is theirs, not to be served to others from Telegram's cache.
        gated = asks_first(*target)
        full = gated and await skips_gates(update, context)
        await query.answer(
            [page_card(content, username, *target, full=full)], cache_time=CACHE_SECONDS, is_personal=gated
        )
        return
    _, documents = index_of(context).rank(text, limit=MAX_RESULTS * 3)
    results = [page_card(content, username, *target)] if target is not None else []
    results += [
        r
        for r in cards_for(content, [d.key for d in documents if d.key not in hidden], username)
        if all(r.id != t.id for t in results)
    ]
    results = results[:MAX_RESULTS]
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
        id="urgent",
        title=content.urgent.title,
        description=s("redflags.inline_description"),
        input_message_content=InputTextMessageContent(
            urgent_text(content, (), numbers=False),
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        reply_markup=Markup([[Button(s("share.open"), url=f"https://t.me/{username}?start={URGENT_LINK}")]]),
    )


COMMANDS: tuple[Command, ...] = ()


def setup(app: BotApp) -> None:
    app.add_handler(InlineQueryHandler(answer_inline))
