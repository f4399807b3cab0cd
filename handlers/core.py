"""Start, help, home, consent, prompts (typed text and Cancel), the fallbacks, the error handler."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from telegram import InlineKeyboardMarkup as Markup
from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.content import DEFAULT_LANGUAGE
from bot.context import BotApp, BotContext, Command
from bot.processor import not_the_senders_chat
from bot.render import help_text
from bot.storage import NotSaved, Prompt
from handlers.common import (
    PRIVATE,
    CancelPrompt,
    Contents,
    DeclineConsent,
    GiveConsent,
    Home,
    Noop,
    Reply,
    SetLanguage,
    ShowLanguages,
    View,
    at_start_and_every,
    button,
    carry_out,
    circle_of,
    family_home,
    forget_me,
    home_view,
    main_menu,
    me,
    run_tap,
    show,
    stale_reply,
    tap,
    user_id,
)
from handlers.privacy import SetUrgentButton, ShowSettings, send_urgent_button
from handlers.prompts import Asking, Outcome, Text, Then
from handlers.redflags import check as red_flags
from handlers.redflags import reply_media, send_alert, setup_edits

log = logging.getLogger(__name__)

# Deep-link payloads Telegram allows: 1-64 characters of A-Z a-z 0-9 _ -
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# This group runs before every other (PTB runs groups in ascending order; one handler per
# group at most): it ends an open prompt before the tap or command is handled.
FIRST_GROUP = -1_000_000  # refusing forged updates, before everything
PROMPT_GROUP = -100


def _is_cancel(context: BotContext, text: str) -> bool:
    """/cancel under any of its names (/cancelar...), with or without @botname: it ends the
    prompt itself, so the prompt must not be closed before it runs."""
    words = text[1:].split(maxsplit=1)
    word = words[0].partition("@")[0].lower() if words else ""
    for command in context.services.commands:
        if command.name == "cancel":
            return word == "cancel" or any(word in names for names in command.aliases.values())
    return word == "cancel"


async def start(update: Update, context: BotContext) -> None:
    """Greet, say what the bot is and is not, and show the main menu (or a deep-linked page)."""
    args = context.args or []
    s = context.content.strings
    if args:
        for prefix, handle in context.services.start_payloads.items():
            if len(args) == 1 and args[0].startswith(prefix):
                await handle(update, context, args[0][len(prefix) :])
                return
        target = None
        if len(args) == 1 and _PAYLOAD.match(args[0]):
            for resolve in context.services.deep_links:
                target = resolve(context.content, args[0])
                if target is not None:
                    break
        # A deep link opens like a tap on that button; an old or unknown one, the contents.
        reply = await run_tap(update, context, (target or Contents()).pack())
        if reply.view is not None:
            text = reply.view.text if target else f"{s('start.link_unknown')}\n\n{reply.view.text}"
            await show(update, context, text, reply.view.markup)
        return
    home = await family_home(update, context, s("start.greeting"))  # the family's phase, if any
    menu = home.markup or main_menu(context)
    offers = []  # skippable: each row goes once the parent has chosen
    if await context.storage.users.urgent_button(user_id(update)) is None:
        offers.append([button(s("privacy.button.show"), SetUrgentButton(True))])
    if not await context.storage.contacts.list(await circle_of(update, context)):
        offers.append([button(s("start.save_numbers"), ShowSettings())])
    if offers:
        menu = Markup([*menu.inline_keyboard, *offers])
    await show(update, context, home.text, menu)


async def show_help(update: Update, context: BotContext) -> None:
    """List every command, from the same list as the "/" menu."""
    s = context.content.strings
    language = context.content.language
    tools = [(c.aliases.get(language, (c.name,))[0], s(c.description_key)) for c in context.services.commands]
    await show(update, context, help_text(context.content, tools), main_menu(context))


async def tap_home(update: Update, context: BotContext, data: Home) -> Reply:
    """Home button: the home as the family sees it (their treatment phase, if any)."""
    return Reply(await family_home(update, context))


async def tap_nothing(update: Update, context: BotContext, data: Noop) -> Reply:
    """The page counter: a button that only needs its tap answered."""
    return Reply()


async def give_consent(update: Update, context: BotContext, data: GiveConsent) -> Reply:
    """Consent given: store its time, then carry out the tap that asked for it."""
    uid = user_id(update)
    await context.storage.users.give_consent(uid)
    if context.content.language != DEFAULT_LANGUAGE and await context.storage.users.language(uid) is None:
        # Their Telegram app's language, kept: reminders and notices, sent when they have
        # written nothing, come in it too (a chosen language is never overwritten).
        await context.storage.users.set_language(uid, context.content.language)
    forget_me(context)  # a circle of one now: read the membership again
    if DeclineConsent.matches(data.then):
        return Reply(home_view(context))
    return await run_tap(update, context, data.then)


async def decline_consent(update: Update, context: BotContext, data: DeclineConsent) -> Reply:
    """Consent declined: store nothing and say so."""
    return Reply(home_view(context, context.content.strings("consent.declined")))


# ---- prompts -----------------------------------------------------------------------------------
async def cancel_prompt(update: Update, context: BotContext, data: CancelPrompt) -> Reply:
    """Cancel on a prompt: stop waiting and go back to where the prompt was opened."""
    uid = user_id(update)
    prompt = await context.storage.prompts.get(uid)
    await context.storage.prompts.close(uid)
    s = context.content.strings
    if prompt is None or prompt.expires_at <= context.now():
        return Reply(home_view(context, s("prompt.nothing_to_cancel")))
    back = await run_tap(update, context, prompt.origin) if prompt.origin else Reply()
    return Reply(back.view or home_view(context), s("prompt.cancelled"))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: stop waiting for typed text, or say there was nothing to stop."""
    uid = user_id(update)
    prompt = await context.storage.prompts.get(uid)
    await context.storage.prompts.close(uid)
    s = context.content.strings
    open_ = prompt is not None and prompt.expires_at > context.now()
    await show(
        update,
        context,
        *home_view(context, s("prompt.cancelled") if open_ else s("prompt.nothing_to_cancel")),
    )


