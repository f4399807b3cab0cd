"""Bring a /mydata file from another copy of this bot into this one.

Hospitals run copies of their own (one bot token each), so a family that used the public copy,
or another hospital's, arrives in this one with nothing. Every copy has /mydata (handlers.
privacy, bot.storage Store.export_user): the family sends that file here, in this private
chat, and the bot:

1. reads it (10 MB at most) as untrusted input: its layout (export format 3), every key, type
   and range is checked; anything else is the calm "could not be read", and nothing is saved,
   logged or shown of it. Only the parent's own file is read (its user id is theirs: a
   Telegram user id is the same in every bot);
2. shows what it holds, what would not come, and two buttons, "Bring it here" and "Cancel".
   The screen says that bringing it saves it here, so the tap is the OK to saving (as the
   consent prompt's OK is). Nothing is kept between the two: the tap reads the file again
   from the message the screen replies to (as the log's photo offer does), so nothing of it
   waits in memory or in storage, and the tap works on any replica, after a restart too;
3. brings it only into an empty account: nothing saved here yet and in no family with
   others. Two records are never merged: a dose, a temperature or a reminder could land in
   the wrong place. A parent who wants the file instead erases their data here first
   (/deletemydata). A second tap finds the account no longer empty and brings nothing again.

What comes: the parent's language, country and emergency number, and whether to ask before
hard pages; the name they gave their family; bookmarks of pages this bot has; and, into a
family of which they are the only (full) member, the child's record: time zone, fever number
(unless the hospital here locked a lower one), fever rule, treatment answer and phase, the
care team's numbers, saved questions with their answers, checklist ticks of signs this bot
has, appointments still to come (each reminder armed as the appointments feature arms a new
one: the day before at the hour the family chose, or now if that has passed), medicines as
they were (active ones armed for their next dose after now, as a newly added one is; paused
and stopped ones as they were) with their history and doses at their own times, blood counts,
log entries with their times and notes, and the emergency card's lines.
What does not: photos in the log (a file id belongs to the bot that received it), the other
members (they join again with an invite), appointments that have passed, items deleted and
waiting for Undo, pages and checklist signs this bot does not have, the parts this hospital
turned off (bot.site: medicines, counts, log, card), the 🚨 button (a keyboard of the other
chat: /start offers it here). Everything brought is recorded as added by the
person who brought it; a dose marked, or a medicine changed, by someone else there shows as a
former member's.

All or nothing: the storage has no transaction spanning its repositories, so a write that
fails midway is undone: every row of the person is erased (Store.delete_user), then what they
had before (their OK to saving, language, settings, their circle's settings) is put back.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, NoReturn

from telegram import Document, Message, ReplyParameters, Update
from telegram import InlineKeyboardMarkup as Markup
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import MessageHandler, filters

from bot import temperature
from bot.callbacks import CallbackData
from bot.content import TREATMENT_ANSWERS, Content
from bot.context import BotApp, BotContext, Command
from bot.doses import CYCLE, EVERY_N, MAX_CYCLE, MAX_EVERY, MAX_TIMES, WEEKDAYS, Schedule, clock
from bot.render import esc
from bot.storage import Member, Storage
from bot.storage.interface import Change, Circle, Count, Dose, LogEntry, Medicine
from bot.storage.log import KINDS, PHOTO, SYMPTOM, TEMPERATURE
from bot.storage.medicines import ACTIVE, GIVEN, PAUSED, SKIPPED, STOPPED
from handlers.appointments.rules import MAX_AHEAD, MAX_PLACE, zone
from handlers.appointments.rules import MAX_NOTE as MAX_APPOINTMENT_NOTE
from handlers.common import PRIVATE, Reply, View, button, forget_me, home_only, main_menu, me, tap, user_id
from handlers.counts.rules import LARGEST, MAX_UNIT, MAX_VALUE, read_value
from handlers.counts.rules import LIMIT as COUNTS_LIMIT
from handlers.counts.rules import MAX_NAME as MAX_COUNT_NAME
from handlers.edcard.flow import MAX_ALLERGIES, MAX_INSTRUCTIONS
from handlers.edcard.flow import MAX_NAME as MAX_CHILD_NAME
from handlers.edcard.views import ALLERGIES, CHOICES, FACTS, INSTRUCTIONS, LAST_CHEMO, NAME
from handlers.family.views import MAX_NAME as MAX_MEMBER_NAME
from handlers.log.flow import LIMIT as LOG_LIMIT
from handlers.log.flow import MAX_NOTE as MAX_LOG_NOTE
from handlers.log.flow import SEVERITIES, SITES, symptoms
from handlers.medicines.flow import MAX_DOSE, MAX_MEDICINES, next_at
from handlers.medicines.flow import MAX_NAME as MAX_MEDICINE_NAME
from handlers.medicines.flow import MAX_NOTE as MAX_MEDICINE_NOTE
from handlers.privacy import (
    FEVER_HIGH,
    FEVER_LOW,
    MAX_CONTACTS,
    MAX_LABEL,
    MAX_RULE,
    celsius_text,
    locked_above,
)
from handlers.questions.rules import MAX_ANSWER, MAX_OWN, MAX_QUESTIONS
from handlers.redflags import check, send_alert, unreadable_view

log = logging.getLogger(__name__)

# A /mydata file bigger than 10 MB is refused, unread: two or three years of doses and log
# entries (about 350 bytes each in the file) come to 2-4 MB; Telegram lets a bot fetch 20.
MAX_FILE_BYTES = 10 * 1024 * 1024
EXPORT_FORMAT = 3  # the /mydata layout this release reads (bot.storage.EXPORT_FORMAT)
_JSON_TYPES = ("application/json", "text/json")
# What a value may be, beyond the features' own limits.
_LAST_MOMENT = 4_102_444_800.0  # 2100-01-01: a time past it is no time this bot wrote
_BIGGEST = 2**63 - 1  # ids and user ids (BIGINT)
_MAX_PHONE = 100  # a saved number as typed (release 0.1 kept loose text; today's are 40 at most)
_MAX_ITEMS = 100_000  # rows of one kind (a 10 MB file holds fewer)
_CHANGES = ("added", "dose", "schedule", "notes", "paused", "resumed", "stopped")
_SCHEDULE_KEYS = {"every", "times", "weekdays", "n", "on", "of", "start", "end", "doses"}
# A saved emergency number as the settings keep it: dialled digits ("112", "+15550102222").
_DIALLED = re.compile(r"\+?[0-9][0-9 *#-]{1,19}")


# ---- this feature's buttons -------------------------------------------------------------------
@dataclass(frozen=True)
class BringHere(CallbackData, prefix="ia"):
    """Bring the /mydata file the screen replies to into this bot (the OK to saving too)."""


@dataclass(frozen=True)
class KeepOut(CallbackData, prefix="ib"):
    """Do not bring it: nothing is saved."""


# ---- reading the file: every key, type and range ------------------------------------------
class Unreadable(Exception):
    """Not a /mydata file this release reads. Carries nothing of the file (never logged)."""


Check = Callable[[Any], Any]


def _fail() -> NoReturn:
    raise Unreadable


def whole(lowest: int, highest: int) -> Check:
    def checked(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
            _fail()
        return value

    return checked


def number(lowest: float, highest: float) -> Check:
    def checked(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail()
        found = float(value)
        if not math.isfinite(found) or not lowest <= found <= highest:
            _fail()
        return found

    return checked


def text(most: int, least: int = 0) -> Check:
    """A string of `least` to `most` characters that both databases can keep (no NUL, no lone
    surrogate)."""

    def checked(value: Any) -> str:
        if not isinstance(value, str) or not least <= len(value) <= most or "\x00" in value:
            _fail()
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            _fail()
        return value

    return checked


def maybe(inner: Check) -> Check:
    return lambda value: None if value is None else inner(value)


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        _fail()
    return value


def one_of(*allowed: str) -> Check:
    def checked(value: Any) -> str:
        if not isinstance(value, str) or value not in allowed:
            _fail()
        return value

    return checked


def iso_day(value: Any) -> str:
    """A day as the bot writes it: YYYY-MM-DD."""
    if not isinstance(value, str) or len(value) != 10:
        _fail()
    try:
        date.fromisoformat(value)
    except ValueError:
        _fail()
    return value


def hhmm(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 5 or clock(value) is None:
        _fail()
    return value


def rows(inner: Check, most: int = _MAX_ITEMS) -> Check:
    def checked(value: Any) -> list[Any]:
        if not isinstance(value, list) or len(value) > most:
            _fail()
        return [inner(item) for item in value]

    return checked


def record(fields: Mapping[str, Check]) -> Check:
    """An object with exactly these keys, each checked; /mydata adds `<key>_utc` (an ISO text)
    beside each `<key>` ending in `_at` that holds a time, and only there."""

    def checked(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            _fail()
        for key, item in value.items():
            if key in fields:
                continue
            shown = key.removesuffix("_utc")
            if not (
                key.endswith("_at_utc")
                and shown in fields
                and isinstance(value.get(shown), int | float)
                and not isinstance(value.get(shown), bool)
                and isinstance(item, str)
                and len(item) <= 40
            ):
                _fail()
        if any(key not in value for key in fields):
            _fail()
        return {key: check_(value[key]) for key, check_ in fields.items()}

    return checked


moment = number(0, _LAST_MOMENT)
row_id = whole(1, _BIGGEST)
someone = maybe(whole(1, _BIGGEST))
circle_id = whole(-_BIGGEST, _BIGGEST)


def schedule_text(value: Any) -> str:
    """A medicine's schedule exactly as bot.doses writes it: JSON that reads back to itself
    (Schedule.loads drops what it cannot read; here that is refused instead)."""
    written: str = text(2000, 1)(value)
    try:
        raw = json.loads(written, parse_constant=_no_constant)
        if not isinstance(raw, dict) or not set(raw) <= _SCHEDULE_KEYS:
            _fail()
        schedule = Schedule.loads(written)
        again = json.loads(schedule.dumps())
    except (ValueError, TypeError, AttributeError, RecursionError):
        _fail()
    if again != raw or len(schedule.times) > MAX_TIMES:
        _fail()
    if schedule.every == EVERY_N and not 1 <= schedule.n <= MAX_EVERY:
        _fail()
    if schedule.every == CYCLE and not 1 <= schedule.on <= schedule.of <= MAX_CYCLE:
        _fail()
    if schedule.every == WEEKDAYS and not schedule.weekdays:
        _fail()
    if any(len(dose) > MAX_DOSE for dose in schedule.doses.values()):
        _fail()
    return written


def _no_constant(name: str) -> NoReturn:
    """NaN and Infinity are no JSON (Python's reader takes them unless told not to)."""
    _fail()


_BY = {"added_by": someone, "changed_by": someone, "changed_at": maybe(moment)}
BOOKMARK = record(
    {"section_id": text(64), "part_id": text(64), "page": whole(0, 10_000), "created_at": moment}
)
SETTINGS = record(
    {
        "ask_before_hard_pages": flag,
        "reminders_off": flag,
        "language": maybe(text(16)),
        "country": maybe(text(40)),
        "emergency_number": maybe(text(20)),
        "urgent_button": maybe(flag),
    }
)
WAITING = maybe(
    record(
        {
            "kind": text(40),
            "ref": maybe(whole(-_BIGGEST, _BIGGEST)),
            "origin": text(64),
            "opened_at": moment,
            "expires_at": moment,
        }
    )
)
CHILD = record(
    {
        "time_zone": maybe(text(64)),
        "fever_number_c": maybe(number(FEVER_LOW, FEVER_HIGH)),
        "fever_rule": maybe(text(MAX_RULE)),
        "treatment": maybe(one_of(*TREATMENT_ANSWERS)),
        "phase": maybe(text(40)),
        "phase_since": maybe(iso_day),
    }
)
APPOINTMENT = record(
    {
        "id": row_id,
        "starts_at": moment,
        "place": text(MAX_PLACE),
        "remind_at": moment,
        "reminded_at": maybe(moment),
        "note": text(MAX_APPOINTMENT_NOTE),
        "removed_at": maybe(moment),
        "created_at": moment,
        **_BY,
    }
)
CONTACT = record(
    {"id": row_id, "label": text(MAX_LABEL), "phone": text(_MAX_PHONE, 1), "created_at": moment, **_BY}
)
MARK = record({"item_id": text(64, 1), "created_at": moment})
QUESTION = record(
    {
        "id": row_id,
        "guide_id": maybe(text(64, 1)),
        "text": text(MAX_OWN, 1),
        "created_at": moment,
        "asked_at": maybe(moment),
        "answer": maybe(text(MAX_ANSWER)),
        "answered_at": maybe(moment),
        "removed_at": maybe(moment),
        **_BY,
    }
)
CHANGE = record(
    {
        "at": moment,
        "by_user": someone,
        "what": one_of(*_CHANGES),
        "dose": text(MAX_DOSE),
        "schedule": schedule_text,
        "notes": text(MAX_MEDICINE_NOTE),
    }
)
MEDICINE = record(
    {
        "id": row_id,
        "circle_id": circle_id,
        "name": text(MAX_MEDICINE_NAME, 1),
        "dose": text(MAX_DOSE),
        "schedule": schedule_text,
        "notes": text(MAX_MEDICINE_NOTE),
        "status": one_of(ACTIVE, PAUSED, STOPPED),
        "next_due_at": maybe(moment),
        "created_at": moment,
        **_BY,
        "changes": rows(CHANGE),
    }
)
DOSE = record(
    {
        "id": row_id,
        "circle_id": circle_id,
        "medicine_id": row_id,
        "due_at": maybe(moment),
        "day": iso_day,
        "clock": hhmm,
        "dose": text(MAX_DOSE),
        "status": maybe(one_of(GIVEN, SKIPPED)),
        "marked_by": someone,
        "marked_at": maybe(moment),
    }
)
COUNT = record(
    {
        "id": row_id,
        "taken_on": iso_day,
        "name": text(MAX_COUNT_NAME, 1),
        "value": text(MAX_VALUE, 1),
        "number": number(0, LARGEST),
        "unit": text(MAX_UNIT),
        "created_at": moment,
        "added_by": someone,
    }
)
FACT = record(
    {"value": text(max(MAX_ALLERGIES, MAX_INSTRUCTIONS), 1), "changed_by": someone, "changed_at": moment}
)


@cache
def _entry_fields() -> Check:
    return record(
        {
            "id": row_id,
            "circle_id": circle_id,
            "kind": one_of(*KINDS),
            "at": moment,
            "temp_c": maybe(number(temperature.LOWEST_C, temperature.HIGHEST_C)),
            "temp_typed": maybe(text(24)),
            "site": maybe(one_of(*SITES)),
            "symptom": maybe(one_of(*(str(item["id"]) for item in symptoms()))),
            "severity": maybe(one_of(*SEVERITIES)),
            "note": text(1024),  # a photo's caption is its note (Telegram's 1024)
            "photo": maybe(text(512)),
            "added_by": someone,
            "created_at": moment,
        }
    )


def log_entry(value: Any) -> dict[str, Any]:
    found: dict[str, Any] = _entry_fields()(value)
    kind = found["kind"]
    if (
        (kind == TEMPERATURE and found["temp_c"] is None)
        or (kind == SYMPTOM and found["symptom"] is None)
        or (kind == PHOTO and found["photo"] is None)
        or (kind != PHOTO and len(found["note"]) > MAX_LOG_NOTE)
    ):
        _fail()
    return found


def card_lines(value: Any) -> dict[str, str]:
    """The emergency card's lines: the card's own facts, each as the card keeps it."""
    if not isinstance(value, dict) or not set(value) <= set(FACTS):
        _fail()
    longest = {NAME: MAX_CHILD_NAME, ALLERGIES: MAX_ALLERGIES, INSTRUCTIONS: MAX_INSTRUCTIONS}
    out = {}
    for fact, item in value.items():
        line = str(FACT(item)["value"])
        if fact in CHOICES and fact != ALLERGIES and line not in CHOICES[fact]:
            _fail()  # a line chosen from the card's own choices (allergies may be typed too)
        if fact == LAST_CHEMO:
            iso_day(line)
        if len(line) > longest.get(fact, 40):
            _fail()
        out[fact] = line
    return out


CIRCLE = record(
    {
        "role": one_of("full", "helper"),
        "name": text(MAX_MEMBER_NAME),
        "joined_at": moment,
        "notices": flag,
        "members": whole(1, 10_000),
        "whole_record": flag,
        "child_settings": maybe(CHILD),
        "appointments": rows(APPOINTMENT),
        "care_team_numbers": rows(CONTACT, MAX_CONTACTS),
        "checklist_marks": rows(MARK, 1000),
        "questions": rows(QUESTION),
        "medicines": rows(MEDICINE),
        "doses": rows(DOSE),
        "log": rows(log_entry, LOG_LIMIT),
        "emergency_card": card_lines,
        "blood_counts": rows(COUNT, COUNTS_LIMIT),
    }
)
STORED = record(
    {
        "export_format": whole(EXPORT_FORMAT, EXPORT_FORMAT),
        "schema_version": whole(1, 100_000),
        "user_id": whole(1, _BIGGEST),
        "stored": flag,
        "created_at": moment,
        "consent_at": maybe(moment),
        "settings": SETTINGS,
        "waiting_for_text": WAITING,
        "bookmarks": rows(BOOKMARK, 10_000),
        "circle": maybe(CIRCLE),
    }
)
NOTHING = record(
    {
        "export_format": whole(EXPORT_FORMAT, EXPORT_FORMAT),
        "schema_version": whole(1, 100_000),
        "user_id": whole(1, _BIGGEST),
        "stored": flag,
    }
)


@dataclass(frozen=True)
class Family:
    """The file's family record, read."""

    members: int
    name: str
    notices: bool
    child: dict[str, Any] | None
    appointments: tuple[dict[str, Any], ...]
    contacts: tuple[dict[str, Any], ...]
    marks: tuple[str, ...]
    questions: tuple[dict[str, Any], ...]
    medicines: tuple[tuple[Medicine, tuple[Change, ...]], ...]
    doses: tuple[Dose, ...]
    log: tuple[LogEntry, ...]
    facts: dict[str, str]
    counts: tuple[Count, ...]


@dataclass(frozen=True)
class Export:
    """A /mydata file, read and checked (nothing of it is trusted before this)."""

    user_id: int
    stored: bool
    settings: dict[str, Any] = field(default_factory=dict)
    bookmarks: tuple[tuple[str, str, int], ...] = ()  # the newest first, as the file lists them
    family: Family | None = None


def read_export(data: bytes) -> Export:
    """The file's bytes as an Export, or Unreadable (wrong format, types, ranges, keys, or a
    record that does not hold together)."""
    try:
        raw = json.loads(data.decode("utf-8-sig"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        _fail()
    if (
        not isinstance(raw, dict)
        or raw.get("export_format") != EXPORT_FORMAT
        or raw.get("stored") is not True
    ):
        head = NOTHING(raw)
        if head["stored"]:
            _fail()
        return Export(head["user_id"], False)
    top = STORED(raw)
    marks = tuple((str(b["section_id"]), str(b["part_id"]), int(b["page"])) for b in top["bookmarks"])
    circle = top["circle"]
    return Export(top["user_id"], True, top["settings"], marks, None if circle is None else _family(circle))


def _family(circle: dict[str, Any]) -> Family:
    medicines = []
    ids: set[int] = set()
    for m in circle["medicines"]:
        if m["id"] in ids:
            _fail()
        ids.add(m["id"])
        changes = tuple(
            Change(c["at"], c["by_user"], c["what"], c["dose"], c["schedule"], c["notes"])
            for c in m["changes"]
        )
        fields = {k: v for k, v in m.items() if k != "changes"}
        medicines.append((Medicine(**fields), changes))
    doses = tuple(Dose(**d) for d in circle["doses"])
    due = [(d.medicine_id, d.due_at) for d in doses if d.due_at is not None]
    if len(set(due)) != len(due) or any(d.medicine_id not in ids for d in doses):
        _fail()
    if any(d.due_at is None and d.status != GIVEN for d in doses):
        _fail()  # a dose given when needed is recorded given
    active = [m for m, _ in medicines if m.status != STOPPED]
    kept = [q for q in circle["questions"] if q["removed_at"] is None]
    if len(active) > MAX_MEDICINES or len(kept) > MAX_QUESTIONS:
        _fail()
    counts = []
    for c in circle["blood_counts"]:
        value = read_value(c["value"])
        if isinstance(value, str):
            _fail()
        counts.append(Count(**{**c, "number": value.number}))
    return Family(
        members=circle["members"],
        name=circle["name"],
        notices=circle["notices"],
        child=circle["child_settings"],
        appointments=tuple(circle["appointments"]),
        contacts=tuple(circle["care_team_numbers"]),
        marks=tuple(str(m["item_id"]) for m in circle["checklist_marks"]),
        questions=tuple(circle["questions"]),
        medicines=tuple(medicines),
        doses=doses,
        log=tuple(LogEntry(**e) for e in circle["log"]),
        facts=circle["emergency_card"],
        counts=tuple(counts),
    )


# ---- what would come here, and what would not --------------------------------------------------
@dataclass
class Plan:
    """What this bot keeps of an Export: checked against its content, its hospital and now."""

    language: str | None = None
    country: str | None = None
    emergency_number: str | None = None
    ask_hard_pages: bool = True
    name: str = ""
    notices: bool = False
    zone: str | None = None
    fever_c: float | None = None
    fever_rule: str | None = None
    treatment: str | None = None
    phase: str | None = None
    phase_since: str | None = None
    bookmarks: list[tuple[str, str, int]] = field(default_factory=list)  # the oldest first
    contacts: list[tuple[str, str]] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[tuple[float, float, str, str]] = field(default_factory=list)
    medicines: list[tuple[Medicine, tuple[Change, ...]]] = field(default_factory=list)
    doses: list[Dose] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    counts: list[Count] = field(default_factory=list)
    # Left out, and why (each a line of the screen).
    photos: int = 0
    not_here: int = 0  # bookmarks, checklist ticks and a phase this bot's content does not have
    past: int = 0  # appointments that have passed
    deleted: int = 0  # questions and appointments deleted and waiting for Undo there
    others: int = 0  # the other members of the family there
    fever_locked: float | None = None  # the family's number, higher than the hospital's lock
    off: list[tuple[str, int]] = field(default_factory=list)  # parts this hospital turned off

    def settings(self) -> bool:
        return any(
            (
                self.language,
                self.country,
                self.emergency_number,
                not self.ask_hard_pages,
                self.zone,
                self.fever_c,
                self.fever_rule,
                self.treatment,
                self.phase,
            )
        )

    def counted(self) -> list[tuple[str, int]]:
        """(what, how many) of each kind that comes, in the screen's order."""
        found = [
            ("bookmarks", len(self.bookmarks)),
            ("contacts", len(self.contacts)),
            ("questions", len(self.questions)),
            ("marks", len(self.marks)),
            ("appointments", len(self.appointments)),
            ("medicines", len(self.medicines)),
            ("doses", len(self.doses)),
            ("log", len(self.log)),
            ("counts", len(self.counts)),
            ("facts", len(self.facts)),
        ]
        return [(what, count) for what, count in found if count]

    def empty(self) -> bool:
        return not self.settings() and not self.counted()


def plan_of(
    export: Export,
    content: Content,
    languages: Sequence[str],
    now: float,
    lock: Callable[[float], bool],
    zone_here: str | None,
    on: Callable[[str], bool] = lambda feature: True,
) -> Plan:
    """What this bot keeps of the file: `lock` tells a fever number above the hospital's
    locked one, `on` whether this copy has a part a hospital may turn off (medicines, counts,
    log, edcard: its rows are not brought where nobody could see them, nor be reminded of
    them). Unreadable when what comes would not hold together here: more appointments to
    come than one family may have, or medicines to remind with no time zone to remind them
    in."""
    settings = export.settings
    plan = Plan()
    if settings:
        language = settings["language"]
        plan.language = language if language in languages else None
        country = settings["country"]
        plan.country = country if country and content.emergency.country(country) is not None else None
        number_ = settings["emergency_number"]
        if number_ is not None and not _DIALLED.fullmatch(number_):
            _fail()
        plan.emergency_number = number_
        plan.ask_hard_pages = settings["ask_before_hard_pages"]
    for section_id, part_id, page in reversed(export.bookmarks):
        section = content.section(section_id)
        part = section.part(part_id) if section is not None else None
        if part is not None and 0 <= page < len(part.pages):
            plan.bookmarks.append((section_id, part_id, page))
        else:
            plan.not_here += 1
    family = export.family
    if family is None:
        return plan
    plan.name, plan.notices, plan.others = family.name, family.notices, family.members - 1
    child = family.child or {}
    plan.zone = child.get("time_zone")
    if plan.zone is not None and zone(plan.zone) is None:
        _fail()
    fever = child.get("fever_number_c")
    if fever is not None and lock(fever):
        plan.fever_locked = fever
    else:
        plan.fever_c = fever
    plan.fever_rule, plan.treatment = child.get("fever_rule"), child.get("treatment")
    phase = child.get("phase")
    if phase is not None and content.phase(phase) is None:
        plan.not_here += 1
    elif phase is not None:
        plan.phase, plan.phase_since = phase, child.get("phase_since")
    plan.contacts = [(str(c["label"]), str(c["phone"])) for c in family.contacts]
    for item in family.marks:
        if content.checklist.item(item) is None:
            plan.not_here += 1
        else:
            plan.marks.append(item)
    for q in family.questions:
        if q["removed_at"] is not None:
            plan.deleted += 1
        else:
            plan.questions.append(q)
    for a in family.appointments:
        if a["removed_at"] is not None:
            plan.deleted += 1
        elif a["starts_at"] <= now:
            plan.past += 1
        else:
            plan.appointments.append(
                (float(a["starts_at"]), max(float(a["remind_at"]), now), str(a["place"]), str(a["note"]))
            )
    if len(plan.appointments) > MAX_AHEAD:
        _fail()
    if on("medicines"):
        plan.medicines, plan.doses = list(family.medicines), list(family.doses)
    elif family.medicines:
        plan.off.append(("medicines", len(family.medicines)))
    reminded = any(
        m.status == ACTIVE
        and Schedule.loads(m.schedule).missing() is None
        and Schedule.loads(m.schedule).times
        for m, _ in plan.medicines
    )
    if reminded and zone(plan.zone or zone_here) is None:
        _fail()
    if on("log"):
        for entry in family.log:
            if entry.kind == PHOTO:
                plan.photos += 1
            else:
                plan.log.append(entry)
    elif family.log:
        plan.off.append(("log", len(family.log)))
    if on("edcard"):
        plan.facts = dict(family.facts)
    elif family.facts:
        plan.off.append(("facts", len(family.facts)))
    if on("counts"):
        plan.counts = list(family.counts)
    elif family.counts:
        plan.off.append(("counts", len(family.counts)))
    return plan


# ---- is this account empty? ---------------------------------------------------------------------
async def has_data(storage: Storage, uid: int) -> bool:
    """Anything saved here (the person's bookmarks, or any part of their family's record), or
    a family shared with others. Settings alone (language, time zone...) are not data here:
    the file's take their place."""
    if await storage.bookmarks.list(uid):
        return True
    found = await storage.circles.member(uid)
    if found is None:
        return False
    circle = found.circle
    if len(await storage.circles.members(circle)) > 1:
        return True
    return bool(
        await storage.questions.all_kept(circle)
        or await storage.appointments.all_kept(circle)
        or await storage.contacts.list(circle)
        or await storage.marks.all(circle)
        or await storage.medicines.listed(circle, stopped=True)
        or await storage.medicines.drafts(circle)
        or await storage.medicines.all_doses(circle)
        or await storage.counts.total(circle)
        or await storage.log.count_between(circle, 0, _LAST_MOMENT * 10)
        or await storage.log.facts(circle)
        or (await storage.circles.phase(circle))[0]
    )


# ---- all or nothing: what the person had, to put back --------------------------------------------
@dataclass(frozen=True)
class Before:
    consent: bool
    language: str | None
    urgent_button: bool | None
    skip_gates: bool
    emergency: tuple[str | None, str | None]
    member: Member | None
    circle: Circle | None
    window: int


async def before(storage: Storage, uid: int) -> Before:
    found = await storage.circles.member(uid)
    return Before(
        consent=await storage.users.has_consent(uid),
        language=await storage.users.language(uid),
        urgent_button=await storage.users.urgent_button(uid),
        skip_gates=await storage.users.skips_gates(uid),
        emergency=await storage.users.emergency(uid),
        member=found,
        circle=await storage.circles.get(found.circle) if found else None,
        window=await storage.medicines.window(found.circle) if found else 120,
    )


async def put_back(storage: Storage, uid: int, was: Before) -> None:
    """Undo a bringing that failed midway: every row of the person is erased, then what they
    had before is saved again."""
    await storage.delete_user(uid)
    if was.language is not None:
        await storage.users.set_language(uid, was.language)
    if was.urgent_button is not None:
        await storage.users.set_urgent_button(uid, was.urgent_button)
    if not was.consent:
        return
    await storage.users.give_consent(uid)
    who = await storage.circles.member(uid)
    if who is None:
        return
    if was.skip_gates:
        await storage.users.set_skip_gates(uid, True)
    if was.emergency != (None, None):
        await storage.users.set_emergency(uid, *was.emergency)
    if was.member is not None:
        if was.member.name:
            await storage.circles.set_name(uid, was.member.name)
        await storage.circles.set_notices(uid, was.member.notices)
        await storage.circles.set_flag_notices(uid, was.member.flag_notices)
        await storage.medicines.set_reminders(uid, was.member.dose_reminders)
        await storage.medicines.set_discreet(uid, was.member.discreet)
    circle = was.circle
    if circle is not None:
        if circle.timezone:
            await storage.circles.set_timezone(who, circle.timezone)
        if circle.fever_c is not None:
            await storage.circles.set_fever_c(who, circle.fever_c)
        if circle.fever_rule:
            await storage.circles.set_fever_rule(who, circle.fever_rule)
        if circle.treatment:
            await storage.circles.set_treatment(who, circle.treatment)
    await storage.medicines.set_window(who, was.window)


# ---- bringing it ----------------------------------------------------------------------------------
async def carry(storage: Storage, uid: int, plan: Plan, content: Content, now: float) -> None:
    """Every write of the plan, for a person who agreed to saving and whose account is empty
    (their family of one is the new family)."""
    who = await storage.circles.member(uid)
    if who is None:
        raise RuntimeError("no family after the OK to saving")
    users, circles = storage.users, storage.circles
    if plan.language:
        await users.set_language(uid, plan.language)
    if plan.country or plan.emergency_number:
        await users.set_emergency(uid, plan.country, plan.emergency_number)
    if not plan.ask_hard_pages:
        await users.set_skip_gates(uid, True)
    if plan.name:
        await circles.set_name(uid, plan.name)
    if plan.notices:
        await circles.set_notices(uid, True)
    if plan.zone:
        await circles.set_timezone(who, plan.zone)
    if plan.fever_c is not None:
        await circles.set_fever_c(who, plan.fever_c)
    if plan.fever_rule:
        await circles.set_fever_rule(who, plan.fever_rule)
    if plan.treatment:
        await circles.set_treatment(who, plan.treatment)
    if plan.phase:
        await circles.set_phase(who, plan.phase, plan.phase_since)
    for section_id, part_id, page in plan.bookmarks:
        await storage.bookmarks.add(uid, section_id, part_id, page)
    for label, phone in plan.contacts:
        await storage.contacts.add(who, label, phone, limit=MAX_CONTACTS)
    for item in plan.marks:
        await storage.marks.set(who, item, True)
    await _questions(storage, who, plan.questions, content)
    for starts, remind, place, note in plan.appointments:
        appointment = await storage.appointments.add(who, starts, remind, after=now, limit=MAX_AHEAD)
        if place:
            await storage.appointments.set_place(who, appointment, place)
        if note:
            await storage.appointments.set_note(who, appointment, note)
    tz = zone(plan.zone or await circles.timezone(who.circle))
    moved: dict[int, int] = {}
    for medicine, changes in plan.medicines:
        schedule = Schedule.loads(medicine.schedule)
        following = next_at(medicine, schedule, tz, now) if medicine.status == ACTIVE and tz else None
        moved[medicine.id] = await storage.medicines.restore(
            who, medicine, changes, following, limit=MAX_MEDICINES
        )
    for dose in plan.doses:
        await storage.medicines.restore_dose(who, moved[dose.medicine_id], dose)
    for entry in plan.log:
        await storage.log.add(
            who,
            entry.kind,
            entry.at,
            limit=LOG_LIMIT,
            temp_c=entry.temp_c,
            temp_typed=entry.temp_typed,
            site=entry.site,
            symptom=entry.symptom,
            severity=entry.severity,
            note=entry.note,
        )
    for fact, value in plan.facts.items():
        await storage.log.set_fact(who, fact, value)
    for count in plan.counts:
        await storage.counts.add(
            who, count.taken_on, count.name, count.value, count.number, count.unit, limit=COUNTS_LIMIT
        )
    if (plan.appointments or plan.medicines) and await users.language(uid) is None:
        # Reminders are sent with no message to read the language from: keep it (as the
        # appointments feature does when one is added).
        await users.set_language(uid, content.language)


async def _questions(
    storage: Storage, who: Member, questions: Sequence[dict[str, Any]], content: Content
) -> None:
    """The saved questions, in the file's order: the guide's own by their id when this bot's
    guide has it (else kept as the family's own, with its text), with answers and asked."""
    for q in questions:
        guide_id = q["guide_id"]
        if guide_id and content.question(guide_id) is not None:
            await storage.questions.save_guide(who, guide_id, q["text"], limit=MAX_QUESTIONS)
            saved = [s for s in await storage.questions.list(who.circle) if s.guide_id == guide_id]
            if not saved:
                raise RuntimeError("a guide question was not saved")
            question_id = saved[0].id
        else:
            question_id = await storage.questions.add_own(who, q["text"], limit=MAX_QUESTIONS)
        if q["answer"]:
            await storage.questions.set_answer(who, question_id, q["answer"])
        elif q["asked_at"] is not None:
            await storage.questions.mark_asked(who, question_id, True)


# ---- the screens ----------------------------------------------------------------------------------
def plan_lines(content: Content, plan: Plan) -> list[str]:
    s = content.strings
    lines = [s("bring.line", what=s(f"bring.what.{what}"), count=count) for what, count in plan.counted()]
    if plan.settings():
        lines.append(s("bring.settings"))
    return lines


def left_lines(content: Content, plan: Plan, hospital: str) -> list[str]:
    s = content.strings
    lines = []
    if plan.photos:
        lines.append(s("bring.left.photos", count=plan.photos))
    if plan.past:
        lines.append(s("bring.left.past", count=plan.past))
    if plan.deleted:
        lines.append(s("bring.left.deleted", count=plan.deleted))
    if plan.not_here:
        lines.append(s("bring.left.not_here", count=plan.not_here))
    if plan.fever_locked is not None:
        lines.append(s("bring.left.fever", number=celsius_text(plan.fever_locked), name=esc(hospital)))
    for what, count in plan.off:
        lines.append(s("bring.left.off", what=s(f"bring.what.{what}"), count=count))
    if plan.others:
        lines.append(s("bring.left.others", count=plan.others))
    return lines


def summary_view(content: Content, plan: Plan, hospital: str) -> View:
    s = content.strings
    chunks = [s("bring.title"), "\n".join([s("bring.holds"), *plan_lines(content, plan)])]
    left = left_lines(content, plan, hospital)
    if left:
        chunks.append("\n".join([s("bring.left_title"), *left]))
    chunks += [s("bring.new_family"), s("bring.consent")]
    markup = Markup([[button(s("bring.yes"), BringHere())], [button(s("bring.no"), KeepOut())]])
    return View("\n\n".join(chunks), markup)


def done_view(context: BotContext, plan: Plan, hospital: str) -> View:
    content = context.content
    s = content.strings
    chunks = [s("bring.done"), "\n".join(plan_lines(content, plan))]
    left = left_lines(content, plan, hospital)
    if left:
        chunks.append("\n".join([s("bring.left_title"), *left]))
    chunks.append(s("bring.other_bot"))
    return View("\n\n".join(chunks), main_menu(context))


def refusal(context: BotContext, key: str) -> View:
    return View(context.content.strings(key), home_only(context.content))


# ---- the file, from Telegram ------------------------------------------------------------------------
def looks_like_mydata(document: Document) -> bool:
    """A JSON file (by its name or its type): the only kind /mydata sends."""
    name = (document.file_name or "").lower()
    return name.endswith(".json") or (document.mime_type or "").lower() in _JSON_TYPES


async def fetch(context: BotContext, document: Document) -> bytes | str:
    """The file's bytes, or the key of the refusal (too big, or Telegram did not give it)."""
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        return "bring.too_big"
    try:
        found = await context.bot.get_file(document.file_id)
        if found.file_size is not None and found.file_size > MAX_FILE_BYTES:
            return "bring.too_big"
        data = bytes(await found.download_as_bytearray())
    except BadRequest as exc:
        log.info("bring: the file was not given: %s", exc.__class__.__name__)
        return "bring.too_big" if "too big" in exc.message.lower() else "bring.not_fetched"
    except (TelegramError, RuntimeError) as exc:
        log.info("bring: the file was not given: %s", exc.__class__.__name__)
        return "bring.not_fetched"
    return "bring.too_big" if len(data) > MAX_FILE_BYTES else data


async def prepare(update: Update, context: BotContext, document: Document) -> Plan | str:
    """The plan for this parent's file, or the key of why not (nothing saved either way)."""
    data = await fetch(context, document)
    if isinstance(data, str):
        return data
    uid = user_id(update)
    try:
        # On the heavy pool: a 8 MB file (three years of doses and a busy log) takes about
        # 0.85 s to check, which would hold every other chat's answer on the event loop.
        export = await context.services.heavy.run(read_export, data)
        if export.user_id != uid:
            return "bring.not_yours"
        if await has_data(context.storage, uid):
            return "bring.has_data"
        here = await me(update, context)
        site = context.services.site
        plan = plan_of(
            export,
            context.content,
            tuple(context.services.contents),
            context.now(),
            lambda celsius: locked_above(context, celsius) is not None,
            await context.storage.circles.timezone(here.circle) if here.circle else None,
            lambda feature: site is None or site.features.get(feature, True),
        )
    except Unreadable:
        return "bring.unreadable"
    return "bring.nothing" if plan.empty() else plan


def hospital_name(context: BotContext) -> str:
    site = context.services.site
    return site.name if site is not None else ""


async def on_document(update: Update, context: BotContext) -> None:
    """A file in a private chat: a caption is checked for red flags first, as any text; a
    /mydata file gets its summary (as a reply to it, which the tap reads back); any other
    file, the calm line that only a /mydata file is read, with the urgent line the bot gives
    for whatever it cannot read."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.document is None:
        return
    s = context.content.strings
    document = message.document
    match = await check(update, context, message.caption or "")
    if match:
        await send_alert(update, context, match, s("redflags.unseen"))
    if not looks_like_mydata(document):
        if not match:
            unreadable = await unreadable_view(update, context)
            await _send(
                context, message, View(f"{s('bring.not_mydata')}\n\n{unreadable.text}", unreadable.markup)
            )
        return
    found = await prepare(update, context, document)
    view = (
        refusal(context, found)
        if isinstance(found, str)
        else summary_view(context.content, found, hospital_name(context))
    )
    await _send(context, message, view)


async def _send(context: BotContext, message: Message, view: View) -> None:
    """A new message replying to the parent's file (the tap reads the file from it)."""
    await context.bot.send_message(
        message.chat_id,
        view.text,
        parse_mode=ParseMode.HTML,
        reply_markup=view.markup,
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


def replied_file(update: Update) -> Document | None:
    """The file the tapped screen replies to, when the tapping parent sent it."""
    query = update.callback_query
    screen = query.message if query is not None and isinstance(query.message, Message) else None
    replied = screen.reply_to_message if screen is not None else None
    if replied is None or replied.document is None or replied.from_user is None:
        return None
    return replied.document if replied.from_user.id == user_id(update) else None


async def bring_here(update: Update, context: BotContext, data: BringHere) -> Reply:
    """ "Bring it here": the file read again, then every write, all or nothing."""
    s = context.content.strings
    document = replied_file(update)
    if document is None:
        return Reply(notice=s("bring.gone"), alert=True)
    found = await prepare(update, context, document)
    if found == "bring.has_data":  # a second tap, or data saved since the screen was shown
        return Reply(notice=s("bring.has_data_short"), alert=True)
    if isinstance(found, str):
        return Reply(refusal(context, found))
    uid = user_id(update)
    storage = context.storage
    was = await before(storage, uid)
    try:
        if not was.consent:
            await storage.users.give_consent(uid)  # the screen said bringing it saves it
        forget_me(context)
        await carry(storage, uid, found, context.content, context.now())
    except Exception as exc:
        log.error("bring: a write failed (%s): undoing", exc.__class__.__name__)
        try:
            await put_back(storage, uid, was)
        except Exception as again:
            # Part of it may be here: the storage itself is in trouble (the next try finds
            # the account not empty, and says /deletemydata first).
            log.error("bring: the undo failed too (%s)", again.__class__.__name__)
            forget_me(context)
            return Reply(refusal(context, "errors.storage_trouble"))
        forget_me(context)
        return Reply(refusal(context, "bring.failed"))
    forget_me(context)
    if found.language:
        context.language = found.language  # the done screen in the language they had there
    return Reply(
        done_view(context, found, hospital_name(context)), context.content.strings("bring.done_short")
    )


async def keep_out(update: Update, context: BotContext, data: KeepOut) -> Reply:
    return Reply(View(context.content.strings("bring.cancelled"), main_menu(context)))


COMMANDS: tuple[Command, ...] = ()


def setup(app: BotApp) -> None:
    """Files in private chats (before the fallbacks' calm line for what cannot be read), and
    the two buttons."""
    app.add_handler(MessageHandler(PRIVATE & filters.Document.ALL, on_document))
    tap(app, BringHere, bring_here)
    tap(app, KeepOut, keep_out)
