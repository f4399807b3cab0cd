"""The glossary: hard words A–Z, one card per word, and "Words on this page" on guide pages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot import render
from bot.callbacks import CallbackData
from bot.content import Content, Part, PerContents, Section, Term
from bot.context import BotApp, BotContext, Command, services_of
from handlers.common import (
    Contents,
    Home,
    Reply,
    View,
    button,
    home_row,
    menu_button,
    show,
    stale_reply,
    tap,
    user_id,
)
from handlers.guide import ShowGatedPage, ShowPage, section_start

GROUP_BUDGET = 3000  # visible characters of definitions on one A–Z screen
PAGE_BUDGET = 3400  # visible characters of "Words on this page"
_PAREN = re.compile(r"\s*\(([^)]*)\)")


# ---- this feature's buttons ---------------------------------------------------------------------
@dataclass(frozen=True)
class ShowGlossary(CallbackData, prefix="g"):
    """The glossary's letters."""


@dataclass(frozen=True)
class GlossaryGroup(CallbackData, prefix="gg"):
    """The words of one group of letters (named by its first letter)."""

    first: str


@dataclass(frozen=True)
class ShowTerm(CallbackData, prefix="gt"):
    """One word's card."""

    term: str


@dataclass(frozen=True)
class WordsOnPage(CallbackData, prefix="w"):
    """The glossary words used on one page of the guide (on a hard page: asks first, unless
    the parent chose not to be asked)."""

    sid: str
    part: str
    page: int


@dataclass(frozen=True)
class WordsOnGatedPage(CallbackData, prefix="wr"):
    """The glossary words used on a hard page, the parent having said yes to reading it."""

    sid: str
    part: str
    page: int


def asks_first(section: Section, part: Part, page: int) -> bool:
    """Whether a page asks before it is read (a hard page)."""
    return section.sensitive or part.asks_first(page)


# ---- finding words on a page ------------------------------------------------------------------
def forms_of(term: Term) -> list[str]:
    """How pages write a term: its name without the bracket, what the bracket holds (an
    abbreviation or another name), and the forms the glossary lists."""
    main = _PAREN.sub("", term.term).strip()
    return list(dict.fromkeys([main, *_PAREN.findall(term.term), *term.forms]))


def _pattern(form: str) -> re.Pattern[str]:
    if form.isupper():  # an abbreviation (ALL, CSF, MRD): only in capitals, as a word
        return re.compile(rf"(?<![\w-]){re.escape(form)}(?![\w-])")
    stem = form[:-1] if form.lower().endswith("s") and len(form) > 3 else form
    return re.compile(rf"(?<![\w-]){re.escape(stem)}(?:s|es)?(?![\w-])", re.IGNORECASE)


def _needle(form: str) -> tuple[str, bool]:
    """What a text must hold for the form's pattern to match it (and whether in its case):
    a plain substring test first keeps the slower pattern for the few texts that can match."""
    if form.isupper():
        return form, True
    stem = form[:-1] if form.lower().endswith("s") and len(form) > 3 else form
    return stem.lower(), False


def letter(term: Term) -> str:
    """The term's letter in the A–Z (numbers first, under '#')."""
    first = term.term.strip()[:1].upper()
    return first if first.isalpha() else "#"


class Glossary:
    """The terms A–Z in screen-sized groups, and which terms each guide page uses."""

    def __init__(self, content: Content):
        self.content = content
        self.terms = sorted(content.glossary, key=lambda t: (letter(t) != "#", t.term.lower()))
        self._patterns = [(t, [(*_needle(f), _pattern(f)) for f in forms_of(t)]) for t in self.terms]
        # The words of hard pages (see `hard_terms`): this language's until setup() puts
        # every language's together.
        self.hard: frozenset[str] = self.own_hard_terms

    @cached_property
    def groups(self) -> list[list[Term]]:
        groups: list[list[Term]] = []
        used = 0
        for key in dict.fromkeys(letter(t) for t in self.terms):
            block = [t for t in self.terms if letter(t) == key]
            size = sum(len(t.term) + len(t.definition) + 4 for t in block)
            if groups and used + size <= GROUP_BUDGET:
                groups[-1].extend(block)
                used += size
            else:
                groups.append(list(block))
                used = size
        return groups

    def group_of(self, first: str) -> int | None:
        return next(
            (
                n
                for n, g in enumerate(self.groups)
                if letter(g[0]).lower() == first or (first == "0" and letter(g[0]) == "#")
            ),
            None,
        )

    def term(self, term_id: str) -> Term | None:
        return next((t for t in self.terms if t.id == term_id), None)

    def on_text(self, text: str) -> list[Term]:
        """The terms a text uses, in the order they first appear."""
        found = []
        lower = text.lower()
        for term, patterns in self._patterns:
            starts = [
                m.start()
                for needle, cased, p in patterns
                if needle in (text if cased else lower) and (m := p.search(text))
            ]
            if starts:
                found.append((min(starts), term))
        return [t for _, t in sorted(found, key=lambda x: x[0])]

    @cached_property
    def _pages(self) -> dict[tuple[str, str, int], list[Term]]:
        return {
            (s.id, p.id, n): self.on_text(text)
            for s in self.content.sections
            for p in s.parts
            for n, text in enumerate(p.pages)
        }

    def on_page(self, sid: str, part_id: str, page: int) -> list[Term]:
        return self._pages.get((sid, part_id, page), [])

    def shown_on(self, section: Section, part: Part, page: int) -> list[Term]:
        """The terms "Words on this page" shows: on a plain page, none of the hard pages'."""
        terms = self.on_page(section.id, part.id, page)
        if asks_first(section, part, page):
            return terms
        return [t for t in terms if t.id not in self.hard]

    @cached_property
    def own_hard_terms(self) -> frozenset[str]:
        """The terms of hard pages in this language: those of a section that asks first, and
        those used on pages that ask first and on no other page."""
        hard_sections = {s.id for s in self.content.sections if s.sensitive}
        used: dict[bool, set[str]] = {True: set(), False: set()}
        for section in self.content.sections:
            for part in section.parts:
                for page in range(len(part.pages)):
                    used[asks_first(section, part, page)].update(
                        t.id for t in self.on_page(section.id, part.id, page)
                    )
        return frozenset(
            {t.id for t in self.terms if t.section in hard_sections} | (used[True] - used[False])
        )


