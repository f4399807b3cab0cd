"""Questions a parent saves for the next appointment: the guide's own and their own, with
an answer each; a removed one can be brought back for a while, then it is erased."""

from __future__ import annotations

from bot.storage.driver import CONSENTED, Driver, limit_or_consent
from bot.storage.interface import LimitReached, NoConsent, SavedQuestion
from bot.storage.rows import QUESTION_COLUMNS, question

_LIVE = "SELECT COUNT(*) FROM questions WHERE user_id=:user AND removed_at IS NULL"


class QuestionsRepo:
    def __init__(self, db: Driver):
        self.db = db

    async def save_guide(self, user_id: int, guide_id: str, text: str, *, limit: int) -> bool:
        """Save one of the guide's questions (its text as it is today); False if it is saved
        already. Brings back a recently removed copy, with its answer, if there is room.
        One guarded upsert as the owner (the room check holds across replicas); when it
        wrote nothing, the reads after it say why (rare: the extra trips are fine)."""
        written = await self.db.as_owner(
            user_id,
            "INSERT INTO questions(user_id, guide_id, text, created_at) "
            "SELECT :user, :guide, :text, :now "
            f"WHERE EXISTS ({CONSENTED}) AND ({_LIVE}) < :limit "
            "ON CONFLICT(user_id, guide_id) WHERE guide_id IS NOT NULL DO UPDATE "
            "SET removed_at=NULL, created_at=excluded.created_at "
            "WHERE questions.removed_at IS NOT NULL RETURNING id",
            guide=guide_id,
            text=text,
            now=self.db.clock(),
            limit=limit,
        )
        if written:
            return True
        if await self.db.value(CONSENTED, user=user_id) is None:
            raise NoConsent(user_id)
        if guide_id in await self.saved_guide_ids(user_id):
            return False
        raise LimitReached(user_id)

    async def saved_guide_ids(self, user_id: int) -> set[str]:
        rows = await self.db.all(
            "SELECT guide_id FROM questions WHERE user_id=:user AND guide_id IS NOT NULL "
            "AND removed_at IS NULL",
            user=user_id,
        )
        return {r["guide_id"] for r in rows}

    async def add_own(self, user_id: int, text: str, *, limit: int) -> int:
        written = await self.db.as_owner(
            user_id,
            "INSERT INTO questions(user_id, text, created_at) SELECT :user, :text, :now "
            f"WHERE EXISTS ({CONSENTED}) AND ({_LIVE}) < :limit RETURNING id",
            text=text,
            now=self.db.clock(),
            limit=limit,
        )
        if written:
            return int(written[0]["id"])
        raise await limit_or_consent(self.db, user_id)

    async def all_kept(self, user_id: int) -> list[SavedQuestion]:
        """Every question still stored, removed ones within the undo window too (/mydata)."""
        rows = await self.db.all(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=:user ORDER BY created_at, id",
            user=user_id,
        )
        return [question(r) for r in rows]

    async def list(self, user_id: int) -> list[SavedQuestion]:
        rows = await self.db.all(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=:user "
            "AND removed_at IS NULL ORDER BY created_at, id",
            user=user_id,
        )
        return [question(r) for r in rows]

    async def get(self, user_id: int, question_id: int) -> SavedQuestion | None:
        row = await self.db.one(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=:user AND id=:id",
            user=user_id,
            id=question_id,
        )
        return question(row) if row else None

    async def count(self, user_id: int) -> int:
        return int(await self.db.value(_LIVE, user=user_id))

    async def mark_asked(self, user_id: int, question_id: int, asked: bool) -> bool:
        return bool(
            await self.db.write(
                "UPDATE questions SET asked_at=:at WHERE user_id=:user AND id=:id AND removed_at IS NULL",
                user=user_id,
                id=question_id,
                at=self.db.clock() if asked else None,
            )
        )

    async def set_answer(self, user_id: int, question_id: int, answer: str | None) -> bool:
        """An answer (asked, if it was not marked so); None clears the answer."""
        return bool(
            await self.db.write(
                "UPDATE questions SET answer=:answer, answered_at=CAST(:now AS DOUBLE PRECISION), "
                "asked_at=COALESCE(asked_at, CAST(:now AS DOUBLE PRECISION)) "
                "WHERE user_id=:user AND id=:id AND removed_at IS NULL",
                user=user_id,
                id=question_id,
                answer=answer,
                now=self.db.clock() if answer else None,
            )
        )

    async def remove(self, user_id: int, question_id: int) -> bool:
        """Hide a question so it can be undone for a while (purge_removed erases it later)."""
        return bool(
            await self.db.write(
                "UPDATE questions SET removed_at=:now WHERE user_id=:user AND id=:id AND removed_at IS NULL",
                user=user_id,
                id=question_id,
                now=self.db.clock(),
            )
        )

    async def remove_guide(self, user_id: int, guide_id: str) -> bool:
        return bool(
            await self.db.write(
                "UPDATE questions SET removed_at=:now WHERE user_id=:user AND guide_id=:guide "
                "AND removed_at IS NULL",
                user=user_id,
                guide=guide_id,
                now=self.db.clock(),
            )
        )

    async def undo_remove(self, user_id: int, question_id: int, *, limit: int) -> bool:
        """Bring a removed question back, if there is room (LimitReached when there is none,
        whether or not it is still removed)."""
        written = await self.db.as_owner(
            user_id,
            "UPDATE questions SET removed_at=NULL WHERE user_id=:user AND id=:id "
            f"AND removed_at IS NOT NULL AND ({_LIVE}) < :limit RETURNING id",
            consent=False,
            id=question_id,
            limit=limit,
        )
        if not written and await self.count(user_id) >= limit:
            raise LimitReached(user_id)
        return bool(written)

    async def purge_removed(self, removed_before: float) -> int:
        """Erase, for every user, the questions removed before this moment (and their text
        from the files: bot.storage.driver.Driver.erased)."""
        erased = await self.db.write(
            "DELETE FROM questions WHERE removed_at IS NOT NULL AND removed_at < :before",
            before=removed_before,
        )
        if erased:
            await self.db.erased()
        return erased
