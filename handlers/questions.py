"""Questions for the doctor: the guide's question lists, My questions, own questions, PDF, text."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import date
from html import unescape

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.ext import CommandHandler

from bot import keyboards, render
from bot.app import BotApp, BotContext
from bot.callbacks import Callback, make
from bot.content import Content, GuideQuestion, QuestionGroup, Section
from bot.render import utf16_len
from bot.storage import MAX_QUESTIONS, LimitReached, NoConsent, SavedQuestion
from handlers.common import (
    PRIVATE,
    Router,
    answer,
    ask_consent,
    ensure_consent,
    show,
    show_stale,
    user_id,
)

MAX_OWN = 500          # characters in a question the parent types
MAX_ANSWER = 1000      # characters in a written-down answer (a view must stay under 4096)
PER_PAGE = 10          # questions on one page of My questions
PAGE_BUDGET = 3300     # UTF-16 units of entries per page, leaving room for title and notes
EXPORT_BUDGET = 4000   # UTF-16 units per forwarded text message (Telegram allows 4096)
LABEL = 40             # characters of a question shown on a button
LIST_ANSWER = 150      # characters of an answer shown in the list (the full one is one tap away)

_TAG = re.compile(r"<[^>]+>")


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
                    callback_data=make("s", sid=section.id, part="", page=0))]]


def groups_view(content: Content, saved: set[str]) -> tuple[str, Markup]:
    """The guide's question groups, each with how many of its questions are saved."""
    s = content.strings
    rows = [[Button(s("questions.group_button", title=group.title,
                      saved=sum(1 for q in group.questions if q.id in saved),
                      total=len(group.questions)),
                    callback_data=make("qg", group=group.id))]
            for group in content.question_groups]
    rows += read_section_row(content)
    rows.append([Button(s("questions.my"), callback_data=make("m", page=0))])
    rows.append(keyboards.home_row(content))
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
    data = [make("qs", item=q.id, on=q.id not in saved) for q in group.questions]
    rows = _toggle_rows(content, group.questions, saved, data)
    rows += read_section_row(content)
    rows.append([Button(s("questions.back_groups"), callback_data=make("q")),
                 Button(s("questions.my"), callback_data=make("m", page=0))])
    rows.append([Button(s("menu.home"), callback_data=make("h"))])
    text = f"{s('questions.group_title', title=render.esc(group.title))}\n\n" \
           f"{_numbered(content, group.questions)}"
    return text, Markup(rows)


def about_view(content: Content, section: Section, saved: set[str]) -> tuple[str, Markup]:
    """The questions linked to one section, with toggles that come back to this view."""
    s = content.strings
    questions = content.questions_about(section.id)
    data = [make("qt", sid=section.id, item=q.id, on=q.id not in saved) for q in questions]
    rows = _toggle_rows(content, questions, saved, data)
    rows.append([Button(s("questions.back_section", title=section.title),
                        callback_data=make("s", sid=section.id, part="", page=0))])
    rows.append([Button(s("questions.back_groups"), callback_data=make("q")),
                 Button(s("questions.my"), callback_data=make("m", page=0))])
    rows.append([Button(s("menu.home"), callback_data=make("h"))])
    text = f"{s('questions.about_title', title=render.esc(section.title))}\n\n" \
           f"{_numbered(content, questions)}"
    return text, Markup(rows)


