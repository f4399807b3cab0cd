"""The appointments feature's second job: a deleted appointment is erased for good once its
Undo window (settings.undo_seconds) has ended, its place and note with it, as the privacy
page promises for what a parent removes."""

from __future__ import annotations

import logging

from bot.context import BotContext

log = logging.getLogger(__name__)

PURGE_APPOINTMENTS_JOB = "purge-removed-appointments"
PURGE_EVERY = 60  # seconds: a deleted appointment is gone at most this long after its window


async def purge_removed_appointments(context: BotContext) -> None:
    """Job: erase appointments whose Undo window has ended, for every parent (one replica
    a turn)."""
    window = context.services.settings.undo_seconds
    async with context.storage.coordination.job_lock(PURGE_APPOINTMENTS_JOB) as mine:
        if not mine:
            return  # another replica is erasing them this turn
        erased = await context.storage.appointments.purge_removed(context.now() - window)
    if erased:
        log.info("erased %d deleted appointments after the undo window", erased)
