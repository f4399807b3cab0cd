"""Questions a family saves for the next appointment: the guide's own and their own, with
an answer each, shared by the child's circle; a removed one can be brought back for a
while, then it is erased. Each says which member added it and who last changed it."""

from __future__ import annotations

from bot.storage.driver import MEMBER, Driver, limit_or_consent
from bot.storage.interface import LimitReached, Member, NoConsent, SavedQuestion
from bot.storage.rows import QUESTION_COLUMNS, question

_LIVE = "SELECT COUNT(*) FROM questions WHERE circle_id=:circle AND removed_at IS NULL"
# Every change: by a member of the question's circle, signed with who and when.
_CHANGE = f"changed_by=:by, changed_at=:now WHERE circle_id=:circle AND id=:id AND EXISTS ({MEMBER})"


class QuestionsRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def save_guide(self, who: Member, guide_id: str, text: str, *, limit: int) -> bool:
        """Save one of the guide's questions (its text as it is today); False if it is saved
        already. Brings back a recently removed copy, with its answer, if there is room.
        One guarded upsert as the circle's owner (the room check holds across members and
        replicas); when it wrote nothing, the reads after it say why (rare)."""
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "INSERT INTO questions(circle_id, guide_id, text, created_at, added_by) "
            "SELECT :circle, :guide, :text, :now, :by "
            f"WHERE EXISTS ({MEMBER}) AND ({_LIVE}) < :limit "
            "ON CONFLICT(circle_id, guide_id) WHERE guide_id IS NOT NULL DO UPDATE "
            "SET removed_at=NULL, created_at=excluded.created_at, changed_by=excluded.added_by, "
            "changed_at=excluded.created_at "
            "WHERE questions.removed_at IS NOT NULL RETURNING id",
            guide=guide_id,
            text=text,
            now=self.db.clock(),
            limit=limit,
        )
        if written:
            return True
        if await self.db.value(MEMBER, circle=who.circle, by=who.user) is None:
            raise NoConsent(who.user)
        if guide_id in await self.saved_guide_ids(who.circle):
            return False
        raise LimitReached(who.user)

    async def saved_guide_ids(self, circle: int) -> set[str]:
        rows = await self.db.all(
            "SELECT guide_id FROM questions WHERE circle_id=:circle AND guide_id IS NOT NULL "
            "AND removed_at IS NULL",
            circle=circle,
        )
        return {r["guide_id"] for r in rows}

    async def add_own(self, who: Member, text: str, *, limit: int) -> int:
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "INSERT INTO questions(circle_id, text, created_at, added_by) SELECT :circle, :text, :now, :by "
            f"WHERE EXISTS ({MEMBER}) AND ({_LIVE}) < :limit RETURNING id",
            text=text,
            now=self.db.clock(),
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, who.circle, who.user)

    async def all_kept(self, circle: int) -> list[SavedQuestion]:
        """Every question still stored, removed ones within the undo window too (/mydata)."""
        rows = await self.db.all(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE circle_id=:circle ORDER BY created_at, id",
            circle=circle,
        )
        return [question(r) for r in rows]

    async def list(self, circle: int) -> list[SavedQuestion]:
        rows = await self.db.all(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE circle_id=:circle "
            "AND removed_at IS NULL ORDER BY created_at, id",
            circle=circle,
        )
        return [question(r) for r in rows]

    async def get(self, circle: int, question_id: int) -> SavedQuestion | None:
        row = await self.db.one(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE circle_id=:circle AND id=:id",
            circle=circle,
            id=question_id,
        )
        return question(row) if row else None

    async def count(self, circle: int) -> int:
        return int(await self.db.value(_LIVE, circle=circle))

    async def _change(self, who: Member, question_id: int, assignments: str, **values: object) -> bool:
        return bool(
            await self.db.write(
                f"UPDATE questions SET {assignments}, {_CHANGE} AND removed_at IS NULL",
                circle=who.circle,
                by=who.user,
                id=question_id,
                now=self.db.clock(),
                **values,
            )
        )

    async def mark_asked(self, who: Member, question_id: int, asked: bool) -> bool:
        return await self._change(who, question_id, "asked_at=:at", at=self.db.clock() if asked else None)

    async def set_answer(self, who: Member, question_id: int, answer: str | None) -> bool:
        """An answer (asked, if it was not marked so); None clears the answer."""
        return await self._change(
            who,
            question_id,
            "answer=:answer, answered_at=CAST(:when AS DOUBLE PRECISION), "
            "asked_at=COALESCE(asked_at, CAST(:when AS DOUBLE PRECISION))",
            answer=answer,
            when=self.db.clock() if answer else None,
        )

    async def remove(self, who: Member, question_id: int) -> bool:
        """Hide a question so it can be undone for a while (purge_removed erases it later)."""
        return await self._change(who, question_id, "removed_at=:now")

    async def remove_guide(self, who: Member, guide_id: str) -> bool:
        return bool(
            await self.db.write(
                "UPDATE questions SET removed_at=:now, changed_by=:by, changed_at=:now "
                f"WHERE circle_id=:circle AND guide_id=:guide AND removed_at IS NULL AND EXISTS ({MEMBER})",
                circle=who.circle,
                by=who.user,
                guide=guide_id,
                now=self.db.clock(),
            )
        )

    async def undo_remove(self, who: Member, question_id: int, *, limit: int) -> bool:
        """Bring a removed question back, if there is room (LimitReached when there is none,
        whether or not it is still removed)."""
        written = await self.db.as_owner(
            who.circle,
            who.user,
            "UPDATE questions SET removed_at=NULL, changed_by=:by, changed_at=:now "
            "WHERE circle_id=:circle AND id=:id "
            f"AND removed_at IS NOT NULL AND ({_LIVE}) < :limit AND EXISTS ({MEMBER}) RETURNING id",
            consent=False,
            id=question_id,
            limit=limit,
            now=self.db.clock(),
        )
        if not written and await self.count(who.circle) >= limit:
            raise LimitReached(who.user)
        return bool(written)

    async def purge_removed(self, removed_before: float) -> int:
        """Erase, for every circle, the questions removed before this moment (and their text
        from the files: bot.storage.driver.Driver.erased)."""
        erased = await self.db.write(
            "DELETE FROM questions WHERE removed_at IS NOT NULL AND removed_at < :before",
            before=removed_before,
        )
        if erased:
            await self.db.erased()
        return erased