def list_entry(content: Content, number: int, question: SavedQuestion) -> str:
    s = content.strings
    lines = [s("questions.entry", number=number, text=render.esc(question.text))]
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
        top.append([Button(s("questions.undo"), callback_data=make("mu", num=undo_id))])
    head = [notice] if notice else []
    if not questions:
        rows = [*top,
                [Button(s("questions.add"), callback_data=make("mn"))],
                [Button(s("menu.questions"), callback_data=make("q"))],
                [Button(s("menu.home"), callback_data=make("h"))]]
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
        rows.append([Button(label, callback_data=make("mo", num=question.id))])
    if len(pages) > 1:
        chunks.append(s("questions.list_page", page=page + 1, pages=len(pages)))
        nav = []
        if page > 0:
            nav.append(Button(s("questions.prev"), callback_data=make("m", page=page - 1)))
        nav.append(Button(s("questions.page_button", page=page + 1, pages=len(pages)),
                          callback_data=make("x")))
        if page < len(pages) - 1:
            nav.append(Button(s("questions.next"), callback_data=make("m", page=page + 1)))
        rows.append(nav)
    rows.append([Button(s("questions.add"), callback_data=make("mn"))])
    rows.append([Button(s("questions.pdf"), callback_data=make("mp")),
                 Button(s("questions.text"), callback_data=make("mt"))])
    rows.append([Button(s("menu.questions"), callback_data=make("q")),
                 Button(s("menu.home"), callback_data=make("h"))])
    return "\n\n".join(chunks), Markup(rows)


def question_view(content: Content, questions: Sequence[SavedQuestion], question: SavedQuestion,
                  notice: str | None = None) -> tuple[str, Markup]:
    """One saved question in full, its answer, and what can be done with it."""
    s = content.strings
    number = next((n for n, q in enumerate(questions, start=1) if q.id == question.id), 1)
    chunks = [notice] if notice else []
    chunks.append(s("questions.view_title", number=number, count=len(questions)))
    chunks.append(render.esc(question.text))
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
                callback_data=make("mk", num=question.id, on=not asked))]]
    rows += [
        [Button(s("questions.answer_change") if question.answer else s("questions.answer_add"),
                callback_data=make("ma", num=question.id))],
        [Button(s("questions.remove"), callback_data=make("mr", num=question.id))],
        [Button(s("questions.back_list"),
                callback_data=make("m", page=page_of(content, questions, question.id))),
         Button(s("menu.home"), callback_data=make("h"))],
    ]
    return "\n\n".join(chunks), Markup(rows)


def cancel_markup(content: Content) -> Markup:
    return Markup([[Button(content.strings("questions.cancel"), callback_data=make("mx"))]])


def export_messages(content: Content, questions: Sequence[SavedQuestion], today: date,
                    budget: int = EXPORT_BUDGET) -> list[str]:
    """The list as plain text to forward, escaped, split into messages that fit."""
    s = content.strings
    blocks = [s("questions.export_title", date=today)]
    for number, question in enumerate(questions, start=1):
        lines = [s("questions.export_entry", number=number, text=question.text)]
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
async def show_groups(update: Update, context: BotContext) -> None:
    """/questions: the guide's question groups."""
    saved = await context.repo.saved_guide_ids(user_id(update))
    await show(update, context, *groups_view(context.content, saved))


async def tap_groups(update: Update, context: BotContext, cb: Callback) -> None:
    """Questions for the doctor button: the groups."""
    await answer(update, context)
    await show_groups(update, context)


async def render_group(update: Update, context: BotContext, group: QuestionGroup) -> None:
    saved = await context.repo.saved_guide_ids(user_id(update))
    await show(update, context, *group_view(context.content, group, saved))


async def tap_group(update: Update, context: BotContext, cb: Callback) -> None:
    """One group's questions with save toggles."""
    group = context.content.group(cb.group)
    if group is None:
        await show_stale(update, context)
        return
    await answer(update, context)
    await render_group(update, context, group)


async def set_guide_question(update: Update, context: BotContext, cb: Callback,
                             question: GuideQuestion) -> bool:
    """Make the stored state what the button showed; False if nothing more should be shown."""
    s = context.content.strings
    uid = user_id(update)
    if cb.on:
        try:
            await context.repo.save_guide_question(uid, question.id, question.text)
        except NoConsent:
            await ask_consent(update, context, cb)
            return False
        except LimitReached:
            await answer(update, context, s("questions.limit", limit=MAX_QUESTIONS), alert=True)
            return True
        await answer(update, context, s("questions.saved"))
        return True
    # Taken off like a removal, not erased: saving it again soon brings back its answer.
    for saved in await context.repo.list_questions(uid):
        if saved.guide_id == question.id:
            await context.repo.remove_question(uid, saved.id)
    await answer(update, context, s("questions.unsaved"))
    return True


