"""Checklist marks: the signs a parent ticked."""

from __future__ import annotations

from bot.storage.driver import CONSENTED, Driver
from bot.storage.interface import NoConsent


class MarksRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def set(self, user_id: int, item_id: str, on: bool) -> None:
        if not on:
            await self.db.write(
                "DELETE FROM marks WHERE user_id=:user AND item_id=:item", user=user_id, item=item_id
            )
            return
        changed = await self.db.write(
            "INSERT INTO marks(user_id, item_id, created_at) SELECT :user, :item, :now "
            f"WHERE EXISTS ({CONSENTED}) "
            "ON CONFLICT DO NOTHING",
            user=user_id,
            item=item_id,
            now=self.db.clock(),
        )
        if (
            not changed
            and await self.db.value(
                "SELECT 1 FROM marks WHERE user_id=:user AND item_id=:item", user=user_id, item=item_id
            )
            is None
        ):
            raise NoConsent(user_id)

    async def all(self, user_id: int) -> dict[str, float]:
        rows = await self.db.all("SELECT item_id, created_at FROM marks WHERE user_id=:user", user=user_id)
        return {r["item_id"]: r["created_at"] for r in rows}

    async def clear(self, user_id: int) -> int:
        return await self.db.write("DELETE FROM marks WHERE user_id=:user", user=user_id)
