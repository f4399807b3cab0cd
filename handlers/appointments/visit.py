"""At the appointment: the questions still without an answer, one per screen ("3 of 7"),
marked asked as the doctor hears them, with the answer written down on the spot; then how
many were asked. Reached from the reminder, My questions (VisitQuestion, declared in
handlers.questions) and its own buttons. The one prompt, VISIT_ANSWER, keeps whatever the
parent writes, as My questions' own answer prompt does.
"""

from __future__ import annotations

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.storage import Prompt, SavedQuestion
from handlers.appointments.buttons import VISIT_ANSWER_PROMPT, VisitAnswer, VisitAsked, VisitEnd
from handlers.appointments.rules import following, open_questions, visit_target
from handlers.appointments.views import visit_answer_view, visit_end_view, visit_view
from handlers.common import Reply, View, circle_of, me, user_id
from handlers.family.notify import notice
from handlers.prompts import Asking, Outcome, Text, ask, done, typed_text
from handlers.questions import MAX_ANSWER, VisitQuestion, localized, own_question


async def visit_reply(update: Update, context: BotContext, question_id: int) -> Reply:
    """The visit's screen for `question_id` (see rules.visit_target: 0 is the first question
    without an answer), or its end once every question has an answer."""
    questions = localized(
        context.content, await context.storage.questions.list(await circle_of(update, context))
    )
    question = visit_target(questions, question_id)
    if question is None:
        return await visit_end_reply(update, context)
    return Reply(visit_view(context.content, question, [q.id for q in open_questions(questions)]))


async def tap_visit(update: Update, context: BotContext, data: VisitQuestion) -> Reply:
    """At the appointment, from the reminder, My questions, Back, Skip or Next question."""
    return await visit_reply(update, context, data.num)


async def tap_visit_asked(update: Update, context: BotContext, data: VisitAsked) -> Reply:
    """Asked: the same question stays on screen, shown as asked, so Write the answer is
    for the question just asked; Next question goes on."""
    marked = await context.storage.questions.mark_asked(await me(update, context), data.num, True)
    reply = await visit_reply(update, context, data.num)
    s = context.content.strings
    return Reply(reply.view, s("questions.marked_asked") if marked else s("questions.gone"))


async def tap_visit_answer(update: Update, context: BotContext, data: VisitAnswer) -> Reply:
    """Write the answer: the next text message is the answer to this question (the one on
    screen when it was tapped); Cancel goes back to it."""
    s = context.content.strings
    question = await own_question(update, context, data.num)
    if question is None:
        reply = await visit_reply(update, context, 0)
        return Reply(reply.view, s("questions.gone"))
    return await ask(
        update,
        context,
        VISIT_ANSWER,
        s("questions.answer_prompt", limit=MAX_ANSWER, text=render.esc(question.text)),
        VisitQuestion(question.id),
        ref=question.id,
    )


async def load_visit_question(update: Update, context: BotContext, prompt: Prompt) -> SavedQuestion | Outcome:
    """The question a typed answer is for; if it was removed meanwhile, the prompt closes on
    the visit's first open question, saying so."""
    question = await own_question(update, context, prompt.ref) if prompt.ref is not None else None
    if question is None:
        reply = await visit_reply(update, context, 0)
        assert reply.view is not None
        s = context.content.strings
        return done(View(f"{s('questions.gone_waiting')}\n\n{reply.view.text}", reply.view.markup))
    return question


async def save_visit_answer(
    update: Update, context: BotContext, question: SavedQuestion, text: str
) -> Outcome:
    """The answer typed at the appointment: stored on the question it was opened for, shown
    back with Next question (the next one without an answer), or the end when none is left."""
    s = context.content.strings
    user_id(update)
    await context.storage.questions.set_answer(await me(update, context), question.id, text)
    await notice(context, await me(update, context), "family.notice_answer", text=render.esc(question.text))
    questions = localized(
        context.content, await context.storage.questions.list(await circle_of(update, context))
    )
    onward = following(questions, question.id)
    if onward is None:
        end = await visit_end_reply(update, context)
        assert end.view is not None
        return done(View(f"{s('questions.answer_saved')}\n\n{end.view.text}", end.view.markup))
    return done(visit_answer_view(context.content, question, text, onward))


async def visit_end_reply(update: Update, context: BotContext) -> Reply:
    """The end of the visit: how many of all the parent's questions were asked."""
    questions = await context.storage.questions.list(await circle_of(update, context))
    asked = sum(1 for q in questions if q.asked_at is not None)
    return Reply(visit_end_view(context.content, asked, len(questions)))


async def tap_visit_end(update: Update, context: BotContext, data: VisitEnd) -> Reply:
    """Finish, or Skip past the last question: how many were asked."""
    return await visit_end_reply(update, context)


VISIT_ANSWER: Asking[SavedQuestion, str] = Asking(
    VISIT_ANSWER_PROMPT,
    Text.FREE,
    load=load_visit_question,
    save=save_visit_answer,
    read=typed_text(MAX_ANSWER, "questions.empty_answer", "questions.answer_too_long"),
)