async def toggle_group_question(update: Update, context: BotContext, cb: Callback) -> None:
    """☆/⭐ in a group: save or unsave one guide question (a double tap changes nothing)."""
    question = context.content.question(cb.item)
    group = context.content.group(question.group) if question is not None else None
    if question is None or group is None:
        await show_stale(update, context)
        return
    if await set_guide_question(update, context, cb, question):
        await render_group(update, context, group)


async def render_about(update: Update, context: BotContext, section: Section) -> None:
    saved = await context.repo.saved_guide_ids(user_id(update))
    await show(update, context, *about_view(context.content, section, saved))


async def tap_about(update: Update, context: BotContext, cb: Callback) -> None:
    """Questions about this: the questions linked to one section."""
    section = context.content.section(cb.sid)
    if section is None or not context.content.questions_about(section.id):
        await show_stale(update, context)
        return
    await answer(update, context)
    await render_about(update, context, section)


async def toggle_about_question(update: Update, context: BotContext, cb: Callback) -> None:
    """☆/⭐ in Questions about this: save or unsave, then show the same view again."""
    section = context.content.section(cb.sid)
    question = context.content.question(cb.item)
    if section is None or question is None or question.section != section.id:
        await show_stale(update, context)
        return
    if await set_guide_question(update, context, cb, question):
        await render_about(update, context, section)


# ---- My questions -------------------------------------------------------------------------
async def render_list(update: Update, context: BotContext, page: int = 0,
                      notice: str | None = None, undo_id: int | None = None) -> None:
    questions = await context.repo.list_questions(user_id(update))
    await show(update, context, *list_view(context.content, questions, page, notice, undo_id))


async def list_questions(update: Update, context: BotContext) -> None:
    """/myquestions: every saved question, in the order saved."""
    await render_list(update, context)


async def tap_list(update: Update, context: BotContext, cb: Callback) -> None:
    """My questions button, or a page of the list."""
    await answer(update, context)
    await render_list(update, context, cb.page)


async def render_question(update: Update, context: BotContext, question: SavedQuestion,
                          notice: str | None = None) -> None:
    questions = await context.repo.list_questions(user_id(update))
    await show(update, context, *question_view(context.content, questions, question, notice))


async def own_question(update: Update, context: BotContext, num: int) -> SavedQuestion | None:
    """The tapping parent's question with this number; None (answered calmly) for anyone else's."""
    question = await context.repo.get_question(user_id(update), num)
    if question is None or question.removed_at is not None:
        await answer(update, context, context.content.strings("questions.gone"))
        await render_list(update, context)
        return None
    return question


async def open_question(update: Update, context: BotContext, cb: Callback) -> None:
    """One saved question in full, with its answer and actions."""
    question = await own_question(update, context, cb.num)
    if question is None:
        return
    await answer(update, context)
    await render_question(update, context, question)


async def mark_question(update: Update, context: BotContext, cb: Callback) -> None:
    """Mark as asked / not asked, as the button showed (a double tap changes nothing)."""
    s = context.content.strings
    uid = user_id(update)
    if await own_question(update, context, cb.num) is None:
        return
    await context.repo.mark_asked(uid, cb.num, cb.on)
    question = await own_question(update, context, cb.num)  # removed meanwhile: said calmly
    if question is None:
        return
    await answer(update, context, s("questions.marked_asked") if cb.on
                 else s("questions.marked_not_asked"))
    await render_question(update, context, question)


async def ask_answer(update: Update, context: BotContext, cb: Callback) -> None:
    """Write down the answer: the next text message the parent sends becomes it."""
    question = await own_question(update, context, cb.num)
    if question is None:
        return
    await context.repo.set_pending(user_id(update), "answer", question.id)
    await answer(update, context)
    s = context.content.strings
    await show(update, context,
               s("questions.answer_prompt", text=render.esc(question.text), limit=MAX_ANSWER),
               cancel_markup(context.content))


