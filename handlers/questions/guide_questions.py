"""Saving the guide's questions: the question groups, one group's questions, and
"Questions about this" under a guide section, each question with a ☆/⭐ save toggle.

A toggle sets the state its button showed (a double tap changes nothing); unsaving takes a
question off like a removal, so saving it again soon brings back its answer.
"""

from __future__ import annotations

from telegram import Update

from bot.content import GuideQuestion, QuestionGroup, Section
from bot.context import BotContext
from bot.storage import LimitReached
from handlers.common import Reply, View, circle_of, me, show, stale_reply, user_id
from handlers.questions.buttons import (
    SaveAboutQuestion,
    SaveGroupQuestion,
    ShowAbout,
    ShowGroup,
    ShowGroups,
)
from handlers.questions.rules import MAX_QUESTIONS
from handlers.questions.views import about_view, group_view, groups_view


async def groups_reply_view(update: Update, context: BotContext) -> View:
    """The question groups with this parent's saved counts, the family's treatment phase's
    groups first (handlers.phase)."""
    circle = await circle_of(update, context)
    saved = await context.storage.questions.saved_guide_ids(circle)
    phase_id, _ = await context.storage.circles.phase(circle) if circle else (None, None)
    return groups_view(context.content, saved, context.content.phase(phase_id))


async def show_groups(update: Update, context: BotContext) -> None:
    """/questions: the guide's question groups."""
    await show(update, context, *await groups_reply_view(update, context))


async def tap_groups(update: Update, context: BotContext, data: ShowGroups) -> Reply:
    """Questions for the doctor button: the groups."""
    return Reply(await groups_reply_view(update, context))


async def one_group(update: Update, context: BotContext, group: QuestionGroup) -> View:
    """One group's questions, with this parent's saved ones starred."""
    saved = await context.storage.questions.saved_guide_ids(await circle_of(update, context))
    return group_view(context.content, group, saved)


async def tap_group(update: Update, context: BotContext, data: ShowGroup) -> Reply:
    """One group's questions with save toggles."""
    group = context.content.group(data.group)
    if group is None:
        return stale_reply(context)
    return Reply(await one_group(update, context, group))


async def set_guide_question(
    update: Update, context: BotContext, question: GuideQuestion, on: bool
) -> tuple[str, bool]:
    """Make the stored state what the button showed; the notice and whether it is an alert.
    NoConsent (a save before consent) brings up the consent prompt."""
    s = context.content.strings
    user_id(update)
    if not on:
        # Taken off like a removal, not erased: saving it again soon brings back its answer.
        await context.storage.questions.remove_guide(await me(update, context), question.id)
        return s("questions.unsaved"), False
    try:
        await context.storage.questions.save_guide(
            await me(update, context), question.id, question.text, limit=MAX_QUESTIONS
        )
    except LimitReached:
        return s("questions.limit", limit=MAX_QUESTIONS), True
    return s("questions.saved"), False


async def toggle_group_question(update: Update, context: BotContext, data: SaveGroupQuestion) -> Reply:
    """☆/⭐ in a group: save or unsave one guide question (a double tap changes nothing)."""
    question = context.content.question(data.item)
    group = context.content.group(question.group) if question is not None else None
    if question is None or group is None:
        return stale_reply(context)
    notice, alert = await set_guide_question(update, context, question, data.on)
    return Reply(await one_group(update, context, group), notice, alert)


async def about(update: Update, context: BotContext, section: Section) -> View:
    """The questions linked to one section, with this parent's saved ones starred."""
    saved = await context.storage.questions.saved_guide_ids(await circle_of(update, context))
    return about_view(context.content, section, saved)


async def tap_about(update: Update, context: BotContext, data: ShowAbout) -> Reply:
    """Questions about this: the questions linked to one section."""
    section = context.content.section(data.sid)
    if section is None or not context.content.questions_about(section.id):
        return stale_reply(context)
    return Reply(await about(update, context, section))


async def toggle_about_question(update: Update, context: BotContext, data: SaveAboutQuestion) -> Reply:
    """☆/⭐ in Questions about this: save or unsave, then show the same view again."""
    section = context.content.section(data.sid)
    question = context.content.question(data.item)
    if section is None or question is None or question.section != section.id:
        return stale_reply(context)
    notice, alert = await set_guide_question(update, context, question, data.on)
    return Reply(await about(update, context, section), notice, alert)
