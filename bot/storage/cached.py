"""In-process copies for when one process owns the database (SQLite): every update needs its
parent's language, and every tap and command closes the tapping parent's prompt; for the many
who have none, the copy saves the trip. Sound only with one writer, which the SQLite
driver's lock file makes sure of; a shared database (PostgreSQL) is asked every time."""

from __future__ import annotations

from bot.storage.interface import Prompt
from bot.storage.prompts import PromptsRepo
from bot.storage.users import UsersRepo


class CachedUsers(UsersRepo):
    """The languages parents chose, kept in memory (not health data; kept without consent)."""

    _languages: dict[int, str]

    async def load(self) -> None:
        rows = await self.db.all("SELECT user_id, language FROM users WHERE language IS NOT NULL")
        self._languages = {r["user_id"]: r["language"] for r in rows}

    async def language(self, user_id: int) -> str | None:
        return self._languages.get(user_id)

    async def set_language(self, user_id: int, language: str) -> None:
        await super().set_language(user_id, language)
        self._languages[user_id] = language

    def forget(self, user_id: int) -> None:
        self._languages.pop(user_id, None)


class CachedPrompts(PromptsRepo):
    """Who has a prompt open, kept in memory."""

    _open: set[int]

    async def load(self) -> None:
        self._open = await self.waiting()

    async def open(self, user_id: int, opened: Prompt) -> None:
        self._open.add(user_id)  # before the write: a failed write only costs a trip later
        await super().open(user_id, opened)

    async def close(self, user_id: int) -> bool:
        if user_id not in self._open:
            return False
        closed = await super().close(user_id)
        self._open.discard(user_id)
        return closed

    def forget(self, user_id: int) -> None:
        self._open.discard(user_id)
