"""Prompts: the bot waits for this parent to type (what for, about what, where Cancel goes)."""

from __future__ import annotations

from bot.storage.driver import CONSENTED, Driver
from bot.storage.interface import NoConsent, Prompt
from bot.storage.rows import PROMPT_COLUMNS, prompt


class PromptsRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def open(self, user_id: int, opened: Prompt) -> None:
        """One guarded upsert: replaces an open prompt; only for a parent who agreed."""
        changed = await self.db.write(
            "INSERT INTO prompts(user_id, kind, ref, origin, opened_at, expires_at) "
            "SELECT :user, :kind, :ref, :origin, :opened, :expires WHERE EXISTS "
            f"({CONSENTED}) "
            "ON CONFLICT(user_id) DO UPDATE SET kind=excluded.kind, ref=excluded.ref, "
            "origin=excluded.origin, opened_at=excluded.opened_at, "
            "expires_at=excluded.expires_at",
            user=user_id,
            kind=opened.kind,
            ref=opened.ref,
            origin=opened.origin,
            opened=opened.opened_at,
            expires=opened.expires_at,
        )
        if not changed:
            raise NoConsent(user_id)

    async def get(self, user_id: int) -> Prompt | None:
        row = await self.db.one(f"SELECT {PROMPT_COLUMNS} FROM prompts WHERE user_id=:user", user=user_id)
        return prompt(row) if row else None

    async def close(self, user_id: int) -> bool:
        return bool(await self.db.write("DELETE FROM prompts WHERE user_id=:user", user=user_id))

    async def waiting(self) -> set[int]:
        """Everyone with an open prompt (read once at start by the in-process cache)."""
        return {r["user_id"] for r in await self.db.all("SELECT user_id FROM prompts")}
