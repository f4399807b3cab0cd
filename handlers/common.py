"""Shared handler plumbing: the callback router, answering taps, editing in place, consent."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import filters

from bot.app import BotContext
from bot.callbacks import Callback, parse
from bot.keyboards import consent as consent_keyboard
from bot.keyboards import main_menu

log = logging.getLogger(__name__)

# New messages in private chats: an edited message never re-runs a command or becomes
# the answer the bot is waiting for.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

TapHandler = Callable[[Update, BotContext, Callback], Awaitable[None]]
TextHandler = Callable[[Update, BotContext, int | None], Awaitable[None]]

# Telegram's descriptions for a message that can no longer be edited.
_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid",
         "there is no text in the message to edit")


class Router:
    """Maps callback kinds and waiting-for-text kinds to the handlers that own them."""

    def __init__(self) -> None:
        self.taps: dict[str, TapHandler] = {}
        self.texts: dict[str, TextHandler] = {}

    def tap(self, *kinds: str) -> Callable[[TapHandler], TapHandler]:
        def add(fn: TapHandler) -> TapHandler:
            for kind in kinds:
                if kind in self.taps:
                    raise ValueError(f"callback kind {kind!r} registered twice")
                self.taps[kind] = fn
            return fn
        return add

    def text(self, kind: str) -> Callable[[TextHandler], TextHandler]:
        def add(fn: TextHandler) -> TextHandler:
            self.texts[kind] = fn
            return fn
        return add

    async def dispatch(self, update: Update, context: BotContext) -> None:
        """Route one tap; data the bot does not understand gets a calm answer and the menu."""
        query = update.callback_query
        assert query is not None
        cb = parse(query.data)
        handler = self.taps.get(cb.kind) if cb is not None else None
        if cb is None or handler is None:
            await show_stale(update, context)
            return
        await handler(update, context, cb)


def user_id(update: Update) -> int:
    user = update.effective_user
    if user is None:
        raise ValueError("update without a user")
    return user.id


async def answer(update: Update, context: BotContext, text: str | None = None,
                 alert: bool = False) -> None:
    """Answer the tap once (first, so the button stops spinning even if the edit fails)."""
    query = update.callback_query
    if query is None or context.answered:
        return
    context.answered = True
    try:
        await query.answer(text=text, show_alert=alert)
    except BadRequest as exc:
        # Too old or already answered: nothing more can be done for this tap.
        log.info("callback answer refused for update %s: %s", update.update_id, exc.message)


async def show(update: Update, context: BotContext, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the tapped message in place; send a new one for commands or uneditable messages."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await _call(context, "editMessageText", chat_id=query.message.chat_id,
                        message_id=query.message.message_id, text=text, markup=markup)
            return
        except BadRequest as exc:
            lowered = exc.message.lower()
            if "message is not modified" in lowered:
                return  # a double tap that changes nothing is not an error
            if not any(reason in lowered for reason in _GONE):
                raise
    chat = update.effective_chat
    if chat is not None:
        await _call(context, "sendMessage", chat_id=chat.id, text=text, markup=markup)


async def _call(context: BotContext, method: str, chat_id: int, text: str,
                markup: InlineKeyboardMarkup | None, message_id: int | None = None) -> None:
    """Send or edit without parsing Telegram's echo of the whole message back into objects.

    Nothing here uses the returned Message, and parsing it (keyboard included) was the
    largest single cost of a tap in the benchmark. Errors are raised exactly as PTB's own
    methods raise them, and the call still goes through the rate limiter.
    """
    kwargs: dict[str, object] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
                                 "link_preview_options": _NO_PREVIEW}
    if message_id is not None:
        kwargs["message_id"] = message_id
    if markup is not None:
        kwargs["reply_markup"] = _markup_json(markup)
    await context.bot.do_api_request(method, api_kwargs=kwargs)


@lru_cache(maxsize=2048)
def _markup_json(markup: InlineKeyboardMarkup) -> dict[str, object]:
    """PTB's to_dict of a keyboard, remembered: the same menus are sent again and again, and
    turning 24 buttons into JSON costs about half a millisecond each time."""
    return markup.to_dict()


async def show_home(update: Update, context: BotContext, prefix: str | None = None) -> None:
    s = context.content.strings
    text = s("menu.home_title") if prefix is None else f"{prefix}\n\n{s('menu.home_title')}"
    await show(update, context, text, main_menu(context.content))


async def show_stale(update: Update, context: BotContext) -> None:
    """A tap the bot no longer understands: answer calmly and offer the main menu."""
    s = context.content.strings
    await answer(update, context, s("errors.stale"))
    await show_home(update, context)


async def ensure_consent(update: Update, context: BotContext, cb: Callback) -> bool:
    """True if this user agreed to storage; otherwise ask once, carrying the action along."""
    if await context.repo.has_consent(user_id(update)):
        return True
    await ask_consent(update, context, cb)
    return False


async def ask_consent(update: Update, context: BotContext, cb: Callback) -> None:
    """Show what would be stored, with OK (then carry out `cb`) and No thanks.

    Hot paths skip ensure_consent's read: the repository's writes refuse a user without
    consent (NoConsent), and the handler asks then.
    """
    await answer(update, context)
    await show(update, context, context.content.strings("consent.prompt"),
               consent_keyboard(context.content, cb.pack()))
