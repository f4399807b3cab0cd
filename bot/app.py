"""build_application: the one factory that production, the console and the tests all use."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackContext,
    ContextTypes,
    Defaults,
    ExtBot,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.config import Settings
from bot.content import Content, load_content
from bot.processor import PerChatUpdateProcessor
from bot.storage import Repository

log = logging.getLogger(__name__)

# The offline layer needs a syntactically valid token; it never leaves this process.
OFFLINE_TOKEN = "1000000001:OFFLINE-offline-offline-offline-0000"


@dataclass
class Services:
    settings: Settings
    content: Content
    repo: Repository


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any],
                                 dict[Any, Any]]):
    """Handlers reach content and storage through typed properties, not globals."""

    # PTB makes one context per update, so this records whether its tap was answered.
    answered: bool = False

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def content(self) -> Content:
        return self.services.content

    @property
    def repo(self) -> Repository:
        return self.services.repo


BotApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any],
                     Any]


def bot_commands(content: Content) -> list[BotCommand]:
    """The "/" menu: the bot's tools first, then one command per guide section."""
    s = content.strings
    tools = [BotCommand(name, s(f"help.commands.{name}")) for name in TOOL_COMMANDS]
    guide = [BotCommand(sec.command, sec.description) for sec in content.sections]
    return tools + guide


# The bot's own commands, in the order the "/" menu and /help show them.
TOOL_COMMANDS = ("start", "help", "menu", "myquestions", "bookmarks", "urgent", "settings",
                 "privacy", "mydata", "deletemydata", "cancel")


async def _post_init(app: BotApp) -> None:
    services: Services = app.bot_data["services"]
    await services.repo.open()
    await app.bot.set_my_commands(bot_commands(services.content))
    log.info("storage open (schema %d), %d commands registered",
             await services.repo.schema_version(), len(bot_commands(services.content)))


async def _post_shutdown(app: BotApp) -> None:
    services: Services = app.bot_data["services"]
    await services.repo.close()
    log.info("storage closed")


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    content: Content | None = None,
    overall_rate: float | None = 30,
    api_request: BaseRequest | None = None,
) -> BotApp:
    """Build the Application; with `request`, every Bot API call goes to that layer instead.

    `overall_rate` is PTB's AIORateLimiter limit of messages per second across chats
    (Telegram's documented broadcast limit); None turns the limiter off (benchmarks).
    `api_request` carries every call except getUpdates (production: bot.http.AiohttpRequest),
    which keeps PTB's default client.
    """
    from handlers import register  # handlers import bot.app for BotContext

    # handlers.common.show sends and edits through do_api_request so Telegram's echo of the
    # message is not parsed into objects nobody reads; PTB warns about that on every call.
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(sendMessage|editMessageText)'",
                            category=PTBUserWarning)

    content = content or load_content(settings.content_dir)
    builder: Any = (
        Application.builder()
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_file_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(PerChatUpdateProcessor(settings.concurrency))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if overall_rate is not None:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=overall_rate,
                                                      max_retries=3))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    elif api_request is not None:
        builder = builder.request(api_request)
    app: BotApp = builder.build()
    app.bot_data["services"] = Services(settings, content, Repository(settings.db_path))
    register(app)
    return app


async def start_app(app: BotApp) -> None:
    """What run_polling does before fetching updates: initialize, post_init, start."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()


async def stop_app(app: BotApp) -> None:
    """Finish pending updates, close storage (post_shutdown), shut down."""
    if app.running:
        await app.stop()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    await app.shutdown()
