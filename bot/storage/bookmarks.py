"""Bookmarks: pages a parent keeps, newest first."""

from __future__ import annotations

from bot.storage.driver import CONSENTED, Driver
from bot.storage.interface import Bookmark, NoConsent

KEY = "user_id=:user AND section_id=:section AND part_id=:part AND page=:page"


class BookmarksRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def add(self, user_id: int, section_id: str, part_id: str, page: int) -> None:
        changed = await self.db.write(
            "INSERT INTO bookmarks(user_id, section_id, part_id, page, created_at) "
            "SELECT :user, :section, :part, :page, :now WHERE EXISTS "
            f"({CONSENTED}) "
            "ON CONFLICT DO NOTHING",
            user=user_id,
            section=section_id,
            part=part_id,
            page=page,
            now=self.db.clock(),
        )
        if not changed and not await self.exists(user_id, section_id, part_id, page):
            raise NoConsent(user_id)

    async def remove(self, user_id: int, section_id: str, part_id: str, page: int) -> None:
        await self.db.write(
            f"DELETE FROM bookmarks WHERE {KEY}", user=user_id, section=section_id, part=part_id, page=page
        )

    async def exists(self, user_id: int, section_id: str, part_id: str, page: int) -> bool:
        return (
            await self.db.value(
                f"SELECT 1 FROM bookmarks WHERE {KEY}",
                user=user_id,
                section=section_id,
                part=part_id,
                page=page,
            )
            is not None
        )

    async def list(self, user_id: int) -> list[Bookmark]:
        rows = await self.db.all(
            "SELECT section_id, part_id, page, created_at FROM bookmarks WHERE user_id=:user "
            "ORDER BY created_at DESC, {seq} DESC",
            user=user_id,
        )
        return [
            Bookmark(
                section_id=r["section_id"], part_id=r["part_id"], page=r["page"], created_at=r["created_at"]
            )
            for r in rows
        ]
