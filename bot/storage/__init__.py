"""Storage, written once for SQLite and PostgreSQL.

Layout: one module per aggregate (`users`, `circles`, `bookmarks`, `marks`, `questions`,
`contacts`, `appointments`, `prompts`), each a repository whose SQL both databases speak, over a
driver (`driver`: `sqlite` for one process and one file, the default; `postgres` for
several processes on DATABASE_URL); `schema` holds the one migration chain from schema 11
on; `coordination` what processes agree on apart from the data (chat and job locks,
handled webhook updates); `cached` the in-process copies used when one process owns the
database. The records and protocols are in `interface`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.storage import schema
from bot.storage.appointments import AppointmentsRepo
from bot.storage.bookmarks import BookmarksRepo
from bot.storage.cached import CachedPrompts, CachedUsers
from bot.storage.circles import CirclesRepo, erase_circle_rows
from bot.storage.contacts import ContactsRepo
from bot.storage.coordination import Advisory, Local
from bot.storage.counts import CountsRepo
from bot.storage.driver import Driver
from bot.storage.interface import (
    FULL,
    HELPER,
    Appointment,
    Appointments,
    Bookmark,
    Bookmarks,
    Circle,
    Circles,
    Contact,
    Contacts,
    Coordination,
    Invite,
    LimitReached,
    Marks,
    Member,
    NoConsent,
    NotSaved,
    Prompt,
    Prompts,
    Questions,
    SavedQuestion,
    Storage,
    StorageUnavailable,
    Users,
)
from bot.storage.log import LogRepo
from bot.storage.marks import MarksRepo
from bot.storage.medicines import MedicinesRepo
from bot.storage.prompts import PromptsRepo
from bot.storage.questions import QuestionsRepo
from bot.storage.rows import USER_COLUMNS
from bot.storage.users import UsersRepo

__all__ = [
    "FULL",
    "HELPER",
    "Appointment",
    "Appointments",
    "Bookmark",
    "Bookmarks",
    "Circle",
    "Circles",
    "Contact",
    "Contacts",
    "Invite",
    "LimitReached",
    "Marks",
    "Member",
    "NoConsent",
    "NotSaved",
    "Prompt",
    "Prompts",
    "Questions",
    "SavedQuestion",
    "Storage",
    "StorageUnavailable",
    "Store",
    "Users",
    "open_storage",
]

# Tables holding a person's own rows, erased together (children before the users row); the
# circle's record is erased with them only when nobody else shares it.
USER_TABLES = ("prompts", "bookmarks", "reminder_sends", "dose_sends", "members", "users")
# /mydata's own layout (2: with the schema version it was written at; 3: the person's own
# settings apart from the circle's record, with who added each item).
EXPORT_FORMAT = 3


class Store:
    """The repositories over one driver. Open it once (post_init), close it once."""

    def __init__(self, driver: Driver, coordination: Coordination):
        self.driver = driver
        self.coordination = coordination
        self.shared = driver.shared
        cached = not driver.shared  # one process owns the database: keep the copies
        self.users: UsersRepo = CachedUsers(driver) if cached else UsersRepo(driver)
        self.circles = CirclesRepo(driver)
        self.prompts: PromptsRepo = CachedPrompts(driver) if cached else PromptsRepo(driver)
        self.bookmarks = BookmarksRepo(driver)
        self.marks = MarksRepo(driver)
        self.questions = QuestionsRepo(driver)
        self.contacts = ContactsRepo(driver)
        self.appointments = AppointmentsRepo(driver)
        self.counts = CountsRepo(driver)
        self.medicines = MedicinesRepo(driver)
        self.log = LogRepo(driver)

    async def open(self) -> None:
        await self.driver.open()
        try:
            await schema.migrate(self.driver)
            for repo in (self.users, self.prompts):
                if isinstance(repo, (CachedUsers, CachedPrompts)):
                    await repo.load()
        except BaseException:
            await self.driver.close()
            raise

    async def close(self) -> None:
        try:
            await self.coordination.close()
        finally:
            await self.driver.close()

    async def ping(self) -> None:
        await self.driver.ping()

    def time_calls(self, hook: Callable[[float], None]) -> None:
        self.driver.latency = hook

    async def schema_version(self) -> int:
        return await schema.current(self.driver)

    async def integrity_check(self) -> str:
        """ "ok" when the database answers, is sound and is at this release's schema."""
        found = await self.driver.integrity()
        if found != "ok":
            return found
        version = await self.schema_version()
        return "ok" if version == schema.LATEST else f"schema {version}"

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one person, as plain data (/mydata), with the schema and
        export format it was written at, so it can be read back later: their own settings,
        their membership, and the circle's record — all of it for a full member, what they
        added themselves for a helper (a helper does not export the shared record)."""
        user = await self.driver.one(f"SELECT {USER_COLUMNS} FROM users WHERE user_id=:user", user=user_id)
        head: dict[str, Any] = {
            "export_format": EXPORT_FORMAT,
            "schema_version": schema.LATEST,
            "user_id": user_id,
        }
        if user is None:
            return {**head, "stored": False}
        waiting = await self.prompts.get(user_id)
        me = await self.circles.member(user_id)
        out: dict[str, Any] = {
            **head,
            "stored": True,
            "created_at": user["created_at"],
            "consent_at": user["consent_at"],
            "settings": {
                "ask_before_hard_pages": not user["skip_gates"],
                "reminders_off": bool(user["reminders_off"]),
                "language": user["language"],
                "country": user["country"],
                "emergency_number": user["emergency_number"],
                "urgent_button": None if user["urgent_button"] is None else bool(user["urgent_button"]),
            },
            "waiting_for_text": asdict(waiting) if waiting else None,
            "bookmarks": [asdict(b) for b in await self.bookmarks.list(user_id)],
            "circle": None,
        }
        if me is None:
            return out
        everyone = await self.circles.members(me.circle)
        record = await self.circles.get(me.circle)
        phase = await self.circles.phase(me.circle)
        mine = me.full or len(everyone) == 1

        def kept(items: list[Any]) -> list[dict[str, Any]]:
            return [asdict(i) for i in items if mine or i.added_by == user_id]

        marks = await self.marks.all(me.circle)
        out["circle"] = {
            "role": me.role,
            "name": me.name,
            "joined_at": me.joined_at,
            "notices": me.notices,
            "members": len(everyone),
            "whole_record": mine,
            "child_settings": (
                {
                    "time_zone": record.timezone,
                    "fever_number_c": record.fever_c,
                    "fever_rule": record.fever_rule,
                    "treatment": record.treatment,
                    "phase": phase[0],
                    "phase_since": phase[1],
                }
                if record and mine
                else None
            ),
            "appointments": kept(await self.appointments.all_kept(me.circle)),
            "care_team_numbers": kept(await self.contacts.list(me.circle)),
            "checklist_marks": [{"item_id": k, "created_at": v} for k, v in sorted(marks.items())]
            if mine
            else [],
            "questions": kept(await self.questions.all_kept(me.circle)),
            "medicines": [
                {**asdict(m), "changes": [asdict(c) for c in await self.medicines.changes(me.circle, m.id)]}
                for m in await self.medicines.listed(me.circle, stopped=True)
                if mine or m.added_by == user_id
            ],
            "doses": [
                asdict(d) for d in await self.medicines.all_doses(me.circle) if mine or d.marked_by == user_id
            ],
            "log": [
                asdict(e) for e in await self.log.all_entries(me.circle) if mine or e.added_by == user_id
            ],
            "emergency_card": {k: asdict(v) for k, v in (await self.log.facts(me.circle)).items()}
            if mine
            else {},
            "blood_counts": kept(await self.counts.list(me.circle)),
        }
        return out

    async def delete_user(self, user_id: int) -> None:
        """Erase every row of this person in one transaction, then from the files too. Their
        circle's record goes with them when nobody else shares it; otherwise it stays with
        the others (what they added shows as a former member's), and if they were its last
        full member, everyone left becomes full, so the record is never nobody's."""
        async with self.driver.transaction() as tx:
            circle = await tx.value("SELECT circle_id FROM members WHERE user_id=:user", user=user_id)
            if circle is not None:
                others = await tx.all(
                    "SELECT user_id, role FROM members WHERE circle_id=:circle AND user_id<>:user",
                    circle=circle,
                    user=user_id,
                )
                await tx.write("DELETE FROM members WHERE user_id=:user", user=user_id)
                if not others:
                    await erase_circle_rows(tx, circle)
                elif not any(r["role"] == FULL for r in others):
                    await tx.write(
                        "UPDATE members SET role=:full WHERE circle_id=:circle", circle=circle, full=FULL
                    )
            await tx.write(
                "UPDATE invites SET revoked_at=:now WHERE for_user=:user AND revoked_at IS NULL",
                user=user_id,
                now=self.driver.clock(),
            )
            for table in USER_TABLES:  # the module's own names, never input
                await tx.write(f"DELETE FROM {table} WHERE user_id=:user", user=user_id)
        for repo in (self.users, self.prompts):
            if isinstance(repo, (CachedUsers, CachedPrompts)):
                repo.forget(user_id)
        await self.driver.erased()


def open_storage(path: Path | str, clock: Callable[[], float], url: str | None = None) -> Store:
    """PostgreSQL when a `url` (DATABASE_URL) is given, else the SQLite file at `path`;
    open() it before use."""
    if url:
        from bot.storage.postgres import PostgresDriver

        pg = PostgresDriver(url, clock, schema=schema.LATEST)
        return Store(pg, Advisory(pg, pg.url, pg.application))
    from bot.storage.sqlite import SqliteDriver

    driver = SqliteDriver(path, clock)
    return Store(driver, Local(driver))
