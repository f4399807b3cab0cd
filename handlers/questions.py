"""Questions for the doctor: the guide's question lists, My questions, own questions, PDF, text."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from html import unescape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.ext import CommandHandler

from bot import render
from bot.callbacks import CallbackData
from bot.content import Content, GuideQuestion, Part, QuestionGroup, Section
from bot.context import BotApp, BotContext, Command, services_of
from bot.render import utf16_len
from bot.storage import LimitReached, Prompt, SavedQuestion
from handlers.common import (
    PRIVATE,
    Home,
    Noop,
    Reply,
    ShowAppointments,
    View,
    at_start_and_every,
    button,
    home_row,
    menu_button,
    require_consent,
    show,
    stale_reply,
    tap,
    user_id,
)
from handlers.guide import section_commands, section_start
from handlers.prompts import Asking, Outcome, Text, ask, done, on_prompt, typed_text

log = logging.getLogger(__name__)

MAX_QUESTIONS = 200    # saved questions per parent (removed ones waiting for Undo not counted)
MAX_OWN = 500          # characters in a question the parent types
MAX_ANSWER = 1000      # characters in a written-down answer (a view must stay under 4096)
PER_PAGE = 10          # questions on one page of My questions
PAGE_BUDGET = 3300     # UTF-16 units of entries per page, leaving room for title and notes
EXPORT_BUDGET = 4000   # UTF-16 units per forwarded text message (Telegram allows 4096)
LABEL = 40             # characters of a question shown on a button
LIST_ANSWER = 150      # characters of an answer shown in the list (the full one is one tap away)

_TAG = re.compile(r"<[^>]+>")


# ---- this feature's buttons ---------------------------------------------------------------------
@dataclass(frozen=True)
class ShowGroups(CallbackData, prefix="q"):
    """The guide's question groups."""


@dataclass(frozen=True)
class ShowGroup(CallbackData, prefix="qg"):
    """One group's questions with save toggles."""

    group: str


@dataclass(frozen=True)
class SaveGroupQuestion(CallbackData, prefix="qs"):
    """Save (on) or unsave one guide question, from its group."""

    item: str
    on: bool


@dataclass(frozen=True)
class ShowAbout(CallbackData, prefix="qa"):
    """The questions linked to one section."""

    sid: str


@dataclass(frozen=True)
class SaveAboutQuestion(CallbackData, prefix="qt"):
    """Save (on) or unsave one guide question, from Questions about this."""

    sid: str
    item: str
    on: bool


@dataclass(frozen=True)
class MyQuestions(CallbackData, prefix="m"):
    """A page of My questions."""

    page: int


@dataclass(frozen=True)
class OpenQuestion(CallbackData, prefix="mo"):
    """One saved question (by its row id, always looked up for the tapping parent)."""

    num: int


@dataclass(frozen=True)
class MarkAsked(CallbackData, prefix="mk"):
    """Mark one question asked (on) or not asked."""

    num: int
    on: bool


@dataclass(frozen=True)
class AskAnswer(CallbackData, prefix="ma"):
    """Write down the answer: opens a prompt."""

    num: int


@dataclass(frozen=True)
class RemoveQuestion(CallbackData, prefix="mr"):
    """Remove one question (Undo stays possible for a while)."""

    num: int


@dataclass(frozen=True)
class UndoRemove(CallbackData, prefix="mu"):
    """Bring a just-removed question back."""

    num: int


@dataclass(frozen=True)
class AskOwnQuestion(CallbackData, prefix="mn"):
    """Add my own question: opens a prompt."""


@dataclass(frozen=True)
class SendPdf(CallbackData, prefix="mp"):
    """The list as a printable PDF."""


@dataclass(frozen=True)
class SendText(CallbackData, prefix="mt"):
    """The list as plain text to forward."""


@dataclass(frozen=True)
class VisitQuestion(CallbackData, prefix="vq"):
    """At the appointment: one unanswered question (num 0: the first). Handled by
    handlers.appointments; declared here so My questions can offer it."""

    num: int


QUESTION_PROMPT = "question"
ANSWER_PROMPT = "answer"


def visible_len(html: str) -> int:
    """Length of HTML as the parent sees it (tags dropped, entities counted once)."""
    return utf16_len(unescape(_TAG.sub("", html)))


