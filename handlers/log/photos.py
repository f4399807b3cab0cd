"""Photos in the log. A photo is kept as Telegram's file id (the bot never downloads it): it
shows only in this bot's chat, never in a PDF, is lost if the bot's token changes, and
erasing the record cannot take back what is already in the chat (/privacy says so).

- 📷 Photo in the log waits for one; it is logged with its caption as the note (the caption
  is checked for red flags first, as any text); without a caption the bot asks what it shows.
- A photo sent anywhere else gets the calm line it always got (the bot cannot see photos;
  no person does; the card line if its caption names one) and, as a reply to the photo,
  "Add it to the log?": the tap reads the photo from the message it replies to, so nothing
  is kept before the parent says yes.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup as Markup
from telegram import Message, ReplyParameters, Update
from telegram.ext import MessageHandler, filters

from bot.context import BotApp, BotContext
from bot.storage import LimitReached, Prompt
from handlers.common import Home, Reply, View, button, me, require_consent, show, stale_reply, user_id
from handlers.log.buttons import NOTE_PROMPT, PHOTO_PROMPT, AddPhoto, PhotoOffer, ShowLog, ShowPhoto
from handlers.log.flow import LIMIT, clock_of, entry_line, log_screen, saved_view, when_text
from handlers.prompts import Asking, Outcome, Text, again, ask, open_prompt
from handlers.redflags import check, reply_media, send_alert

PHOTO_LOGGED = "log.photo_saved"


def largest(message: Message | None) -> str | None:
    return message.photo[-1].file_id if message is not None and message.photo else None


async def add_photo(update: Update, context: BotContext, data: AddPhoto) -> Reply:
    return await ask(update, context, PHOTO, context.content.strings("log.photo_prompt"), ShowLog())


async def read_not_a_photo(update: Update, context: BotContext, row: None, text: str) -> str | Outcome:
    return again(context.content, context.content.strings("log.photo_waiting"))


async def still_waiting(update: Update, context: BotContext, row: None, text: str) -> Outcome:
    """Not reached: `read_not_a_photo` keeps the prompt open for any text."""
    return again(context.content, context.content.strings("log.photo_waiting"))


async def open_prompt_of(update: Update, context: BotContext) -> Prompt | None:
    prompt = await context.storage.prompts.get(user_id(update))
    return prompt if prompt is not None and prompt.expires_at > context.now() else None


async def save_photo(update: Update, context: BotContext, file_id: str, caption: str) -> View:
    """The photo logged now, the caption as its note (red flags in it answered first); with
    no caption, the bot asks what it shows (the note prompt for this entry)."""
    who = await me(update, context)
    if caption:
        match = await check(update, context, caption)
        if match:
            await send_alert(update, context, match)
    try:
        entry_id = await context.storage.log.add(
            who, "photo", context.now(), limit=LIMIT, photo=file_id, note=caption
        )
    except LimitReached:
        return await log_screen(update, context)
    tz, twelve, _ = await clock_of(context, who.circle)
    s = context.content.strings
    text = s(PHOTO_LOGGED, when=when_text(context.content, context.now(), tz, twelve))
    if not caption:
        await open_prompt(update, context, NOTE_PROMPT, ShowLog(), entry_id)
        return View(f"{text}\n\n{s('log.photo_what')}", saved_view(context.content, "", entry_id).markup)
    return saved_view(context.content, text, entry_id)


async def on_photo(update: Update, context: BotContext) -> None:
    """A photo in a private chat: into the log when the log waits for one; else the calm line
    and, replying to it, "Add it to the log?"."""
    message = update.effective_message
    file_id = largest(message)
    if message is None or file_id is None:
        return
    prompt = await open_prompt_of(update, context)
    if prompt is not None and prompt.kind == PHOTO_PROMPT:
        await context.storage.prompts.close(message.chat_id)
        await show(update, context, *await save_photo(update, context, file_id, message.caption or ""))
        return
    await reply_media(update, context)
    s = context.content.strings
    rows = [[button(s("log.photo_offer_yes"), PhotoOffer())], [button(s("log.not_now"), Home())]]
    await context.bot.send_message(
        message.chat_id,
        s("log.photo_offer"),
        reply_markup=Markup(rows),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


async def photo_offer(update: Update, context: BotContext, data: PhotoOffer) -> Reply:
    query = update.callback_query
    replied = (
        query.message.reply_to_message if query is not None and isinstance(query.message, Message) else None
    )
    file_id = largest(replied)
    if replied is None or file_id is None:
        return Reply(notice=context.content.strings("log.photo_gone"), alert=True)
    await require_consent(update, context)
    return Reply(await save_photo(update, context, file_id, replied.caption or ""))


async def show_photo(update: Update, context: BotContext, data: ShowPhoto) -> Reply:
    who = await me(update, context)
    entry = await context.storage.log.get(who.circle, data.entry) if who.circle else None
    chat = update.effective_chat
    if entry is None or entry.photo is None or chat is None:
        return stale_reply(context)
    tz, twelve, _ = await clock_of(context, who.circle)
    caption = entry_line(context.content, entry, tz, twelve)

    photo = entry.photo

    async def send() -> None:
        await context.bot.send_photo(chat.id, photo, caption=caption)

    return Reply(after=send)


PHOTO: Asking[None, str] = Asking(PHOTO_PROMPT, Text.STRUCTURED, read=read_not_a_photo, save=still_waiting)


def setup(app: BotApp) -> None:
    """Photos in private chats, before the fallbacks' calm line for anything unreadable."""
    app.add_handler(MessageHandler(filters.PHOTO & filters.ChatType.PRIVATE, on_photo))