async def remove_question(update: Update, context: BotContext, cb: Callback) -> None:
    """Remove one question, keeping an Undo button right after (also after a double tap)."""
    uid = user_id(update)
    question = await context.repo.get_question(uid, cb.num)
    if question is None:
        await own_question(update, context, cb.num)
        return
    await context.repo.remove_question(uid, cb.num)
    # Numbered as it was in the list, so the note names the question the parent tapped.
    questions = sorted([*(q for q in await context.repo.list_questions(uid) if q.id != cb.num),
                        question], key=lambda q: (q.created_at, q.id))
    number = next(n for n, q in enumerate(questions, start=1) if q.id == cb.num)
    s = context.content.strings
    await answer(update, context, s("questions.removed"))
    page = page_of(context.content, questions, cb.num)
    await render_list(update, context, page, s("questions.removed_note", number=number),
                      undo_id=cb.num)


async def undo_remove(update: Update, context: BotContext, cb: Callback) -> None:
    """Undo: bring a just-removed question back where it was."""
    s = context.content.strings
    uid = user_id(update)
    try:
        restored = await context.repo.undo_remove(uid, cb.num)
    except LimitReached:
        await answer(update, context, s("questions.limit", limit=MAX_QUESTIONS), alert=True)
        await render_list(update, context)
        return
    if not restored:
        await answer(update, context, s("questions.undo_gone"))
        await render_list(update, context)
        return
    await answer(update, context, s("questions.restored"))
    questions = await context.repo.list_questions(uid)
    await render_list(update, context, page_of(context.content, questions, cb.num))


async def ask_own_question(update: Update, context: BotContext, cb: Callback) -> None:
    """Add my own question: after consent, the next text message becomes a question."""
    s = context.content.strings
    uid = user_id(update)
    if not await ensure_consent(update, context, cb):
        return
    if await context.repo.count_questions(uid) >= MAX_QUESTIONS:
        limit = s("questions.limit", limit=MAX_QUESTIONS)
        await answer(update, context)
        await render_list(update, context, notice=limit)
        return
    await context.repo.set_pending(uid, "question")
    await answer(update, context)
    await show(update, context, s("questions.question_prompt", limit=MAX_OWN),
               cancel_markup(context.content))


async def cancel_typing(update: Update, context: BotContext, cb: Callback) -> None:
    """Cancel: stop waiting for typed text and go back to where the parent was."""
    uid = user_id(update)
    pending = await context.repo.get_pending(uid)
    await context.repo.clear_pending(uid)
    await answer(update, context, context.content.strings("questions.cancelled"))
    if pending is not None and pending.kind == "answer" and pending.ref is not None:
        question = await context.repo.get_question(uid, pending.ref)
        if question is not None and question.removed_at is None:
            await render_question(update, context, question)
            return
    await render_list(update, context)


def typed_text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


async def refuse_text(update: Update, context: BotContext, text: str, limit: int,
                      empty_key: str, too_long_key: str) -> bool:
    """Say calmly what is wrong with typed text (empty, too long) and keep waiting; True if refused."""
    s = context.content.strings
    if not text.strip():
        await show(update, context, s(empty_key), cancel_markup(context.content))
        return True
    if len(text) > limit:
        await show(update, context, s(too_long_key, length=len(text), limit=limit),
                   cancel_markup(context.content))
        return True
    return False


async def receive_question(update: Update, context: BotContext, ref: int | None) -> None:
    """The parent's own question, typed: checked, stored exactly as typed, shown back."""
    s = context.content.strings
    uid = user_id(update)
    text = typed_text(update)
    if await refuse_text(update, context, text, MAX_OWN, "questions.empty_question",
                         "questions.question_too_long"):
        return
    try:
        question_id = await context.repo.add_own_question(uid, text)
    except LimitReached:
        await context.repo.clear_pending(uid)
        await render_list(update, context, notice=s("questions.limit", limit=MAX_QUESTIONS))
        return
    # Stored first, then stop waiting: a crash in between can never lose the question.
    await context.repo.clear_pending(uid)
    question = await context.repo.get_question(uid, question_id)
    assert question is not None
    await render_question(update, context, question, s("questions.question_saved"))