def one_line(text: str) -> str:
    """Button labels are one line: newlines and runs of spaces become one space."""
    return " ".join(text.split())


# ---- pure views: content + stored state -> (HTML, keyboard) ---------------------------------
def read_section_row(content: Content) -> list[list[Button]]:
    section = content.section_for("questions")
    if section is None:
        return []
    return [[Button(content.strings("questions.read_section"),
                    callback_data=section_start(section).pack())]]


def groups_view(content: Content, saved: set[str]) -> tuple[str, Markup]:
    """The guide's question groups, each with how many of its questions are saved."""
    s = content.strings
    rows = [[Button(s("questions.group_button", title=group.title,
                      saved=sum(1 for q in group.questions if q.id in saved),
                      total=len(group.questions)),
                    callback_data=ShowGroup(group.id).pack())]
            for group in content.question_groups]
    rows += read_section_row(content)
    rows.append([Button(s("questions.my"), callback_data=MyQuestions(0).pack())])
    rows.append(home_row(content))
    return s("questions.groups_title"), Markup(rows)


def _toggle_rows(content: Content, questions: Sequence[GuideQuestion], saved: set[str],
                 data: list[str]) -> list[list[Button]]:
    s = content.strings
    rows = []
    for number, (question, cb) in enumerate(zip(questions, data, strict=True), start=1):
        key = "questions.save_on" if question.id in saved else "questions.save_off"
        rows.append([Button(s(key, number=number, text=render.clip(question.text, LABEL)),
                            callback_data=cb)])
    return rows


def _numbered(content: Content, questions: Sequence[GuideQuestion]) -> str:
    s = content.strings
    return "\n".join(s("questions.item", number=n, text=render.esc(q.text))
                     for n, q in enumerate(questions, start=1))


def group_view(content: Content, group: QuestionGroup, saved: set[str]) -> tuple[str, Markup]:
    """One group: its questions in full in the text, a ☆/⭐ toggle for each on the buttons."""
    s = content.strings
    data = [SaveGroupQuestion(q.id, q.id not in saved).pack() for q in group.questions]
    rows = _toggle_rows(content, group.questions, saved, data)
    rows += read_section_row(content)
    rows.append([Button(s("questions.back_groups"), callback_data=ShowGroups().pack()),
                 Button(s("questions.my"), callback_data=MyQuestions(0).pack())])
    rows.append([Button(s("menu.home"), callback_data=Home().pack())])
    text = f"{s('questions.group_title', title=render.esc(group.title))}\n\n" \
           f"{_numbered(content, group.questions)}"
    return text, Markup(rows)


def about_view(content: Content, section: Section, saved: set[str]) -> tuple[str, Markup]:
    """The questions linked to one section, with toggles that come back to this view."""
    s = content.strings
    questions = content.questions_about(section.id)
    data = [SaveAboutQuestion(section.id, q.id, q.id not in saved).pack() for q in questions]
    rows = _toggle_rows(content, questions, saved, data)
    rows.append([Button(s("questions.back_section", title=section.title),
                        callback_data=section_start(section).pack())])
    rows.append([Button(s("questions.back_groups"), callback_data=ShowGroups().pack()),
                 Button(s("questions.my"), callback_data=MyQuestions(0).pack())])
    rows.append([Button(s("menu.home"), callback_data=Home().pack())])
    text = f"{s('questions.about_title', title=render.esc(section.title))}\n\n" \
           f"{_numbered(content, questions)}"
    return text, Markup(rows)


def localized(content: Content, questions: Sequence[SavedQuestion]) -> list[SavedQuestion]:
    """Saved guide questions in the parent's current language (the guide's own wording of
    the same question id); the parent's own questions exactly as typed."""
    out = []
    for question in questions:
        guide = content.question(question.guide_id) if question.guide_id else None
        out.append(replace(question, text=guide.text) if guide is not None else question)
    return out


def explanation(content: Content, question: SavedQuestion) -> str:
    """What the hard words of a saved guide question mean, as its section explains them."""
    guide = content.question(question.guide_id) if question.guide_id else None
    return guide.explain if guide is not None else ""


