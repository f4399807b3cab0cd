"""What every handler receives: typed access to settings, content and storage (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.callbacks import CallbackData
from bot.config import Settings
from bot.content import Content, Part, Section
from bot.storage import Storage

CommandCallback = Callable[[Update, "BotContext"], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    """A command a feature owns: `/help`, the "/" menu and the content check read these."""

    name: str
    description_key: str  # content string key of the one-line description
    callback: CommandCallback


# A feature adds buttons to a section page (for example "Open the checklist") through this:
# (content, section, part, page) -> rows; part is None on a section's parts menu.
PageExtras = Callable[[Content, Section, Part | None, int],
                      Sequence[Sequence[InlineKeyboardButton]]]


@dataclass
class Services:
    """Built once per Application; features fill in their parts during setup()."""

    settings: Settings
    content: Content
    storage: Storage
    clock: Callable[[], float]
    commands: list[Command] = field(default_factory=list)
    # (row number, order in row, button): the home menu, contributed by each feature.
    menu_buttons: list[tuple[int, int, InlineKeyboardButton]] = field(default_factory=list)
    page_extras: list[PageExtras] = field(default_factory=list)
    # What each kind of prompt does with the text typed into it (see handlers.common.prompt).
    prompts: dict[str, Callable[..., Awaitable[bool]]] = field(default_factory=dict)
    home_menu: InlineKeyboardMarkup | None = None
    prefixes: dict[str, str] = field(default_factory=dict)  # callback prefix -> its type
    # What typed text that answers no prompt does (the search feature sets it).
    outside_prompt: CommandCallback | None = None
    # /start <payload>: each feature may turn a payload into the button it opens.
    deep_links: list[Callable[[Content, str], CallbackData | None]] = field(default_factory=list)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any],
                                 dict[Any, Any]]):
    """Handlers reach content and storage through typed properties."""

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def content(self) -> Content:
        return self.services.content

    @property
    def storage(self) -> Storage:
        return self.services.storage

    def now(self) -> float:
        return self.services.clock()


BotApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any],
                     Any]


def services_of(app: BotApp) -> Services:
    services: Services = app.bot_data["services"]
    return services


@dataclass(frozen=True)
class Feature:
    """One feature as the composition root sees it: its commands, then everything else it
    registers (button types, prompts, home-menu buttons, jobs) in setup()."""

    name: str
    commands: Sequence[Command]
    setup: Callable[[BotApp], None]
