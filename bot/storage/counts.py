"""Blood counts the family typed from a lab report, the circle's: the date the blood was
taken, the count's name, the value and the unit exactly as typed ("<0.1", "1,2", "x10^9/L"),
and the number read from the value for the chart. The family's own notes, never the record:
the lab report is. Nothing here reads a value as good or bad.

Any member adds one (guarded by membership and the circle's limit in one statement); only
who added an entry, or a full member, removes it.
"""

from __future__ import annotations

from bot.storage.driver import MEMBER, Driver, Row, limit_or_consent
from bot.storage.interface import FULL, Count, Member

_COLUMNS = "id, taken_on, name, value, number, unit, created_at, added_by"


def _count(row: Row) -> Count:
    return Count(
        id=int(row["id"]),
        taken_on=str(row["taken_on"]),
        name=str(row["name"]),
        value=str(row["value"]),
        number=float(row["number"]),
        unit=str(row["unit"]),
        created_at=float(row["created_at"]),
        added_by=None if row["added_by"] is None else int(row["added_by"]),
    )


class CountsRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def add(
        self,
        who: Member,
        taken_on: str,
        name: str,
        value: str,
        number: float,
        unit: str,
        *,
        limit: int,
    ) -> int:
        """The new entry's id; NoConsent when `who` is no member of the circle now,
        LimitReached when the circle has `limit` entries already."""
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "INSERT INTO counts(circle_id, taken_on, name, value, number, unit, created_at, added_by) "
            f"SELECT :circle, :taken_on, :name, :value, :number, :unit, :now, :by WHERE EXISTS ({MEMBER}) "
            "AND (SELECT COUNT(*) FROM counts WHERE circle_id=:circle) < :limit RETURNING id",
            taken_on=taken_on,
            name=name,
            value=value,
            number=float(number),
            unit=unit,
            now=self.db.clock(),
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, who.circle, who.user)

    async def names(self, circle: int) -> list[str]:
        """The names the circle used, the most recently entered first."""
        rows = await self.db.all(
            "SELECT name, MAX(id) AS last FROM counts WHERE circle_id=:circle "
            "GROUP BY name ORDER BY last DESC",
            circle=circle,
        )
        return [str(r["name"]) for r in rows]

    async def units(self, circle: int, name: str) -> list[str]:
        """The units the circle typed with this name, the most recently entered first."""
        rows = await self.db.all(
            "SELECT unit, MAX(id) AS last FROM counts WHERE circle_id=:circle AND name=:name "
            "GROUP BY unit ORDER BY last DESC",
            circle=circle,
            name=name,
        )
        return [str(r["unit"]) for r in rows]

    async def list(self, circle: int, since: str | None = None) -> list[Count]:
        """The circle's entries taken on `since` (an ISO date) or later, or all of them,
        oldest first (by the day taken, then as entered)."""
        rows = await self.db.all(
            f"SELECT {_COLUMNS} FROM counts WHERE circle_id=:circle AND taken_on >= :since "
            "ORDER BY taken_on, id",
            circle=circle,
            since=since or "",
        )
        return [_count(r) for r in rows]

    async def get(self, circle: int, count_id: int) -> Count | None:
        row = await self.db.one(
            f"SELECT {_COLUMNS} FROM counts WHERE circle_id=:circle AND id=:id", circle=circle, id=count_id
        )
        return _count(row) if row else None

    async def total(self, circle: int) -> int:
        return int(await self.db.value("SELECT COUNT(*) FROM counts WHERE circle_id=:circle", circle=circle))

    async def remove(self, who: Member, count_id: int) -> bool:
        """Erase one entry: only who added it, or a full member, and only while a member."""
        return bool(
            await self.db.write(
                f"DELETE FROM counts WHERE circle_id=:circle AND id=:id AND EXISTS ({MEMBER}) "
                "AND (added_by=:by OR EXISTS (SELECT 1 FROM members WHERE user_id=:by "
                "AND circle_id=:circle AND role=:full))",
                circle=who.circle,
                by=who.user,
                id=count_id,
                full=FULL,
            )
        )