def list_entry(content: Content, number: int, question: SavedQuestion) -> str:
    s = content.strings
    lines = [s("questions.entry", number=number, text=render.esc(question.text))]
    if explain := explanation(content, question):
        lines.append(s("questions.entry_explain", explain=render.esc(explain)))
    if question.answer:
        lines.append(s("questions.entry_answer",
                       answer=render.esc(render.clip(one_line(question.answer), LIST_ANSWER))))
    elif question.asked_at is not None:
        lines.append(s("questions.entry_asked"))
    return "\n".join(lines)


def paginate(entries: Sequence[str], per_page: int = PER_PAGE,
             budget: int = PAGE_BUDGET) -> list[range]:
    """Split the list into pages of at most per_page entries that fit the message budget."""
    pages: list[range] = []
    start, used = 0, 0
    for index, entry in enumerate(entries):
        size = visible_len(entry) + 2
        if index > start and (index - start >= per_page or used + size > budget):
            pages.append(range(start, index))
            start, used = index, 0
        used += size
    if entries:
        pages.append(range(start, len(entries)))
    return pages


def page_of(content: Content, questions: Sequence[SavedQuestion], question_id: int) -> int:
    entries = [list_entry(content, n, q) for n, q in enumerate(questions, start=1)]
    for number, span in enumerate(paginate(entries)):
        if any(questions[i].id == question_id for i in span):
            return number
    return 0


def list_view(content: Content, questions: Sequence[SavedQuestion], page: int,
              notice: str | None = None, undo_id: int | None = None) -> tuple[str, Markup]:
    """One page of My questions, numbered over the whole list, in the order saved."""
    s = content.strings
    top: list[list[Button]] = []
    if undo_id is not None:
        top.append([Button(s("questions.undo"), callback_data=UndoRemove(undo_id).pack())])
    head = [notice] if notice else []
    if not questions:
        rows = [*top,
                [Button(s("questions.add"), callback_data=AskOwnQuestion().pack())],
                [Button(s("menu.questions"), callback_data=ShowGroups().pack())],
                [Button(s("menu.home"), callback_data=Home().pack())]]
        return "\n\n".join([*head, s("questions.empty")]), Markup(rows)
    entries = [list_entry(content, n, q) for n, q in enumerate(questions, start=1)]
    pages = paginate(entries)
    page = max(0, min(page, len(pages) - 1))
    span = pages[page]
    chunks = [*head, s("questions.list_title", count=len(questions)),
              "\n\n".join(entries[i] for i in span)]
    rows = list(top)
    for i in span:
        question = questions[i]
        mark = (s("questions.mark_answered") if question.answer
                else s("questions.mark_asked") if question.asked_at is not None else "")
        label = s("questions.list_button", number=i + 1, mark=mark,
                  text=render.clip(one_line(question.text), LABEL))
        rows.append([Button(label, callback_data=OpenQuestion(question.id).pack())])
    if len(pages) > 1:
        chunks.append(s("questions.list_page", page=page + 1, pages=len(pages)))
        nav = []
        if page > 0:
            nav.append(Button(s("questions.prev"), callback_data=MyQuestions(page - 1).pack()))
        nav.append(Button(s("questions.page_button", page=page + 1, pages=len(pages)),
                          callback_data=Noop().pack()))
        if page < len(pages) - 1:
            nav.append(Button(s("questions.next"), callback_data=MyQuestions(page + 1).pack()))
        rows.append(nav)
    rows.append([Button(s("questions.add"), callback_data=AskOwnQuestion().pack())])
    rows.append([Button(s("questions.pdf"), callback_data=SendPdf().pack()),
                 Button(s("questions.text"), callback_data=SendText().pack())])
    if any(not q.answer for q in questions):  # "At the appointment": one question a screen
        rows.append([button(s("appointments.visit"), VisitQuestion(0))])
    rows.append([button(s("questions.appointments"), ShowAppointments())])
    rows.append([Button(s("menu.questions"), callback_data=ShowGroups().pack()),
                 Button(s("menu.home"), callback_data=Home().pack())])
    return "\n\n".join(chunks), Markup(rows)


