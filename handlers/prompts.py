"""Prompts: the bot waits for the parent to type something, then files it.

Every prompt has the same four steps, and a feature writes only the middle two:

1. **the red-flag check** (handlers.core.answer_prompt runs it for every prompt, present and
   future, before the prompt's own steps): the card's lines come
   before the prompt sees the text. A free-text prompt (a question, an answer, the team's rule)
   then saves the text as usual; a structured one (a number, a zone, a date, a place, a name)
   saves nothing and stays open, and a bare number typed there is no temperature; in a prompt
   that asks for a temperature no number is read as the child's;
2. **load** what the prompt is about (the question being answered, the appointment being
   placed), or say calmly that it is gone;
3. **read** the text: a value, or what is wrong with it (the prompt stays open, nothing saved);
4. **save** it and say what to show: the prompt closes, stays open, or hands over to the next.

A feature declares an `Asking` per kind in its setup (`on_prompt`) and opens it from a tap with
`ask(...)`, which stores the prompt (it survives a restart) and shows the question with Cancel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot.callbacks import CallbackData
from bot.content import Content
from bot.context import BotApp, BotContext, services_of
from bot.storage import Prompt
from handlers.common import CancelPrompt, Reply, View, button, user_id

R = TypeVar("R")  # what a prompt is about: a saved row, or None
V = TypeVar("V")  # what the typed text was read as


class Text(Enum):
    """What a prompt waits for, which decides how the red-flag check treats numbers in it."""

    FREE = "free"  # kept as typed (a question, an answer): saved after an alert
    STRUCTURED = "structured"  # a number, a zone, a date, a place, a name: an alert saves
    # nothing, and a bare number typed there is no temperature
    TEMPERATURE = "temperature"  # the fever number: structured, and no number is the child's


class Then(Enum):
    KEEP = "keep"  # nothing saved (or saved but more is needed): the prompt stays open
    CLOSE = "close"  # done: the prompt closes
    NEXT = "next"  # done, and another prompt was opened in its place: leave that one open
    PASS = "pass"  # not meant for this prompt at all: it closes, and the text is handled as
    # text outside any prompt (a question typed on a screen that only offered typing)


@dataclass(frozen=True)
class Outcome:
    """What a step shows, and what becomes of the prompt."""

    view: View
    then: Then


def again(content: Content, text: str, markup: Markup | None = None) -> Outcome:
    """The text could not be used: say why (with Cancel, unless other buttons are given)
    and keep waiting."""
    return Outcome(View(text, markup or cancel_keyboard(content)), Then.KEEP)


def done(view: View) -> Outcome:
    return Outcome(view, Then.CLOSE)


def not_for_this(view: View) -> Outcome:
    """The text is plainly not what this prompt waits for, and the parent never chose to
    type into it (a screen that only offered typing): the prompt closes and the text goes
    where text outside any prompt goes (the search), instead of being refused here. For
    structured prompts: a red flag has been answered before any step runs."""
    return Outcome(view, Then.PASS)


def handed_over(view: View) -> Outcome:
    """Saved, and the next prompt is open (a new number, then its name)."""
    return Outcome(view, Then.NEXT)


@dataclass(frozen=True)
class Asking(Generic[R, V]):
    """One kind of prompt: what it waits for and its load, read and save steps (see above)."""

    kind: str
    text: Text
    read: Callable[[Update, BotContext, R, str], Awaitable[V | Outcome]]
    save: Callable[[Update, BotContext, R, V], Awaitable[Outcome]]
    # None: the prompt is about no saved row (a new question), and read and save get None.
    load: Callable[[Update, BotContext, Prompt], Awaitable[R | Outcome]] | None = None
    # Only a full member of the family may save it (checked again when the text comes: a
    # role can change while a prompt waits).
    full: bool = False


def on_prompt(app: BotApp, asking: Asking[Any, Any]) -> None:
    """Declare a kind of prompt (each kind once per bot)."""
    prompts = services_of(app).prompts
    if asking.kind in prompts:
        raise ValueError(f"prompt kind {asking.kind!r} registered twice")
    prompts[asking.kind] = asking


async def ask(
    update: Update,
    context: BotContext,
    asking: Asking[Any, Any],
    question: str,
    origin: CallbackData,
    ref: int | None = None,
    markup: Markup | None = None,
) -> Reply:
    """Start waiting for text of this kind and show the question (with Cancel, unless other
    buttons are given). Any command, any other tap or expiry ends it silently; Cancel goes
    back to `origin`. Stored, so it survives a restart. Needs consent (NoConsent otherwise,
    which the tap router turns into the consent question)."""
    await open_prompt(update, context, asking.kind, origin, ref)
    return Reply(View(question, markup or cancel_keyboard(context.content)))


async def open_prompt(
    update: Update, context: BotContext, kind: str, origin: CallbackData, ref: int | None = None
) -> None:
    now = context.now()
    await context.storage.prompts.open(
        user_id(update),
        Prompt(
            kind=kind,
            ref=ref,
            origin=origin.pack(),
            opened_at=now,
            expires_at=now + context.services.settings.prompt_seconds,
        ),
    )


def cancel_keyboard(content: Content, key: str = "questions.cancel") -> Markup:
    return Markup([[button(content.strings(key), CancelPrompt())]])


def typed_text(
    limit: int, empty_key: str, too_long_key: str, cancel_key: str = "questions.cancel"
) -> Callable[[Update, BotContext, Any, str], Awaitable[str | Outcome]]:
    """A read step for words kept exactly as typed: refused calmly when empty or longer
    than `limit` characters (the strings get `length` and `limit`)."""

    async def read(update: Update, context: BotContext, row: Any, text: str) -> str | Outcome:
        s, content = context.content.strings, context.content
        if not text.strip():
            return again(content, s(empty_key), cancel_keyboard(content, cancel_key))
        if len(text) > limit:
            return again(
                content, s(too_long_key, length=len(text), limit=limit), cancel_keyboard(content, cancel_key)
            )
        return text

    return read
