"""The urgent card, settings (the care team number), privacy, and the user's own data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot.callbacks import CallbackData
from bot.content import Content
from bot.context import BotApp, BotContext, Command, services_of
from bot.render import esc
from bot.storage import Prompt
from handlers.common import (
    Home,
    Reply,
    View,
    button,
    cancel_keyboard,
    menu_button,
    on_prompt,
    open_prompt,
    show,
    tap,
    user_id,
)

PHONE_PROMPT = "phone"  # what the bot waits for after "set the number"
MIN_PHONE, MAX_PHONE, MIN_DIGITS = 3, 32, 3
# Loose on purpose: numbers are written many ways (+44 (0)20 ..., 020-7946 ...).
_PHONE = re.compile(r"[0-9 +\-()]+")
EXPORT_FILENAME = "my-data.json"


# ---- pure helpers ---------------------------------------------------------------------------
def clean_phone(text: str) -> str | None:
    """The number as typed (outer spaces trimmed), or None if it does not look like one."""
    phone = text.strip()
    if not MIN_PHONE <= len(phone) <= MAX_PHONE or not _PHONE.fullmatch(phone):
        return None
    if sum(ch.isdigit() for ch in phone) < MIN_DIGITS:
        return None
    return phone


def urgent_text(content: Content, phone: str | None) -> str:
    """The urgent card: title, the general-guidance note, signs, advice, the family's number."""
    card = content.urgent
    s = content.strings
    signs = "\n".join(f"• {esc(sign)}" for sign in card.signs)
    advice = "\n".join(f"• {esc(line)}" for line in card.advice)
    number = s("privacy.urgent.phone", phone=esc(phone)) if phone else s(
        "privacy.urgent.no_phone")
    return "\n\n".join([f"<b>{esc(card.title)}</b>", f"<i>{esc(card.general_note)}</i>",
                        signs, advice, number])


def settings_text(content: Content, phone: str | None) -> str:
    s = content.strings
    line = s("privacy.settings.phone", phone=esc(phone)) if phone else s(
        "privacy.settings.no_phone")
    return f"{s('privacy.settings.title')}\n\n{line}"