async def receive_answer(update: Update, context: BotContext, ref: int | None) -> None:
    """The answer to one saved question, typed: stored exactly as typed, shown back."""
    s = context.content.strings
    uid = user_id(update)
    question = await context.repo.get_question(uid, ref) if ref is not None else None
    if question is None or question.removed_at is not None:
        await context.repo.clear_pending(uid)
        await render_list(update, context, notice=s("questions.gone_waiting"))
        return
    text = typed_text(update)
    if await refuse_text(update, context, text, MAX_ANSWER, "questions.empty_answer",
                         "questions.answer_too_long"):
        return
    await context.repo.set_answer(uid, question.id, text)
    await context.repo.clear_pending(uid)
    updated = await context.repo.get_question(uid, question.id)
    assert updated is not None
    await render_question(update, context, updated, s("questions.answer_saved"))


# ---- taking the list to the appointment ---------------------------------------------------
async def _exportable(update: Update,
                      context: BotContext) -> tuple[list[SavedQuestion], int] | None:
    """The parent's saved questions and chat, or None after saying there is nothing to send."""
    questions = await context.repo.list_questions(user_id(update))
    chat = update.effective_chat
    if questions and chat is not None:
        return questions, chat.id
    await answer(update, context, context.content.strings("questions.nothing_to_export"))
    await render_list(update, context)
    return None


async def send_pdf(update: Update, context: BotContext, cb: Callback) -> None:
    """Send the list as a printable PDF with the date and room to write answers."""
    s = context.content.strings
    found = await _exportable(update, context)
    if found is None:
        return
    questions, chat_id = found
    await answer(update, context, s("questions.pdf_preparing"))
    today = date.today()
    # Laying out 200 long questions takes a moment: off the event loop, so other chats go on.
    # Imported here: fpdf2 and its font tools cost ~0.35 s and ~20 MB at start-up, for a
    # button most parents tap rarely.
    from bot.pdf import build_pdf

    data = await asyncio.to_thread(build_pdf, questions, s, today)
    await context.bot.send_document(chat_id, document=data,
                                    filename=s("questions.pdf_filename", date=today),
                                    caption=s("questions.pdf_caption", date=today))


async def send_text(update: Update, context: BotContext, cb: Callback) -> None:
    """Send the list as plain text messages the parent can forward."""
    s = context.content.strings
    found = await _exportable(update, context)
    if found is None:
        return
    questions, chat_id = found
    await answer(update, context, s("questions.text_sent"))
    for message in export_messages(context.content, questions, date.today()):
        await context.bot.send_message(chat_id, message)


def setup(app: BotApp, router: Router) -> None:
    private = PRIVATE
    content: Content = app.bot_data["services"].content
    section = content.section_for("questions")
    if section is not None:
        app.add_handler(CommandHandler(section.command, show_groups, filters=private))
    app.add_handler(CommandHandler("myquestions", list_questions, filters=private))
    router.tap("q")(tap_groups)
    router.tap("qg")(tap_group)
    router.tap("qs")(toggle_group_question)
    router.tap("qa")(tap_about)
    router.tap("qt")(toggle_about_question)
    router.tap("m")(tap_list)
    router.tap("mo")(open_question)
    router.tap("mk")(mark_question)
    router.tap("ma")(ask_answer)
    router.tap("mr")(remove_question)
    router.tap("mu")(undo_remove)
    router.tap("mn")(ask_own_question)
    router.tap("mx")(cancel_typing)
    router.tap("mp")(send_pdf)
    router.tap("mt")(send_text)
    router.text("question")(receive_question)
    router.text("answer")(receive_answer)
