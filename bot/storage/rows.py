"""Rows (read by column name, from either driver) into records."""

from __future__ import annotations

from typing import Any

from bot.storage.interface import Appointment, Contact, Prompt, SavedQuestion

# Column lists every backend selects, in the order these records take them.
USER_COLUMNS = (
    "created_at, consent_at, skip_gates, timezone, reminders_off, language, fever_c, "
    "country, emergency_number, urgent_button, fever_rule, treatment"
)
QUESTION_COLUMNS = "id, guide_id, text, created_at, asked_at, answer, answered_at, removed_at"
APPOINTMENT_COLUMNS = "id, starts_at, place, remind_at, reminded_at, note, removed_at"
CONTACT_COLUMNS = "id, label, phone, created_at"
PROMPT_COLUMNS = "kind, ref, origin, opened_at, expires_at"


def question(row: Any) -> SavedQuestion:
    return SavedQuestion(
        id=row["id"],
        guide_id=row["guide_id"],
        text=row["text"],
        created_at=row["created_at"],
        asked_at=row["asked_at"],
        answer=row["answer"],
        answered_at=row["answered_at"],
        removed_at=row["removed_at"],
    )


def contact(row: Any) -> Contact:
    return Contact(id=row["id"], label=row["label"], phone=row["phone"], created_at=row["created_at"])


def appointment(row: Any) -> Appointment:
    return Appointment(
        id=row["id"],
        starts_at=row["starts_at"],
        place=row["place"],
        remind_at=row["remind_at"],
        reminded_at=row["reminded_at"],
        note=row["note"],
        removed_at=row["removed_at"],
    )


def prompt(row: Any) -> Prompt:
    return Prompt(
        kind=row["kind"],
        ref=row["ref"],
        origin=row["origin"],
        opened_at=row["opened_at"],
        expires_at=row["expires_at"],
    )
