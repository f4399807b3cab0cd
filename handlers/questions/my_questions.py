"""My questions: the parent's saved list, one question in full, asked or not, the answer
written down, their own questions typed in, removal with Undo.

Two prompts: QUESTION (the parent's own question, no saved row yet) and ANSWER (about the
saved question it answers, loaded again when the text comes, since it may be gone by then).
Every question is looked up for the tapping parent only (own_question), so a forged number
never shows anyone else's.
"""

from __future__ import annotations

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.storage import LimitReached, Prompt, SavedQuestion
from handlers.common import Reply, View, circle_of, me, require_consent, show, user_id
from handlers.family.notify import notice, signature
from handlers.prompts import Asking, Outcome, Text, ask, done, typed_text
from handlers.questions.buttons import (
    ANSWER_PROMPT,
    QUESTION_PROMPT,
    AskAnswer,
    AskOwnQuestion,
    MarkAsked,
    MyQuestions,
    OpenQuestion,
    RemoveQuestion,
    UndoRemove,
)
from handlers.questions.rules import MAX_ANSWER, MAX_OWN, MAX_QUESTIONS, localized, page_of
from handlers.questions.views import list_view, question_view


async def my_list(
    update: Update, context: BotContext, page: int = 0, notice: str | None = None, undo_id: int | None = None
) -> View:
    """A page of this parent's My questions, in their current language, with an optional
    note on top and an Undo button for a question just removed."""
    questions = localized(
        context.content, await context.storage.questions.list(await circle_of(update, context))
    )
    return list_view(context.content, questions, page, notice, undo_id)


async def list_questions(update: Update, context: BotContext) -> None:
    """/myquestions: every saved question, in the order saved."""
    await show(update, context, *await my_list(update, context))


async def tap_list(update: Update, context: BotContext, data: MyQuestions) -> Reply:
    """My questions button, or a page of the list."""
    return Reply(await my_list(update, context, data.page))


async def one_question(
    update: Update, context: BotContext, question: SavedQuestion, notice: str | None = None
) -> View:
    """One of this parent's questions in full, numbered as in their list."""
    questions = localized(
        context.content, await context.storage.questions.list(await circle_of(update, context))
    )
    signed = await signature(context, await me(update, context), question)
    return question_view(context.content, questions, question, notice, signed)


async def own_question(update: Update, context: BotContext, num: int) -> SavedQuestion | None:
    """The tapping parent's live question with this number, or None (anyone else's, removed)."""
    question = await context.storage.questions.get(await circle_of(update, context), num)
    if question is None or question.removed_at is not None:
        return None
    return localized(context.content, [question])[0]


async def question_gone(update: Update, context: BotContext) -> Reply:
    """The question tapped is no longer there (removed, or never this parent's): say so
    calmly and show the list."""
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
    if not await context.storage.questions.mark_asked(await me(update, context), data.num, data.on):
        return await question_gone(update, context)
    question = await own_question(update, context, data.num)
    if question is None:  # removed meanwhile
        return await question_gone(update, context)
    return Reply(
        await one_question(update, context, question),
        s("questions.marked_asked") if data.on else s("questions.marked_not_asked"),
    )


async def ask_answer(update: Update, context: BotContext, data: AskAnswer) -> Reply:
    """Write down the answer: the next text message the parent sends becomes it."""
    question = await own_question(update, context, data.num)
    if question is None:
        return await question_gone(update, context)
    s = context.content.strings
    return await ask(
        update,
        context,
        ANSWER,
        s("questions.answer_prompt", limit=MAX_ANSWER, text=render.esc(question.text)),
        OpenQuestion(question.id),
        ref=question.id,
    )


