"""Care-team numbers a family saved, each with its label ("Ward, nights and weekends")."""

from __future__ import annotations

from bot.storage.driver import CONSENTED, Driver, limit_or_consent
from bot.storage.interface import Contact
from bot.storage.rows import CONTACT_COLUMNS, contact


class ContactsRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def list(self, user_id: int) -> list[Contact]:
        rows = await self.db.all(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE user_id=:user ORDER BY id", user=user_id
        )
        return [contact(r) for r in rows]

    async def get(self, user_id: int, contact_id: int) -> Contact | None:
        row = await self.db.one(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE user_id=:user AND id=:id",
            user=user_id,
            id=contact_id,
        )
        return contact(row) if row else None

    async def add(self, user_id: int, label: str, phone: str, *, limit: int) -> int:
        written = await self.db.as_owner(
            user_id,
            "INSERT INTO contacts(user_id, label, phone, created_at) "
            f"SELECT :user, :label, :phone, :now WHERE EXISTS ({CONSENTED}) "
            "AND (SELECT COUNT(*) FROM contacts "
            "WHERE user_id=:user) < :limit RETURNING id",
            label=label,
            phone=phone,
            now=self.db.clock(),
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, user_id)

    async def set_label(self, user_id: int, contact_id: int, label: str) -> bool:
        return bool(
            await self.db.write(
                "UPDATE contacts SET label=:label WHERE user_id=:user AND id=:id",
                user=user_id,
                id=contact_id,
                label=label,
            )
        )

    async def set_phone(self, user_id: int, contact_id: int, phone: str) -> bool:
        return bool(
            await self.db.write(
                "UPDATE contacts SET phone=:phone WHERE user_id=:user AND id=:id",
                user=user_id,
                id=contact_id,
                phone=phone,
            )
        )

    async def remove(self, user_id: int, contact_id: int) -> bool:
        return bool(
            await self.db.write(
                "DELETE FROM contacts WHERE user_id=:user AND id=:id", user=user_id, id=contact_id
            )
        )
