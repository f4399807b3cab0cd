"""Users: consent, the language, and each person's own settings (one row per person; the
child's settings are the circle's, bot.storage.circles)."""

from __future__ import annotations

from bot.storage.circles import start_circle
from bot.storage.driver import CONSENTED, Driver
from bot.storage.interface import NoConsent


class UsersRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def _read(self, column: str, user_id: int) -> object:
        # `column` is one of this module's own literals, never a parent's text.
        return await self.db.value(f"SELECT {column} FROM users WHERE user_id=:user", user=user_id)

    async def _set(self, user_id: int, assignments: str, **values: object) -> None:
        """One guarded statement: changes the row only of a user who agreed to storage."""
        changed = await self.db.write(
            f"UPDATE users SET {assignments} WHERE user_id=:user AND consent_at IS NOT NULL",
            user=user_id,
            **values,
        )
        if not changed:
            raise NoConsent(user_id)

    async def has_consent(self, user_id: int) -> bool:
        return await self.db.value(CONSENTED, user=user_id) is not None

    async def give_consent(self, user_id: int) -> None:
        """Agree to storage; someone in no circle yet starts a circle of one (one
        transaction: nobody has consent without a circle)."""
        now = self.db.clock()
        async with self.db.transaction() as tx:
            await tx.write(
                "INSERT INTO users(user_id, created_at, consent_at) VALUES (:user, :now, :now) "
                "ON CONFLICT(user_id) DO UPDATE SET "
                "consent_at=COALESCE(users.consent_at, excluded.consent_at)",
                user=user_id,
                now=now,
            )
            await start_circle(tx, user_id, now)

    async def count(self) -> int:
        return int(await self.db.value("SELECT COUNT(*) FROM users"))

    # Kept without the consent to saving: they say nothing about the child.
    async def language(self, user_id: int) -> str | None:
        value = await self._read("language", user_id)
        return None if value is None else str(value)

    async def set_language(self, user_id: int, language: str) -> None:
        await self.db.write(
            "INSERT INTO users(user_id, created_at, language) VALUES (:user, :now, :language) "
            "ON CONFLICT(user_id) DO UPDATE SET language=excluded.language",
            user=user_id,
            now=self.db.clock(),
            language=language,
        )

    async def urgent_button(self, user_id: int) -> bool | None:
        value = await self._read("urgent_button", user_id)
        return None if value is None else bool(value)

    async def set_urgent_button(self, user_id: int, on: bool) -> None:
        await self.db.write(
            "INSERT INTO users(user_id, created_at, urgent_button) VALUES (:user, :now, :on) "
            "ON CONFLICT(user_id) DO UPDATE SET urgent_button=excluded.urgent_button",
            user=user_id,
            now=self.db.clock(),
            on=on,
        )

    async def set_reminders_off(self, user_id: int, off: bool) -> None:
        """After Telegram refused a reminder (the parent blocked the bot), or by choice."""
        await self.db.write("UPDATE users SET reminders_off=:off WHERE user_id=:user", user=user_id, off=off)

    # The family's settings: stored only with consent.
    async def skips_gates(self, user_id: int) -> bool:
        return bool(await self._read("skip_gates", user_id))

    async def set_skip_gates(self, user_id: int, skip: bool) -> None:
        await self._set(user_id, "skip_gates=:skip", skip=skip)

    async def emergency(self, user_id: int) -> tuple[str | None, str | None]:
        row = await self.db.one(
            "SELECT country, emergency_number FROM users WHERE user_id=:user", user=user_id
        )
        return (row["country"], row["emergency_number"]) if row else (None, None)

    async def set_emergency(self, user_id: int, country: str | None, number: str | None) -> None:
        await self._set(user_id, "country=:country, emergency_number=:number", country=country, number=number)