async def remove_question(update: Update, context: BotContext, data: RemoveQuestion) -> Reply:
    """Remove one question, keeping an Undo button right after (also after a double tap)."""
    user_id(update)
    question = await context.storage.questions.get(await circle_of(update, context), data.num)
    if question is None:
        return await question_gone(update, context)
    await context.storage.questions.remove(await me(update, context), data.num)
    # Numbered as it was in the list, so the note names the question the parent tapped.
    questions = sorted(
        [
            *(
                q
                for q in localized(
                    context.content, await context.storage.questions.list(await circle_of(update, context))
                )
                if q.id != data.num
            ),
            question,
        ],
        key=lambda q: (q.created_at, q.id),
    )
    number = next(n for n, q in enumerate(questions, start=1) if q.id == data.num)
    s = context.content.strings
    page = page_of(context.content, questions, data.num)
    return Reply(
        await my_list(update, context, page, s("questions.removed_note", number=number), undo_id=data.num),
        s("questions.removed"),
    )


async def undo_remove(update: Update, context: BotContext, data: UndoRemove) -> Reply:
    """Undo: bring a just-removed question back where it was."""
    s = context.content.strings
    user_id(update)
    try:
        restored = await context.storage.questions.undo_remove(
            await me(update, context), data.num, limit=MAX_QUESTIONS
        )
    except LimitReached:
        return Reply(await my_list(update, context), s("questions.limit", limit=MAX_QUESTIONS), alert=True)
    if not restored:
        return Reply(await my_list(update, context), s("questions.undo_gone"))
    questions = localized(
        context.content, await context.storage.questions.list(await circle_of(update, context))
    )
    return Reply(
        await my_list(update, context, page_of(context.content, questions, data.num)), s("questions.restored")
    )


async def ask_own_question(update: Update, context: BotContext, data: AskOwnQuestion) -> Reply:
    """Add my own question: after consent, the next text message becomes a question."""
    s = context.content.strings
    await require_consent(update, context)
    if await context.storage.questions.count(await circle_of(update, context)) >= MAX_QUESTIONS:
        return Reply(await my_list(update, context, notice=s("questions.limit", limit=MAX_QUESTIONS)))
    return await ask(update, context, QUESTION, s("questions.question_prompt", limit=MAX_OWN), MyQuestions(0))


async def save_question(update: Update, context: BotContext, row: None, text: str) -> Outcome:
    """The parent's own question, typed: stored exactly as typed, shown back."""
    s = context.content.strings
    try:
        question_id = await context.storage.questions.add_own(
            await me(update, context), text, limit=MAX_QUESTIONS
        )
    except LimitReached:
        return done(await my_list(update, context, notice=s("questions.limit", limit=MAX_QUESTIONS)))
    question = await own_question(update, context, question_id)
    assert question is not None
    await notice(context, await me(update, context), "family.notice_question", text=render.esc(text))
    return done(await one_question(update, context, question, s("questions.question_saved")))


async def load_answered(update: Update, context: BotContext, prompt: Prompt) -> SavedQuestion | Outcome:
    """The question an answer is typed for, or a calm word that it was removed meanwhile."""
    question = await own_question(update, context, prompt.ref) if prompt.ref is not None else None
    if question is None:
        return done(await my_list(update, context, notice=context.content.strings("questions.gone_waiting")))
    return question


async def save_answer(update: Update, context: BotContext, question: SavedQuestion, text: str) -> Outcome:
    """The answer to one saved question, typed: stored exactly as typed, shown back."""
    await context.storage.questions.set_answer(await me(update, context), question.id, text)
    updated = await own_question(update, context, question.id)
    assert updated is not None
    await notice(context, await me(update, context), "family.notice_answer", text=render.esc(updated.text))
    return done(
        await one_question(update, context, updated, context.content.strings("questions.answer_saved"))
    )


# The two prompts (declared in setup): an own question is about no saved row; an answer is
# about the question it answers, loaded again when the text arrives.
QUESTION: Asking[None, str] = Asking(
    QUESTION_PROMPT,
    Text.FREE,
    save=save_question,
    read=typed_text(MAX_OWN, "questions.empty_question", "questions.question_too_long"),
)
ANSWER: Asking[SavedQuestion, str] = Asking(
    ANSWER_PROMPT,
    Text.FREE,
    load=load_answered,
    save=save_answer,
    read=typed_text(MAX_ANSWER, "questions.empty_answer", "questions.answer_too_long"),
)