def question_view(content: Content, questions: Sequence[SavedQuestion], question: SavedQuestion,
                  notice: str | None = None) -> tuple[str, Markup]:
    """One saved question in full, its answer, and what can be done with it."""
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
    asked = question.asked_at is not None
    rows = [] if question.answer else [  # an answered question was asked
        [Button(s("questions.ask_off") if asked else s("questions.ask_on"),
                callback_data=MarkAsked(question.id, not asked).pack())]]
    rows += [
        [Button(s("questions.answer_change") if question.answer else s("questions.answer_add"),
                callback_data=AskAnswer(question.id).pack())],
        [Button(s("questions.remove"), callback_data=RemoveQuestion(question.id).pack())],
        [Button(s("questions.back_list"),
                callback_data=MyQuestions(page_of(content, questions, question.id)).pack()),
         Button(s("menu.home"), callback_data=Home().pack())],
    ]
    return "\n\n".join(chunks), Markup(rows)


def export_messages(content: Content, questions: Sequence[SavedQuestion], today: date,
                    budget: int = EXPORT_BUDGET) -> list[str]:
    """The list as plain text to forward, escaped, split into messages that fit."""
    s = content.strings
    blocks = [s("questions.export_title", date=today)]
    for number, question in enumerate(questions, start=1):
        lines = [s("questions.export_entry", number=number, text=question.text)]
        if explain := explanation(content, question):
            lines.append(s("questions.export_explain", explain=explain))
        if question.answer:
            lines.append(s("questions.export_answer", answer=question.answer))
        elif question.asked_at is not None:
            lines.append(s("questions.export_asked"))
        blocks.append("\n".join(lines))
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _cut(block, budget):
            joined = f"{current}\n\n{piece}" if current else piece
            if utf16_len(joined) <= budget:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    # Split first, escape after: escaping never changes what the parent sees, only the bytes.
    return [render.esc(m) for m in messages]


def _cut(text: str, budget: int) -> list[str]:
    """A block longer than one message, cut into pieces that fit (rare: emoji-heavy text)."""
    pieces, current = [], ""
    for ch in text:
        if utf16_len(current) + utf16_len(ch) > budget:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current]


# ---- the guide's question lists -----------------------------------------------------------
async def groups_reply_view(update: Update, context: BotContext) -> View:
    saved = await context.storage.questions.saved_guide_ids(user_id(update))
    return View(*groups_view(context.content, saved))


async def show_groups(update: Update, context: BotContext) -> None:
    """/questions: the guide's question groups."""
    await show(update, context, *await groups_reply_view(update, context))


async def tap_groups(update: Update, context: BotContext, data: ShowGroups) -> Reply:
    """Questions for the doctor button: the groups."""
    return Reply(await groups_reply_view(update, context))


async def one_group(update: Update, context: BotContext, group: QuestionGroup) -> View:
    saved = await context.storage.questions.saved_guide_ids(user_id(update))
    return View(*group_view(context.content, group, saved))


async def tap_group(update: Update, context: BotContext, data: ShowGroup) -> Reply:
    """One group's questions with save toggles."""
    group = context.content.group(data.group)
    if group is None:
        return stale_reply(context)
    return Reply(await one_group(update, context, group))


async def set_guide_question(update: Update, context: BotContext, question: GuideQuestion,
                             on: bool) -> tuple[str, bool]:
    """Make the stored state what the button showed; the notice and whether it is an alert.
    NoConsent (a save before consent) brings up the consent prompt."""
    s = context.content.strings
    uid = user_id(update)
    if not on:
        # Taken off like a removal, not erased: saving it again soon brings back its answer.
        await context.storage.questions.remove_guide(uid, question.id)
        return s("questions.unsaved"), False
    try:
        await context.storage.questions.save_guide(uid, question.id, question.text,
                                                   limit=MAX_QUESTIONS)
    except LimitReached:
        return s("questions.limit", limit=MAX_QUESTIONS), True
    return s("questions.saved"), False


async def toggle_group_question(update: Update, context: BotContext,
                                data: SaveGroupQuestion) -> Reply:
    """☆/⭐ in a group: save or unsave one guide question (a double tap changes nothing)."""
    question = context.content.question(data.item)
    group = context.content.group(question.group) if question is not None else None
    if question is None or group is None:
        return stale_reply(context)
    notice, alert = await set_guide_question(update, context, question, data.on)
    return Reply(await one_group(update, context, group), notice, alert)


