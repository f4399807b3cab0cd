"""The questions feature's screens: content and the parent's saved questions in, a `View`
(HTML text and its buttons) out. Nothing here reads storage or talks to Telegram: the taps
load what a view needs and show what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from bot import render
from bot.content import Content, GuideQuestion, Phase, QuestionGroup, Section
from bot.storage import SavedQuestion
from handlers.common import Home, Noop, ShowAppointments, View, button, home_row
from handlers.guide import section_start
from handlers.questions.buttons import (
    AskAnswer,
    AskOwnQuestion,
    MarkAsked,
    MyQuestions,
    OpenQuestion,
    RemoveQuestion,
    SaveAboutQuestion,
    SaveGroupQuestion,
    SendPdf,
    SendText,
    ShowGroup,
    ShowGroups,
    UndoRemove,
    VisitQuestion,
)
from handlers.questions.rules import LABEL, explanation, list_entry, one_line, page_of, paginate


def read_section_row(content: Content) -> list[list[Button]]:
    """A button to the guide's questions section (how to ask, what to bring), when the
    guide has one."""
    section = content.section_for("questions")
    if section is None:
        return []
    return [[Button(content.strings("questions.read_section"), callback_data=section_start(section).pack())]]


def phase_order(content: Content, phase: Phase | None) -> list[QuestionGroup]:
    """The question groups, those of the family's treatment phase first (in the order the
    phase lists them), then the rest in the guide's order."""
    first = [g for g in (content.group(gid) for gid in (phase.questions if phase else ())) if g is not None]
    return [*first, *(g for g in content.question_groups if g not in first)]


def groups_view(content: Content, saved: set[str], phase: Phase | None = None) -> View:
    """The guide's question groups, each with how many of its questions are saved; the
    groups of the family's treatment phase first, with a line saying so."""
    s = content.strings
    rows = [
        [
            Button(
                s(
                    "questions.group_button",
                    title=group.title,
                    saved=sum(1 for q in group.questions if q.id in saved),
                    total=len(group.questions),
                ),
                callback_data=ShowGroup(group.id).pack(),
            )
        ]
        for group in phase_order(content, phase)
    ]
    rows += read_section_row(content)
    rows.append([Button(s("questions.my"), callback_data=MyQuestions(0).pack())])
    rows.append(home_row(content))
    text = s("questions.groups_title")
    if phase is not None and phase.questions:
        text = f"{text}\n\n{s('phase.questions_first', phase=render.esc(phase.label))}"
    return View(text, Markup(rows))


def _toggle_rows(
    content: Content, questions: Sequence[GuideQuestion], saved: set[str], data: list[str]
) -> list[list[Button]]:
    """One ☆/⭐ button per question, numbered as in the text, each with its own data."""
    s = content.strings
    rows = []
    for number, (question, cb) in enumerate(zip(questions, data, strict=True), start=1):
        key = "questions.save_on" if question.id in saved else "questions.save_off"
        rows.append([Button(s(key, number=number, text=render.clip(question.text, LABEL)), callback_data=cb)])
    return rows


def _numbered(content: Content, questions: Sequence[GuideQuestion]) -> str:
    """The questions in full, numbered, for a view's text (buttons show only the start)."""
    s = content.strings
    return "\n".join(
        s("questions.item", number=n, text=render.esc(q.text)) for n, q in enumerate(questions, start=1)
    )


def group_view(content: Content, group: QuestionGroup, saved: set[str]) -> View:
    """One group: its questions in full in the text, a ☆/⭐ toggle for each on the buttons."""
    s = content.strings
    data = [SaveGroupQuestion(q.id, q.id not in saved).pack() for q in group.questions]
    rows = _toggle_rows(content, group.questions, saved, data)
    rows += read_section_row(content)
    rows.append(
        [
            Button(s("questions.back_groups"), callback_data=ShowGroups().pack()),
            Button(s("questions.my"), callback_data=MyQuestions(0).pack()),
        ]
    )
    rows.append([Button(s("menu.home"), callback_data=Home().pack())])
    text = (
        f"{s('questions.group_title', title=render.esc(group.title))}\n\n"
        f"{_numbered(content, group.questions)}"
    )
    return View(text, Markup(rows))


def about_view(content: Content, section: Section, saved: set[str]) -> View:
    """The questions linked to one section, with toggles that come back to this view."""
    s = content.strings
    questions = content.questions_about(section.id)
    data = [SaveAboutQuestion(section.id, q.id, q.id not in saved).pack() for q in questions]
    rows = _toggle_rows(content, questions, saved, data)
    rows.append(
        [
            Button(
                s("questions.back_section", title=section.title), callback_data=section_start(section).pack()
            )
        ]
    )
    rows.append(
        [
            Button(s("questions.back_groups"), callback_data=ShowGroups().pack()),
            Button(s("questions.my"), callback_data=MyQuestions(0).pack()),
        ]
    )
    rows.append([Button(s("menu.home"), callback_data=Home().pack())])
    text = f"{s('questions.about_title', title=render.esc(section.title))}\n\n{_numbered(content, questions)}"
    return View(text, Markup(rows))