def with_utc_times(node: Any) -> Any:
    """Beside every raw `*_at` timestamp, add the same moment as an ISO-8601 UTC string."""
    if isinstance(node, list):
        return [with_utc_times(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        out[key] = with_utc_times(value)
        if (str(key).endswith("_at") and isinstance(value, int | float)
                and not isinstance(value, bool)):
            out[f"{key}_utc"] = datetime.fromtimestamp(value, UTC).isoformat(
                timespec="seconds")
    return out


def export_bytes(data: dict[str, Any]) -> bytes:
    """The export file: readable JSON, non-ASCII kept as typed, UTF-8."""
    return json.dumps(with_utc_times(data), ensure_ascii=False, indent=2).encode("utf-8")


# ---- this feature's buttons ---------------------------------------------------------------------
@dataclass(frozen=True)
class ShowUrgent(CallbackData, prefix="u"):
    """The urgent card."""


@dataclass(frozen=True)
class ShowSettings(CallbackData, prefix="st"):
    """Settings: the care team number."""


@dataclass(frozen=True)
class AskPhone(CallbackData, prefix="sp"):
    """Set or change the number: opens a prompt."""


@dataclass(frozen=True)
class RemovePhone(CallbackData, prefix="sr"):
    """Remove the saved number."""


@dataclass(frozen=True)
class ShowPrivacy(CallbackData, prefix="pv"):
    """What is stored and why."""


@dataclass(frozen=True)
class AskDelete(CallbackData, prefix="dd"):
    """Erase my data: ask first."""


@dataclass(frozen=True)
class DeleteMyData(CallbackData, prefix="dy"):
    """Erase my data: confirmed."""


# ---- keyboards --------------------------------------------------------------------------------
def _home(content: Content) -> Button:
    return button(content.strings("menu.home"), Home())


def urgent_keyboard(content: Content) -> Markup:
    return Markup([[button(content.strings("privacy.urgent.settings"), ShowSettings()),
                    _home(content)]])


def settings_keyboard(content: Content, phone: str | None) -> Markup:
    s = content.strings
    rows = [[button(s("privacy.settings.change") if phone else s("privacy.settings.set"),
                    AskPhone())]]
    if phone:
        rows.append([button(s("privacy.settings.remove"), RemovePhone())])
    rows.append([_home(content)])
    return Markup(rows)


def phone_cancel_keyboard(content: Content) -> Markup:
    return cancel_keyboard(content, "privacy.settings.cancel")


def privacy_keyboard(content: Content) -> Markup:
    return Markup([[button(content.strings("privacy.delete.button"), AskDelete())],
                   [_home(content)]])


def delete_keyboard(content: Content) -> Markup:
    s = content.strings
    return Markup([[button(s("privacy.delete.confirm"), DeleteMyData())],
                   [button(s("privacy.delete.keep"), Home())]])


# ---- urgent card ------------------------------------------------------------------------------
async def urgent_view(update: Update, context: BotContext, prefix: str | None = None) -> View:
    phone = await context.storage.users.get_phone(user_id(update))
    text = urgent_text(context.content, phone)
    return View(text if prefix is None else f"{prefix}\n\n{text}",
                urgent_keyboard(context.content))


async def show_urgent(update: Update, context: BotContext) -> None:
    """/urgent: when to call the care team now, and the family's own number."""
    await show(update, context, *await urgent_view(update, context))


async def tap_urgent(update: Update, context: BotContext, data: ShowUrgent) -> Reply:
    """Urgent help button (reading it needs no consent)."""
    return Reply(await urgent_view(update, context))


# ---- settings ---------------------------------------------------------------------------------
async def settings_view(update: Update, context: BotContext) -> View:
    phone = await context.storage.users.get_phone(user_id(update))
    return View(settings_text(context.content, phone), settings_keyboard(context.content, phone))


async def show_settings(update: Update, context: BotContext) -> None:
    """/settings: the saved care team number and buttons to change or remove it."""
    await show(update, context, *await settings_view(update, context))


async def tap_settings(update: Update, context: BotContext, data: ShowSettings) -> Reply:
    """Settings button."""
    return Reply(await settings_view(update, context))


async def ask_phone(update: Update, context: BotContext, data: AskPhone) -> Reply:
    """Set or change the number: after consent, wait for the parent to type it."""
    await open_prompt(update, context, PHONE_PROMPT, ShowSettings())  # may ask consent first
    return Reply(View(context.content.strings("privacy.settings.prompt"),
                      phone_cancel_keyboard(context.content)))


async def save_phone(update: Update, context: BotContext, prompt: Prompt, text: str) -> bool:
    """The typed number: save it if it looks like one, otherwise say what is allowed."""
    phone = clean_phone(text)
    s = context.content.strings
    if phone is None:
        # Keep waiting: the parent can simply type it again.
        await show(update, context, s("privacy.settings.invalid"),
                   phone_cancel_keyboard(context.content))
        return False
    await context.storage.users.set_phone(user_id(update), phone)
    await show(update, context, *await urgent_view(update, context, s("privacy.settings.saved")))
    return True


async def remove_phone(update: Update, context: BotContext, data: RemovePhone) -> Reply:
    """Remove the saved number (a second tap finds nothing to remove and changes nothing)."""
    uid = user_id(update)
    if await context.storage.users.get_phone(uid) is not None:
        await context.storage.users.set_phone(uid, None)
    return Reply(await settings_view(update, context),
                 context.content.strings("privacy.settings.removed"))


# ---- privacy and the user's own data ------------------------------------------------------------
def privacy_view(context: BotContext) -> View:
    settings = context.services.settings
    text = context.content.strings("privacy.page", undo_minutes=settings.undo_seconds // 60,
                                   prompt_minutes=settings.prompt_seconds // 60)
    return View(text, privacy_keyboard(context.content))


async def show_privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, why, how long, who sees it, and the two data commands."""
    await show(update, context, *privacy_view(context))


async def tap_privacy(update: Update, context: BotContext, data: ShowPrivacy) -> Reply:
    """Privacy button."""
    return Reply(privacy_view(context))


async def send_my_data(update: Update, context: BotContext) -> None:
    """/mydata: everything stored about this user, as a JSON file."""
    chat = update.effective_chat
    if chat is None:
        return
    data = await context.storage.export_user(user_id(update))
    s = context.content.strings
    caption = s("privacy.mydata.caption") if data.get("stored") else s("privacy.mydata.empty")
    await context.bot.send_document(chat.id, document=export_bytes(data),
                                    filename=EXPORT_FILENAME, caption=caption)


def delete_view(content: Content) -> View:
    return View(content.strings("privacy.delete.ask"), delete_keyboard(content))


async def ask_delete(update: Update, context: BotContext) -> None:
    """/deletemydata: ask before erasing anything."""
    await show(update, context, *delete_view(context.content))


async def tap_delete(update: Update, context: BotContext, data: AskDelete) -> Reply:
    """Erase my data button: ask before erasing anything."""
    return Reply(delete_view(context.content))


async def delete_my_data(update: Update, context: BotContext, data: DeleteMyData) -> Reply:
    """Confirmed: erase every row of this user (the tapping user, never one from data)."""
    await context.storage.delete_user(user_id(update))
    s = context.content.strings
    return Reply(View(s("privacy.delete.done"), Markup([[_home(context.content)]])),
                 s("privacy.delete.done_short"))


COMMANDS = (
    Command("urgent", "help.commands.urgent", show_urgent),
    Command("settings", "help.commands.settings", show_settings),
    Command("privacy", "help.commands.privacy", show_privacy),
    Command("mydata", "help.commands.mydata", send_my_data),
    Command("deletemydata", "help.commands.deletemydata", ask_delete),
)


def setup(app: BotApp) -> None:
    tap(app, ShowUrgent, tap_urgent)
    tap(app, ShowSettings, tap_settings)
    tap(app, AskPhone, ask_phone)
    tap(app, RemovePhone, remove_phone)
    tap(app, ShowPrivacy, tap_privacy)
    tap(app, AskDelete, tap_delete)
    tap(app, DeleteMyData, delete_my_data)
    on_prompt(app, PHONE_PROMPT, save_phone)
    s = services_of(app).content.strings
    menu_button(app, 4, 0, button(s("menu.urgent"), ShowUrgent()))
    menu_button(app, 5, 0, button(s("menu.settings"), ShowSettings()))
    menu_button(app, 5, 1, button(s("menu.privacy"), ShowPrivacy()))
