"""Pure keyboard builders: content + user state -> InlineKeyboardMarkup."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from bot.callbacks import make
from bot.content import Content, Part, Section


def home_row(content: Content) -> list[Button]:
    s = content.strings
    return [Button(s("menu.contents"), callback_data=make("c")),
            Button(s("menu.home"), callback_data=make("h"))]


def home_only(content: Content) -> Markup:
    return Markup([[Button(content.strings("menu.home"), callback_data=make("h"))]])


def main_menu(content: Content) -> Markup:
    s = content.strings
    treatment = next((sec for sec in content.sections if sec.has_parts), None)
    rows = [
        [Button(s("menu.guide"), callback_data=make("c"))],
        [Button(s("menu.checklist"), callback_data=make("k")),
         Button(s("menu.questions"), callback_data=make("q"))],
        [Button(s("menu.myquestions"), callback_data=make("m", page=0)),
         Button(s("menu.bookmarks"), callback_data=make("bl"))],
    ]
    if treatment is not None:
        rows.append([Button(s("menu.treatment"),
                            callback_data=make("s", sid=treatment.id, part="", page=0))])
    rows.append([Button(s("menu.urgent"), callback_data=make("u"))])
    rows.append([Button(s("menu.settings"), callback_data=make("st")),
                 Button(s("menu.privacy"), callback_data=make("pv"))])
    return Markup(rows)


def contents(content: Content) -> Markup:
    rows = []
    pair: list[Button] = []
    for section in content.sections:
        pair.append(Button(section.title,
                           callback_data=make("s", sid=section.id, part="", page=0)))
        if len(pair) == 2:
            rows.append(pair)
            pair = []
    if pair:
        rows.append(pair)
    rows.append([Button(content.strings("menu.home"), callback_data=make("h"))])
    return Markup(rows)


def section_page(content: Content, section: Section, part: Part, page: int,
                 bookmarked: bool, has_questions: bool) -> Markup:
    s = content.strings
    # Inside a sensitive page the parent already said yes: moving between its pages
    # must not ask again.
    kind = "r" if (part.sensitive or section.sensitive) else "s"
    rows: list[list[Button]] = []
    total = len(part.pages)
    if total > 1:
        nav = []
        if page > 0:
            nav.append(Button(s("page.prev"), callback_data=make(
                kind, sid=section.id, part=part.id, page=page - 1)))
        nav.append(Button(f"{page + 1}/{total}", callback_data=make("x")))
        if page < total - 1:
            nav.append(Button(s("page.next"), callback_data=make(
                kind, sid=section.id, part=part.id, page=page + 1)))
        rows.append(nav)
    rows.append([Button(
        s("page.bookmark_on") if bookmarked else s("page.bookmark_add"),
        callback_data=make("b", sid=section.id, part=part.id, page=page, on=not bookmarked))])
    if section.opens == "checklist":
        rows.append([Button(s("page.open_checklist"), callback_data=make("k"))])
    elif section.opens == "questions":
        rows.append([Button(s("page.open_questions"), callback_data=make("q"))])
    elif has_questions:
        rows.append([Button(s("page.questions_about"), callback_data=make("qa", sid=section.id))])
    if section.has_parts:
        rows.append([Button(s("page.parts_back", title=section.title),
                            callback_data=make("s", sid=section.id, part="", page=0))])
    rows.append(home_row(content))
    return Markup(rows)


def parts_menu(content: Content, section: Section, has_questions: bool) -> Markup:
    rows = [[Button(part.title, callback_data=make("s", sid=section.id, part=part.id, page=0))]
            for part in section.parts]
    if has_questions:
        rows.append([Button(content.strings("page.questions_about"),
                            callback_data=make("qa", sid=section.id))])
    rows.append(home_row(content))
    return Markup(rows)


def gate(content: Content, section: Section, part: Part, page: int) -> Markup:
    s = content.strings
    back = (make("s", sid=section.id, part="", page=0) if section.has_parts else make("c"))
    return Markup([
        [Button(s("page.gate_yes"),
                callback_data=make("r", sid=section.id, part=part.id, page=page))],
        [Button(s("page.gate_no"), callback_data=back)],
        home_row(content),
    ])


def consent(content: Content, then: str) -> Markup:
    s = content.strings
    return Markup([[Button(s("consent.ok"), callback_data=make("y", then=then)),
                    Button(s("consent.no"), callback_data=make("n"))]])