def list_view(
    content: Content,
    questions: Sequence[SavedQuestion],
    page: int,
    notice: str | None = None,
    undo_id: int | None = None,
) -> View:
    """One page of My questions, numbered over the whole list, in the order saved."""
    s = content.strings
    top: list[list[Button]] = []
    if undo_id is not None:
        top.append([Button(s("questions.undo"), callback_data=UndoRemove(undo_id).pack())])
    head = [notice] if notice else []
    if not questions:
        rows = [
            *top,
            [Button(s("questions.add"), callback_data=AskOwnQuestion().pack())],
            [Button(s("menu.questions"), callback_data=ShowGroups().pack())],
            [Button(s("menu.home"), callback_data=Home().pack())],
        ]
        return View("\n\n".join([*head, s("questions.empty")]), Markup(rows))
    entries = [list_entry(content, n, q) for n, q in enumerate(questions, start=1)]
    pages = paginate(entries)
    page = max(0, min(page, len(pages) - 1))
    span = pages[page]
    chunks = [*head, s("questions.list_title", count=len(questions)), "\n\n".join(entries[i] for i in span)]
    rows = list(top)
    for i in span:
        question = questions[i]
        mark = (
            s("questions.mark_answered")
            if question.answer
            else s("questions.mark_asked")
            if question.asked_at is not None
            else ""
        )
        label = s(
            "questions.list_button", number=i + 1, mark=mark, text=render.clip(one_line(question.text), LABEL)
        )
        rows.append([Button(label, callback_data=OpenQuestion(question.id).pack())])
    if len(pages) > 1:
        chunks.append(s("questions.list_page", page=page + 1, pages=len(pages)))
        nav = []
        if page > 0:
            nav.append(Button(s("questions.prev"), callback_data=MyQuestions(page - 1).pack()))
        nav.append(
            Button(s("questions.page_button", page=page + 1, pages=len(pages)), callback_data=Noop().pack())
        )
        if page < len(pages) - 1:
            nav.append(Button(s("questions.next"), callback_data=MyQuestions(page + 1).pack()))
        rows.append(nav)
    rows.append([Button(s("questions.add"), callback_data=AskOwnQuestion().pack())])
    rows.append(
        [
            Button(s("questions.pdf"), callback_data=SendPdf().pack()),
            Button(s("questions.text"), callback_data=SendText().pack()),
        ]
    )
    if any(not q.answer for q in questions):  # "At the appointment": one question a screen
        rows.append([button(s("appointments.visit"), VisitQuestion(0))])
    rows.append([button(s("questions.appointments"), ShowAppointments())])
    rows.append(
        [
            Button(s("menu.questions"), callback_data=ShowGroups().pack()),
            Button(s("menu.home"), callback_data=Home().pack()),
        ]
    )
    return View("\n\n".join(chunks), Markup(rows))


def question_view(
    content: Content,
    questions: Sequence[SavedQuestion],
    question: SavedQuestion,
    notice: str | None = None,
    signed: str | None = None,
) -> View:
    """One saved question in full, its answer, and what can be done with it; `signed`: who
    in the family added and last changed it."""
    s = content.strings
    number = next((n for n, q in enumerate(questions, start=1) if q.id == question.id), 1)
    chunks = [notice] if notice else []
    chunks.append(s("questions.view_title", number=number, count=len(questions)))
    chunks.append(render.esc(question.text))
    if explain := explanation(content, question):
        chunks.append(s("questions.entry_explain", explain=render.esc(explain)).strip())
    chunks.append(s("questions.from_guide") if question.guide_id else s("questions.own"))
    if question.answer:
        chunks.append(s("questions.status_answered"))
        chunks.append(f"{s('questions.answer_title')}\n{render.esc(question.answer)}")
    elif question.asked_at is not None:
        chunks.append(s("questions.status_asked"))
    else:
        chunks.append(s("questions.status_new"))
    if signed:
        chunks.append(signed)
    asked = question.asked_at is not None
    rows = (
        []
        if question.answer
        else [  # an answered question was asked
            [
                Button(
                    s("questions.ask_off") if asked else s("questions.ask_on"),
                    callback_data=MarkAsked(question.id, not asked).pack(),
                )
            ]
        ]
    )
    rows += [
        [
            Button(
                s("questions.answer_change") if question.answer else s("questions.answer_add"),
                callback_data=AskAnswer(question.id).pack(),
            )
        ],
        [Button(s("questions.remove"), callback_data=RemoveQuestion(question.id).pack())],
        [
            Button(
                s("questions.back_list"),
                callback_data=MyQuestions(page_of(content, questions, question.id)).pack(),
            ),
            Button(s("menu.home"), callback_data=Home().pack()),
        ],
    ]
    return View("\n\n".join(chunks), Markup(rows))