async def receive_text(update: Update, context: BotContext) -> None:
    """A typed message: the answer to an open prompt (handlers.prompts: the red-flag check
    comes first there), or text outside any prompt (the search reply starts with it)."""
    uid = user_id(update)
    prompt = await context.storage.prompts.get(uid)
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    if prompt is not None:
        if prompt.expires_at > context.now() and await answer_prompt(update, context, prompt, text):
            return
        await context.storage.prompts.close(uid)  # expired, or a kind this release dropped
    await reply_outside_prompt(update, context)


async def answer_prompt(update: Update, context: BotContext, prompt: Prompt, text: str) -> bool:
    """Text typed into an open, unexpired prompt: the red-flag check, then the prompt's own
    load, read and save steps (handlers.prompts). False if this release has no such kind of
    prompt, or the text is not meant for it (Then.PASS): the caller closes it and treats the
    text as text."""
    asking = context.services.prompts.get(prompt.kind)
    if not isinstance(asking, Asking):
        return False
    free = asking.text is Text.FREE
    match = await red_flags(
        update, context, text, bare_numbers=free, numbers=asking.text is not Text.TEMPERATURE
    )
    if match and not free:
        await send_alert(update, context, match, context.content.strings("redflags.kept_open"))
        return True
    if match:
        await send_alert(update, context, match)
    if asking.full and not (who := await me(update, context)).full and who.circle:
        await context.storage.prompts.close(user_id(update))
        await show(update, context, context.content.strings("family.full_only"), main_menu(context))
        return True
    outcome = await _steps(update, context, asking, prompt, text)
    if outcome.then is Then.PASS:
        return False  # the caller closes the prompt and handles the text as text
    # Saved first, then the prompt is closed: a crash in between never loses what was typed.
    if outcome.then is Then.CLOSE:
        await context.storage.prompts.close(user_id(update))
    await show(update, context, *outcome.view)
    return True


async def _steps(
    update: Update, context: BotContext, asking: Asking[Any, Any], prompt: Prompt, text: str
) -> Outcome:
    row = None if asking.load is None else await asking.load(update, context, prompt)
    if isinstance(row, Outcome):
        return row
    value = await asking.read(update, context, row, text)
    if isinstance(value, Outcome):
        return value
    return await asking.save(update, context, row, value)


async def reply_outside_prompt(update: Update, context: BotContext) -> None:
    """Text that answers no prompt: what a feature does with it (search), else a calm
    pointer to the buttons and /help."""
    outside = context.services.outside_prompt
    if outside is not None:
        await outside(update, context)
        return
    await show(update, context, context.content.strings("errors.unknown_command"), main_menu(context))


# ---- fallbacks ---------------------------------------------------------------------------------
async def answer_stale(update: Update, context: BotContext) -> None:
    """Any tap no feature understands (old, changed or forged data): calm answer, the menu."""
    await carry_out(update, context, stale_reply(context))


async def reply_unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have: point to /help."""
    await show(update, context, context.content.strings("errors.unknown_command"), main_menu(context))


async def reply_unsupported(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes, files and the like: a caption is checked for red
    flags; what cannot be read gets the urgent line anyway (handlers.redflags)."""
    if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        await reply_media(update, context)


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
    elif isinstance(error, NotSaved):  # its message is ours (why), never the parent's text
        log.error("update %s: not saved: %s", update_id, error)
    else:
        log.error(
            "update %s: %s",
            update_id,
            error.__class__.__name__,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # A write that was refused says so: "Nothing you saved was lost" would not be true of
    # what was just typed or tapped.
    text = context.content.strings(
        "errors.storage_trouble" if isinstance(error, NotSaved) else "errors.generic"
    )
    try:
        if update.callback_query is not None:
            # Taps are answered before their view is shown: a failure before that gets
            # this answer; one after it is refused by Telegram, harmlessly.
            with contextlib.suppress(BadRequest):
                await update.callback_query.answer(text)
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=main_menu(context))
    except Exception as exc:  # the error path must never raise
        log.warning(
            "update %s: could not tell the user about the error: %s", update_id, exc.__class__.__name__
        )


