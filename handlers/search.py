"""Search: any text typed outside a prompt, or /search words, finds the guide's pages.

Urgent words come first (a calm line and the urgent card's button, with the family's own
care-team number if saved); a greeting gets an honest "this is an automated guide"; and when
nothing matches, the reply says so and offers the care team, other words and the contents.
Typed text is never stored or logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot import render
from bot.callbacks import CallbackData
from bot.content import Content
from bot.context import BotApp, BotContext, Command, services_of
from bot.render import utf16_len
from bot.search import Document, Hit, SearchIndex, words_of
from bot.telegram_html import MAX_TEXT, visible_text
from handlers.common import (
    Contents,
    Home,
    Reply,
    View,
    button,
    main_menu,
    menu_button,
    show,
    tap,
)
from handlers.glossary import ShowTerm, forms_of
from handlers.guide import ShowPage
from handlers.privacy import ShowUrgent
from handlers.questions import ShowGroup
from handlers.redflags import alert_view
from handlers.redflags import check as red_flags
from handlers.symptoms import ShowChecklist

RESULTS = 5
TERM_WEIGHT = 0.7
QUESTION_WEIGHT = 0.6
TITLE = 34  # characters of a result's title on its button


@dataclass(frozen=True)
class AskSearch(CallbackData, prefix="f"):
    """The Search button: how to search."""


# ---- what is searched ---------------------------------------------------------------------------
def documents(content: Content) -> list[Document]:
    """Every page of every section and part, the glossary, the checklist, the questions."""
    docs = []
    for section in content.sections:
        for part in section.parts:
            title = section.title if not section.has_parts else f"{section.title}: {part.title}"
            for number, text in enumerate(part.pages):
                lead = section.key_points if number == 0 and part is section.parts[0] else ()
                body = "\n".join([*lead, *(line.removeprefix("## ").removeprefix("• ")
                                           for line in text.splitlines())])
                page = f" ({number + 1}/{len(part.pages)})" if len(part.pages) > 1 else ""
                headings = " ".join(line[3:] for line in text.splitlines()
                                    if line.startswith("## "))
                docs.append(Document(ShowPage(section.id, part.id, number).pack(),
                                     f"{title}{page}", body, keywords=headings))
    # Short cards rank a little below the pages that explain the same words at length.
    for term in content.glossary:
        docs.append(Document(ShowTerm(term.id).pack(), term.term, term.definition,
                             keywords=" ".join(term.forms), weight=TERM_WEIGHT,
                             names=tuple(forms_of(term))))
    checklist = content.checklist
    for item in checklist.items:
        docs.append(Document(ShowChecklist().pack(), f"{checklist.title}: {item.label}",
                             item.explain))
    for group in content.question_groups:
        for question in group.questions:
            docs.append(Document(ShowGroup(group.id).pack(), group.title,
                                 " ".join(filter(None, [question.text, question.explain])),
                                 weight=QUESTION_WEIGHT))
    return docs


def build_index(content: Content) -> SearchIndex:
    words = content.search
    return SearchIndex(documents(content), words.language, words.stop_words, words.synonyms)


def index_of(context: BotContext) -> SearchIndex:
    """The index of the parent's language."""
    indexes: dict[str, SearchIndex] = context.bot_data["search"]
    return indexes[context.content.language]


# ---- reading the text ------------------------------------------------------------------------
def is_greeting(content: Content, words: Sequence[str]) -> bool:
    return any(w in content.search.greetings for w in words)


# ---- the reply ------------------------------------------------------------------------------------
def reply_view(content: Content, hits: Sequence[Hit], alert: View | None, greeting: bool) -> View:
    """The answer to typed text: the red-flag alert first (the card's lines, the numbers,
    the card's button), then results or the honest no-match. Results are left out, last
    first, when the alert and they would not fit in one message: the alert never is."""
    hits = list(hits)
    while True:
        view = _reply_view(content, hits, alert, greeting)
        if not hits or utf16_len(visible_text(view.text, "HTML")) <= MAX_TEXT:
            return view
        hits.pop()


def _reply_view(content: Content, hits: Sequence[Hit], alert: View | None,
                greeting: bool) -> View:
    s = content.strings
    chunks: list[str] = []
    rows: list[list[Button]] = []
    urgent = alert is not None
    if alert is not None:
        chunks.append(alert.text)
        if alert.markup is not None:
            rows.extend([list(row) for row in alert.markup.inline_keyboard])
    if greeting:
        chunks.append(s("search.greeting"))
    if hits:
        chunks.append(s("search.results"))
        for number, hit in enumerate(hits, start=1):
            chunks.append(s("search.result", number=number, title=render.esc(hit.document.title),
                            snippet=hit.snippet))
            rows.append([Button(s("search.result_button", number=number,
                                  title=render.clip(hit.document.title, TITLE)),
                                callback_data=hit.document.key)])
        rows.append([button(s("menu.contents"), Contents()), button(s("menu.home"), Home())])
        return View("\n\n".join(chunks), Markup(rows))
    if greeting and not urgent:
        return View("\n\n".join(chunks), None)
    chunks.append(s("search.nothing"))
    if not urgent:
        rows.append([button(s("search.urgent_button"), ShowUrgent())])
    rows.append([button(s("menu.contents"), Contents()), button(s("menu.home"), Home())])
    return View("\n\n".join(chunks), Markup(rows))


async def search_reply(update: Update, context: BotContext, text: str) -> View:
    content = context.content
    index = index_of(context)
    _, hits = index.search(text, limit=RESULTS)  # one hit per place it opens
    typed = words_of(text)
    match = await red_flags(update, context, text)
    alert = await alert_view(update, context, match) if match else None
    greeting = is_greeting(content, typed)
    return reply_view(content, hits, alert, greeting)


async def search_text(update: Update, context: BotContext) -> None:
    """Text that answers no prompt: search the guide for it."""
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    view = await search_reply(update, context, text)
    if view.markup is None:  # a bare greeting: the honest line, then the main menu
        await show(update, context, f"{view.text}\n\n{context.content.strings('menu.home_title')}",
                   main_menu(context))
        return
    await show(update, context, *view)


def ask_view(content: Content) -> View:
    s = content.strings
    return View(s("search.ask"), Markup([[button(s("menu.contents"), Contents()),
                                          button(s("menu.home"), Home())]]))


async def search_command(update: Update, context: BotContext) -> None:
    """/search words: search for them; /search alone: say how (the next text searches)."""
    words = " ".join(context.args or [])
    if not words.strip():
        await show(update, context, *ask_view(context.content))
        return
    view = await search_reply(update, context, words)
    if view.markup is None:
        await show(update, context, *ask_view(context.content))
        return
    await show(update, context, *view)


async def tap_ask(update: Update, context: BotContext, data: AskSearch) -> Reply:
    """Search button: how to search."""
    return Reply(ask_view(context.content))


COMMANDS = (Command("search", "help.commands.search", search_command, {"es": ("buscar",)}),)


def setup(app: BotApp) -> None:
    services = services_of(app)
    # Built as the content loads, once per Application: the index holds only content.
    app.bot_data["search"] = {language: build_index(content)
                              for language, content in services.contents.items()}
    services.outside_prompt = search_text
    tap(app, AskSearch, tap_ask)
    menu_button(app, 0, 1, "menu.search", AskSearch())
