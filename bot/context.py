"""What every handler receives: typed access to settings, content and storage (no globals)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.callbacks import CallbackData
from bot.ceiling import Priority
from bot.config import Settings
from bot.content import Content, Part, Section
from bot.metrics import Metrics
from bot.offload import Heavy
from bot.site import Site
from bot.storage import Member, Storage

CommandCallback = Callable[[Update, "BotContext"], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    """A command a feature owns: `/help`, the "/" menu and the content check read these."""

    name: str
    description_key: str  # content string key of the one-line description
    callback: CommandCallback
    # Its names by language ({"es": ("ayuda",)}), registered for everyone, the first shown
    # in that language's "/" menu instead of `name`. Features leave it empty: the composition
    # root fills it from each language's profile (content/<code>/language.yaml `commands`).
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Listed before every other command in the "/" menu and /help (the urgent card).
    first: bool = False


# A feature adds buttons to a section page (for example "Open the checklist") through this:
# (content, section, part, page) -> rows; part is None on a section's parts menu.
PageExtras = Callable[[Content, Section, Part | None, int], Sequence[Sequence[InlineKeyboardButton]]]


@dataclass
class Services:
    """Built once per Application; features fill in their parts during setup()."""

    settings: Settings
    content: Content
    storage: Storage
    clock: Callable[[], float]
    commands: list[Command] = field(default_factory=list)
    # The home menu's buttons by label key, from each feature (placed by the handlers' layout).
    menu_buttons: dict[str, CallbackData] = field(default_factory=dict)
    # Every language's content (the first, `content`, is the default).
    contents: dict[str, Content] = field(default_factory=dict)
    page_extras: list[PageExtras] = field(default_factory=list)
    # Each kind of prompt, what it waits for and does with it (handlers.prompts.Asking).
    prompts: dict[str, object] = field(default_factory=dict)
    home_menus: dict[str, InlineKeyboardMarkup] = field(default_factory=dict)
    home_menu_json: dict[str, dict[str, object]] = field(default_factory=dict)
    # The one handler of every button (handlers.common.TapRouter), added by the first tap().
    taps: object | None = None
    # What typed text that answers no prompt does (the search feature sets it).
    outside_prompt: CommandCallback | None = None
    # /start <payload>: each feature may turn a payload into the button it opens.
    deep_links: list[Callable[[Content, str], CallbackData | None]] = field(default_factory=list)
    # /start <prefix><rest> a feature handles itself, before any page link is read (the
    # family's "j_" invitations: their token never becomes button data).
    start_payloads: dict[str, Callable[[Update, BotContext, str], Coroutine[Any, Any, None]]] = field(
        default_factory=dict
    )
    metrics: Metrics = field(default_factory=Metrics)
    # The hospital's own folder (bot.site), when SITE_DIR names one.
    site: Site | None = None
    # What that hospital has not approved in the bot's current words (bot.site.awaiting):
    # the card says it awaits the hospital's review while this is not empty.
    awaiting: tuple[str, ...] = ()
    # CPU-heavy work (a PDF, a chart) off the event loop (bot.offload).
    heavy: Heavy = field(default_factory=Heavy)
    # Who this process is, in leases it takes (a reminder claimed by "host:pid:random").
    replica: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    )


class BotContext(CallbackContext[ExtBot[Priority], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Handlers reach content and storage through typed properties."""

    # The language of this update's parent, set once before any feature runs
    # (handlers.core); None (jobs, before it is known): the default language.
    language: str | None = None
    # The person of this update in their care circle, looked up once (handlers.common.me).
    member: Member | None = None

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def content(self) -> Content:
        services = self.services
        return services.contents.get(self.language or "", services.content)

    @property
    def storage(self) -> Storage:
        return self.services.storage

    def now(self) -> float:
        return self.services.clock()


BotApp = Application[ExtBot[Priority], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]


def services_of(app: BotApp) -> Services:
    services: Services = app.bot_data["services"]
    return services


@dataclass(frozen=True)
class Feature:
    """One feature as the composition root sees it: its commands, then everything else it
    registers (button types, prompts, home-menu buttons, jobs) in setup()."""

    commands: Sequence[Command]
    setup: Callable[[BotApp], None]
    # The name a hospital's site folder turns it off by (bot.site.FEATURES); "": always on.
    name: str = ""
