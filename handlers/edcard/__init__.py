"""🏥 The card for the emergency department, and 📄 a summary for the next visit.

The card (/edcard, or "🏥 Card for the emergency department" on the urgent card) is a
message and a PDF, in the family's language, with a button for each other language (an
emergency department abroad reads the same card in its words; what the family typed stays
as typed). It holds the diagnosis, the lines the family keeps for it (the child's first name
or initials, the central line, allergies, the last chemotherapy, steroids now, the team's
special instructions; each dated), the treatment phase and its first day, the medicines as
entered, the care team's numbers, the fever number and rule, and the last 48 hours of
temperatures and symptoms; who made it (the family, with this bot) and when. Never: blood
counts, photos, notes, or advice for the people reading it. A full member changes its
lines; a helper sees the card.

The summary (/summary, or "📄 Summary for this visit" on an appointment reminder) is one PDF
from a chosen day up to now (see handlers.edcard.summary).

Modules, each importing only those before it:

- `buttons`: every button type (prefixes fixed: ea-el) and the prompt kinds;
- `views`: the card, its details and the summary as lines and `View`s (pure);
- `flow`: the card, its PDF, changing its lines (four prompts);
- `summary`: the summary's choices, its prompt and its PDF;
- here: the commands and the registrations in `setup`.

Other features link here with a button type imported where it is used (the urgent card,
the appointment reminder): this package is registered after them.
"""

from __future__ import annotations

from bot.context import BotApp, Command
from handlers.common import tap
from handlers.edcard import flow, summary
from handlers.edcard.buttons import (
    AskFact,
    ClearFact,
    EdCardDetails,
    PickChemoDay,
    PickSummaryDay,
    SendEdCardPdf,
    SendSummary,
    SetFact,
    ShowEdCard,
    ShowSummary,
    SummaryForVisit,
    TypeSummaryDay,
)
from handlers.prompts import on_prompt

__all__ = ["COMMANDS", "ShowEdCard", "SummaryForVisit", "setup"]

COMMANDS = (
    Command("edcard", "help.commands.edcard", flow.edcard_command),
    Command("summary", "help.commands.summary", summary.summary_command),
)


def setup(app: BotApp) -> None:
    """Register the feature: every member sees the card and makes a summary; only a full
    member changes the card's lines (a helper's tap gets the calm "ask a full member")."""
    for data_type, callback, full in (
        (ShowEdCard, flow.show_card, False),
        (SendEdCardPdf, flow.send_card_pdf, False),
        (EdCardDetails, flow.show_details, True),
        (AskFact, flow.ask_fact, True),
        (SetFact, flow.set_fact, True),
        (ClearFact, flow.clear_fact, True),
        (PickChemoDay, flow.pick_chemo_day, True),
        (ShowSummary, summary.show_summary, False),
        (SendSummary, summary.send_summary, False),
        (TypeSummaryDay, summary.type_summary_day, False),
        (SummaryForVisit, summary.summary_for_visit, False),
        (PickSummaryDay, summary.pick_summary_day, False),
    ):
        tap(app, data_type, callback, full=full)  # type: ignore[arg-type]
    for asking in (*flow.PROMPTS, summary.SUMMARY_ASK):
        on_prompt(app, asking)
