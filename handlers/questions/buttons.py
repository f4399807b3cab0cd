"""Every button of the questions feature, and the names of its two prompts.

The prefixes and field layouts are what parents' chats already hold: a button sent months
ago must still mean the same tap, so none of them may change (tests/test_compat.py keeps old
data working). VisitQuestion is handled by handlers.appointments; it is declared here so My
questions can offer it without importing that feature.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import CallbackData


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


# The stored kinds of the two prompts: an open prompt (it survives a restart) is found by
# its kind, so these names must not change either.
QUESTION_PROMPT = "question"
ANSWER_PROMPT = "answer"
