"""Every button of the emergency-department card and the visit summary, and the names of
their prompts.

The prefixes and field layouts are what parents' chats will hold (the summary button on an
appointment reminder, the card's button on the urgent card), so none may change: a field is
only ever added at the end. No type here carries anything about the child: a fact is its
place in `views.FACTS`, a choice its place in that fact's choices, a day its number
(20261201), a language its content folder's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import CallbackData

# The prompt kinds, as stored with an open prompt (a restart finds them by these names).
NAME_PROMPT = "edcard_name"  # the child's first name or initials
ALLERGIES_PROMPT = "edcard_allergies"  # allergies, as the family writes them
CHEMO_PROMPT = "edcard_chemo_day"  # the day of the last chemotherapy
INSTRUCTIONS_PROMPT = "edcard_instructions"  # the team's special instructions, in their words
SUMMARY_PROMPT = "summary_from"  # the first day of a visit summary


# ---- the card -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShowEdCard(CallbackData, prefix="ea"):
    """The card, in the language `lang` ("" : the parent's own)."""

    lang: str


@dataclass(frozen=True)
class SendEdCardPdf(CallbackData, prefix="eb"):
    """The card as a PDF, in the language `lang` ("" : the parent's own)."""

    lang: str


@dataclass(frozen=True)
class EdCardDetails(CallbackData, prefix="ec"):
    """The card's lines the family keeps, each with a button to change it (full members)."""


@dataclass(frozen=True)
class AskFact(CallbackData, prefix="ed"):
    """Change one line: its place in views.FACTS (a prompt, or the choices)."""

    fact: int


@dataclass(frozen=True)
class SetFact(CallbackData, prefix="ee"):
    """One of a line's fixed choices (its place in views.CHOICES[fact], append only)."""

    fact: int
    choice: int


@dataclass(frozen=True)
class ClearFact(CallbackData, prefix="ef"):
    """Take a line off the card."""

    fact: int


@dataclass(frozen=True)
class PickChemoDay(CallbackData, prefix="eg"):
    """The day of the last chemotherapy, tapped (Today, Yesterday, or one reading of a typed
    date that reads two ways): 20261201."""

    day: int


# ---- the summary for the next visit --------------------------------------------------------------
@dataclass(frozen=True)
class ShowSummary(CallbackData, prefix="eh"):
    """From when: last 7 days, 14 days, since the last appointment, or a typed date."""


@dataclass(frozen=True)
class SendSummary(CallbackData, prefix="ei"):
    """The PDF: the last `days` days (7 or 14), or since the last appointment (0)."""

    days: int


@dataclass(frozen=True)
class TypeSummaryDay(CallbackData, prefix="ej"):
    """Type the first day of the summary."""


@dataclass(frozen=True)
class SummaryForVisit(CallbackData, prefix="ek"):
    """On an appointment reminder: the PDF since the last appointment, for the visit `appt`."""

    appt: int


@dataclass(frozen=True)
class PickSummaryDay(CallbackData, prefix="el"):
    """One reading of a typed first day that reads two ways: 20261201."""

    day: int
