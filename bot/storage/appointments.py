"""Appointments with their reminder, shared by the child's circle: times in UTC seconds
(shown in the circle's time zone), the reminder computed when saved, so the reminder job is
one query.

A reminder is one send per member who gets reminders (`reminder_sends`), each sent at least
once: `claim_due` leases the due sends to one process for `lease` seconds (claimed at, by
whom), joining the circle's members as they are at that moment (a removed member gets
none); `mark_sent` ends one only after Telegram took the message. A send that fails, or a
process that dies mid-send, leaves the lease to run out, and the next look claims it again.
A duplicate is harmless: the reminder names its appointment, and its buttons open views.
A member who joins before the appointment still gets one; once it has begun, the round is
closed (`reminded_at`).

A deleted appointment is only hidden (`removed_at`) for the Undo window: it is not listed,
gets no reminder, cannot be changed and does not count toward the limit; `purge_removed`
erases it for good once the window has ended (and its text from the files).
"""

from __future__ import annotations

import secrets

from bot.storage.driver import MEMBER, Driver, limit_or_consent
from bot.storage.interface import Appointment, LimitReached, Member
from bot.storage.rows import APPOINTMENT_COLUMNS, appointment

# The appointments ahead that count toward the limit (deleted ones waiting for Undo do not).
_AHEAD = (
    "SELECT COUNT(*) FROM appointments WHERE circle_id=:circle AND starts_at > :after AND removed_at IS NULL"
)
_CHANGE = (
    f"changed_by=:by, changed_at=:now WHERE circle_id=:circle AND id=:id AND removed_at IS NULL "
    f"AND EXISTS ({MEMBER})"
)
_COLUMNS_OF_A = ", ".join(f"a.{c.strip()}" for c in APPOINTMENT_COLUMNS.split(","))


class AppointmentsRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def upcoming(self, circle: int, after: float) -> list[Appointment]:
        rows = await self.db.all(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE circle_id=:circle "
            "AND starts_at > :after AND removed_at IS NULL ORDER BY starts_at, id",
            circle=circle,
            after=after,
        )
        return [appointment(r) for r in rows]

    async def all_kept(self, circle: int) -> list[Appointment]:
        """Every appointment still stored, past ones and deleted ones within the Undo window
        too (/mydata)."""
        rows = await self.db.all(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE circle_id=:circle ORDER BY starts_at, id",
            circle=circle,
        )
        return [appointment(r) for r in rows]

    async def get(self, circle: int, appointment_id: int) -> Appointment | None:
        """The appointment, unless it is not this circle's or was deleted."""
        row = await self.db.one(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE circle_id=:circle AND id=:id "
            "AND removed_at IS NULL",
            circle=circle,
            id=appointment_id,
        )
        return appointment(row) if row else None

    async def add(self, who: Member, starts_at: float, remind_at: float, *, after: float, limit: int) -> int:
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "INSERT INTO appointments(circle_id, starts_at, remind_at, created_at, added_by) "
            f"SELECT :circle, :starts, :remind, :now, :by WHERE EXISTS ({MEMBER}) "
            f"AND ({_AHEAD}) < :limit RETURNING id",
            starts=starts_at,
            remind=remind_at,
            now=self.db.clock(),
            after=after,
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, who.circle, who.user)

    async def _change(self, who: Member, appointment_id: int, assignments: str, **values: object) -> bool:
        return bool(
            await self.db.write(
                f"UPDATE appointments SET {assignments}, {_CHANGE}",
                circle=who.circle,
                by=who.user,
                id=appointment_id,
                now=self.db.clock(),
                **values,
            )
        )

    async def reschedule(self, who: Member, appointment_id: int, starts_at: float, remind_at: float) -> bool:
        """A new time: its reminder is due again, to every member (sends for the old time no
        longer count: they name another remind_at)."""
        return await self._change(
            who,
            appointment_id,
            "starts_at=:starts, remind_at=:remind, reminded_at=NULL",
            starts=starts_at,
            remind=remind_at,
        )

    async def set_place(self, who: Member, appointment_id: int, place: str) -> bool:
        return await self._change(who, appointment_id, "place=:place", place=place)

    async def set_note(self, who: Member, appointment_id: int, note: str) -> bool:
        """The note for the day before, kept as typed ("" removes it)."""
        return await self._change(who, appointment_id, "note=:note", note=note)

    async def remove(self, who: Member, appointment_id: int) -> bool:
        """Hide the appointment so it can be undone for a while (purge_removed erases it);
        its reminder is not sent meanwhile."""
        return await self._change(who, appointment_id, "removed_at=:now")

    async def undo_remove(
        self, who: Member, appointment_id: int, *, removed_after: float, after: float, limit: int
    ) -> bool:
        """Bring back an appointment deleted after `removed_after` (the Undo window), if there
        is room among those ahead of `after` (LimitReached when there is none). False when it
        is not deleted, or gone for good."""
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "UPDATE appointments SET removed_at=NULL, changed_by=:by, changed_at=:now "
            "WHERE circle_id=:circle AND id=:id AND removed_at IS NOT NULL "
            f"AND removed_at >= :removed_after AND ({_AHEAD}) < :limit AND EXISTS ({MEMBER}) "
            "RETURNING id",
            consent=False,
            id=appointment_id,
            removed_after=removed_after,
            after=after,
            limit=limit,
            now=self.db.clock(),
        )
        if written:
            return True
        waiting = await self.db.value(
            "SELECT COUNT(*) FROM appointments WHERE circle_id=:circle AND id=:id "
            "AND removed_at IS NOT NULL AND removed_at >= :removed_after",
            circle=who.circle,
            id=appointment_id,
            removed_after=removed_after,
        )
        if waiting:
            raise LimitReached(who.user)
        return False

    async def purge_removed(self, removed_before: float) -> int:
        """Erase, for every circle, the appointments deleted before this moment (and their
        text from the files: bot.storage.driver.Driver.erased)."""
        erased = await self.db.write(
            "DELETE FROM appointments WHERE removed_at IS NOT NULL AND removed_at < :before",
            before=removed_before,
        )
        if erased:
            await self.db.erased()
        return erased

    async def claim_due(
        self, now: float, *, lease: float, by: str, batch: int = 100
    ) -> list[tuple[int, int, Appointment]]:
        """Lease the due reminder sends (every circle's: this is the reminder job's own
        query) to `by` until `now + lease`, the oldest first: (member, circle, appointment)
        for each. One send per member of the circle now who gets reminders, and not sent
        already for this reminder time. Rounds of appointments that have begun are closed
        first (too late to remind). One statement claims: two processes claiming at once
        never get the same send (PostgreSQL re-checks the lease on the conflicting row)."""
        claim = f"{by}#{secrets.token_hex(4)}"  # this look's own (two looks may share a clock)
        await self.db.write(
            "UPDATE appointments SET reminded_at=:now WHERE reminded_at IS NULL "
            "AND removed_at IS NULL AND remind_at <= :now AND starts_at <= :now",
            now=now,
        )
        await self.db.write(
            "INSERT INTO reminder_sends(appointment_id, user_id, remind_at, claimed_at, claimed_by) "
            "SELECT a.id, m.user_id, a.remind_at, :now, :by FROM appointments a "
            "JOIN members m ON m.circle_id = a.circle_id JOIN users u ON u.user_id = m.user_id "
            "WHERE a.reminded_at IS NULL AND a.removed_at IS NULL AND a.remind_at <= :now "
            "AND a.starts_at > :now AND NOT u.reminders_off AND NOT EXISTS ("
            "SELECT 1 FROM reminder_sends s WHERE s.appointment_id = a.id AND s.user_id = m.user_id "
            "AND s.remind_at = a.remind_at AND (s.sent_at IS NOT NULL OR s.claimed_at > :expired)) "
            "ORDER BY a.remind_at, a.id LIMIT :batch "
            "ON CONFLICT(appointment_id, user_id) DO UPDATE SET remind_at=excluded.remind_at, "
            "claimed_at=excluded.claimed_at, claimed_by=excluded.claimed_by, sent_at=NULL "
            "WHERE reminder_sends.remind_at <> excluded.remind_at "
            "OR (reminder_sends.sent_at IS NULL AND reminder_sends.claimed_at <= :expired)",
            now=now,
            expired=now - lease,
            by=claim,
            batch=batch,
        )
        rows = await self.db.all(
            f"SELECT s.user_id, a.circle_id, {_COLUMNS_OF_A} FROM reminder_sends s "
            "JOIN appointments a ON a.id = s.appointment_id "
            "WHERE s.claimed_by=:by AND s.claimed_at=:now AND s.sent_at IS NULL "
            "ORDER BY a.remind_at, a.id, s.user_id",
            by=claim,
            now=now,
        )
        return [(r["user_id"], r["circle_id"], appointment(r)) for r in rows]

    async def sent(self, appointment_id: int) -> dict[int, float]:
        """Who got this appointment's reminder (for its current time), and when."""
        rows = await self.db.all(
            "SELECT s.user_id, s.sent_at FROM reminder_sends s "
            "JOIN appointments a ON a.id = s.appointment_id WHERE s.appointment_id=:id "
            "AND s.remind_at = a.remind_at AND s.sent_at IS NOT NULL",
            id=appointment_id,
        )
        return {int(r["user_id"]): float(r["sent_at"]) for r in rows}

    async def carry_sends(self, appointment_id: int, old_remind: float, new_remind: float) -> None:
        """After the same moment was moved to another zone's clock: the reminders already
        sent for it stay sent."""
        await self.db.write(
            "UPDATE reminder_sends SET remind_at=:new WHERE appointment_id=:id AND remind_at=:old "
            "AND sent_at IS NOT NULL",
            id=appointment_id,
            old=old_remind,
            new=new_remind,
        )

    async def mark_sent(self, user_id: int, reminded: Appointment, at: float) -> bool:
        """Done for this member: only for the time it was claimed at (a reschedule meanwhile
        is due again)."""
        return bool(
            await self.db.write(
                "UPDATE reminder_sends SET sent_at=:at WHERE appointment_id=:id AND user_id=:user "
                "AND remind_at=:remind AND sent_at IS NULL",
                user=user_id,
                id=reminded.id,
                remind=reminded.remind_at,
                at=at,
            )
        )
