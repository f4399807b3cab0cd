"""The urgent card, settings (the care team number), privacy, and the user's own data."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import BotApp, BotContext
from bot.callbacks import Callback, make
from bot.content import Content
from bot.render import esc
from bot.storage import UNDO_SECONDS
from handlers.common import PRIVATE, Router, answer, ensure_consent, show, user_id

PHONE_KIND = "phone"  # what the bot waits for after "set the number"
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


# ---- keyboards --------------------------------------------------------------------------------
def _home(content: Content) -> Button:
    return Button(content.strings("menu.home"), callback_data=make("h"))


def urgent_keyboard(content: Content) -> Markup:
    return Markup([[Button(content.strings("privacy.urgent.settings"), callback_data=make("st")),
                    _home(content)]])


def settings_keyboard(content: Content, phone: str | None) -> Markup:
    s = content.strings
    rows = [[Button(s("privacy.settings.change") if phone else s("privacy.settings.set"),
                    callback_data=make("sp"))]]
    if phone:
        rows.append([Button(s("privacy.settings.remove"), callback_data=make("sr"))])
    rows.append([_home(content)])
    return Markup(rows)


def cancel_keyboard(content: Content) -> Markup:
    return Markup([[Button(content.strings("privacy.settings.cancel"), callback_data=make("mx"))]])


def privacy_keyboard(content: Content) -> Markup:
    return Markup([[Button(content.strings("privacy.delete.button"), callback_data=make("dd"))],
                   [_home(content)]])


def delete_keyboard(content: Content) -> Markup:
    s = content.strings
    return Markup([[Button(s("privacy.delete.confirm"), callback_data=make("dy"))],
                   [Button(s("privacy.delete.keep"), callback_data=make("h"))]])


# ---- urgent card ------------------------------------------------------------------------------
async def render_urgent(update: Update, context: BotContext, prefix: str | None = None) -> None:
    phone = await context.repo.get_phone(user_id(update))
    text = urgent_text(context.content, phone)
    await show(update, context, text if prefix is None else f"{prefix}\n\n{text}",
               urgent_keyboard(context.content))


async def show_urgent(update: Update, context: BotContext) -> None:
    """/urgent: when to call the care team now, and the family's own number."""
    await render_urgent(update, context)


async def tap_urgent(update: Update, context: BotContext, cb: Callback) -> None:
    """Urgent help button (reading it needs no consent)."""
    await answer(update, context)
    await render_urgent(update, context)


# ---- settings ---------------------------------------------------------------------------------
async def render_settings(update: Update, context: BotContext) -> None:
    phone = await context.repo.get_phone(user_id(update))
    await show(update, context, settings_text(context.content, phone),
               settings_keyboard(context.content, phone))


async def show_settings(update: Update, context: BotContext) -> None:
    """/settings: the saved care team number and buttons to change or remove it."""
    await render_settings(update, context)


async def tap_settings(update: Update, context: BotContext, cb: Callback) -> None:
    """Settings button."""
    await answer(update, context)
    await render_settings(update, context)


async def ask_phone(update: Update, context: BotContext, cb: Callback) -> None:
    """Set or change the number: after consent, wait for the parent to type it."""
    if not await ensure_consent(update, context, cb):
        return
    await context.repo.set_pending(user_id(update), PHONE_KIND)
    await answer(update, context)
    await show(update, context, context.content.strings("privacy.settings.prompt"),
               cancel_keyboard(context.content))


async def save_phone(update: Update, context: BotContext, ref: int | None) -> None:
    """The typed number: save it if it looks like one, otherwise say what is allowed."""
    message = update.effective_message
    phone = clean_phone(message.text or "") if message is not None else None
    s = context.content.strings
    if phone is None:
        # Keep waiting: the parent can simply type it again.
        await show(update, context, s("privacy.settings.invalid"),
                   cancel_keyboard(context.content))
        return
    uid = user_id(update)
    await context.repo.set_phone(uid, phone)
    await context.repo.clear_pending(uid)
    await render_urgent(update, context, s("privacy.settings.saved"))


async def remove_phone(update: Update, context: BotContext, cb: Callback) -> None:
    """Remove the saved number (a second tap finds nothing to remove and changes nothing)."""
    uid = user_id(update)
    if await context.repo.get_phone(uid) is not None:
        await context.repo.set_phone(uid, None)
    await answer(update, context, context.content.strings("privacy.settings.removed"))
    await render_settings(update, context)


# ---- privacy and the user's own data ------------------------------------------------------------
async def render_privacy(update: Update, context: BotContext) -> None:
    text = context.content.strings("privacy.page", undo_minutes=UNDO_SECONDS // 60)
    await show(update, context, text, privacy_keyboard(context.content))


async def show_privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, why, how long, who sees it, and the two data commands."""
    await render_privacy(update, context)


async def tap_privacy(update: Update, context: BotContext, cb: Callback) -> None:
    """Privacy button."""
    await answer(update, context)
    await render_privacy(update, context)


async def send_my_data(update: Update, context: BotContext) -> None:
    """/mydata: everything stored about this user, as a JSON file."""
    chat = update.effective_chat
    if chat is None:
        return
    data = await context.repo.export_user(user_id(update))
    s = context.content.strings
    caption = s("privacy.mydata.caption") if data.get("stored") else s("privacy.mydata.empty")
    await context.bot.send_document(chat.id, document=export_bytes(data),
                                    filename=EXPORT_FILENAME, caption=caption)


async def render_delete_question(update: Update, context: BotContext) -> None:
    await show(update, context, context.content.strings("privacy.delete.ask"),
               delete_keyboard(context.content))


async def ask_delete(update: Update, context: BotContext) -> None:
    """/deletemydata: ask before erasing anything."""
    await render_delete_question(update, context)


async def tap_delete(update: Update, context: BotContext, cb: Callback) -> None:
    """Erase my data button: ask before erasing anything."""
    await answer(update, context)
    await render_delete_question(update, context)


async def delete_my_data(update: Update, context: BotContext, cb: Callback) -> None:
    """Confirmed: erase every row of this user (the tapping user, never one from data)."""
    await context.repo.delete_user(user_id(update))
    s = context.content.strings
    await answer(update, context, s("privacy.delete.done_short"))
    await show(update, context, s("privacy.delete.done"), Markup([[_home(context.content)]]))


def setup(app: BotApp, router: Router) -> None:
    private = PRIVATE
    app.add_handler(CommandHandler("urgent", show_urgent, filters=private))
    app.add_handler(CommandHandler("settings", show_settings, filters=private))
    app.add_handler(CommandHandler("privacy", show_privacy, filters=private))
    app.add_handler(CommandHandler("mydata", send_my_data, filters=private))
    app.add_handler(CommandHandler("deletemydata", ask_delete, filters=private))
    router.tap("u")(tap_urgent)
    router.tap("st")(tap_settings)
    router.tap("sp")(ask_phone)
    router.tap("sr")(remove_phone)
    router.tap("pv")(tap_privacy)
    router.tap("dd")(tap_delete)
    router.tap("dy")(delete_my_data)
    router.text(PHONE_KIND)(save_phone)
