"""Care circles: one child's shared record, its members (full or helper, each with the name
the circle shows) and its invitations.

Everyone with consent is in exactly one circle (`members.user_id` is its key); a person
starts in a circle of one whose id is their user id when that is free (so every record
from before circles kept its ids), else a new negative id (user ids are positive). What
belongs to the child is keyed by the circle (questions, appointments, contacts, marks and
the `circles` row's settings); what is the person's own stays keyed by the user.

Membership moves in one transaction each (join, leave, remove, erase), so a record is never
left without its circle nor a person without one.
"""

from __future__ import annotations

import secrets
from typing import Any

from bot.storage.driver import MEMBER, Driver, Queries
from bot.storage.interface import FULL, Circle, Invite, Member, NoConsent
from bot.storage.rows import CIRCLE_COLUMNS, INVITE_COLUMNS, MEMBER_COLUMNS, circle, invite, member

# What a person joining another circle may bring from their own: the record's parts.
BRINGABLE = ("questions", "appointments", "contacts")
# Children before their parents (dose_events before doses before medicines).
_CHILD_TABLES = (
    "questions",
    "appointments",
    "contacts",
    "marks",
    "invites",
    "dose_events",
    "dose_sends",
    "doses",
    "medicine_changes",
    "medicines",
    "counts",
    "log_entries",
    "child_facts",
)


class NotAlone(Exception):
    """The person's circle has others in it: one circle per person, leave it first."""


async def start_circle(tx: Queries, user_id: int, now: float) -> int:
    """The person's circle; someone in none gets a circle of one (their user id as its id
    when that is free, else a new negative one)."""
    found = await tx.value("SELECT circle_id FROM members WHERE user_id=:user", user=user_id)
    if found is not None:
        return int(found)
    circle_id = user_id
    while await tx.value("SELECT 1 FROM circles WHERE id=:id", id=circle_id) is not None:
        circle_id = -secrets.randbits(52) - 1
    await tx.write("INSERT INTO circles(id, created_at) VALUES (:id, :now)", id=circle_id, now=now)
    await tx.write(
        "INSERT INTO members(user_id, circle_id, role, joined_at) VALUES (:user, :id, :full, :now)",
        user=user_id,
        id=circle_id,
        full=FULL,
        now=now,
    )
    return circle_id


async def _alone_again(tx: Queries, user_id: int, now: float) -> int:
    """Take the person out of their circle into a new empty one of their own (keeping their
    name and notice choice)."""
    kept = await tx.one("SELECT name, notices FROM members WHERE user_id=:user", user=user_id)
    await tx.write("DELETE FROM members WHERE user_id=:user", user=user_id)
    circle_id = await start_circle(tx, user_id, now)
    if kept is not None:
        await tx.write(
            "UPDATE members SET name=:name, notices=:notices WHERE user_id=:user",
            user=user_id,
            name=kept["name"],
            notices=bool(kept["notices"]),
        )
    return circle_id


async def erase_circle_rows(tx: Queries, circle_id: int) -> None:
    """Every row of the circle's record, then the circle (members must have left it)."""
    for table in _CHILD_TABLES:  # the module's own names, never input
        await tx.write(f"DELETE FROM {table} WHERE circle_id=:circle", circle=circle_id)
    await tx.write("DELETE FROM circles WHERE id=:circle", circle=circle_id)


