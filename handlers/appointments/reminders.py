"""The reminder job: the day before each appointment (at the hour the family chose), to
each member of the circle who gets reminders, one message saying whether it is today,
tomorrow or on a date (by the family's calendar when it is sent), with when and where, the
family's note, and the questions not yet asked, in the member's language and the child's
time zone. Membership is read when each send is claimed (a removed member gets none, a late
one included). Runs at start-up (reminders missed while the bot was down) and every
CHECK_EVERY seconds; with several replicas, each send is leased to one of them (LEASE) and
marked sent only once Telegram took it, so it is sent at least once and a lost one is
retried.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from aiolimiter import AsyncLimiter
from telegram.error import Forbidden, TelegramError

from bot.ceiling import Priority
from bot.context import BotContext
from handlers.appointments.rules import LATE_AFTER, still_to_ask, zone
from handlers.appointments.views import reminder_view
from handlers.common import limit_args
from handlers.questions import localized

log = logging.getLogger(__name__)

REMINDER_JOB = "appointment-reminders"
CHECK_EVERY = 60  # seconds between looks for due reminders
LEASE = 120  # seconds a claimed reminder is this process's before another try
PROACTIVE_PER_SECOND = 25  # under Telegram's ~30 new messages/s, leaving room for replies
LIMITER = "reminder_limiter"  # bot_data key of the AsyncLimiter the package's setup makes


async def send_reminders(context: BotContext) -> None:
    """Job: send each due reminder at least once. Missed while the bot was down: sent late,
    saying so, if the appointment is still ahead; skipped if it has passed. A parent who
    blocked the bot gets no more (logged once, without any text)."""
    async with context.storage.coordination.job_lock(REMINDER_JOB) as mine:
        if mine:  # several replicas: one looks a turn (each reminder is leased to one anyway)
            await _send_due_reminders(context)


async def _send_due_reminders(context: BotContext) -> None:
    """Each due reminder is leased to this process for LEASE seconds and marked sent only
    when Telegram took it; one that fails (a timeout, a crash meanwhile) is sent again once
    the lease runs out. A duplicate is harmless: it names its appointment, and its buttons
    open views."""
    storage = context.storage
    now = context.now()
    limiter: AsyncLimiter = context.bot_data[LIMITER]
    contents = context.services.contents
    for uid, circle, appointment in await storage.appointments.claim_due(
        now, lease=LEASE, by=context.services.replica
    ):
        tz = zone(await storage.circles.timezone(circle)) or ZoneInfo("UTC")
        content = contents.get(await storage.users.language(uid) or "", context.content)
        questions = still_to_ask(localized(content, await storage.questions.list(circle)))
        late = now - appointment.remind_at > LATE_AFTER
        text, keyboard = reminder_view(content, appointment, tz, questions, late, now)
        try:
            async with limiter:
                await context.bot.send_message(
                    uid, text, reply_markup=keyboard, rate_limit_args=limit_args(context, Priority.REMINDER)
                )
        except Forbidden:
            # They blocked the bot: no more reminders; the others see "not receiving".
            await storage.users.set_reminders_off(uid, True)
            await storage.circles.set_unreachable(uid, now)
            await storage.appointments.mark_sent(uid, appointment, now)
            log.info("reminders turned off for a user who blocked the bot")
        except TelegramError as exc:
            # Perhaps not sent: the lease runs out and the next look sends it again.
            log.warning("reminder not sent (%s); will try again after %d s", exc.__class__.__name__, LEASE)
        else:
            await storage.appointments.mark_sent(uid, appointment, context.now())
