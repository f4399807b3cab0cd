"""Care-team numbers a family saved, each with its label ("Ward, nights and weekends"),
shared by the child's circle."""

from __future__ import annotations

from bot.storage.driver import MEMBER, Driver, limit_or_consent
from bot.storage.interface import Contact, Member
from bot.storage.rows import CONTACT_COLUMNS, contact

_CHANGE = f"changed_by=:by, changed_at=:now WHERE circle_id=:circle AND id=:id AND EXISTS ({MEMBER})"


class ContactsRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def list(self, circle: int) -> list[Contact]:
        rows = await self.db.all(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE circle_id=:circle ORDER BY id", circle=circle
        )
        return [contact(r) for r in rows]

    async def get(self, circle: int, contact_id: int) -> Contact | None:
        row = await self.db.one(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE circle_id=:circle AND id=:id",
            circle=circle,
            id=contact_id,
        )
        return contact(row) if row else None

    async def add(self, who: Member, label: str, phone: str, *, limit: int) -> int:
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "INSERT INTO contacts(circle_id, label, phone, created_at, added_by) "
            f"SELECT :circle, :label, :phone, :now, :by WHERE EXISTS ({MEMBER}) "
            "AND (SELECT COUNT(*) FROM contacts WHERE circle_id=:circle) < :limit RETURNING id",
            label=label,
            phone=phone,
            now=self.db.clock(),
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, who.circle, who.user)

    async def _change(self, who: Member, contact_id: int, assignments: str, **values: object) -> bool:
        return bool(
            await self.db.write(
                f"UPDATE contacts SET {assignments}, {_CHANGE}",
                circle=who.circle,
                by=who.user,
                id=contact_id,
                now=self.db.clock(),
                **values,
            )
        )

    async def set_label(self, who: Member, contact_id: int, label: str) -> bool:
        return await self._change(who, contact_id, "label=:label", label=label)

    async def set_phone(self, who: Member, contact_id: int, phone: str) -> bool:
        return await self._change(who, contact_id, "phone=:phone", phone=phone)

    async def remove(self, who: Member, contact_id: int) -> bool:
        return bool(
            await self.db.write(
                f"DELETE FROM contacts WHERE circle_id=:circle AND id=:id AND EXISTS ({MEMBER})",
                circle=who.circle,
                by=who.user,
                id=contact_id,
            )
        )
