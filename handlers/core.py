"""Start, help, menus, consent, cancel, text routing, the fallbacks and the error handler."""

from __future__ import annotations

import contextlib
import logging
import re

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import TOOL_COMMANDS, BotApp, BotContext
from bot.callbacks import Callback
from bot.keyboards import contents, main_menu
from bot.render import help_text
from handlers.common import PRIVATE, Router, answer, show, show_home, user_id

log = logging.getLogger(__name__)

# Deep-link payloads Telegram allows: 1-64 characters of A-Z a-z 0-9 _ -
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def start(update: Update, context: BotContext) -> None:
    """Greet, say what the bot is and is not, and show the main menu (or a deep-linked page)."""
    args = context.args or []
    if len(args) == 1 and _PAYLOAD.match(args[0]):
        section = context.content.section(args[0])
        if section is not None:
            from handlers.guide import open_section  # guide depends on core, not vice versa

            await open_section(update, context, section.id, "", 0)
            return
    s = context.content.strings
    await show(update, context, f"{s('start.greeting')}\n\n{s('menu.home_title')}",
               main_menu(context.content))


async def show_help(update: Update, context: BotContext) -> None:
    """List every command, generated from the same data as the "/" menu."""
    s = context.content.strings
    tools = [(name, s(f"help.commands.{name}")) for name in TOOL_COMMANDS]
    await show(update, context, help_text(context.content, tools), main_menu(context.content))


async def show_contents(update: Update, context: BotContext) -> None:
    """The guide's contents as buttons."""
    await show(update, context, context.content.strings("menu.contents_title"),
               contents(context.content))


async def tap_home(update: Update, context: BotContext, cb: Callback) -> None:
    """Home button."""
    await answer(update, context)
    await show_home(update, context)


async def tap_contents(update: Update, context: BotContext, cb: Callback) -> None:
    """Contents button."""
    await answer(update, context)
    await show_contents(update, context)


async def tap_nothing(update: Update, context: BotContext, cb: Callback) -> None:
    """The page counter: a button that only needs its tap answered."""
    await answer(update, context)


def make_consent_handlers(router: Router) -> None:
    @router.tap("y")
    async def give_consent(update: Update, context: BotContext, cb: Callback) -> None:
        """Consent given: store its time, then carry out the action that asked for it."""
        from bot.callbacks import parse

        await context.repo.give_consent(user_id(update))
        inner = parse(cb.then)
        handler = router.taps.get(inner.kind) if inner is not None else None
        if inner is None or handler is None:
            await show_home(update, context)
            return
        await handler(update, context, inner)

    @router.tap("n")
    async def decline_consent(update: Update, context: BotContext, cb: Callback) -> None:
        """Consent declined: store nothing and say so."""
        await answer(update, context)
        await show_home(update, context, context.content.strings("consent.declined"))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: stop waiting for typed text."""
    await context.repo.clear_pending(user_id(update))
    await show_home(update, context)


def make_text_router(router: Router):  # type: ignore[no-untyped-def]
    async def route_text(update: Update, context: BotContext) -> None:
        """A typed message: it answers what the bot asked for, or gets a calm pointer."""
        pending = await context.repo.get_pending(user_id(update))
        if pending is not None and pending.kind in router.texts:
            await router.texts[pending.kind](update, context, pending.ref)
            return
        await show(update, context, context.content.strings("errors.unknown_text"),
                   main_menu(context.content))
    return route_text


async def reply_unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have: point to /help."""
    await show(update, context, context.content.strings("errors.unknown_text"),
               main_menu(context.content))


async def reply_unsupported(update: Update, context: BotContext) -> None:
    """Stickers, photos, files and the like: a calm pointer, never an error."""
    if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        await show(update, context, context.content.strings("errors.unsupported"))


async def reply_group(update: Update, context: BotContext) -> None:
    """Messages in groups: the bot only works in private chats, where notes stay private."""
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        await message.reply_text(context.content.strings("errors.group"))


async def handle_error(update: object, context: BotContext) -> None:
    """Log the update id and the exception (never message text), tell the user calmly."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: user blocked the bot", update_id)
        return
    if isinstance(error, (TimedOut, NetworkError, RetryAfter)):
        log.warning("update %s: network trouble: %s", update_id, error.__class__.__name__)
    else:
        log.error("update %s: %s", update_id, error.__class__.__name__,
                  exc_info=(type(error), error, error.__traceback__) if error else None)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            # A fresh context: the handler's answered flag is not visible here, and a
            # second answer is refused by Telegram, which is harmless.
            with contextlib.suppress(BadRequest):
                await update.callback_query.answer(context.content.strings("errors.generic"))
        await context.bot.send_message(update.effective_chat.id,
                                       context.content.strings("errors.generic"),
                                       reply_markup=main_menu(context.content))
    except Exception as exc:  # the error path must never raise
        log.warning("update %s: could not tell the user about the error: %s", update_id,
                    exc.__class__.__name__)


def setup(app: BotApp, router: Router) -> None:
    private = PRIVATE
    app.add_handler(CommandHandler("start", start, filters=private))
    app.add_handler(CommandHandler("help", show_help, filters=private))
    app.add_handler(CommandHandler("menu", show_contents, filters=private))
    app.add_handler(CommandHandler("cancel", cancel, filters=private))
    router.tap("h")(tap_home)
    router.tap("c")(tap_contents)
    router.tap("x")(tap_nothing)
    make_consent_handlers(router)


def setup_fallbacks(app: BotApp, router: Router) -> None:
    """Registered last: the catch-alls, in the order they must be tried."""
    private = PRIVATE
    app.add_handler(CallbackQueryHandler(router.dispatch))
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT
                                   & ~filters.COMMAND, make_text_router(router)))
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & filters.COMMAND,
                                   reply_unknown_command))
    app.add_handler(MessageHandler(~private & filters.UpdateType.MESSAGE, reply_group))
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, reply_unsupported))
    # Everything else (edited messages, channel posts, inline queries...) is ignored quietly.
    app.add_handler(TypeHandler(Update, _ignore))
    app.add_error_handler(handle_error)


async def _ignore(update: Update, context: BotContext) -> None:
    """Updates the bot has no use for."""
    return None