async def about(update: Update, context: BotContext, section: Section) -> View:
    saved = await context.storage.questions.saved_guide_ids(user_id(update))
    return View(*about_view(context.content, section, saved))


async def tap_about(update: Update, context: BotContext, data: ShowAbout) -> Reply:
    """Questions about this: the questions linked to one section."""
    section = context.content.section(data.sid)
    if section is None or not context.content.questions_about(section.id):
        return stale_reply(context)
    return Reply(await about(update, context, section))


async def toggle_about_question(update: Update, context: BotContext,
                                data: SaveAboutQuestion) -> Reply:
    """☆/⭐ in Questions about this: save or unsave, then show the same view again."""
    section = context.content.section(data.sid)
    question = context.content.question(data.item)
    if section is None or question is None or question.section != section.id:
        return stale_reply(context)
    notice, alert = await set_guide_question(update, context, question, data.on)
    return Reply(await about(update, context, section), notice, alert)


# ---- My questions -------------------------------------------------------------------------
async def my_list(update: Update, context: BotContext, page: int = 0,
                  notice: str | None = None, undo_id: int | None = None) -> View:
    questions = localized(context.content, await context.storage.questions.list(user_id(update)))
    return View(*list_view(context.content, questions, page, notice, undo_id))


async def list_questions(update: Update, context: BotContext) -> None:
    """/myquestions: every saved question, in the order saved."""
    await show(update, context, *await my_list(update, context))


async def tap_list(update: Update, context: BotContext, data: MyQuestions) -> Reply:
    """My questions button, or a page of the list."""
    return Reply(await my_list(update, context, data.page))


async def one_question(update: Update, context: BotContext, question: SavedQuestion,
                       notice: str | None = None) -> View:
    questions = localized(context.content, await context.storage.questions.list(user_id(update)))
    return View(*question_view(context.content, questions, question, notice))


async def own_question(update: Update, context: BotContext, num: int) -> SavedQuestion | None:
    """The tapping parent's live question with this number, or None (anyone else's, removed)."""
    question = await context.storage.questions.get(user_id(update), num)
    if question is None or question.removed_at is not None:
        return None
    return localized(context.content, [question])[0]


async def question_gone(update: Update, context: BotContext) -> Reply:
    return Reply(await my_list(update, context), context.content.strings("questions.gone"))


async def open_question(update: Update, context: BotContext, data: OpenQuestion) -> Reply:
    """One saved question in full, with its answer and actions."""
    question = await own_question(update, context, data.num)
    if question is None:
        return await question_gone(update, context)
    return Reply(await one_question(update, context, question))


async def mark_question(update: Update, context: BotContext, data: MarkAsked) -> Reply:
    """Mark as asked / not asked, as the button showed (a double tap changes nothing)."""
    s = context.content.strings
    if not await context.storage.questions.mark_asked(user_id(update), data.num, data.on):
        return await question_gone(update, context)
    question = await own_question(update, context, data.num)
    if question is None:  # removed meanwhile
        return await question_gone(update, context)
    return Reply(await one_question(update, context, question),
                 s("questions.marked_asked") if data.on else s("questions.marked_not_asked"))


async def ask_answer(update: Update, context: BotContext, data: AskAnswer) -> Reply:
    """Write down the answer: the next text message the parent sends becomes it."""
    question = await own_question(update, context, data.num)
    if question is None:
        return await question_gone(update, context)
    s = context.content.strings
    return await ask(update, context, ANSWER, s("questions.answer_prompt", limit=MAX_ANSWER,
                                                text=render.esc(question.text)),
                     OpenQuestion(question.id), ref=question.id)