async def _ignore(update: Update, context: BotContext) -> None:
    """Updates the bot has no use for."""
    return None


def setup(app: BotApp) -> None:
    """Home, consent and Cancel taps, and ending prompts before any other handler."""
    app.add_handler(TypeHandler(Update, _refuse_forged), group=FIRST_GROUP)
    app.add_handler(TypeHandler(Update, _prepare_update), group=PROMPT_GROUP)
    tap(app, Home, tap_home)
    tap(app, Noop, tap_nothing)
    tap(app, GiveConsent, give_consent)
    tap(app, DeclineConsent, decline_consent)
    tap(app, CancelPrompt, cancel_prompt)
    tap(app, ShowLanguages, tap_languages)
    tap(app, SetLanguage, set_language)
    at_start_and_every(app, forget_handled_updates, FORGET_EVERY, FORGET_JOB)


FORGET_JOB = "forget-handled-updates"
FORGET_EVERY = 3600  # seconds between clean-ups
REMEMBER_UPDATES = 86_400  # a webhook re-post comes within minutes; a day is plenty


async def forget_handled_updates(context: BotContext) -> None:
    """Job: webhook replicas record the update ids they handled, so a re-post is handled
    once; ids older than a day are forgotten (one replica does it each turn)."""
    async with context.storage.coordination.job_lock(FORGET_JOB) as mine:
        if mine:
            await context.storage.coordination.forget_updates(context.now() - REMEMBER_UPDATES)


async def _refuse_forged(update: Update, context: BotContext) -> None:
    """Before anything else: a private chat whose id is not its sender's is never handled
    (the webhook server refuses it too; in long polling it would need the token already,
    so this is defence in depth, one rule everywhere)."""
    if not_the_senders_chat(update):
        log.warning("update %s: refused, a private chat whose id is not its sender's", update.update_id)
        raise ApplicationHandlerStop


async def _prepare_update(update: Update, context: BotContext) -> None:
    """Before every feature (PROMPT_GROUP): the parent's language for this update, then any
    tap but Cancel, or any command but /cancel, in a private chat ends an open prompt, so
    text typed afterwards is never filed into it."""
    user = update.effective_user
    if user is not None:
        context.language = await language_of(context, user.id, user.language_code)
    query = update.callback_query
    if query is None:
        message = update.message
        if (
            message is None
            or message.chat.type != ChatType.PRIVATE
            or not message.text
            or not message.text.startswith("/")
        ):
            return
        if _is_cancel(context, message.text):
            return
    elif CancelPrompt.matches(query.data):
        return
    if user is not None:
        await context.storage.prompts.close(user.id)


async def language_of(context: BotContext, uid: int, telegram_code: str | None) -> str:
    """The language the parent chose, else the one their Telegram app is in ("es",
    "es-419", "es-MX", "es_ES" are Spanish), else the first language."""
    chosen = await context.storage.users.language(uid)
    available = context.services.contents
    if chosen in available:
        return chosen
    code = (telegram_code or "").lower().replace("_", "-").split("-")[0]
    return code if code in available else DEFAULT_LANGUAGE


def language_view(context: BotContext) -> View:
    s = context.content.strings
    rows = [
        [button(content.strings("language.name"), SetLanguage(code))]
        for code, content in context.services.contents.items()
    ]
    rows.append([button(s("menu.home"), Home())])
    return View(s("language.ask"), Markup(rows))


async def choose_language(update: Update, context: BotContext) -> None:
    """/language: the languages the guide is in."""
    await show(update, context, *language_view(context))


async def tap_languages(update: Update, context: BotContext, data: ShowLanguages) -> Reply:
    return Reply(language_view(context))


async def set_language(update: Update, context: BotContext, data: SetLanguage) -> Reply:
    """Switch: stored (no consent needed: it is not about the child), then the home menu in
    the new language."""
    if data.code not in context.services.contents:
        return stale_reply(context)
    await context.storage.users.set_language(user_id(update), data.code)
    context.language = data.code
    await send_urgent_button(update, context)  # the 🚨 button, relabelled in the new language
    return Reply(home_view(context, context.content.strings("language.saved")))


def setup_fallbacks(app: BotApp) -> None:
    """Registered last: the catch-alls, in the order they must be tried."""
    app.add_handler(CallbackQueryHandler(answer_stale))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, receive_text))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, reply_unknown_command))
    app.add_handler(MessageHandler(~filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, reply_group))
    app.add_handler(MessageHandler(PRIVATE, reply_unsupported))
    setup_edits(app)  # an edited text or caption is checked again
    # Everything else (edited messages, channel posts, inline queries...) is ignored quietly.
    app.add_handler(TypeHandler(Update, _ignore))
    app.add_error_handler(handle_error)


COMMANDS = (
    Command("start", "help.commands.start", start),
    Command("help", "help.commands.help", show_help),
    Command("language", "help.commands.language", choose_language),
)
# /cancel is declared last so it closes the "/" menu and /help.
LAST_COMMANDS = (Command("cancel", "help.commands.cancel", cancel),)
