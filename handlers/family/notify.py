"""Messages to the other members of a family: what someone added (each member's choice, off
by default) and what changed in the family itself (to everyone it concerns). Membership is
read when the message goes, so someone removed a moment ago gets nothing; a member who
blocked the bot is marked "not receiving" for the others to see."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup as Markup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.ceiling import Priority
from bot.content import Content
from bot.context import BotContext
from bot.storage import Appointment, Contact, Member, SavedQuestion
from handlers.common import limit_args
from handlers.family.views import name_of

log = logging.getLogger(__name__)


def content_for(context: BotContext, language: str | None) -> Content:
    return context.services.contents.get(language or "", context.services.content)


def short_date(content: Content, moment: float, zone_name: str | None) -> str:
    """3 Dec 2026, on the family's calendar (UTC when it has no time zone yet)."""
    try:
        tz = ZoneInfo(zone_name) if zone_name else UTC
    except (ValueError, KeyError):
        tz = UTC
    day = datetime.fromtimestamp(moment, tz)
    months = content.strings("dates.month_abbr").split()
    return f"{day.day} {months[day.month - 1]} {day.year}"


async def tell(context: BotContext, user_id: int, text: str, markup: Markup | None = None) -> bool:
    """One message to one person, as a notice (after replies and reminders). False when it
    did not go: they blocked the bot (marked), or never opened it."""
    try:
        await context.bot.send_message(
            user_id, text, reply_markup=markup, rate_limit_args=limit_args(context, Priority.NOTICE)
        )
    except Forbidden:
        await context.storage.circles.set_unreachable(user_id, context.now())
        log.info("a family message was refused: the member blocked the bot")
        return False
    except BadRequest as exc:  # "chat not found": they never opened the bot
        log.info("a family message was not sent: %s", exc.__class__.__name__)
        return False
    except TelegramError as exc:
        log.warning("a family message was not sent (%s)", exc.__class__.__name__)
        return False
    return True


async def tell_members(
    context: BotContext,
    who: Member,
    key: str,
    *,
    only_notices: bool,
    markup_for: object = None,
    **fields: object,
) -> None:
    """Tell the other members of `who`'s family, each in their language (`key` gets
    `name`, the escaped name of `who`, and `fields`; a field that is a function of the
    member's content is written in their language). `only_notices`: only those who chose
    to hear what others add."""
    if not who.circle:
        return
    for member in await context.storage.circles.members(who.circle):
        if member.user == who.user or (only_notices and not member.notices):
            continue
        content = content_for(context, await context.storage.users.language(member.user))
        written = {k: v(content) if callable(v) else v for k, v in fields.items()}
        text = content.strings(key, name=name_of(content, who), **written)
        markup = markup_for(content, member) if callable(markup_for) else None
        await tell(context, member.user, text, markup)


async def notice(context: BotContext, who: Member, key: str, **fields: object) -> None:
    """What `who` added, to the members who chose to hear it (off by default)."""
    await tell_members(context, who, key, only_notices=True, **fields)


async def signature(
    context: BotContext, who: Member, item: Appointment | SavedQuestion | Contact
) -> str | None:
    """ "Added by Ana, 3 Dec 2026. Changed by Luis, 4 Dec 2026." under a shared item, in a
    family of more than one (None alone: it could only be you). Someone no longer in the
    family shows as "a former member"."""
    added_by, changed_by, changed_at = item.added_by, item.changed_by, item.changed_at
    if not who.circle or added_by is None:
        return None
    members = {m.user: m for m in await context.storage.circles.members(who.circle)}
    if len(members) < 2:
        return None
    zone_name = await context.storage.circles.timezone(who.circle)
    content = context.content
    lines = [
        content.strings(
            "family.added_by",
            name=name_of(content, members.get(added_by)),
            date=short_date(content, item.created_at, zone_name),
        )
    ]
    if changed_by is not None and changed_at is not None:
        lines.append(
            content.strings(
                "family.changed_by",
                name=name_of(content, members.get(changed_by)),
                date=short_date(content, changed_at, zone_name),
            )
        )
    return " ".join(lines)
