"""The questions feature's job: removed questions are erased for good once their Undo window
ends, as the privacy page promises."""

from __future__ import annotations

import logging

from bot.context import BotContext

log = logging.getLogger(__name__)

PURGE_JOB = "purge-removed-questions"
PURGE_EVERY = 60  # seconds: a removed question is gone at most this long after its window


async def purge_removed_questions(context: BotContext) -> None:
    """Job: erase questions whose undo window has ended, for every parent (the privacy page
    promises they are gone after it)."""
    window = context.services.settings.undo_seconds
    async with context.storage.coordination.job_lock(PURGE_JOB) as mine:
        if not mine:
            return  # another replica is erasing them this turn
        erased = await context.storage.questions.purge_removed(context.now() - window)
    if erased:
        log.info("erased %d removed questions after the undo window", erased)
