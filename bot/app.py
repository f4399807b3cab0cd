"""build_application: the one factory that production, the console and the tests all use."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    Defaults,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.ceiling import DEFAULT_RATE
from bot.config import DEFAULT_CONTENT, Settings
from bot.content import (
    DEFAULT_LANGUAGE,
    Content,
    ContentError,
    Profile,
    check_command_names,
    load_catalog,
    load_profiles,
)
from bot.context import BotApp, BotContext, Command, Feature, Services
from bot.limits import Clock, NewMessageRateLimiter, Sleep
from bot.metrics import MeteredRequest, Metrics
from bot.processor import PerChatUpdateProcessor
from bot.site import Site
from bot.site import apply as apply_site
from bot.site import awaiting as site_awaiting
from bot.site import known_of as site_known
from bot.site import load as load_site
from bot.storage import open_storage

log = logging.getLogger(__name__)

# The offline layer needs a syntactically valid token; it never leaves this process.
OFFLINE_TOKEN = "1000000001:OFFLINE-offline-offline-offline-0000"

# Commands answer new messages in private chats only (an edit never re-runs one).
_COMMAND_FILTER = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def default_features() -> Sequence[Feature]:
    """The composition root's one look into handlers/: the bot's features, in order."""
    from handlers import FEATURES

    return FEATURES


def declared_commands(
    features: Sequence[Feature], profiles: Mapping[str, Profile] | None = None
) -> list[Command]:
    """Every feature's commands, in feature order, those marked `first` before the rest,
    each with its names in every language (`aliases`) from the languages' profiles: those
    given, else the ones in the default content folder."""
    profiles = load_profiles(DEFAULT_CONTENT) if profiles is None else profiles
    commands = [named(command, profiles) for feature in features for command in feature.commands]
    return sorted(commands, key=lambda c: not c.first)


def named(command: Command, profiles: Mapping[str, Profile]) -> Command:
    """The command with its names by language (`aliases`), as the profiles give them."""
    return replace(
        command,
        aliases={
            code: profile.commands[command.name]
            for code, profile in profiles.items()
            if command.name in profile.commands
        },
    )


def reserved_commands(features: Sequence[Feature] | None = None) -> frozenset[str]:
    """The names of the features' commands: a guide section may not take one, and a
    language's profile gives names to these only."""
    return frozenset(c.name for feature in features or default_features() for c in feature.commands)


def bot_commands(content: Content, commands: Sequence[Command]) -> list[BotCommand]:
    """The "/" menu: the features' commands first, then one command per guide section, each
    under its name in the content's language where it has one (`/ayuda`, `/sintomas`)."""
    s = content.strings
    names = content.profile.commands
    tools = [BotCommand(names.get(c.name, (c.name,))[0], s(c.description_key)) for c in commands]
    guide = [
        BotCommand(sec.aliases[0] if sec.aliases else sec.command, sec.description)
        for sec in content.sections
        if sec.local is None  # a hospital's pages have no command: listed under its name
    ]
    return tools + guide


async def _post_init(app: BotApp) -> None:
    services: Services = app.bot_data["services"]
    await services.storage.open()
    commands = bot_commands(services.content, services.commands)
    await app.bot.set_my_commands(commands)
    for language, content in services.contents.items():
        if language != DEFAULT_LANGUAGE:  # phones set to that language show these
            await app.bot.set_my_commands(bot_commands(content, services.commands), language_code=language)
    for each in services.contents.values():
        if each.red_flags is not None:
            each.red_flags.start_warming()  # after start-up, in a thread: it waits for nothing
    log.info(
        "storage open (schema %d), %d commands registered",
        await services.storage.schema_version(),
        len(commands),
    )