async def remove_question(update: Update, context: BotContext, data: RemoveQuestion) -> Reply:
    """Remove one question, keeping an Undo button right after (also after a double tap)."""
    uid = user_id(update)
    question = await context.storage.questions.get(uid, data.num)
    if question is None:
        return await question_gone(update, context)
    await context.storage.questions.remove(uid, data.num)
    # Numbered as it was in the list, so the note names the question the parent tapped.
    questions = sorted([*(q for q in localized(context.content, await context.storage.questions.list(uid))
                          if q.id != data.num), question], key=lambda q: (q.created_at, q.id))
    number = next(n for n, q in enumerate(questions, start=1) if q.id == data.num)
    s = context.content.strings
    page = page_of(context.content, questions, data.num)
    return Reply(await my_list(update, context, page, s("questions.removed_note", number=number),
                               undo_id=data.num), s("questions.removed"))


async def undo_remove(update: Update, context: BotContext, data: UndoRemove) -> Reply:
    """Undo: bring a just-removed question back where it was."""
    s = context.content.strings
    uid = user_id(update)
    try:
        restored = await context.storage.questions.undo_remove(uid, data.num, limit=MAX_QUESTIONS)
    except LimitReached:
        return Reply(await my_list(update, context), s("questions.limit", limit=MAX_QUESTIONS),
                     alert=True)
    if not restored:
        return Reply(await my_list(update, context), s("questions.undo_gone"))
    questions = localized(context.content, await context.storage.questions.list(uid))
    return Reply(await my_list(update, context, page_of(context.content, questions, data.num)),
                 s("questions.restored"))


async def ask_own_question(update: Update, context: BotContext, data: AskOwnQuestion) -> Reply:
    """Add my own question: after consent, the next text message becomes a question."""
    s = context.content.strings
    await require_consent(update, context)
    if await context.storage.questions.count(user_id(update)) >= MAX_QUESTIONS:
        return Reply(await my_list(update, context,
                                   notice=s("questions.limit", limit=MAX_QUESTIONS)))
    return await ask(update, context, QUESTION, s("questions.question_prompt", limit=MAX_OWN),
                     MyQuestions(0))


async def save_question(update: Update, context: BotContext, row: None, text: str) -> Outcome:
    """The parent's own question, typed: stored exactly as typed, shown back."""
    s = context.content.strings
    try:
        question_id = await context.storage.questions.add_own(user_id(update), text,
                                                              limit=MAX_QUESTIONS)
    except LimitReached:
        return done(await my_list(update, context,
                                  notice=s("questions.limit", limit=MAX_QUESTIONS)))
    question = await own_question(update, context, question_id)
    assert question is not None
    return done(await one_question(update, context, question, s("questions.question_saved")))


async def load_answered(update: Update, context: BotContext,
                        prompt: Prompt) -> SavedQuestion | Outcome:
    """The question an answer is typed for, or a calm word that it was removed meanwhile."""
    question = await own_question(update, context, prompt.ref) if prompt.ref is not None else None
    if question is None:
        return done(await my_list(update, context,
                                  notice=context.content.strings("questions.gone_waiting")))
    return question


async def save_answer(update: Update, context: BotContext, question: SavedQuestion,
                      text: str) -> Outcome:
    """The answer to one saved question, typed: stored exactly as typed, shown back."""
    await context.storage.questions.set_answer(user_id(update), question.id, text)
    updated = await own_question(update, context, question.id)
    assert updated is not None
    return done(await one_question(update, context, updated,
                                   context.content.strings("questions.answer_saved")))


QUESTION: Asking[None, str] = Asking(
    QUESTION_PROMPT, Text.FREE, save=save_question,
    read=typed_text(MAX_OWN, "questions.empty_question", "questions.question_too_long"))
ANSWER: Asking[SavedQuestion, str] = Asking(
    ANSWER_PROMPT, Text.FREE, load=load_answered, save=save_answer,
    read=typed_text(MAX_ANSWER, "questions.empty_answer", "questions.answer_too_long"))


# ---- taking the list to the appointment ---------------------------------------------------
async def parent_today(update: Update, context: BotContext) -> date:
    """Today on the bot's clock, in the parent's time zone where they gave one (for their
    appointments), else in UTC."""
    name = await context.storage.users.timezone(user_id(update))
    try:
        tz: tzinfo = ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):  # a zone this system's tzdata lacks
        tz = UTC
    return datetime.fromtimestamp(context.now(), tz).date()


