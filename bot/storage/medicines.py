"""Medicines and their doses, the circle's: what the label says, each change kept, each dose
due recorded once for the whole family.

- A medicine is added as a **draft** (kept, so a restart in the middle of adding loses
  nothing), then becomes `active`; it may be `paused` or `stopped` (never erased while the
  record lives: its history is part of the record). Each change (added, dose, schedule,
  notes, paused, resumed, stopped) keeps the state it led to, with who and when.
- `next_due_at` is the next scheduled dose (bot.doses), set by the caller, so the reminder
  job's scan is one indexed query. When a dose comes due it becomes a row in `doses`
  (`come_due`: idempotent, and the medicine's next time is moved on with a compare-and-set,
  so two replicas doing it at once record it once).
- A dose is given or skipped by the **first** member who says so (one conditional UPDATE);
  anyone later is told what was recorded. Undo puts it back to unmarked. Every tap is in
  `dose_events`. An "only when needed" dose is a row with no due time, given when recorded.
- Reminders: one send per member (who gets medicine reminders) per due minute, whatever
  the number of medicines due then; leased as appointments' are (claimed at, by whom), the
  message id kept so a Given edits every member's reminder in place; "In 15 min" sets
  `again_at`, and the send is claimed again then only if a dose of that minute is still
  unmarked (a dose given meanwhile cancels it).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from bot.storage.driver import MEMBER, Driver, Queries, Row, limit_or_consent
from bot.storage.interface import Change, Dose, Due, Event, LimitReached, Medicine, Member

DRAFT, ACTIVE, PAUSED, STOPPED = "draft", "active", "paused", "stopped"
GIVEN, SKIPPED = "given", "skipped"
GIVEN_AGAIN, UNDONE = "given_again", "undone"
DRAFT_HOURS = 24  # a medicine left half-added is dropped after this

_MEDICINE = (
    "id, circle_id, name, dose, schedule, notes, status, next_due_at, created_at, added_by, "
    "changed_by, changed_at"
)
_DOSE = "id, circle_id, medicine_id, due_at, day, clock, dose, status, marked_by, marked_at"
_M_MEDICINE = ", ".join(f"m.{c.strip()}" for c in _MEDICINE.split(","))
_D_DOSE = ", ".join(f"d.{c.strip()}" for c in _DOSE.split(","))
_LISTED = f"status IN ('{ACTIVE}', '{PAUSED}')"


def _medicine(r: Row) -> Medicine:
    return Medicine(
        id=int(r["id"]),
        circle_id=int(r["circle_id"]),
        name=r["name"],
        dose=r["dose"],
        schedule=r["schedule"],
        notes=r["notes"],
        status=r["status"],
        next_due_at=r["next_due_at"],
        created_at=r["created_at"],
        added_by=r["added_by"],
        changed_by=r["changed_by"],
        changed_at=r["changed_at"],
    )


def _dose(r: Row) -> Dose:
    return Dose(
        id=int(r["id"]),
        circle_id=int(r["circle_id"]),
        medicine_id=int(r["medicine_id"]),
        due_at=r["due_at"],
        day=r["day"],
        clock=r["clock"],
        dose=r["dose"],
        status=r["status"],
        marked_by=r["marked_by"],
        marked_at=r["marked_at"],
    )


class MedicinesRepo:
    def __init__(self, db: Driver):
        self.db = db

    # ---- the medicines ---------------------------------------------------------------------
    async def listed(self, circle: int, *, stopped: bool = False) -> list[Medicine]:
        """The circle's medicines, active and paused (and stopped ones too if asked), by name."""
        which = f"status <> '{DRAFT}'" if stopped else _LISTED
        rows = await self.db.all(
            f"SELECT {_MEDICINE} FROM medicines WHERE circle_id=:circle AND {which} ORDER BY name, id",
            circle=circle,
        )
        return [_medicine(r) for r in rows]

    async def drafts(self, circle: int) -> list[Medicine]:
        """The medicines being added (kept a day), the newest first."""
        rows = await self.db.all(
            f"SELECT {_MEDICINE} FROM medicines WHERE circle_id=:circle AND status=:draft "
            "AND created_at >= :since ORDER BY id DESC",
            circle=circle,
            draft=DRAFT,
            since=self.db.clock() - DRAFT_HOURS * 3600,
        )
        return [_medicine(r) for r in rows]

    async def get(self, circle: int, medicine_id: int) -> Medicine | None:
        row = await self.db.one(
            f"SELECT {_MEDICINE} FROM medicines WHERE circle_id=:circle AND id=:id",
            circle=circle,
            id=medicine_id,
        )
        return _medicine(row) if row else None

    async def start(self, who: Member, name: str, *, limit: int) -> int:
        """A new medicine, as a draft named as typed; LimitReached past `limit` medicines
        (active, paused, or being added). Drafts left for a day are dropped first."""
        now = self.db.clock()
        await self.db.write(
            "DELETE FROM medicines WHERE circle_id=:circle AND status=:draft AND created_at < :old",
            circle=who.circle,
            draft=DRAFT,
            old=now - DRAFT_HOURS * 3600,
        )
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "INSERT INTO medicines(circle_id, name, status, created_at, added_by) "
            f"SELECT :circle, :name, :draft, :now, :by WHERE EXISTS ({MEMBER}) AND ("
            f"SELECT COUNT(*) FROM medicines WHERE circle_id=:circle AND status IN "
            f"('{DRAFT}', '{ACTIVE}', '{PAUSED}')) < :limit RETURNING id",
            name=name,
            draft=DRAFT,
            now=now,
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, who.circle, who.user)

    async def edit_draft(self, who: Member, medicine_id: int, **fields: str) -> bool:
        """Set name, dose, schedule or notes of a medicine still being added."""
        allowed = {k: v for k, v in fields.items() if k in ("name", "dose", "schedule", "notes")}
        if not allowed:
            return False
        sets = ", ".join(f"{k}=:{k}" for k in allowed)  # the names above, never input
        return bool(
            await self.db.write(
                f"UPDATE medicines SET {sets} WHERE circle_id=:circle AND id=:id AND status=:draft "
                f"AND EXISTS ({MEMBER})",
                circle=who.circle,
                by=who.user,
                id=medicine_id,
                draft=DRAFT,
                **allowed,
            )
        )

    async def activate(self, who: Member, medicine_id: int, next_due_at: float | None) -> bool:
        """The draft, confirmed: it is the family's now (its first change is "added")."""
        return await self._change(who, medicine_id, "added", DRAFT, ACTIVE, next_due_at, {})

    async def change(
        self, who: Member, medicine_id: int, what: str, next_due_at: float | None, **fields: str
    ) -> bool:
        """A new dose, schedule or notes for a medicine taking or paused (its history keeps
        the state before and after); `next_due_at` for an active one."""
        return await self._change(who, medicine_id, what, None, None, next_due_at, fields)

    async def set_status(self, who: Member, medicine_id: int, status: str, next_due_at: float | None) -> bool:
        """Pause (no reminders), resume, or stop a medicine."""
        what = {PAUSED: "paused", ACTIVE: "resumed", STOPPED: "stopped"}[status]
        return await self._change(who, medicine_id, what, None, status, next_due_at, {})

    async def _change(
        self,
        who: Member,
        medicine_id: int,
        what: str,
        was: str | None,
        status: str | None,
        next_due_at: float | None,
        fields: dict[str, str],
    ) -> bool:
        allowed = {k: v for k, v in fields.items() if k in ("dose", "schedule", "notes")}
        sets = "".join(f", {k}=:{k}" for k in allowed)  # the names above, never input
        now = self.db.clock()
        async with self.db.owner(who.circle, who.user) as tx:
            found = await tx.value(
                "SELECT status FROM medicines WHERE circle_id=:circle AND id=:id",
                circle=who.circle,
                id=medicine_id,
            )
            if (
                found is None
                or (was is not None and found != was)
                or (was is None and found not in (ACTIVE, PAUSED))
            ):
                return False
            new_status = status or found
            await tx.write(
                f"UPDATE medicines SET status=:status, next_due_at=:next, changed_by=:by, "
                f"changed_at=:now{sets} "
                "WHERE circle_id=:circle AND id=:id",
                status=new_status,
                next=next_due_at if new_status == ACTIVE else None,
                by=who.user,
                now=now,
                circle=who.circle,
                id=medicine_id,
                **allowed,
            )
            await tx.write(
                "INSERT INTO medicine_changes(medicine_id, circle_id, at, by_user, what, dose, schedule, "
                "notes) "
                "SELECT id, circle_id, :now, :by, :what, dose, schedule, notes FROM medicines WHERE id=:id",
                now=now,
                by=who.user,
                what=what,
                id=medicine_id,
            )
        return True

    async def discard_draft(self, who: Member, medicine_id: int) -> bool:
        return bool(
            await self.db.write(
                "DELETE FROM medicines WHERE circle_id=:circle AND id=:id AND status=:draft "
                f"AND EXISTS ({MEMBER})",
                circle=who.circle,
                by=who.user,
                id=medicine_id,
                draft=DRAFT,
            )
        )

    async def changes(self, circle: int, medicine_id: int) -> list[Change]:
        rows = await self.db.all(
            "SELECT at, by_user, what, dose, schedule, notes FROM medicine_changes "
            "WHERE circle_id=:circle AND medicine_id=:id ORDER BY id",
            circle=circle,
            id=medicine_id,
        )
        return [Change(r["at"], r["by_user"], r["what"], r["dose"], r["schedule"], r["notes"]) for r in rows]

    async def rescheduled(self, circle: int, next_due: dict[int, float | None]) -> None:
        """New next times after the circle's zone changed (clock times kept)."""
        for medicine_id, at in next_due.items():
            await self.db.write(
                "UPDATE medicines SET next_due_at=:at WHERE circle_id=:circle AND id=:id "
                f"AND status='{ACTIVE}'",
                circle=circle,
                id=medicine_id,
                at=at,
            )

    async def restore(
        self,
        who: Member,
        medicine: Medicine,
        changes: Sequence[Change],
        next_due_at: float | None,
        *,
        limit: int,
    ) -> int:
        """A medicine brought from another copy of the bot (a /mydata file): saved as it was
        there (active, paused or stopped; name, dose, schedule, notes, when it was added and
        last changed), with its history at its own times, in one transaction; `next_due_at`
        for an active one. Who did what is `who` where it was them, else nobody here (a
        former member's). LimitReached past `limit` medicines active or paused."""
        status = medicine.status
        if status not in (ACTIVE, PAUSED, STOPPED):
            raise ValueError(f"a medicine is restored active, paused or stopped, not {status!r}")

        def by(user: int | None) -> int | None:
            return who.user if user == who.user else None

        async with self.db.owner(who.circle, who.user) as tx:
            if status != STOPPED:
                taken = await tx.value(
                    f"SELECT COUNT(*) FROM medicines WHERE circle_id=:circle AND status IN "
                    f"('{DRAFT}', '{ACTIVE}', '{PAUSED}')",
                    circle=who.circle,
                )
                if int(taken) >= limit:
                    raise LimitReached(who.user)
            rows = await tx.all(
                "INSERT INTO medicines(circle_id, name, dose, schedule, notes, status, next_due_at, "
                "created_at, added_by, changed_by, changed_at) VALUES (:circle, :name, :dose, :schedule, "
                ":notes, :status, :next, :created, :by, :changed_by, :changed_at) RETURNING id",
                circle=who.circle,
                name=medicine.name,
                dose=medicine.dose,
                schedule=medicine.schedule,
                notes=medicine.notes,
                status=status,
                next=next_due_at if status == ACTIVE else None,
                created=medicine.created_at,
                by=who.user,
                changed_by=by(medicine.changed_by),
                changed_at=medicine.changed_at,
            )
            medicine_id = int(rows[0]["id"])
            for change in changes:
                await tx.write(
                    "INSERT INTO medicine_changes(medicine_id, circle_id, at, by_user, what, dose, "
                    "schedule, notes) VALUES (:id, :circle, :at, :by, :what, :dose, :schedule, :notes)",
                    id=medicine_id,
                    circle=who.circle,
                    at=change.at,
                    by=by(change.by_user),
                    what=change.what,
                    dose=change.dose,
                    schedule=change.schedule,
                    notes=change.notes,
                )
        return medicine_id

    async def restore_dose(self, who: Member, medicine_id: int, dose: Dose) -> int | None:
        """A dose brought from another copy of the bot, as it was there: due at its time (or
        given when needed), given, skipped or not marked, marked when it was (by `who` where
        it was them, else nobody here), with that one mark in its history. None when the
        medicine is not this circle's."""
        marked_by = who.user if dose.marked_by == who.user else None
        async with self.db.owner(who.circle, who.user) as tx:
            rows = await tx.all(
                "INSERT INTO doses(circle_id, medicine_id, due_at, day, clock, dose, status, marked_by, "
                "marked_at) SELECT circle_id, id, :due, :day, :clock, :dose, :status, :by, :marked "
                "FROM medicines WHERE circle_id=:circle AND id=:id RETURNING id",
                circle=who.circle,
                id=medicine_id,
                due=dose.due_at,
                day=dose.day,
                clock=dose.clock,
                dose=dose.dose,
                status=dose.status,
                by=marked_by,
                marked=dose.marked_at,
            )
            if not rows:
                return None
            dose_id = int(rows[0]["id"])
            if dose.status is not None and dose.marked_at is not None:
                await tx.write(
                    "INSERT INTO dose_events(dose_id, circle_id, what, by_user, at) "
                    "VALUES (:id, :circle, :what, :by, :at)",
                    id=dose_id,
                    circle=who.circle,
                    what=dose.status,
                    by=marked_by,
                    at=dose.marked_at,
                )
        return dose_id

    # ---- doses coming due (the reminder job) --------------------------------------------------
    async def due(self, now: float, *, batch: int = 500) -> list[Due]:
        """Active medicines whose next dose has come (every circle's), the oldest first."""
        rows = await self.db.all(
            f"SELECT {_M_MEDICINE}, c.timezone FROM medicines m "
            "JOIN circles c ON c.id = m.circle_id "
            f"WHERE m.next_due_at IS NOT NULL AND m.next_due_at <= :now AND m.status='{ACTIVE}' "
            "ORDER BY m.next_due_at, m.id LIMIT :batch",
            now=now,
            batch=batch,
        )
        return [Due(_medicine(r), r["timezone"]) for r in rows]

    async def come_due(
        self, medicine: Medicine, due_at: float, day: str, clock: str, dose: str, next_due_at: float | None
    ) -> None:
        """Record the dose due at `due_at` (once, however many processes do it) and move the
        medicine on to its next one (only if nobody did already)."""
        await self.db.write(
            "INSERT INTO doses(circle_id, medicine_id, due_at, day, clock, dose) "
            "VALUES (:circle, :id, :due, :day, :clock, :dose) ON CONFLICT(medicine_id, due_at) DO NOTHING",
            circle=medicine.circle_id,
            id=medicine.id,
            due=due_at,
            day=day,
            clock=clock,
            dose=dose,
        )
        await self.db.write(
            f"UPDATE medicines SET next_due_at=:next WHERE id=:id AND next_due_at=:was AND status='{ACTIVE}'",
            id=medicine.id,
            was=medicine.next_due_at,
            next=next_due_at,
        )

    async def claim_sends(
        self, now: float, *, lease: float, by: str, batch: int = 500
    ) -> list[tuple[int, int, float]]:
        """Lease the reminder sends now due to `by`: (member, circle, due minute) each, the
        oldest first. A due minute is reminded while a dose of it is unmarked and within the
        circle's window; a snoozed send comes back at its time if a dose is still unmarked.
        Membership is read now: a removed member gets none."""
        claim = f"{by}#{secrets.token_hex(4)}"
        expired = now - lease
        await self.db.write(
            "INSERT INTO dose_sends(circle_id, due_at, user_id, claimed_at, claimed_by) "
            "SELECT DISTINCT d.circle_id, d.due_at, m.user_id, CAST(:now AS DOUBLE PRECISION), "
            "CAST(:by AS TEXT) FROM doses d "
            "JOIN circles c ON c.id = d.circle_id JOIN members m ON m.circle_id = d.circle_id "
            "WHERE d.status IS NULL AND d.due_at IS NOT NULL AND d.due_at <= :now "
            "AND d.due_at + c.dose_window * 60 > :now AND m.dose_reminders AND NOT EXISTS ("
            "SELECT 1 FROM dose_sends s WHERE s.circle_id = d.circle_id AND s.due_at = d.due_at "
            "AND s.user_id = m.user_id AND (s.sent_at IS NOT NULL OR s.claimed_at > :expired)) "
            "ORDER BY d.due_at LIMIT :batch "
            "ON CONFLICT(circle_id, due_at, user_id) DO UPDATE SET claimed_at=excluded.claimed_at, "
            "claimed_by=excluded.claimed_by WHERE dose_sends.sent_at IS NULL "
            "AND dose_sends.claimed_at <= :expired",
            now=now,
            by=claim,
            expired=expired,
            batch=batch,
        )
        await self.db.write(
            "UPDATE dose_sends SET claimed_at=:now, claimed_by=:by, sent_at=NULL, again_at=NULL "
            "WHERE again_at IS NOT NULL AND again_at <= :now AND EXISTS (SELECT 1 FROM doses d "
            "WHERE d.circle_id = dose_sends.circle_id AND d.due_at = dose_sends.due_at AND d.status IS NULL)",
            now=now,
            by=claim,
        )
        rows = await self.db.all(
            "SELECT s.user_id, s.circle_id, s.due_at FROM dose_sends s "
            "JOIN members m ON m.user_id = s.user_id AND m.circle_id = s.circle_id "
            "WHERE s.claimed_by=:by AND s.sent_at IS NULL ORDER BY s.due_at, s.circle_id, s.user_id",
            by=claim,
        )
        return [(int(r["user_id"]), int(r["circle_id"]), float(r["due_at"])) for r in rows]

    async def mark_sent(
        self, circle: int, due_at: float, user: int, message_id: int | None, at: float
    ) -> None:
        await self.db.write(
            "UPDATE dose_sends SET sent_at=:at, message_id=:message WHERE circle_id=:circle "
            "AND due_at=:due AND user_id=:user",
            circle=circle,
            due=due_at,
            user=user,
            message=message_id,
            at=at,
        )

    async def sent_messages(self, circle: int, due_at: float) -> list[tuple[int, int]]:
        """(member, message id) of the reminders of this due minute that reached them."""
        rows = await self.db.all(
            "SELECT user_id, message_id FROM dose_sends WHERE circle_id=:circle AND due_at=:due "
            "AND message_id IS NOT NULL ORDER BY user_id",
            circle=circle,
            due=due_at,
        )
        return [(int(r["user_id"]), int(r["message_id"])) for r in rows]

    async def snooze(self, who: Member, due_at: float, again_at: float) -> bool:
        """Remind this member again at `again_at`, if a dose of the minute is still unmarked."""
        return bool(
            await self.db.write(
                "UPDATE dose_sends SET again_at=:again WHERE circle_id=:circle AND due_at=:due "
                "AND user_id=:by "
                f"AND EXISTS ({MEMBER})",
                circle=who.circle,
                due=due_at,
                by=who.user,
                again=again_at,
            )
        )

    async def receivers(self, circle: int) -> int:
        """How many members get medicine reminders."""
        return int(
            await self.db.value(
                "SELECT COUNT(*) FROM members WHERE circle_id=:circle AND dose_reminders", circle=circle
            )
            or 0
        )

    async def set_reminders(self, user_id: int, on: bool) -> None:
        await self.db.write("UPDATE members SET dose_reminders=:on WHERE user_id=:user", user=user_id, on=on)

    async def set_discreet(self, user_id: int, on: bool) -> None:
        await self.db.write("UPDATE members SET discreet=:on WHERE user_id=:user", user=user_id, on=on)

    async def set_window(self, who: Member, minutes: int) -> bool:
        return bool(
            await self.db.write(
                f"UPDATE circles SET dose_window=:minutes WHERE id=:circle AND EXISTS ({MEMBER})",
                circle=who.circle,
                by=who.user,
                minutes=minutes,
            )
        )

    async def window(self, circle: int) -> int:
        """Minutes after its time that an unmarked dose is still reminded (then "not marked")."""
        value = await self.db.value("SELECT dose_window FROM circles WHERE id=:circle", circle=circle)
        return int(value) if value is not None else 120

    # ---- the doses -------------------------------------------------------------------------------
    async def dose(self, circle: int, dose_id: int) -> Dose | None:
        row = await self.db.one(
            f"SELECT {_DOSE} FROM doses WHERE circle_id=:circle AND id=:id", circle=circle, id=dose_id
        )
        return _dose(row) if row else None

    async def at_minute(self, circle: int, due_at: float) -> list[Dose]:
        """The doses due at one minute, by medicine name."""
        rows = await self.db.all(
            f"SELECT {_D_DOSE} FROM doses d JOIN medicines m ON m.id = d.medicine_id "
            "WHERE d.circle_id=:circle AND d.due_at=:due ORDER BY m.name, d.id",
            circle=circle,
            due=due_at,
        )
        return [_dose(r) for r in rows]

    async def on_days(self, circle: int, first: str, last: str) -> list[Dose]:
        """The doses of these local days (ISO, inclusive), as-needed ones included."""
        rows = await self.db.all(
            f"SELECT {_DOSE} FROM doses WHERE circle_id=:circle AND day >= :first AND day <= :last "
            "ORDER BY day, clock, id",
            circle=circle,
            first=first,
            last=last,
        )
        return [_dose(r) for r in rows]

    async def of_medicine(self, circle: int, medicine_id: int, *, limit: int = 50) -> list[Dose]:
        """A medicine's latest doses, the newest first."""
        rows = await self.db.all(
            f"SELECT {_DOSE} FROM doses WHERE circle_id=:circle AND medicine_id=:id "
            "ORDER BY day DESC, clock DESC, id DESC LIMIT :limit",
            circle=circle,
            id=medicine_id,
            limit=limit,
        )
        return [_dose(r) for r in rows]

    async def all_doses(self, circle: int) -> list[Dose]:
        rows = await self.db.all(
            f"SELECT {_DOSE} FROM doses WHERE circle_id=:circle ORDER BY day, clock, id", circle=circle
        )
        return [_dose(r) for r in rows]

    async def events(self, circle: int, dose_id: int) -> list[Event]:
        rows = await self.db.all(
            "SELECT dose_id, what, by_user, at FROM dose_events WHERE circle_id=:circle AND dose_id=:id "
            "ORDER BY id",
            circle=circle,
            id=dose_id,
        )
        return [Event(int(r["dose_id"]), r["what"], r["by_user"], float(r["at"])) for r in rows]

    async def last_given(self, circle: int, medicine_id: int) -> Dose | None:
        row = await self.db.one(
            f"SELECT {_DOSE} FROM doses WHERE circle_id=:circle AND medicine_id=:id AND status=:given "
            "ORDER BY marked_at DESC, id DESC LIMIT 1",
            circle=circle,
            id=medicine_id,
            given=GIVEN,
        )
        return _dose(row) if row else None

    async def mark(self, who: Member, dose_id: int, status: str) -> tuple[bool, Dose | None]:
        """Given or skipped, by the first member who says so: (True, the dose) then; (False,
        the dose as recorded) when someone already did (or it is not this circle's: None)."""
        now = self.db.clock()
        async with self.db.owner(who.circle, who.user) as tx:
            changed = await tx.write(
                "UPDATE doses SET status=:status, marked_by=:by, marked_at=:now "
                "WHERE circle_id=:circle AND id=:id AND status IS NULL",
                status=status,
                by=who.user,
                now=now,
                circle=who.circle,
                id=dose_id,
            )
            if changed:
                await self._event(tx, who, dose_id, status, now)
                await tx.write(
                    "UPDATE dose_sends SET again_at=NULL WHERE circle_id=:circle AND due_at="
                    "(SELECT due_at FROM doses WHERE id=:id) AND NOT EXISTS (SELECT 1 FROM doses d "
                    "WHERE d.circle_id=:circle AND d.due_at=dose_sends.due_at AND d.status IS NULL)",
                    circle=who.circle,
                    id=dose_id,
                )
            row = await tx.one(
                f"SELECT {_DOSE} FROM doses WHERE circle_id=:circle AND id=:id", circle=who.circle, id=dose_id
            )
        return bool(changed), _dose(row) if row else None

    async def given_again(self, who: Member, dose_id: int) -> bool:
        """The family says it was given once more: kept in the history as they said it."""
        now = self.db.clock()
        async with self.db.owner(who.circle, who.user) as tx:
            found = await tx.value(
                "SELECT id FROM doses WHERE circle_id=:circle AND id=:id AND status=:given",
                circle=who.circle,
                id=dose_id,
                given=GIVEN,
            )
            if found is None:
                return False
            await self._event(tx, who, dose_id, GIVEN_AGAIN, now)
        return True

    async def undo(self, who: Member, dose_id: int) -> Dose | None:
        """Back to unmarked (the history keeps both taps); None when it was not marked."""
        now = self.db.clock()
        async with self.db.owner(who.circle, who.user) as tx:
            changed = await tx.write(
                "UPDATE doses SET status=NULL, marked_by=NULL, marked_at=NULL "
                "WHERE circle_id=:circle AND id=:id AND status IS NOT NULL",
                circle=who.circle,
                id=dose_id,
            )
            if not changed:
                return None
            await self._event(tx, who, dose_id, UNDONE, now)
            row = await tx.one(
                f"SELECT {_DOSE} FROM doses WHERE circle_id=:circle AND id=:id", circle=who.circle, id=dose_id
            )
        return _dose(row) if row else None

    async def record_needed(self, who: Member, medicine: Medicine, day: str, clock: str, dose: str) -> int:
        """An "only when needed" dose, given now."""
        now = self.db.clock()
        async with self.db.owner(who.circle, who.user) as tx:
            rows = await tx.all(
                "INSERT INTO doses(circle_id, medicine_id, due_at, day, clock, dose, status, marked_by, "
                "marked_at) "
                "VALUES (:circle, :id, NULL, :day, :clock, :dose, :given, :by, :now) RETURNING id",
                circle=who.circle,
                id=medicine.id,
                day=day,
                clock=clock,
                dose=dose,
                given=GIVEN,
                by=who.user,
                now=now,
            )
            dose_id = int(rows[0]["id"])
            await self._event(tx, who, dose_id, GIVEN, now)
        return dose_id

    @staticmethod
    async def _event(tx: Queries, who: Member, dose_id: int, what: str, at: float) -> None:
        await tx.write(
            "INSERT INTO dose_events(dose_id, circle_id, what, by_user, at) "
            "VALUES (:id, :circle, :what, :by, :at)",
            id=dose_id,
            circle=who.circle,
            what=what,
            by=who.user,
            at=at,
        )
