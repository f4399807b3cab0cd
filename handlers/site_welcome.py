"""The hospital's welcome: the poster's QR code opens `/start site` (bot/poster.py).

With a site folder the parent first reads who runs this copy of the bot and for which
hospital, who to ask about the bot, the care team's numbers for their child's care, and
that this is a different bot from any other copy they may use (what they saved there is
not here; /mydata there brings it). Then everything goes on exactly as a plain /start: the
home, with its offers; consent is asked, as always, the first time something is saved.
Without a site folder the link is a plain /start, never "that link is old".

Decisions:
- **A deep link, not a start prefix**: only the exact payload `site` is the poster's; any
  other payload is still read as a page link (or the calm "that link is old").
- **The welcome comes every time the poster is scanned**, also to a parent who already
  uses this bot: it is short, and a scan is a request to read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.callbacks import CallbackData
from bot.content import Content
from bot.context import BotApp, BotContext, services_of
from bot.render import esc
from bot.site import START_PAYLOAD, Site
from handlers.common import Reply, show, stale_reply, tap
from handlers.core import start
from handlers.privacy import site_lines

SITE_PAYLOAD = START_PAYLOAD  # https://t.me/<bot>?start=site, on the hospital's poster


@dataclass(frozen=True)
class OpenSiteWelcome(CallbackData, prefix="hw"):
    """/start site, as a deep link resolves it (no button carries it)."""


def welcome_text(content: Content, site: Site, now: float | None = None) -> str:
    """Who runs this copy and for which hospital, who to ask about the bot, the care team's
    numbers (as the urgent card shows them) and the "different bot" paragraph."""
    s = content.strings
    run_by = site.run_by  # always there in a site folder that loaded (bot.site)
    return s(
        "site_welcome.text",
        site=esc(site.name),
        run_by=esc(run_by.name if run_by is not None else site.name),
        contact=esc(run_by.contact if run_by is not None else site.website),
        numbers=site_lines(content, site, now) or "",  # the number to call now marked
    )


def deep_link(content: Content, payload: str) -> CallbackData | None:
    return OpenSiteWelcome() if payload == SITE_PAYLOAD else None


async def open_welcome(update: Update, context: BotContext, data: OpenSiteWelcome) -> Reply:
    """/start site: the hospital's welcome (with a site folder), then a plain /start."""
    if update.callback_query is not None:
        return stale_reply(context)  # no button carries it: data made up by hand
    site = context.services.site
    if site is not None:
        await show(update, context, welcome_text(context.content, site, context.now()))
    context.args = []
    await start(update, context)
    return Reply()


def setup(app: BotApp) -> None:
    tap(app, OpenSiteWelcome, open_welcome)
    services_of(app).deep_links.append(deep_link)
