"""Checklist marks: the signs ticked for the child, shared by the circle."""

from __future__ import annotations

from bot.storage.driver import MEMBER, Driver
from bot.storage.interface import Member, NoConsent


class MarksRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def set(self, who: Member, item_id: str, on: bool) -> None:
        if not on:
            await self.db.write(
                f"DELETE FROM marks WHERE circle_id=:circle AND item_id=:item AND EXISTS ({MEMBER})",
                circle=who.circle,
                by=who.user,
                item=item_id,
            )
            return
        changed = await self.db.write(
            "INSERT INTO marks(circle_id, item_id, created_at) SELECT :circle, :item, :now "
            f"WHERE EXISTS ({MEMBER}) "
            "ON CONFLICT DO NOTHING",
            circle=who.circle,
            by=who.user,
            item=item_id,
            now=self.db.clock(),
        )
        if not changed and await self.db.value(MEMBER, circle=who.circle, by=who.user) is None:
            raise NoConsent(who.user)

    async def all(self, circle: int) -> dict[str, float]:
        rows = await self.db.all(
            "SELECT item_id, created_at FROM marks WHERE circle_id=:circle", circle=circle
        )
        return {r["item_id"]: r["created_at"] for r in rows}

    async def clear(self, who: Member) -> int:
        return await self.db.write(
            f"DELETE FROM marks WHERE circle_id=:circle AND EXISTS ({MEMBER})", circle=who.circle, by=who.user
        )
