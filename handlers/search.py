"""Search: any text typed outside a prompt, or /search words, finds the guide's pages.

Urgent words come first (a calm line and the urgent card's button, with the family's own
care-team number if saved); a greeting gets an honest "this is an automated guide"; and when
nothing matches, the reply says so and offers the care team, other words and the contents.
A hard page (one that asks first) shows none of its words: its result reads "Statistics —
asks before showing" and its button opens the page's gate, unless the parent chose not to be
asked; the words of hard pages' glossary cards are left out the same way. A hopeful question
("will my child survive", "se va a curar") opens with the survival figures.
Typed text is never stored or logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot import render, temperature
from bot.callbacks import CallbackData
from bot.ceiling import Priority
from bot.content import Content, Part, PerContents, Section
from bot.context import BotApp, BotContext, Command, services_of
from bot.render import utf16_len
from bot.search import Document, Query, SearchIndex, words_of
from bot.telegram_html import MAX_TEXT, visible_text
from handlers.common import (
    Contents,
    Home,
    Reply,
    View,
    button,
    feature_on,
    main_menu,
    menu_button,
    show,
    tap,
)
from handlers.glossary import (
    Glossary,
    ShowTerm,
    asks_first,
    forms_of,
    glossaries_for,
    hard_terms,
)
from handlers.guide import ShowPage, hospital_sections, under_review
from handlers.log.flow import offer_view
from handlers.phase import survival_first
from handlers.privacy import ShowUrgent, decimal_comma
from handlers.questions import ShowGroup
from handlers.redflags import alert_view, send_alert
from handlers.redflags import check as red_flags
from handlers.symptoms import ShowChecklist

RESULTS = 5
TERM_WEIGHT = 0.7
QUESTION_WEIGHT = 0.6
TITLE = 34  # characters of a result's title on its button
CANDIDATES = 3 * RESULTS  # places looked at, so leaving hard ones out still fills the list
# The section with the survival figures. Hopeful questions ("will my child survive", "is it
# curable", "se va a curar") open with its first page: the synonyms in content/search.yaml
# lead their words to the section's title. Section ids are the same in every language.
SURVIVAL_SECTION = "statistics"


@dataclass(frozen=True)
class Result:
    """One result as the reply shows it."""

    key: str  # the button's callback data
    title: str  # plain text
    snippet: str  # HTML
    button: str = ""  # the button's title, if not `title` clipped


def result(content: Content, index: SearchIndex, document: Document, query: Query, ask: bool) -> Result:
    """A hard page's result before the parent says yes: its neutral name, that it asks first,
    and its usual button (which opens the page's gate). Any other: title and snippet."""
    s = content.strings
    if document.asks_first and ask:
        return Result(
            document.key,
            s("search.asks_first", title=document.label),
            s("search.asks_first_hint"),
            s("search.asks_first_button", title=render.clip(document.label, TITLE - 2)),
        )
    return Result(document.key, document.title, index.snippet(document, query.stems))


@dataclass(frozen=True)
class AskSearch(CallbackData, prefix="f"):
    """The Search button: how to search."""


# ---- what is searched ---------------------------------------------------------------------------
def page_title(section: Section, part: Part, number: int) -> str:
    """A page's title as results and cards show it: "Treatment options: Chemotherapy (2/4)"."""
    title = section.title if not section.has_parts else f"{section.title}: {part.title}"
    return f"{title} ({number + 1}/{len(part.pages)})" if len(part.pages) > 1 else title


def neutral_title(section: Section, part: Part, number: int) -> str:
    """What a hard page's result or card is called before the parent says yes: a hard part's
    own title speaks of what it holds ("If treatment doesn't work"), so it names the section."""
    if section.sensitive or part.sensitive:
        return section.title
    return page_title(section, part, number)


def documents(content: Content, hard: Iterable[str] = ()) -> list[Document]:
    """Every page of every section and part, the glossary, the checklist, the questions.
    Hard pages carry their neutral name; `hard` names the glossary's words of hard pages."""
    hard = frozenset(hard)
    docs = []
    for section in content.sections:
        for part in section.parts:
            for number, text in enumerate(part.pages):
                lead = section.key_points if number == 0 and part is section.parts[0] else ()
                body = "\n".join(
                    [*lead, *(line.removeprefix("## ").removeprefix("• ") for line in text.splitlines())]
                )
                headings = " ".join(line[3:] for line in text.splitlines() if line.startswith("## "))
                gated = asks_first(section, part, number)
                title = page_title(section, part, number)
                docs.append(
                    Document(
                        ShowPage(section.id, part.id, number).pack(),
                        f"🏥 {title}" if section.local is not None else title,
                        body,
                        keywords=headings,
                        asks_first=gated,
                        label=neutral_title(section, part, number) if gated else "",
                    )
                )
    # Short cards rank a little below the pages that explain the same words at length.
    for term in content.glossary:
        docs.append(
            Document(
                ShowTerm(term.id).pack(),
                term.term,
                term.definition,
                keywords=" ".join(term.forms),
                weight=TERM_WEIGHT,
                names=tuple(forms_of(term)),
                asks_first=term.id in hard,
            )
        )
    checklist = content.checklist
    for item in checklist.items:
        docs.append(Document(ShowChecklist().pack(), f"{checklist.title}: {item.label}", item.explain))
    for group in content.question_groups:
        for question in group.questions:
            docs.append(
                Document(
                    ShowGroup(group.id).pack(),
                    group.title,
                    " ".join(filter(None, [question.text, question.explain])),
                    weight=QUESTION_WEIGHT,
                )
            )
    return docs


def build_index(content: Content, hard: Iterable[str] | None = None) -> SearchIndex:
    """The index of one language; `hard`: the glossary's words of hard pages (by default this
    language's own, see `handlers.glossary.hard_terms`)."""
    words = content.search
    if hard is None:
        hard = Glossary(content).own_hard_terms
    return SearchIndex(documents(content, hard), words.language, words.stop_words, words.synonyms)


def _indexes(contents: Mapping[str, Content]) -> dict[str, SearchIndex]:
    hard = hard_terms(glossaries_for(contents).values())
    return {language: build_index(content, hard) for language, content in contents.items()}


# Every language's index: built once per set of content objects, as the content loads, and
# shared by the Applications built from them. It holds only content, never a query.
indexes_for = PerContents(_indexes)


def index_of(context: BotContext) -> SearchIndex:
    """The index of the parent's language."""
    indexes: dict[str, SearchIndex] = context.bot_data["search"]
    return indexes[context.content.language]


# ---- reading the text ------------------------------------------------------------------------
def is_greeting(content: Content, words: Sequence[str]) -> bool:
    return any(w in content.search.greetings for w in words)


def survival_page(content: Content, index: SearchIndex, query: Query) -> Document | None:
    """For a hopeful question (the words as typed name the survival section's title, or lead
    to it through a synonym; never a guess at a typo), the first page of that section."""
    section = content.section(SURVIVAL_SECTION)
    if section is None:
        return None
    title = {index.stem(w) for w in words_of(section.title)}
    if not title or not title <= query.as_typed:
        return None
    return index.document(ShowPage(section.id, section.parts[0].id, 0).pack())


def hidden_pages(context: BotContext) -> frozenset[str]:
    """The result keys of a hospital's pages that are under review today (none without one)."""
    site = context.services.site
    if site is None:
        return frozenset()
    return frozenset(
        ShowPage(section.id, part.id, number).pack()
        for section in hospital_sections(context.content)
        if under_review(section, context.now(), site.zone())
        for part in section.parts
        for number in range(len(part.pages))
    )


async def find(update: Update, context: BotContext, text: str) -> tuple[list[Result], bool]:
    """The results for a text (at most RESULTS, best first) and whether it was a hopeful
    question. A hard page shows its neutral label, and a hard page's glossary card is left
    out, unless the parent chose not to be asked (read only when such a result is near)."""
    content = context.content
    index = index_of(context)
    query, ranked = index.rank(text, limit=CANDIDATES)
    first = survival_page(content, index, query)
    if first is not None and not await survival_first(update, context):
        first = None  # a family whose child's ALL came back: never led by the figures
    if first is not None:
        ranked = [first, *(d for d in ranked if d.key != first.key)]
    ask: bool | None = None
    labels: set[str] = set()
    results: list[Result] = []
    hidden = hidden_pages(context)
    for document in ranked:
        if len(results) == RESULTS:
            break
        if document.key in hidden:
            continue  # a hospital's page past its review-by day
        if document.asks_first:
            if ask is None:
                user = update.effective_user
                ask = user is None or not await context.storage.users.skips_gates(user.id)
            if ask and (not document.label or document.label in labels):
                continue  # a hard page's glossary card, or a second page of the same name
            labels.add(document.label)
        results.append(result(content, index, document, query, bool(ask)))
    return results, first is not None


# ---- the reply ------------------------------------------------------------------------------------
def reply_view(
    content: Content, hits: Sequence[Result], alert: View | None, greeting: bool, hopeful: bool = False
) -> View:
    """The answer to typed text: the red-flag alert first (the card's lines, the numbers,
    the card's button), then results or the honest no-match. Results are left out, last
    first, when the alert and they would not fit in one message: the alert never is."""
    hits = list(hits)
    while True:
        view = _reply_view(content, hits, alert, greeting, hopeful)
        if not hits or utf16_len(visible_text(view.text, "HTML")) <= MAX_TEXT:
            return view
        hits.pop()


def _reply_view(
    content: Content, hits: Sequence[Result], alert: View | None, greeting: bool, hopeful: bool
) -> View:
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
        if hopeful:  # the guide's caveat before the figures
            chunks.append(s("search.hopeful"))
        chunks.append(s("search.results"))
        for number, hit in enumerate(hits, start=1):
            chunks.append(s("search.result", number=number, title=render.esc(hit.title), snippet=hit.snippet))
            rows.append(
                [
                    Button(
                        s(
                            "search.result_button",
                            number=number,
                            title=hit.button or render.clip(hit.title, TITLE),
                        ),
                        callback_data=hit.key,
                    )
                ]
            )
        rows.append([button(s("menu.contents"), Contents()), button(s("menu.home"), Home())])
        return View("\n\n".join(chunks), Markup(rows))
    if greeting and not urgent:
        return View("\n\n".join(chunks), None)
    chunks.append(s("search.nothing"))
    if not urgent:
        rows.append([button(s("search.urgent_button"), ShowUrgent())])
    rows.append([button(s("menu.contents"), Contents()), button(s("menu.home"), Home())])
    return View("\n\n".join(chunks), Markup(rows))


async def search_reply(update: Update, context: BotContext, text: str) -> tuple[View, Priority | None]:
    """The reply to typed text, and URGENT when it starts with a red-flag alert."""
    content = context.content
    hits, hopeful = await find(update, context, text)  # one hit per place it opens
    typed = words_of(text)
    match = await red_flags(update, context, text)
    alert = await alert_view(update, context, match) if match else None
    greeting = is_greeting(content, typed)
    return (reply_view(content, hits, alert, greeting, hopeful), Priority.URGENT if alert else None)


async def search_text(update: Update, context: BotContext) -> None:
    """Text that answers no prompt: search the guide for it."""
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    reading = temperature.plainly(text)
    if reading is not None:
        # Plainly a temperature: the card line first when it names one (as any text), then
        # "Log it?" (handlers.log), never instead of the line.
        match = await red_flags(update, context, text)
        if match:
            await send_alert(update, context, match)
        if feature_on(context, "log"):
            comma = await decimal_comma(update, context)
            await show(update, context, *offer_view(context.content, reading, context.now(), comma))
            return
        if match:
            return
    view, priority = await search_reply(update, context, text)
    if view.markup is None:  # a bare greeting: the honest line, then the main menu
        await show(
            update,
            context,
            f"{view.text}\n\n{context.content.strings('menu.home_title')}",
            main_menu(context),
        )
        return
    await show(update, context, *view, priority=priority)


def ask_view(content: Content) -> View:
    s = content.strings
    return View(
        s("search.ask"), Markup([[button(s("menu.contents"), Contents()), button(s("menu.home"), Home())]])
    )


async def search_command(update: Update, context: BotContext) -> None:
    """/search words: search for them; /search alone: say how (the next text searches)."""
    words = " ".join(context.args or [])
    if not words.strip():
        await show(update, context, *ask_view(context.content))
        return
    view, priority = await search_reply(update, context, words)
    if view.markup is None:
        await show(update, context, *ask_view(context.content))
        return
    await show(update, context, *view, priority=priority)


async def tap_ask(update: Update, context: BotContext, data: AskSearch) -> Reply:
    """Search button: how to search."""
    return Reply(ask_view(context.content))


COMMANDS = (Command("search", "help.commands.search", search_command),)


def setup(app: BotApp) -> None:
    services = services_of(app)
    app.bot_data["search"] = dict(indexes_for(services.contents))
    services.outside_prompt = search_text
    tap(app, AskSearch, tap_ask)
    menu_button(app, "menu.search", AskSearch())