def hard_terms(glossaries: Iterable[Glossary]) -> frozenset[str]:
    """The terms that belong to hard pages in any language (term ids are the same in every
    language, and a term one language's pages never use is known by the others'). Search
    and "Words on this page" show them only to a parent who chose not to be asked."""
    return frozenset().union(*(g.own_hard_terms for g in glossaries))


def glossary_of(context: BotContext) -> Glossary:
    """The glossary of the parent's language."""
    glossaries: dict[str, Glossary] = context.bot_data["glossary"]
    return glossaries[context.content.language]


def group_key(group: Sequence[Term]) -> str:
    first = letter(group[0])
    return "0" if first == "#" else first.lower()


def group_range(group: Sequence[Term]) -> tuple[str, str]:
    return letter(group[0]), letter(group[-1])


# ---- views ---------------------------------------------------------------------------------------
def index_view(glossary: Glossary) -> View:
    s = glossary.content.strings
    buttons = [
        button(s("glossary.group_button", first=a, last=b) if a != b else a, GlossaryGroup(group_key(g)))
        for g in glossary.groups
        for a, b in [group_range(g)]
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([button(s("menu.home"), Home())])
    return View(s("glossary.title", count=len(glossary.terms)), Markup(rows))


def entry(content: Content, term: Term) -> str:
    return content.strings(
        "glossary.entry", term=render.esc(term.term), definition=render.esc(term.definition)
    )


def group_view(glossary: Glossary, index: int) -> View:
    content = glossary.content
    s = content.strings
    group = glossary.groups[index]
    first, last = group_range(group)
    title = (
        s("glossary.group_title", first=first, last=last)
        if first != last
        else s("glossary.letter_title", first=first)
    )
    text = "\n\n".join([title, *(entry(content, t) for t in group)])
    terms = [button(render.clip(t.term, 30), ShowTerm(t.id)) for t in group]
    rows = [terms[i : i + 2] for i in range(0, len(terms), 2)]
    nav = []
    if index > 0:
        nav.append(button(s("glossary.prev"), GlossaryGroup(group_key(glossary.groups[index - 1]))))
    nav.append(button(s("glossary.all_letters"), ShowGlossary()))
    if index < len(glossary.groups) - 1:
        nav.append(button(s("glossary.next"), GlossaryGroup(group_key(glossary.groups[index + 1]))))
    rows += [nav, [button(s("menu.home"), Home())]]
    return View(text, Markup(rows))


def term_view(glossary: Glossary, term: Term) -> View:
    content = glossary.content
    s = content.strings
    section = content.section(term.section)
    chunks = [entry(content, term)]
    rows: list[list[Button]] = []
    if section is not None:
        chunks.append(s("glossary.more_in", section=render.esc(section.title)))
        rows.append([button(s("glossary.read_section", section=section.title), section_start(section))])
    index = next(n for n, g in enumerate(glossary.groups) if term in g)
    first, last = group_range(glossary.groups[index])
    rows.append(
        [
            button(
                s("glossary.back_group", first=first, last=last)
                if first != last
                else s("glossary.back_letter", first=first),
                GlossaryGroup(group_key(glossary.groups[index])),
            ),
            button(s("menu.home"), Home()),
        ]
    )
    return View("\n\n".join(chunks), Markup(rows))


def words_view(glossary: Glossary, section: Section, part: Part, page: int) -> View:
    content = glossary.content
    s = content.strings
    terms = glossary.shown_on(section, part, page)
    chunks = [s("glossary.on_page_title", title=render.page_title(section, part))]
    used = 0
    shown = []
    for term in terms:
        block = entry(content, term)
        if used + len(block) > PAGE_BUDGET:
            break
        chunks.append(block)
        shown.append(term)
        used += len(block) + 2
    buttons = [button(render.clip(t.term, 30), ShowTerm(t.id)) for t in shown]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    back: CallbackData = (ShowGatedPage if asks_first(section, part, page) else ShowPage)(
        section.id, part.id, page
    )
    rows.append([button(s("glossary.back_page"), back)])
    rows.append([button(s("glossary.all_letters"), ShowGlossary()), button(s("menu.home"), Home())])
    return View("\n\n".join(chunks), Markup(rows))


def words_gate_view(content: Content, section: Section, part: Part, page: int) -> View:
    """A hard page's gate in front of its words (an old button, or one from before the
    parent turned asking back on): yes shows the words, no goes where the page's gate goes."""
    s = content.strings
    back: CallbackData = section_start(section) if section.has_parts else Contents()
    return View(
        render.gate(s, section, part),
        Markup(
            [
                [button(s("page.gate_yes"), WordsOnGatedPage(section.id, part.id, page))],
                [button(s("page.gate_no"), back)],
                home_row(content),
            ]
        ),
    )


# ---- handlers ------------------------------------------------------------------------------------
async def show_glossary(update: Update, context: BotContext) -> None:
    """/glossary: the letters of the A–Z."""
    await show(update, context, *index_view(glossary_of(context)))


async def tap_glossary(update: Update, context: BotContext, data: ShowGlossary) -> Reply:
    """Glossary button."""
    return Reply(index_view(glossary_of(context)))


async def tap_group(update: Update, context: BotContext, data: GlossaryGroup) -> Reply:
    """One group of letters: its words and what they mean."""
    glossary = glossary_of(context)
    index = glossary.group_of(data.first)
    if index is None:
        return stale_reply(context)
    return Reply(group_view(glossary, index))


async def tap_term(update: Update, context: BotContext, data: ShowTerm) -> Reply:
    """One word's card, with the section that says more."""
    glossary = glossary_of(context)
    term = glossary.term(data.term)
    if term is None:
        return stale_reply(context)
    return Reply(term_view(glossary, term))


async def words_reply(
    update: Update, context: BotContext, data: WordsOnPage | WordsOnGatedPage, gate_passed: bool
) -> Reply:
    section = context.content.section(data.sid)
    part = section.part(data.part) if section is not None else None
    if section is None or part is None or not 0 <= data.page < len(part.pages):
        return stale_reply(context)
    if (
        asks_first(section, part, data.page)
        and not gate_passed
        and not await context.storage.users.skips_gates(user_id(update))
    ):
        return Reply(words_gate_view(context.content, section, part, data.page))
    return Reply(words_view(glossary_of(context), section, part, data.page))


async def tap_words(update: Update, context: BotContext, data: WordsOnPage) -> Reply:
    """The glossary words used on one page, with their meanings, and the way back (a hard
    page's gate first, as the page itself asks)."""
    return await words_reply(update, context, data, gate_passed=False)


async def tap_gated_words(update: Update, context: BotContext, data: WordsOnGatedPage) -> Reply:
    """The glossary words used on a hard page, the parent having said yes to reading it."""
    return await words_reply(update, context, data, gate_passed=True)


COMMANDS = (Command("glossary", "help.commands.glossary", show_glossary),)


def _glossaries(contents: Mapping[str, Content]) -> dict[str, Glossary]:
    glossaries = {language: Glossary(content) for language, content in contents.items()}
    hard = hard_terms(glossaries.values())
    for glossary in glossaries.values():
        glossary.hard = hard
    return glossaries


# Every language's glossary, with every language's words of hard pages: built once per set
# of content objects (it reads every page), shared by the Applications built from them.
glossaries_for = PerContents(_glossaries)


def setup(app: BotApp) -> None:
    services = services_of(app)
    glossaries = dict(glossaries_for(services.contents))
    app.bot_data["glossary"] = glossaries

    def words_button(
        content: Content, section: Section, part: Part | None, page: int
    ) -> Sequence[Sequence[Button]]:
        glossary = glossaries.get(content.language)
        if glossary is None or part is None or not glossary.shown_on(section, part, page):
            return []
        # Shown only on the page itself, so on a hard page the parent has said yes already.
        kind = WordsOnGatedPage if asks_first(section, part, page) else WordsOnPage
        return [[button(content.strings("glossary.on_page_button"), kind(section.id, part.id, page))]]

    services.page_extras.append(words_button)
    tap(app, ShowGlossary, tap_glossary)
    tap(app, GlossaryGroup, tap_group)
    tap(app, ShowTerm, tap_term)
    tap(app, WordsOnPage, tap_words)
    tap(app, WordsOnGatedPage, tap_gated_words)
    menu_button(app, "menu.glossary", ShowGlossary())
