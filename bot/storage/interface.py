"""The storage interface every backend implements, and the records it returns.

`Storage` hands out one repository per aggregate (users and consent, care circles and their
members and invites, bookmarks, checklist marks, questions, prompts, contacts,
appointments), each a module of its own whose SQL is written once and runs on either driver
(bot.storage.driver). What is the person's own (language, bookmarks, prompts) is keyed by
their user id; what belongs to the child (questions, appointments, numbers, ticks, the
child's settings) by their circle: reads take the circle id, writes the `Member` making them
(every write is guarded by their membership, in the same statement). The timed jobs' own
methods (purge, claim_due) serve everyone.
Domain limits (how many questions, the undo window) are arguments, set by the features.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol


class NoConsent(Exception):
    """A write was attempted for a user who has not agreed to storage."""


class StorageUnavailable(Exception):
    """The storage could not be opened at start-up; the message names the setting."""


class NotSaved(Exception):
    """A write was refused and nothing of it was kept: the database file is gone or was
    replaced while the bot runs, or the disk is full. The message says which (no user data)."""


class LimitReached(Exception):
    """The user already has the most saved questions allowed."""


FULL = "full"  # changes everything, invites, removes, exports the shared record
HELPER = "helper"  # sees everything, adds questions, answers and ticks
ROLES = (FULL, HELPER)


@dataclass(frozen=True)
class Member:
    """A person in a care circle (one child's shared record), as this update found them.
    `circle` 0 is nobody's: a person who has not agreed to storage is in no circle, reads
    find nothing and writes raise NoConsent."""

    user: int
    circle: int
    role: str = FULL
    name: str = ""  # the name the circle shows, as they typed it ("" until they set one)
    joined_at: float = 0.0
    notices: bool = False  # told when others add a question, an answer, an appointment
    unreachable_at: float | None = None  # Telegram refused a message to them (blocked)
    erase_ok_at: float | None = None  # agreed to erase the shared record
    dose_reminders: bool = True  # gets medicine reminders
    flag_notices: bool = True  # told when another member logs a red-flag entry
    discreet: bool = False  # medicine reminders worded for a lock screen ("💊 Medicine reminder")

    @property
    def full(self) -> bool:
        return self.role == FULL


@dataclass(frozen=True)
class Invite:
    """An invitation into a circle: a link (only its token's hash is kept) or a person chosen
    with Telegram's user picker (`for_user`)."""

    id: int
    circle: int
    role: str
    created_by: int
    for_user: int | None
    created_at: float
    expires_at: float
    used_by: int | None
    used_at: float | None
    approved_at: float | None
    revoked_at: float | None


@dataclass(frozen=True)
class Circle:
    """The child's settings, shared by the circle."""

    id: int
    created_at: float
    timezone: str | None
    fever_c: float | None
    fever_rule: str | None
    treatment: str | None
    erase_at: float | None


@dataclass(frozen=True)
class Bookmark:
    section_id: str
    part_id: str
    page: int
    created_at: float


@dataclass(frozen=True)
class SavedQuestion:
    id: int
    guide_id: str | None
    text: str
    created_at: float
    asked_at: float | None
    answer: str | None
    answered_at: float | None
    removed_at: float | None = None
    added_by: int | None = None  # the member who added it (None: before circles)
    changed_by: int | None = None  # who last changed it, and when
    changed_at: float | None = None


@dataclass(frozen=True)
class Contact:
    """A care-team number the family saved, with its label ("Ward, nights and weekends")."""

    id: int
    label: str
    phone: str
    created_at: float
    added_by: int | None = None
    changed_by: int | None = None
    changed_at: float | None = None


@dataclass(frozen=True)
class Appointment:
    """A visit the family noted; times are UTC seconds (shown in the family's time zone)."""

    id: int
    starts_at: float
    place: str
    remind_at: float
    reminded_at: float | None
    note: str = ""  # the family's note for the day before, as typed ("" for none)
    removed_at: float | None = None  # deleted, kept for Undo until the window ends
    created_at: float = 0.0
    added_by: int | None = None
    changed_by: int | None = None
    changed_at: float | None = None


@dataclass(frozen=True)
class Prompt:
    """The bot is waiting for this user to type: what for, about what, where Cancel goes."""

    kind: str
    ref: int | None
    origin: str  # callback data of the view the prompt was opened from
    opened_at: float
    expires_at: float


class Users(Protocol):
    async def has_consent(self, user_id: int) -> bool: ...
    async def give_consent(self, user_id: int) -> None:
        """Agree to storage; a person in no circle gets a circle of one."""
        ...

    async def language(self, user_id: int) -> str | None: ...
    async def set_language(self, user_id: int, language: str) -> None: ...
    async def set_reminders_off(self, user_id: int, off: bool) -> None: ...
    async def urgent_button(self, user_id: int) -> bool | None: ...
    async def set_urgent_button(self, user_id: int, on: bool) -> None: ...
    async def emergency(self, user_id: int) -> tuple[str | None, str | None]: ...
    async def set_emergency(self, user_id: int, country: str | None, number: str | None) -> None: ...
    async def skips_gates(self, user_id: int) -> bool: ...
    async def set_skip_gates(self, user_id: int, skip: bool) -> None: ...
    async def count(self) -> int: ...


class Circles(Protocol):
    """Care circles, their members and invitations (bot.storage.circles)."""

    async def set_flag_notices(self, user_id: int, on: bool) -> None: ...
    async def phase(self, circle_id: int) -> tuple[str | None, str | None]: ...
    async def set_phase(self, who: Member, phase: str | None, since: str | None) -> None: ...

    async def member(self, user_id: int) -> Member | None: ...
    async def members(self, circle_id: int) -> list[Member]: ...
    async def get(self, circle_id: int) -> Circle | None: ...
    async def set_name(self, user_id: int, name: str) -> bool: ...
    async def set_notices(self, user_id: int, on: bool) -> bool: ...
    async def set_unreachable(self, user_id: int, at: float | None) -> None: ...
    async def timezone(self, circle_id: int) -> str | None: ...
    async def set_timezone(self, who: Member, name: str) -> None: ...
    async def fever_c(self, circle_id: int) -> float | None: ...
    async def set_fever_c(self, who: Member, celsius: float | None) -> None: ...
    async def fever_rule(self, circle_id: int) -> str | None: ...
    async def set_fever_rule(self, who: Member, rule: str | None) -> None: ...
    async def treatment(self, circle_id: int) -> str | None: ...
    async def set_treatment(self, who: Member, state: str) -> None: ...
    async def set_role(self, who: Member, user_id: int, role: str) -> bool: ...
    async def remove(self, who: Member, user_id: int) -> bool: ...
    async def leave(self, who: Member) -> bool: ...
    async def invite_link(self, who: Member, role: str, token_hash: str, expires_at: float) -> int: ...
    async def invite_user(self, who: Member, role: str, user_id: int, expires_at: float) -> int: ...
    async def invite(self, invite_id: int) -> Invite | None: ...
    async def invite_by_hash(self, token_hash: str) -> Invite | None: ...
    async def take(self, invite_id: int, user_id: int, now: float) -> bool: ...
    async def approve(self, who: Member, invite_id: int) -> bool: ...
    async def revoke(self, who: Member, invite_id: int) -> bool: ...
    async def join(
        self, user_id: int, invite_id: int, bring: frozenset[str]
    ) -> dict[str, list[Any]] | None: ...
    async def ask_erase(self, who: Member, at: float) -> tuple[float, bool] | None: ...
    async def undo_erase(self, who: Member) -> bool: ...
    async def due_erasures(self, now: float) -> list[int]: ...
    async def erase(self, circle_id: int, *, agreed: bool = False) -> list[int]: ...


class Bookmarks(Protocol):
    async def add(self, user_id: int, section_id: str, part_id: str, page: int) -> None: ...
    async def remove(self, user_id: int, section_id: str, part_id: str, page: int) -> None: ...
    async def exists(self, user_id: int, section_id: str, part_id: str, page: int) -> bool: ...
    async def list(self, user_id: int) -> list[Bookmark]: ...


class Marks(Protocol):
    async def set(self, who: Member, item_id: str, on: bool) -> None: ...
    async def all(self, circle: int) -> dict[str, float]: ...
    async def clear(self, who: Member) -> int: ...


class Questions(Protocol):
    async def save_guide(self, who: Member, guide_id: str, text: str, *, limit: int) -> bool: ...
    async def saved_guide_ids(self, circle: int) -> set[str]: ...
    async def add_own(self, who: Member, text: str, *, limit: int) -> int: ...
    async def all_kept(self, circle: int) -> list[SavedQuestion]: ...
    async def list(self, circle: int) -> list[SavedQuestion]: ...
    async def get(self, circle: int, question_id: int) -> SavedQuestion | None: ...
    async def count(self, circle: int) -> int: ...
    async def mark_asked(self, who: Member, question_id: int, asked: bool) -> bool: ...
    async def set_answer(self, who: Member, question_id: int, answer: str | None) -> bool: ...
    async def remove(self, who: Member, question_id: int) -> bool: ...
    async def remove_guide(self, who: Member, guide_id: str) -> bool: ...
    async def undo_remove(self, who: Member, question_id: int, *, limit: int) -> bool: ...
    async def purge_removed(self, removed_before: float) -> int: ...


class Contacts(Protocol):
    async def list(self, circle: int) -> list[Contact]: ...
    async def get(self, circle: int, contact_id: int) -> Contact | None: ...
    async def add(self, who: Member, label: str, phone: str, *, limit: int) -> int: ...
    async def set_label(self, who: Member, contact_id: int, label: str) -> bool: ...
    async def set_phone(self, who: Member, contact_id: int, phone: str) -> bool: ...
    async def remove(self, who: Member, contact_id: int) -> bool: ...


# ---- medicines (bot.storage.medicines) ----
@dataclass(frozen=True)
class Medicine:
    id: int
    circle_id: int
    name: str
    dose: str
    schedule: str  # bot.doses.Schedule as JSON
    notes: str
    status: str
    next_due_at: float | None
    created_at: float
    added_by: int | None
    changed_by: int | None
    changed_at: float | None


@dataclass(frozen=True)
class Change:
    """The state a change led to: what changed, by whom, when."""

    at: float
    by_user: int | None
    what: str
    dose: str
    schedule: str
    notes: str


@dataclass(frozen=True)
class Dose:
    id: int
    circle_id: int
    medicine_id: int
    due_at: float | None  # None: an "only when needed" dose, recorded when given
    day: str  # the local day, ISO
    clock: str  # the local clock time, "20:00"
    dose: str  # as the label said then (the weekday's own, if it has one)
    status: str | None  # None: not marked (yet)
    marked_by: int | None
    marked_at: float | None


@dataclass(frozen=True)
class Event:
    dose_id: int
    what: str
    by_user: int | None
    at: float


@dataclass(frozen=True)
class Due:
    """A medicine whose next dose has come, with its family's time zone."""

    medicine: Medicine
    timezone: str | None


class Medicines(Protocol):
    async def drafts(self, circle: int) -> list[Medicine]: ...
    async def listed(self, circle: int, *, stopped: bool = False) -> list[Medicine]: ...
    async def get(self, circle: int, medicine_id: int) -> Medicine | None: ...
    async def start(self, who: Member, name: str, *, limit: int) -> int: ...
    async def edit_draft(self, who: Member, medicine_id: int, **fields: str) -> bool: ...
    async def activate(self, who: Member, medicine_id: int, next_due_at: float | None) -> bool: ...
    async def change(
        self, who: Member, medicine_id: int, what: str, next_due_at: float | None, **fields: str
    ) -> bool: ...
    async def set_status(
        self, who: Member, medicine_id: int, status: str, next_due_at: float | None
    ) -> bool: ...
    async def discard_draft(self, who: Member, medicine_id: int) -> bool: ...
    async def restore(
        self,
        who: Member,
        medicine: Medicine,
        changes: Sequence[Change],
        next_due_at: float | None,
        *,
        limit: int,
    ) -> int:
        """A medicine from another copy of the bot (/mydata), with its history's own times."""
        ...

    async def restore_dose(self, who: Member, medicine_id: int, dose: Dose) -> int | None:
        """A dose from another copy of the bot (/mydata), marked when it was."""
        ...

    async def changes(self, circle: int, medicine_id: int) -> list[Change]: ...
    async def rescheduled(self, circle: int, next_due: dict[int, float | None]) -> None: ...
    async def due(self, now: float, *, batch: int = 500) -> list[Due]: ...
    async def come_due(
        self, medicine: Medicine, due_at: float, day: str, clock: str, dose: str, next_due_at: float | None
    ) -> None: ...
    async def claim_sends(
        self, now: float, *, lease: float, by: str, batch: int = 500
    ) -> list[tuple[int, int, float]]: ...
    async def mark_sent(
        self, circle: int, due_at: float, user: int, message_id: int | None, at: float
    ) -> None: ...
    async def sent_messages(self, circle: int, due_at: float) -> list[tuple[int, int]]: ...
    async def snooze(self, who: Member, due_at: float, again_at: float) -> bool: ...
    async def receivers(self, circle: int) -> int: ...
    async def set_reminders(self, user_id: int, on: bool) -> None: ...
    async def set_discreet(self, user_id: int, on: bool) -> None: ...
    async def set_window(self, who: Member, minutes: int) -> bool: ...
    async def window(self, circle: int) -> int: ...
    async def dose(self, circle: int, dose_id: int) -> Dose | None: ...
    async def at_minute(self, circle: int, due_at: float) -> list[Dose]: ...
    async def on_days(self, circle: int, first: str, last: str) -> list[Dose]: ...
    async def of_medicine(self, circle: int, medicine_id: int, *, limit: int = 50) -> list[Dose]: ...
    async def all_doses(self, circle: int) -> list[Dose]: ...
    async def events(self, circle: int, dose_id: int) -> list[Event]: ...
    async def last_given(self, circle: int, medicine_id: int) -> Dose | None: ...
    async def mark(self, who: Member, dose_id: int, status: str) -> tuple[bool, Dose | None]: ...
    async def given_again(self, who: Member, dose_id: int) -> bool: ...
    async def undo(self, who: Member, dose_id: int) -> Dose | None: ...
    async def record_needed(
        self, who: Member, medicine: Medicine, day: str, clock: str, dose: str
    ) -> int: ...


# ---- the day-by-day log (bot.storage.log) ----
@dataclass(frozen=True)
class LogEntry:
    """One thing the family noted, as they gave it."""

    id: int
    circle_id: int
    kind: str  # temperature, symptom, note, photo
    at: float  # when it happened (UTC)
    temp_c: float | None  # a temperature read in its unit, in °C
    temp_typed: str | None  # the number as typed ("101.2F", "38,4")
    site: str | None  # where it was taken: mouth, armpit, ear, other
    symptom: str | None  # a content id (log.symptoms)
    severity: str | None  # mild, moderate, severe
    note: str
    photo: str | None  # Telegram's file id
    added_by: int | None
    created_at: float


@dataclass(frozen=True)
class Fact:
    """One line of the card for the emergency department, as the family wrote it."""

    value: str
    changed_by: int | None
    changed_at: float


class Log(Protocol):
    async def add(
        self,
        who: Member,
        kind: str,
        at: float,
        *,
        limit: int,
        temp_c: float | None = None,
        temp_typed: str | None = None,
        site: str | None = None,
        symptom: str | None = None,
        severity: str | None = None,
        note: str = "",
        photo: str | None = None,
    ) -> int: ...
    async def get(self, circle: int, entry_id: int) -> LogEntry | None: ...
    async def between(
        self, circle: int, start: float, end: float, *, limit: int = 1000, offset: int = 0
    ) -> list[LogEntry]: ...
    async def count_between(self, circle: int, start: float, end: float) -> int: ...
    async def all_entries(self, circle: int) -> list[LogEntry]: ...
    async def set_time(self, who: Member, entry_id: int, at: float) -> bool: ...
    async def set_note(self, who: Member, entry_id: int, note: str) -> bool: ...
    async def remove(self, who: Member, entry_id: int) -> bool: ...
    async def facts(self, circle: int) -> dict[str, Fact]: ...
    async def set_fact(self, who: Member, fact: str, value: str) -> bool: ...


# ---- blood counts (bot.storage.counts) ----
@dataclass(frozen=True)
class Count:
    """One value of one count, as the family typed it from the lab report."""

    id: int
    taken_on: str  # ISO date 'YYYY-MM-DD': the day the blood was taken
    name: str  # "platelets", or the name as typed ("lymphocytes")
    value: str  # as typed: "45", "1,2", "<0.1"
    number: float  # read from the value, for the chart only
    unit: str  # as typed: "x10^9/L", "g/dL"
    created_at: float
    added_by: int | None = None


class Counts(Protocol):
    async def add(
        self, who: Member, taken_on: str, name: str, value: str, number: float, unit: str, *, limit: int
    ) -> int: ...
    async def names(self, circle: int) -> list[str]: ...
    async def units(self, circle: int, name: str) -> list[str]: ...
    async def list(self, circle: int, since: str | None = None) -> list[Count]: ...
    async def get(self, circle: int, count_id: int) -> Count | None: ...
    async def total(self, circle: int) -> int: ...
    async def remove(self, who: Member, count_id: int) -> bool: ...


class Appointments(Protocol):
    async def upcoming(self, circle: int, after: float) -> list[Appointment]: ...
    async def get(self, circle: int, appointment_id: int) -> Appointment | None: ...
    async def add(
        self, who: Member, starts_at: float, remind_at: float, *, after: float, limit: int
    ) -> int: ...
    async def reschedule(
        self, who: Member, appointment_id: int, starts_at: float, remind_at: float
    ) -> bool: ...
    async def set_place(self, who: Member, appointment_id: int, place: str) -> bool: ...
    async def set_note(self, who: Member, appointment_id: int, note: str) -> bool: ...
    async def all_kept(self, circle: int) -> list[Appointment]: ...
    async def remove(self, who: Member, appointment_id: int) -> bool: ...
    async def undo_remove(
        self, who: Member, appointment_id: int, *, removed_after: float, after: float, limit: int
    ) -> bool: ...
    async def purge_removed(self, removed_before: float) -> int: ...
    async def claim_due(
        self, now: float, *, lease: float, by: str, batch: int = 100
    ) -> list[tuple[int, int, Appointment]]:
        """(member's user id, circle id, appointment) for each reminder send claimed."""
        ...

    async def sent(self, appointment_id: int) -> dict[int, float]: ...
    async def carry_sends(self, appointment_id: int, old_remind: float, new_remind: float) -> None: ...
    async def mark_sent(self, user_id: int, reminded: Appointment, at: float) -> bool: ...


class Prompts(Protocol):
    async def open(self, user_id: int, prompt: Prompt) -> None: ...
    async def get(self, user_id: int) -> Prompt | None: ...
    async def close(self, user_id: int) -> bool: ...


class Coordination(Protocol):
    """What processes agree on apart from the data (bot.storage.coordination)."""

    def chat_lock(self, key: int) -> AbstractAsyncContextManager[None]:
        """Held while one update of this chat runs (across processes where several run)."""
        ...

    def job_lock(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Yields True for the one process that runs this timed job now."""
        ...

    async def was_handled(self, update_id: int) -> bool:
        """Whether this update was handled already (a webhook re-post: skip it). Asked and
        recorded under the chat's lock, so a check and its record cannot interleave."""
        ...

    async def mark_handled(self, update_id: int) -> None: ...
    async def forget_updates(self, before: float) -> int: ...
    async def close(self) -> None: ...


class Storage(Protocol):
    """One repository per aggregate over one driver, and the coordination of processes."""

    @property
    def users(self) -> Users: ...
    @property
    def circles(self) -> Circles: ...
    @property
    def bookmarks(self) -> Bookmarks: ...
    @property
    def marks(self) -> Marks: ...
    @property
    def questions(self) -> Questions: ...
    @property
    def prompts(self) -> Prompts: ...
    @property
    def contacts(self) -> Contacts: ...
    @property
    def appointments(self) -> Appointments: ...
    @property
    def medicines(self) -> Medicines: ...
    @property
    def counts(self) -> Counts: ...
    @property
    def log(self) -> Log: ...
    @property
    def coordination(self) -> Coordination: ...

    # True when several bot processes may share this storage (PostgreSQL).
    shared: bool

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None:
        """Raises when the storage cannot keep a write now (/healthz)."""
        ...

    def time_calls(self, hook: Callable[[float], None]) -> None:
        """Report the seconds each database call took to `hook` (metrics)."""
        ...

    async def schema_version(self) -> int: ...
    async def export_user(self, user_id: int) -> dict[str, Any]: ...
    async def delete_user(self, user_id: int) -> None: ...
    async def integrity_check(self) -> str: ...
