"""Appointments with their reminder: times in UTC seconds (shown in the family's time zone),
the reminder computed when saved, so the reminder job is one query.

Reminders are sent at least once: `claim_due` leases the due ones to one process for
`lease` seconds (claimed at, by whom); `mark_reminded` ends one only after Telegram took the
message. A send that fails, or a process that dies mid-send, leaves the lease to run out,
and the next look claims it again. A duplicate is harmless: the reminder names its
appointment, and its buttons open views (a second tap shows the same view).

A deleted appointment is only hidden (`removed_at`) for the Undo window: it is not listed,
gets no reminder, cannot be changed and does not count toward the limit; `purge_removed`
erases it for good once the window has ended (and its text from the files).
"""

from __future__ import annotations

from bot.storage.driver import CONSENTED, Driver, limit_or_consent
from bot.storage.interface import Appointment, LimitReached
from bot.storage.rows import APPOINTMENT_COLUMNS, appointment

# Due, not sent, not deleted, for a parent who still gets reminders, and not leased by a
# live claim.
_DUE = (
    "reminded_at IS NULL AND removed_at IS NULL AND remind_at <= :now "
    "AND (claimed_at IS NULL OR claimed_at <= :expired)"
)
# The appointments ahead that count toward the limit (deleted ones waiting for Undo do not).
_AHEAD = "SELECT COUNT(*) FROM appointments WHERE user_id=:user AND starts_at > :after AND removed_at IS NULL"


class AppointmentsRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def upcoming(self, user_id: int, after: float) -> list[Appointment]:
        rows = await self.db.all(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE user_id=:user "
            "AND starts_at > :after AND removed_at IS NULL ORDER BY starts_at, id",
            user=user_id,
            after=after,
        )
        return [appointment(r) for r in rows]

    async def all_kept(self, user_id: int) -> list[Appointment]:
        """Every appointment still stored, past ones and deleted ones within the Undo window
        too (/mydata)."""
        rows = await self.db.all(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE user_id=:user ORDER BY starts_at, id",
            user=user_id,
        )
        return [appointment(r) for r in rows]

    async def get(self, user_id: int, appointment_id: int) -> Appointment | None:
        """The appointment, unless it is not this user's or was deleted."""
        row = await self.db.one(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE user_id=:user AND id=:id "
            "AND removed_at IS NULL",
            user=user_id,
            id=appointment_id,
        )
        return appointment(row) if row else None

    async def add(self, user_id: int, starts_at: float, remind_at: float, *, after: float, limit: int) -> int:
        written = await self.db.as_owner(
            user_id,
            "INSERT INTO appointments(user_id, starts_at, remind_at, created_at) "
            f"SELECT :user, :starts, :remind, :now WHERE EXISTS ({CONSENTED}) "
            f"AND ({_AHEAD}) < :limit RETURNING id",
            starts=starts_at,
            remind=remind_at,
            now=self.db.clock(),
            after=after,
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, user_id)

    async def reschedule(self, user_id: int, appointment_id: int, starts_at: float, remind_at: float) -> bool:
        """A new time: its reminder is due again (a lease on the old time ends with it)."""
        return bool(
            await self.db.write(
                "UPDATE appointments SET starts_at=:starts, remind_at=:remind, reminded_at=NULL, "
                "claimed_at=NULL, claimed_by=NULL WHERE user_id=:user AND id=:id AND removed_at IS NULL",
                user=user_id,
                id=appointment_id,
                starts=starts_at,
                remind=remind_at,
            )
        )

    async def set_place(self, user_id: int, appointment_id: int, place: str) -> bool:
        return bool(
            await self.db.write(
                "UPDATE appointments SET place=:place WHERE user_id=:user AND id=:id AND removed_at IS NULL",
                user=user_id,
                id=appointment_id,
                place=place,
            )
        )

    async def set_note(self, user_id: int, appointment_id: int, note: str) -> bool:
        """The note for the day before, kept as typed ("" removes it)."""
        return bool(
            await self.db.write(
                "UPDATE appointments SET note=:note WHERE user_id=:user AND id=:id AND removed_at IS NULL",
                user=user_id,
                id=appointment_id,
                note=note,
            )
        )

    async def remove(self, user_id: int, appointment_id: int) -> bool:
        """Hide the appointment so it can be undone for a while (purge_removed erases it);
        its reminder is not sent meanwhile."""
        return bool(
            await self.db.write(
                "UPDATE appointments SET removed_at=:now WHERE user_id=:user AND id=:id "
                "AND removed_at IS NULL",
                user=user_id,
                id=appointment_id,
                now=self.db.clock(),
            )
        )

    async def undo_remove(
        self, user_id: int, appointment_id: int, *, removed_after: float, after: float, limit: int
    ) -> bool:
        """Bring back an appointment deleted after `removed_after` (the Undo window), if there
        is room among those ahead of `after` (LimitReached when there is none). False when it
        is not deleted, or gone for good."""
        written = await self.db.as_owner(
            user_id,
            "UPDATE appointments SET removed_at=NULL WHERE user_id=:user AND id=:id "
            f"AND removed_at IS NOT NULL AND removed_at >= :removed_after AND ({_AHEAD}) < :limit "
            "RETURNING id",
            consent=False,
            id=appointment_id,
            removed_after=removed_after,
            after=after,
            limit=limit,
        )
        if written:
            return True
        waiting = await self.db.value(
            "SELECT COUNT(*) FROM appointments WHERE user_id=:user AND id=:id "
            "AND removed_at IS NOT NULL AND removed_at >= :removed_after",
            user=user_id,
            id=appointment_id,
            removed_after=removed_after,
        )
        if waiting:
            raise LimitReached(user_id)
        return False

    async def purge_removed(self, removed_before: float) -> int:
        """Erase, for every user, the appointments deleted before this moment (and their text
        from the files: bot.storage.driver.Driver.erased)."""
        erased = await self.db.write(
            "DELETE FROM appointments WHERE removed_at IS NOT NULL AND removed_at < :before",
            before=removed_before,
        )
        if erased:
            await self.db.erased()
        return erased

    async def claim_due(
        self, now: float, *, lease: float, by: str, batch: int = 100
    ) -> list[tuple[int, Appointment]]:
        """Lease the due reminders (every user's: this is the reminder job's own query) to
        `by` until `now + lease`; the oldest first. One statement: two processes claiming at
        once never get the same row (PostgreSQL re-checks the lease on the locked row)."""
        rows = await self.db.returning(
            "UPDATE appointments SET claimed_at=:now, claimed_by=:by "
            "WHERE id IN (SELECT id FROM appointments WHERE user_id IN "
            f"(SELECT user_id FROM users WHERE NOT reminders_off) AND {_DUE} "
            f"ORDER BY remind_at LIMIT :batch) AND {_DUE} "
            f"RETURNING user_id, {APPOINTMENT_COLUMNS}",
            now=now,
            expired=now - lease,
            by=by,
            batch=batch,
        )
        claimed = [(r["user_id"], appointment(r)) for r in rows]
        return sorted(claimed, key=lambda item: (item[1].remind_at, item[1].id))

    async def mark_reminded(self, user_id: int, reminded: Appointment, at: float) -> bool:
        """Done: only for the time it was claimed at (a reschedule meanwhile is due again)."""
        return bool(
            await self.db.write(
                "UPDATE appointments SET reminded_at=:at, claimed_at=NULL, claimed_by=NULL "
                "WHERE user_id=:user AND id=:id AND remind_at=:remind AND reminded_at IS NULL",
                user=user_id,
                id=reminded.id,
                remind=reminded.remind_at,
                at=at,
            )
        )