class CirclesRepo:
    def __init__(self, db: Driver):
        self.db = db

    # ---- who is in which circle --------------------------------------------------------------
    async def member(self, user_id: int) -> Member | None:
        row = await self.db.one(f"SELECT {MEMBER_COLUMNS} FROM members WHERE user_id=:user", user=user_id)
        return member(row) if row else None

    async def members(self, circle_id: int) -> list[Member]:
        rows = await self.db.all(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE circle_id=:circle ORDER BY joined_at, user_id",
            circle=circle_id,
        )
        return [member(r) for r in rows]

    async def get(self, circle_id: int) -> Circle | None:
        row = await self.db.one(f"SELECT {CIRCLE_COLUMNS} FROM circles WHERE id=:circle", circle=circle_id)
        return circle(row) if row else None

    async def set_name(self, user_id: int, name: str) -> bool:
        return bool(
            await self.db.write("UPDATE members SET name=:name WHERE user_id=:user", user=user_id, name=name)
        )

    async def set_notices(self, user_id: int, on: bool) -> bool:
        return bool(
            await self.db.write("UPDATE members SET notices=:on WHERE user_id=:user", user=user_id, on=on)
        )

    async def set_flag_notices(self, user_id: int, on: bool) -> None:
        """Told, or not, when another member logs an entry that names a card item."""
        await self.db.write("UPDATE members SET flag_notices=:on WHERE user_id=:user", user=user_id, on=on)

    async def set_unreachable(self, user_id: int, at: float | None) -> None:
        """Telegram refused a message to them (they blocked the bot), or they are back."""
        await self.db.write("UPDATE members SET unreachable_at=:at WHERE user_id=:user", user=user_id, at=at)

    # ---- the child's settings -----------------------------------------------------------------
    async def _read(self, column: str, circle_id: int) -> Any:
        # `column` is one of this module's own literals, never a parent's text.
        return await self.db.value(f"SELECT {column} FROM circles WHERE id=:circle", circle=circle_id)

    async def _set(self, who: Member, assignments: str, **values: object) -> None:
        """One guarded statement: changes the circle only for a member of it."""
        changed = await self.db.write(
            f"UPDATE circles SET {assignments} WHERE id=:circle AND EXISTS ({MEMBER})",
            circle=who.circle,
            by=who.user,
            **values,
        )
        if not changed:
            raise NoConsent(who.user)

    async def phase(self, circle_id: int) -> tuple[str | None, str | None]:
        """The treatment phase (a content id) and the day it began (ISO), as the family said."""
        row = await self.db.one("SELECT phase, phase_since FROM circles WHERE id=:circle", circle=circle_id)
        return (row["phase"], row["phase_since"]) if row else (None, None)

    async def set_phase(self, who: Member, phase: str | None, since: str | None) -> None:
        await self._set(who, "phase=:phase, phase_since=:since", phase=phase, since=since)

    async def timezone(self, circle_id: int) -> str | None:
        value = await self._read("timezone", circle_id)
        return None if value is None else str(value)

    async def set_timezone(self, who: Member, name: str) -> None:
        await self._set(who, "timezone=:name", name=name)

    async def fever_c(self, circle_id: int) -> float | None:
        value = await self._read("fever_c", circle_id)
        return None if value is None else float(str(value))

    async def set_fever_c(self, who: Member, celsius: float | None) -> None:
        await self._set(who, "fever_c=:celsius", celsius=celsius)

    async def fever_rule(self, circle_id: int) -> str | None:
        value = await self._read("fever_rule", circle_id)
        return None if value is None else str(value)

    async def set_fever_rule(self, who: Member, rule: str | None) -> None:
        await self._set(who, "fever_rule=:rule", rule=rule)

    async def treatment(self, circle_id: int) -> str | None:
        value = await self._read("treatment", circle_id)
        return None if value is None else str(value)

    async def set_treatment(self, who: Member, state: str) -> None:
        await self._set(who, "treatment=:state", state=state)

    # ---- roles, leaving, removing -----------------------------------------------------------------
    async def set_role(self, who: Member, user_id: int, role: str) -> bool:
        """A full member changes another's role; the circle always keeps a full member."""
        async with self.db.owner(who.circle, who.user) as tx:
            if not await _is_full(tx, who):
                return False
            fulls = await tx.value(
                "SELECT COUNT(*) FROM members WHERE circle_id=:circle AND role=:full",
                circle=who.circle,
                full=FULL,
            )
            target = await tx.one(
                "SELECT role FROM members WHERE user_id=:user AND circle_id=:circle",
                user=user_id,
                circle=who.circle,
            )
            if target is None or (target["role"] == FULL and role != FULL and int(fulls) <= 1):
                return False
            await tx.write("UPDATE members SET role=:role WHERE user_id=:user", user=user_id, role=role)
            return True

    async def remove(self, who: Member, user_id: int) -> bool:
        """A full member takes another out of the circle (into an empty circle of their own)."""
        async with self.db.owner(who.circle, who.user) as tx:
            if user_id == who.user or not await _is_full(tx, who):
                return False
            found = await tx.value(
                "SELECT 1 FROM members WHERE user_id=:user AND circle_id=:circle",
                user=user_id,
                circle=who.circle,
            )
            if found is None:
                return False
            await _alone_again(tx, user_id, self.db.clock())
            return True

    async def leave(self, who: Member) -> bool:
        """Leave for an empty circle of one's own. False (nothing changes) for the last full
        member while others remain: they hand over or erase first."""
        async with self.db.owner(who.circle, who.user) as tx:
            rows = await tx.all(
                "SELECT user_id, role FROM members WHERE circle_id=:circle", circle=who.circle
            )
            if not any(r["user_id"] == who.user for r in rows) or len(rows) < 2:
                return False
            fulls = [r for r in rows if r["role"] == FULL and r["user_id"] != who.user]
            if not fulls:
                return False
            await _alone_again(tx, who.user, self.db.clock())
            return True

    # ---- invitations ------------------------------------------------------------------------------
    async def invite_link(self, who: Member, role: str, token_hash: str, expires_at: float) -> int:
        return await self._invite(who, role, token_hash, None, expires_at)

    async def invite_user(self, who: Member, role: str, user_id: int, expires_at: float) -> int:
        """A person chosen with the user picker: no approval needed, they only accept."""
        return await self._invite(who, role, None, user_id, expires_at)

    async def _invite(
        self, who: Member, role: str, token_hash: str | None, for_user: int | None, expires_at: float
    ) -> int:
        rows = await self.db.returning(
            "INSERT INTO invites(token_hash, circle_id, role, created_by, for_user, created_at, expires_at) "
            "SELECT :hash, :circle, :role, :by, :foruser, :now, :expires "
            f"WHERE EXISTS ({MEMBER} AND role=:full) RETURNING id",
            hash=token_hash,
            circle=who.circle,
            role=role,
            by=who.user,
            full=FULL,
            now=self.db.clock(),
            expires=expires_at,
            foruser=for_user,
        )
        if not rows:
            raise NoConsent(who.user)
        return int(rows[0]["id"])

    async def invite(self, invite_id: int) -> Invite | None:
        row = await self.db.one(f"SELECT {INVITE_COLUMNS} FROM invites WHERE id=:id", id=invite_id)
        return invite(row) if row else None

    async def invite_by_hash(self, token_hash: str) -> Invite | None:
        row = await self.db.one(
            f"SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash=:hash", hash=token_hash
        )
        return invite(row) if row else None

    async def take(self, invite_id: int, user_id: int, now: float) -> bool:
        """The one use of an invitation: open (not used, revoked or expired) and for this
        person if it names one. One guarded statement: two taps, one use."""
        return bool(
            await self.db.write(
                "UPDATE invites SET used_by=:user, used_at=:now WHERE id=:id AND used_at IS NULL "
                "AND revoked_at IS NULL AND expires_at > :now AND (for_user IS NULL OR for_user=:user)",
                id=invite_id,
                user=user_id,
                now=now,
            )
        )

    async def approve(self, who: Member, invite_id: int) -> bool:
        """A full member of its circle lets the person who used the link in."""
        return bool(
            await self.db.write(
                "UPDATE invites SET approved_at=:now WHERE id=:id AND circle_id=:circle "
                f"AND used_by IS NOT NULL AND approved_at IS NULL AND revoked_at IS NULL "
                f"AND EXISTS ({MEMBER} AND role=:full)",
                id=invite_id,
                circle=who.circle,
                by=who.user,
                full=FULL,
                now=self.db.clock(),
            )
        )

    async def revoke(self, who: Member, invite_id: int) -> bool:
        """Revoked by a full member of its circle, or declined by the person it was for."""
        return bool(
            await self.db.write(
                "UPDATE invites SET revoked_at=:now WHERE id=:id AND revoked_at IS NULL AND ("
                f"(circle_id=:circle AND EXISTS ({MEMBER} AND role=:full)) "
                "OR for_user=:by OR used_by=:by)",
                id=invite_id,
                circle=who.circle,
                by=who.user,
                full=FULL,
                now=self.db.clock(),
            )
        )

    # ---- joining ----------------------------------------------------------------------------------
    async def join(self, user_id: int, invite_id: int, bring: frozenset[str]) -> dict[str, list[Any]] | None:
        """Move the person into the invitation's circle, bringing the parts of their own
        record named in `bring` (BRINGABLE): an appointment at a moment the circle already
        has, a number it already has, a guide question it already saved, stay behind (no
        two reminders). Their old circle is then erased; what stayed behind is returned
        (as rows) for their export. None when the invitation does not let them in now;
        NotAlone when others share their circle."""
        now = self.db.clock()
        async with self.db.transaction() as tx:
            found = await tx.one(
                f"SELECT {INVITE_COLUMNS} FROM invites WHERE id=:id AND revoked_at IS NULL",
                id=invite_id,
            )
            if found is None:
                return None
            offer = invite(found)
            allowed = offer.used_by == user_id and (
                offer.approved_at is not None or offer.for_user == user_id
            )
            if not allowed or await tx.value("SELECT 1 FROM circles WHERE id=:id", id=offer.circle) is None:
                return None
            old = await start_circle(tx, user_id, now)
            if old == offer.circle:
                return None
            others = await tx.value(
                "SELECT COUNT(*) FROM members WHERE circle_id=:old AND user_id<>:user", old=old, user=user_id
            )
            if others:
                raise NotAlone(user_id)
            params = {"old": old, "new": offer.circle}
            if "questions" in bring:
                await tx.write(
                    "UPDATE questions SET circle_id=:new WHERE circle_id=:old AND (guide_id IS NULL OR "
                    "guide_id NOT IN (SELECT guide_id FROM questions WHERE circle_id=:new "
                    "AND guide_id IS NOT NULL))",
                    **params,
                )
                await tx.write(
                    "INSERT INTO marks(circle_id, item_id, created_at) SELECT :new, item_id, created_at "
                    "FROM marks WHERE circle_id=:old ON CONFLICT DO NOTHING",
                    **params,
                )
            if "appointments" in bring:
                await tx.write(
                    "UPDATE appointments SET circle_id=:new WHERE circle_id=:old AND removed_at IS NULL "
                    "AND NOT EXISTS (SELECT 1 FROM appointments b WHERE b.circle_id=:new "
                    "AND b.removed_at IS NULL AND ABS(b.starts_at - appointments.starts_at) < 60)",
                    **params,
                )
            if "contacts" in bring:
                await tx.write(
                    "UPDATE contacts SET circle_id=:new WHERE circle_id=:old AND phone NOT IN "
                    "(SELECT phone FROM contacts WHERE circle_id=:new)",
                    **params,
                )
            # The child's settings the circle has not set yet come from the joiner's.
            await tx.write(
                "UPDATE circles SET timezone=COALESCE(circles.timezone, o.timezone), "
                "fever_c=COALESCE(circles.fever_c, o.fever_c), "
                "fever_rule=COALESCE(circles.fever_rule, o.fever_rule), "
                "treatment=COALESCE(circles.treatment, o.treatment) "
                "FROM (SELECT timezone, fever_c, fever_rule, treatment FROM circles WHERE id=:old) AS o "
                "WHERE circles.id=:new",
                **params,
            )
            left = {
                "questions": await tx.all("SELECT * FROM questions WHERE circle_id=:old", old=old),
                "appointments": await tx.all("SELECT * FROM appointments WHERE circle_id=:old", old=old),
                "contacts": await tx.all("SELECT * FROM contacts WHERE circle_id=:old", old=old),
                # Not brought (the new family's plan is its own): sent back with the rest.
                "medicines": await tx.all("SELECT * FROM medicines WHERE circle_id=:old", old=old),
                "medicine_changes": await tx.all(
                    "SELECT * FROM medicine_changes WHERE circle_id=:old", old=old
                ),
                "doses": await tx.all("SELECT * FROM doses WHERE circle_id=:old", old=old),
                "dose_events": await tx.all("SELECT * FROM dose_events WHERE circle_id=:old", old=old),
                "blood_counts": await tx.all("SELECT * FROM counts WHERE circle_id=:old", old=old),
            }
            await tx.write(
                "UPDATE members SET circle_id=:new, role=:role, joined_at=:now, erase_ok_at=NULL "
                "WHERE user_id=:user",
                new=offer.circle,
                role=offer.role,
                now=now,
                user=user_id,
            )
            await erase_circle_rows(tx, old)
            await tx.write("UPDATE invites SET revoked_at=:now WHERE id=:id", id=invite_id, now=now)
        await self.db.erased()
        return {kind: [dict(_items(r)) for r in rows] for kind, rows in left.items()}

    # ---- erasing the shared record -------------------------------------------------------------------
    async def ask_erase(self, who: Member, at: float) -> tuple[float, bool] | None:
        """A full member agrees to erase the record: it is erased at `at` (the first ask
        sets it) or as soon as every full member agreed. (erase_at, everyone agreed)."""
        async with self.db.owner(who.circle, who.user) as tx:
            if not await _is_full(tx, who):
                return None
            await tx.write(
                "UPDATE circles SET erase_at=COALESCE(erase_at, :at) WHERE id=:circle",
                circle=who.circle,
                at=at,
            )
            await tx.write(
                "UPDATE members SET erase_ok_at=:now WHERE user_id=:by", by=who.user, now=self.db.clock()
            )
            erase_at = await tx.value("SELECT erase_at FROM circles WHERE id=:circle", circle=who.circle)
            waiting = await tx.value(
                "SELECT COUNT(*) FROM members WHERE circle_id=:circle AND role=:full AND erase_ok_at IS NULL",
                circle=who.circle,
                full=FULL,
            )
            return float(erase_at), not waiting

    async def undo_erase(self, who: Member) -> bool:
        """A full member keeps the record: the erasing stops, every agreement is forgotten."""
        async with self.db.owner(who.circle, who.user) as tx:
            if not await _is_full(tx, who):
                return False
            changed = await tx.write(
                "UPDATE circles SET erase_at=NULL WHERE id=:circle AND erase_at IS NOT NULL",
                circle=who.circle,
            )
            await tx.write("UPDATE members SET erase_ok_at=NULL WHERE circle_id=:circle", circle=who.circle)
            return bool(changed)

    async def due_erasures(self, now: float) -> list[int]:
        rows = await self.db.all(
            "SELECT id FROM circles WHERE erase_at IS NOT NULL AND erase_at <= :now", now=now
        )
        return [int(r["id"]) for r in rows]

    async def erase(self, circle_id: int, *, agreed: bool = False) -> list[int]:
        """Erase the circle's record now; each member gets an empty circle of their own.
        Only when it is due, or (`agreed`) when every full member agreed. The members who
        were in it (to tell them), or [] when it was not erased."""
        now = self.db.clock()
        async with self.db.transaction() as tx:
            erase_at = await tx.value("SELECT erase_at FROM circles WHERE id=:circle{lock}", circle=circle_id)
            if erase_at is None:
                return []
            waiting = await tx.value(
                "SELECT COUNT(*) FROM members WHERE circle_id=:circle AND role=:full AND erase_ok_at IS NULL",
                circle=circle_id,
                full=FULL,
            )
            if float(erase_at) > now and (waiting or not agreed):
                return []
            users = [
                int(r["user_id"])
                for r in await tx.all("SELECT user_id FROM members WHERE circle_id=:circle", circle=circle_id)
            ]
            for user_id in users:
                await _alone_again(tx, user_id, now)
            await erase_circle_rows(tx, circle_id)
        await self.db.erased()
        return users


async def _is_full(tx: Queries, who: Member) -> bool:
    return await tx.value(f"{MEMBER} AND role=:full", circle=who.circle, by=who.user, full=FULL) is not None


def _items(row: Any) -> list[tuple[str, Any]]:
    return [(key, row[key]) for key in row.keys()]  # noqa: SIM118 (sqlite3.Row iterates values)
