"""The family's day-by-day log, and the facts the emergency-department card carries.

A log entry is one thing the family noted: a temperature (°C, the number as typed, where it
was taken), a symptom (a content id, with its severity), a note, or a photo (Telegram's file
id: the bot never downloads it), each with when it happened and who logged it. Nothing in
it is guessed or worked out: the temperature in °C is the typed number read in its unit.

A child fact is one line of the card for the emergency department (the child's first name or
initials, the central line, allergies, the last chemotherapy day, steroids now, the team's
special instructions), kept as the family wrote it, with who changed it and when.
"""

from __future__ import annotations

from bot.storage.driver import MEMBER, Driver, Row, limit_or_consent
from bot.storage.interface import Fact, LogEntry, Member

TEMPERATURE, SYMPTOM, NOTE, PHOTO = "temperature", "symptom", "note", "photo"
KINDS = (TEMPERATURE, SYMPTOM, NOTE, PHOTO)
_ENTRY = (
    "id, circle_id, kind, at, temp_c, temp_typed, site, symptom, severity, note, photo, added_by, created_at"
)


def _entry(r: Row) -> LogEntry:
    return LogEntry(
        id=int(r["id"]),
        circle_id=int(r["circle_id"]),
        kind=r["kind"],
        at=float(r["at"]),
        temp_c=None if r["temp_c"] is None else float(r["temp_c"]),
        temp_typed=r["temp_typed"],
        site=r["site"],
        symptom=r["symptom"],
        severity=r["severity"],
        note=r["note"],
        photo=r["photo"],
        added_by=r["added_by"],
        created_at=float(r["created_at"]),
    )


class LogRepo:
    def __init__(self, db: Driver):
        self.db = db

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
    ) -> int:
        """A new entry (any member); LimitReached past `limit` entries in the family."""
        if kind not in KINDS:
            raise ValueError(f"unknown log entry kind {kind!r}")
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "INSERT INTO log_entries(circle_id, kind, at, temp_c, temp_typed, site, symptom, severity, "
            "note, photo, added_by, created_at) SELECT :circle, :kind, :at, :temp_c, :temp_typed, :site, "
            f":symptom, :severity, :note, :photo, :by, :now WHERE EXISTS ({MEMBER}) AND ("
            "SELECT COUNT(*) FROM log_entries WHERE circle_id=:circle) < :limit RETURNING id",
            kind=kind,
            at=at,
            temp_c=temp_c,
            temp_typed=temp_typed,
            site=site,
            symptom=symptom,
            severity=severity,
            note=note,
            photo=photo,
            now=self.db.clock(),
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, who.circle, who.user)

    async def get(self, circle: int, entry_id: int) -> LogEntry | None:
        row = await self.db.one(
            f"SELECT {_ENTRY} FROM log_entries WHERE circle_id=:circle AND id=:id", circle=circle, id=entry_id
        )
        return _entry(row) if row else None

    async def between(
        self, circle: int, start: float, end: float, *, limit: int = 1000, offset: int = 0
    ) -> list[LogEntry]:
        """Entries from `start` up to (not including) `end`, the newest first."""
        rows = await self.db.all(
            f"SELECT {_ENTRY} FROM log_entries WHERE circle_id=:circle AND at >= :start AND at < :end "
            "ORDER BY at DESC, id DESC LIMIT :limit OFFSET :offset",
            circle=circle,
            start=start,
            end=end,
            limit=limit,
            offset=offset,
        )
        return [_entry(r) for r in rows]

    async def count_between(self, circle: int, start: float, end: float) -> int:
        return int(
            await self.db.value(
                "SELECT COUNT(*) FROM log_entries WHERE circle_id=:circle AND at >= :start AND at < :end",
                circle=circle,
                start=start,
                end=end,
            )
            or 0
        )

    async def all_entries(self, circle: int) -> list[LogEntry]:
        rows = await self.db.all(
            f"SELECT {_ENTRY} FROM log_entries WHERE circle_id=:circle ORDER BY at, id", circle=circle
        )
        return [_entry(r) for r in rows]

    async def set_time(self, who: Member, entry_id: int, at: float) -> bool:
        return await self._set(who, entry_id, "at=:value", at)

    async def set_note(self, who: Member, entry_id: int, note: str) -> bool:
        return await self._set(who, entry_id, "note=:value", note)

    async def _set(self, who: Member, entry_id: int, assignment: str, value: object) -> bool:
        # `assignment` is one of this module's literals, never input.
        return bool(
            await self.db.write(
                f"UPDATE log_entries SET {assignment} WHERE circle_id=:circle AND id=:id "
                f"AND EXISTS ({MEMBER})",
                circle=who.circle,
                by=who.user,
                id=entry_id,
                value=value,
            )
        )

    async def remove(self, who: Member, entry_id: int) -> bool:
        """Delete an entry: its author, or a full member."""
        return bool(
            await self.db.write(
                "DELETE FROM log_entries WHERE circle_id=:circle AND id=:id AND EXISTS ("
                "SELECT 1 FROM members WHERE user_id=:by AND circle_id=:circle "
                "AND (role='full' OR log_entries.added_by=:by))",
                circle=who.circle,
                by=who.user,
                id=entry_id,
            )
        )

    # ---- the card's facts ------------------------------------------------------------------
    async def facts(self, circle: int) -> dict[str, Fact]:
        rows = await self.db.all(
            "SELECT fact, value, changed_by, changed_at FROM child_facts WHERE circle_id=:circle",
            circle=circle,
        )
        return {r["fact"]: Fact(r["value"], r["changed_by"], float(r["changed_at"])) for r in rows}

    async def set_fact(self, who: Member, fact: str, value: str) -> bool:
        """One fact as the family wrote it ("" removes it)."""
        if not value:
            return bool(
                await self.db.write(
                    f"DELETE FROM child_facts WHERE circle_id=:circle AND fact=:fact AND EXISTS ({MEMBER})",
                    circle=who.circle,
                    by=who.user,
                    fact=fact,
                )
            )
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "INSERT INTO child_facts(circle_id, fact, value, changed_by, changed_at) "
            f"SELECT :circle, :fact, :value, :by, :now WHERE EXISTS ({MEMBER}) "
            "ON CONFLICT(circle_id, fact) DO UPDATE SET value=excluded.value, "
            "changed_by=excluded.changed_by, changed_at=excluded.changed_at RETURNING fact",
            fact=fact,
            value=value,
            now=self.db.clock(),
        )
        if written:
            return True
        raise await limit_or_consent(self.db, who.circle, who.user)
