"""Rows (read by column name, from either driver) into records."""

from __future__ import annotations

from typing import Any

from bot.storage.interface import Appointment, Circle, Contact, Invite, Member, Prompt, SavedQuestion

# Column lists every backend selects, in the order these records take them.
USER_COLUMNS = (
    "created_at, consent_at, skip_gates, reminders_off, language, country, emergency_number, urgent_button"
)
_BY = "added_by, changed_by, changed_at"
QUESTION_COLUMNS = f"id, guide_id, text, created_at, asked_at, answer, answered_at, removed_at, {_BY}"
APPOINTMENT_COLUMNS = f"id, starts_at, place, remind_at, reminded_at, note, removed_at, created_at, {_BY}"
CONTACT_COLUMNS = f"id, label, phone, created_at, {_BY}"
MEMBER_COLUMNS = (
    "user_id, circle_id, role, name, joined_at, notices, unreachable_at, erase_ok_at, discreet, "
    "dose_reminders, flag_notices"
)
CIRCLE_COLUMNS = "id, created_at, timezone, fever_c, fever_rule, treatment, erase_at"
INVITE_COLUMNS = (
    "id, circle_id, role, created_by, for_user, created_at, expires_at, used_by, used_at, "
    "approved_at, revoked_at"
)
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
        added_by=row["added_by"],
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
    )


def contact(row: Any) -> Contact:
    return Contact(
        id=row["id"],
        label=row["label"],
        phone=row["phone"],
        created_at=row["created_at"],
        added_by=row["added_by"],
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
    )


def appointment(row: Any) -> Appointment:
    return Appointment(
        id=row["id"],
        starts_at=row["starts_at"],
        place=row["place"],
        remind_at=row["remind_at"],
        reminded_at=row["reminded_at"],
        note=row["note"],
        removed_at=row["removed_at"],
        created_at=row["created_at"],
        added_by=row["added_by"],
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
    )


def member(row: Any) -> Member:
    return Member(
        user=row["user_id"],
        circle=row["circle_id"],
        role=row["role"],
        name=row["name"],
        joined_at=row["joined_at"],
        notices=bool(row["notices"]),
        unreachable_at=row["unreachable_at"],
        discreet=bool(row["discreet"]),
        dose_reminders=bool(row["dose_reminders"]),
        flag_notices=bool(row["flag_notices"]),
        erase_ok_at=row["erase_ok_at"],
    )


def circle(row: Any) -> Circle:
    return Circle(
        id=row["id"],
        created_at=row["created_at"],
        timezone=row["timezone"],
        fever_c=None if row["fever_c"] is None else float(row["fever_c"]),
        fever_rule=row["fever_rule"],
        treatment=row["treatment"],
        erase_at=row["erase_at"],
    )


def invite(row: Any) -> Invite:
    return Invite(
        id=row["id"],
        circle=row["circle_id"],
        role=row["role"],
        created_by=row["created_by"],
        for_user=row["for_user"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_by=row["used_by"],
        used_at=row["used_at"],
        approved_at=row["approved_at"],
        revoked_at=row["revoked_at"],
    )


def prompt(row: Any) -> Prompt:
    return Prompt(
        kind=row["kind"],
        ref=row["ref"],
        origin=row["origin"],
        opened_at=row["opened_at"],
        expires_at=row["expires_at"],
    )