async def _post_shutdown(app: BotApp) -> None:
    services: Services = app.bot_data["services"]
    await asyncio.to_thread(services.heavy.close)  # a PDF being drawn is still sent
    await services.storage.close()
    log.info("storage closed")


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    content: Content | None = None,
    overall_rate: float | None = DEFAULT_RATE,
    api_request: BaseRequest | None = None,
    features: Sequence[Feature] | None = None,
    clock: Callable[[], float] = time.time,
    rate_limiter: NewMessageRateLimiter | None = None,
) -> BotApp:
    """Build the Application; with `request`, every Bot API call goes to that layer instead.

    `overall_rate` is the ceiling of new messages per second across chats (bot.ceiling,
    served by priority; NEW_MESSAGES_PER_SECOND in production); new messages are also held
    to each chat's and each group's
    pace, edits and tap answers are not held, and a 429 pauses only what it limits
    (bot.limits, on PTB's rate-limiter interface). None turns the limiter off (benchmarks).
    `api_request` carries every call except getUpdates (production: bot.http.AiohttpRequest),
    which keeps PTB's default client. `features` defaults to the bot's own (handlers/);
    `clock` is the time every stored moment and expiry is read from (tests move it);
    `rate_limiter` replaces limiter_for(overall_rate, ...) (tests pass one on virtual time).
    """
    features = default_features() if features is None else features
    reserved = reserved_commands(features)

    # handlers.common.show sends and edits through do_api_request so Telegram's echo of the
    # message is not parsed into objects nobody reads; PTB warns about that on every call.
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.(sendMessage|editMessageText)'", category=PTBUserWarning
    )

    contents = dict(catalog(settings.content_dir, reserved))
    if content is not None:  # handed in (tests, the console): the first language's content
        contents[DEFAULT_LANGUAGE] = content
    content = contents[DEFAULT_LANGUAGE]
    for each in contents.values():  # content handed in was perhaps loaded without `reserved`
        unknown = sorted(set(each.profile.commands) - reserved)
        if unknown:
            raise ContentError(
                f"[{each.language}] language.yaml: commands.{unknown[0]}: the "
                f"bot has no command {unknown[0]!r}"
            )
    check_command_names(contents, reserved)
    site: Site | None = None
    awaiting: tuple[str, ...] = ()
    if settings.site_dir is not None:  # checked at start (bot.__main__); SiteError if broken
        known = site_known(contents)
        site = load_site(settings.site_dir, tuple(contents), known)
        awaiting = site_awaiting(site, known.fingerprints)
        contents = apply_site(contents, site)  # its pages, phase names and local words
        content = contents[DEFAULT_LANGUAGE]
    profiles = {code: each.profile for code, each in contents.items()}
    metrics = Metrics()
    builder: Any = (
        Application.builder()
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_file_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .concurrent_updates(PerChatUpdateProcessor(settings.concurrency, metrics))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    elif overall_rate is not None:
        builder = builder.rate_limiter(limiter_for(overall_rate, settings.replicas))
    if request is not None:
        builder = builder.request(MeteredRequest(request, metrics)).get_updates_request(request)
    elif api_request is not None:
        builder = builder.request(MeteredRequest(api_request, metrics))
    app: BotApp = builder.build()
    storage = open_storage(settings.db_path, clock, settings.database_url)
    storage.time_calls(metrics.database.observe)
    services = Services(settings, content, storage, clock, contents=contents, metrics=metrics)
    services.site, services.awaiting = site, awaiting
    if site is not None:  # the features the hospital turned off are not registered at all
        features = [f for f in features if site.features.get(f.name, True)]
    app.bot_data["services"] = services
    for feature in features:
        # Every name in every language works for everyone (profiles: language.yaml).
        for command in (named(c, profiles) for c in feature.commands):
            every = [command.name, *(a for aliases in command.aliases.values() for a in aliases)]
            app.add_handler(
                CommandHandler(list(dict.fromkeys(every)), command.callback, filters=_COMMAND_FILTER)
            )
        feature.setup(app)
    # The "/" menu's and /help's order, each command with its names from the profiles.
    services.commands.extend(declared_commands(features, profiles))
    return app


def limiter_for(
    overall_rate: float, replicas: int, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
) -> NewMessageRateLimiter:
    """Telegram's limits are the bot's, not a process's: with several replicas each keeps
    to its share of the overall rate and of each group's 20 a minute. A private chat's pace
    stays whole: its updates run one at a time across replicas (the chat lock). `clock` and
    `sleep`: the limiter's time (the tests' is virtual)."""
    group_max = max(2, 20 // replicas)
    return NewMessageRateLimiter(
        overall_max_rate=overall_rate / replicas,
        group_max_rate=group_max,
        group_burst=max(1, min(5, group_max // 2)),
        max_retries=3,
        clock=clock,
        sleep=sleep,
    )


@lru_cache(maxsize=16)
def _catalog(path: str, reserved: frozenset[str], stamp: float) -> dict[str, Content]:
    return load_catalog(Path(path), reserved)


def catalog(root: Path, reserved: frozenset[str]) -> dict[str, Content]:
    """Every language's content, loaded once per folder (content is immutable)."""
    stamp = max((p.stat().st_mtime for p in root.rglob("*.yaml")), default=0.0)
    return _catalog(str(root), reserved, stamp)


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


def describe_routes(settings: Settings) -> str:
    """The tap router's table and the home menu of an application built offline."""
    from bot.offline import OfflineBotAPI
    from handlers.common import describe_routes as describe

    return describe(build_application(settings, request=OfflineBotAPI()))