async def send_pdf(update: Update, context: BotContext, data: SendPdf) -> Reply:
    """Send the list as a printable PDF with the date and room to write answers."""
    s = context.content.strings
    questions = localized(context.content, await context.storage.questions.list(user_id(update)))
    chat = update.effective_chat
    if not questions or chat is None:
        return Reply(await my_list(update, context), s("questions.nothing_to_export"))
    today = await parent_today(update, context)

    async def send() -> None:
        # Laying out 200 long questions takes a moment: off the event loop, so other chats
        # go on. Imported here: fpdf2 and its font tools cost ~0.35 s and ~20 MB at
        # start-up, for a button most parents tap rarely.
        from bot.pdf import build_pdf

        explains = {q.id: explanation(context.content, q) for q in questions}
        pdf = await asyncio.to_thread(build_pdf, questions, s, today, explains,
                                      context.content.language)
        await context.bot.send_document(chat.id, document=pdf,
                                        filename=s("questions.pdf_filename", date=today),
                                        caption=s("questions.pdf_caption", date=today))

    return Reply(notice=s("questions.pdf_preparing"), after=send)


async def send_text(update: Update, context: BotContext, data: SendText) -> Reply:
    """Send the list as plain text messages the parent can forward."""
    s = context.content.strings
    questions = localized(context.content, await context.storage.questions.list(user_id(update)))
    chat = update.effective_chat
    if not questions or chat is None:
        return Reply(await my_list(update, context), s("questions.nothing_to_export"))
    today = await parent_today(update, context)

    async def send() -> None:
        for message in export_messages(context.content, questions, today):
            await context.bot.send_message(chat.id, message)

    return Reply(notice=s("questions.text_sent"), after=send)


def page_extras(content: Content, section: Section, part: Part | None,
                page: int) -> Sequence[Sequence[Button]]:
    """The questions section opens the question lists; other sections with linked questions
    offer "Questions about this"."""
    s = content.strings
    if section.opens == "questions":
        return [[button(s("page.open_questions"), ShowGroups())]]
    if section.opens is None and content.questions_about(section.id):
        return [[button(s("page.questions_about"), ShowAbout(section.id))]]
    return []


async def purge_removed_questions(context: BotContext) -> None:
    """Job: erase questions whose undo window has ended, for every parent (the privacy page
    promises they are gone after it)."""
    window = context.services.settings.undo_seconds
    async with context.storage.coordination.job_lock(PURGE_JOB) as mine:
        if not mine:
            return  # another replica is erasing them this turn
        erased = await context.storage.questions.purge_removed(context.now() - window)
        # Webhook replicas remember handled update ids a day (a re-post is handled once).
        await context.storage.coordination.forget_updates(context.now() - 86_400)
    if erased:
        log.info("erased %d removed questions after the undo window", erased)


PURGE_JOB = "purge-removed-questions"
PURGE_EVERY = 60  # seconds: a removed question is gone at most this long after its window

COMMANDS = (Command("myquestions", "help.commands.myquestions", list_questions),)


def setup(app: BotApp) -> None:
    services = services_of(app)
    content = services.content
    section = content.section_for("questions")
    if section is not None:
        app.add_handler(CommandHandler(section_commands(services.contents, section.id), show_groups,
                                       filters=PRIVATE))
    tap(app, ShowGroups, tap_groups)
    tap(app, ShowGroup, tap_group)
    tap(app, SaveGroupQuestion, toggle_group_question)
    tap(app, ShowAbout, tap_about)
    tap(app, SaveAboutQuestion, toggle_about_question)
    tap(app, MyQuestions, tap_list)
    tap(app, OpenQuestion, open_question)
    tap(app, MarkAsked, mark_question)
    tap(app, AskAnswer, ask_answer)
    tap(app, RemoveQuestion, remove_question)
    tap(app, UndoRemove, undo_remove)
    tap(app, AskOwnQuestion, ask_own_question)
    tap(app, SendPdf, send_pdf)
    tap(app, SendText, send_text)
    on_prompt(app, QUESTION)
    on_prompt(app, ANSWER)
    at_start_and_every(app, purge_removed_questions, PURGE_EVERY, PURGE_JOB)
    services.page_extras.append(page_extras)
    menu_button(app, "menu.questions", ShowGroups())
    menu_button(app, "menu.myquestions", MyQuestions(0))
