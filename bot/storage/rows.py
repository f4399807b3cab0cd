"""Shared by the backends: rows (read by column name) into records, and what `/mydata`
sends. A backend reads its rows with its own SQL; these shape them the same way."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.storage.interface import Appointment, Contact, Prompt, SavedQuestion, Storage

# Column lists every backend selects, in the order these records take them.
USER_COLUMNS = ("created_at, consent_at, skip_gates, timezone, reminders_off, language, fever_c, "
                "country, emergency_number, urgent_button, fever_rule, treatment")
QUESTION_COLUMNS = "id, guide_id, text, created_at, asked_at, answer, answered_at, removed_at"
APPOINTMENT_COLUMNS = "id, starts_at, place, remind_at, reminded_at"
CONTACT_COLUMNS = "id, label, phone, created_at"
PROMPT_COLUMNS = "kind, ref, origin, opened_at, expires_at"


def question(row: Any) -> SavedQuestion:
    return SavedQuestion(id=row["id"], guide_id=row["guide_id"], text=row["text"],
                         created_at=row["created_at"], asked_at=row["asked_at"],
                         answer=row["answer"], answered_at=row["answered_at"],
                         removed_at=row["removed_at"])


def contact(row: Any) -> Contact:
    return Contact(id=row["id"], label=row["label"], phone=row["phone"],
                   created_at=row["created_at"])


def appointment(row: Any) -> Appointment:
    return Appointment(id=row["id"], starts_at=row["starts_at"], place=row["place"],
                       remind_at=row["remind_at"], reminded_at=row["reminded_at"])


def prompt(row: Any) -> Prompt:
    return Prompt(kind=row["kind"], ref=row["ref"], origin=row["origin"],
                  opened_at=row["opened_at"], expires_at=row["expires_at"])


async def user_export(storage: Storage, user_id: int, user: Any,
                      questions: list[SavedQuestion]) -> dict[str, Any]:
    """Everything stored about one user, as plain data: `user` is their users row, read
    by column name (None: nothing stored); `questions` all their questions, removed ones
    within the undo window included."""
    if user is None:
        return {"user_id": user_id, "stored": False}
    marks = await storage.marks.all(user_id)
    waiting = await storage.prompts.get(user_id)
    return {
        "user_id": user_id,
        "stored": True,
        "created_at": user["created_at"],
        "consent_at": user["consent_at"],
        "settings": {"ask_before_hard_pages": not user["skip_gates"],
                     "time_zone": user["timezone"],
                     "reminders_off": bool(user["reminders_off"]),
                     "language": user["language"],
                     "fever_number_c": user["fever_c"],
                     "country": user["country"],
                     "emergency_number": user["emergency_number"],
                     "urgent_button": None if user["urgent_button"] is None
                     else bool(user["urgent_button"]),
                     "fever_rule": user["fever_rule"],
                     "treatment": user["treatment"]},
        "appointments": [asdict(a) for a in await storage.appointments.upcoming(user_id, 0)],
        "care_team_numbers": [asdict(c) for c in await storage.contacts.list(user_id)],
        "waiting_for_text": asdict(waiting) if waiting else None,
        "bookmarks": [asdict(b) for b in await storage.bookmarks.list(user_id)],
        "checklist_marks": [{"item_id": k, "created_at": v} for k, v in sorted(marks.items())],
        "questions": [asdict(q) for q in questions],
    }
