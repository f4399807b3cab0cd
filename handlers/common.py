"""What every feature uses: taps answered exactly once, show in place, home, consent, prompts.

A feature registers each of its button types with `tap(app, DataType, callback)`: a PTB
CallbackQueryHandler whose pattern is that type's matcher. The callback does the tap's work
and returns a `Reply` (its notice, the view to show, anything to send after); the handler
then answers the tap once, first, and shows the view, so no flag is passed around. A write
refused for want of consent (NoConsent) becomes the consent prompt, which carries the tap
along and carries it out after OK.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, filters

from bot.callbacks import CallbackData, CallbackDataError, Nested
from bot.content import Content
from bot.context import BotApp, BotContext, services_of
from bot.storage import NoConsent, Prompt

log = logging.getLogger(__name__)

# New messages in private chats: an edited message never re-runs a command or becomes
# the answer to a prompt.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# Telegram's descriptions for a message that can no longer be edited.
_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid",
         "there is no text in the message to edit")


# ---- the button types every feature shares -------------------------------------------------
@dataclass(frozen=True)
class Home(CallbackData, prefix="h"):
    """The home menu."""


@dataclass(frozen=True)
class Contents(CallbackData, prefix="c"):
    """The guide's contents."""


@dataclass(frozen=True)
class Noop(CallbackData, prefix="x"):
    """A label-only button (a page counter): its tap is only answered."""


@dataclass(frozen=True)
class GiveConsent(CallbackData, prefix="y"):
    """OK to storage, then carry out `then` (the tap that asked for it)."""

    then: Nested


@dataclass(frozen=True)
class DeclineConsent(CallbackData, prefix="n"):
    """No thanks to storage: nothing is written."""


@dataclass(frozen=True)
class ShowLanguages(CallbackData, prefix="lg"):
    """The languages to choose from (from /settings, handled by handlers.core)."""


@dataclass(frozen=True)
class SetLanguage(CallbackData, prefix="ls"):
    """Switch to this language (its content folder's name: en, es)."""

    code: str


@dataclass(frozen=True)
class ShowAppointments(CallbackData, prefix="a"):
    """The appointments (reached from My questions and the settings, handled by
    handlers.appointments)."""


@dataclass(frozen=True)
class CancelPrompt(CallbackData, prefix="mx"):
    """Cancel on a prompt: stop waiting and go back where it was opened."""


# ---- answering taps ---------------------------------------------------------------------------
class View(NamedTuple):
    """A message as the parent sees it: HTML text and its buttons."""

    text: str
    markup: Markup | None = None


@dataclass(frozen=True)
class Reply:
    """What a tap does, in order: its answer (`notice`, an `alert` when it must be closed),
    then `view` edited in place, then `after` (sending a file, say)."""

    view: View | None = None
    notice: str | None = None
    alert: bool = False
    after: Callable[[], Awaitable[None]] | None = None


D = TypeVar("D", bound=CallbackData)
TapCallback = Callable[[Update, BotContext, D], Awaitable[Reply]]


class TapHandler(CallbackQueryHandler[BotContext, None]):
    """One button type's handler: parse, run the feature's callback, answer exactly once."""

    def __init__(self, data_type: type[D], callback: TapCallback[D]):
        self.data_type: type[CallbackData] = data_type
        self.tap_callback: TapCallback[Any] = callback
        super().__init__(self._handle, pattern=data_type.matches)

    async def run(self, update: Update, context: BotContext, data: str) -> Reply:
        """What the tap for `data` (already matched) does; storage writes happen here."""
        parsed = self.data_type.unpack(data)
        if parsed is None:  # the pattern matched, so only a changed type gets here
            return stale_reply(context)
        try:
            return await self.tap_callback(update, context, parsed)
        except NoConsent:
            return consent_reply(context, data)

    async def _handle(self, update: Update, context: BotContext) -> None:
        await carry_out(update, context, await self.run(update, context, str(
            update.callback_query.data if update.callback_query else "")))


async def carry_out(update: Update, context: BotContext, reply: Reply) -> None:
    """Answer the tap first, so the button stops spinning even when the edit is slow, held
    by the rate limiter, or fails; then show the view. An exception before the answer goes
    to the error handler, which answers instead: every tap is answered once either way."""
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(text=reply.notice, show_alert=reply.alert)
        except BadRequest as exc:
            # Too old to answer: nothing more can be done for this tap's spinner.
            log.info("callback answer refused for update %s: %s", update.update_id,
                     exc.message)
    if reply.view is not None:
        await show(update, context, *reply.view)
    if reply.after is not None:
        await reply.after()


def tap(app: BotApp, data_type: type[D], callback: TapCallback[D]) -> None:
    """Register a feature's button type with its callback (each prefix once per bot)."""
    taken = services_of(app).prefixes
    if data_type.prefix in taken:
        raise ValueError(f"callback prefix {data_type.prefix!r} of {data_type.__name__} is "
                         f"already {taken[data_type.prefix]}'s")
    taken[data_type.prefix] = data_type.__name__
    app.add_handler(TapHandler(data_type, callback))


async def run_tap(update: Update, context: BotContext, data: str) -> Reply:
    """What other button data would do for this same tap (after consent, Cancel's origin, a
    deep link), found through the handlers PTB already holds; unknown data is stale."""
    for group in sorted(context.application.handlers):
        for handler in context.application.handlers[group]:
            if isinstance(handler, TapHandler) and handler.data_type.matches(data):
                return await handler.run(update, context, data)
    return stale_reply(context)


def user_id(update: Update) -> int:
    user = update.effective_user
    if user is None:
        raise ValueError("update without a user")
    return user.id


# ---- showing a view -------------------------------------------------------------------------
async def show(update: Update, context: BotContext, text: str,
               markup: Markup | None = None) -> None:
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
                markup: Markup | None, message_id: int | None = None) -> None:
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
        kwargs["reply_markup"] = markup_json(context, markup)
    await context.bot.do_api_request(method, api_kwargs=kwargs)


def markup_json(context: BotContext, markup: Markup) -> dict[str, object]:
    """PTB's to_dict of a keyboard. The home menus, built from content once per language, are
    turned into JSON once (24 buttons cost about half a millisecond each time); any other
    keyboard is converted afresh and not kept, since it may hold a parent's own words (a
    question, a contact's name) that must not outlive the update that showed them."""
    services = context.services
    for language, menu in services.home_menus.items():
        if menu is markup:
            cached = services.home_menu_json.get(language)
            if cached is None:
                cached = services.home_menu_json[language] = markup.to_dict()
            return cached
    return markup.to_dict()


# ---- home, the home row, stale taps -----------------------------------------------------------
def button(label: str, data: CallbackData) -> Button:
    return Button(label, callback_data=data.pack())


def home_row(content: Content) -> list[Button]:
    s = content.strings
    return [button(s("menu.contents"), Contents()), button(s("menu.home"), Home())]


def home_only(content: Content) -> Markup:
    return Markup([[button(content.strings("menu.home"), Home())]])


def menu_button(app: BotApp, row: int, order: int, label_key: str, data: CallbackData) -> None:
    """A feature's button on the home menu, at (row, order in the row), its label a string
    key (so each language has its own menu)."""
    services_of(app).menu_buttons.append((row, order, label_key, data))


def main_menu(context: BotContext) -> Markup:
    """The home menu, as the features contributed it (built once per language)."""
    services = context.services
    content = context.content
    menu = services.home_menus.get(content.language)
    if menu is None:
        rows: dict[int, list[tuple[int, Button]]] = {}
        for row, order, key, data in services.menu_buttons:
            rows.setdefault(row, []).append((order, button(content.strings(key), data)))
        menu = Markup([[b for _, b in sorted(items, key=lambda x: x[0])]
                       for _, items in sorted(rows.items())])
        services.home_menus[content.language] = menu
    return menu


def home_view(context: BotContext, prefix: str | None = None) -> View:
    s = context.content.strings
    text = s("menu.home_title") if prefix is None else f"{prefix}\n\n{s('menu.home_title')}"
    return View(text, main_menu(context))


def stale_reply(context: BotContext) -> Reply:
    """A tap the bot no longer understands: a calm answer and the main menu."""
    return Reply(home_view(context), context.content.strings("errors.stale"))


# ---- consent ------------------------------------------------------------------------------------
def consent_reply(context: BotContext, then: str) -> Reply:
    """What would be stored, with OK (then carry out `then`) and No thanks."""
    s = context.content.strings
    try:
        ok = GiveConsent(Nested(then)).pack()
    except CallbackDataError:  # the action does not fit beside the prefix: OK goes home
        ok = GiveConsent(Nested(Home().pack())).pack()
    markup = Markup([[Button(s("consent.ok"), callback_data=ok),
                      button(s("consent.no"), DeclineConsent())]])
    return Reply(View(s("consent.prompt"), markup))


async def require_consent(update: Update, context: BotContext) -> None:
    """For actions that must know before they start (a prompt whose answer will be saved)."""
    if not await context.storage.users.has_consent(user_id(update)):
        raise NoConsent(user_id(update))


# ---- prompts: "the bot is waiting for you to type" ------------------------------------------
PromptCallback = Callable[[Update, BotContext, Prompt, str], Awaitable[bool]]


def on_prompt(app: BotApp, kind: str, callback: PromptCallback, free_text: bool = False,
              temperature: bool = False) -> None:
    """What text typed into a prompt of this kind does; the callback returns True when the
    prompt is done (False keeps it open, for example after a calm "too long").

    `free_text`: the prompt keeps whatever the parent writes (a question, an answer), so a
    message that names a red flag is still saved, after the urgent line. Otherwise the prompt
    is structured (a number, a zone, a date, a place, a name): a red flag saves nothing there
    and the prompt stays open. `temperature`: the prompt asks for one (the fever number), so
    no number typed there is read as the child's temperature (words still are)."""
    services = services_of(app)
    if kind in services.prompts:
        raise ValueError(f"prompt kind {kind!r} registered twice")
    services.prompts[kind] = callback
    if free_text:
        services.free_text_prompts.add(kind)
    if temperature:
        services.temperature_prompts.add(kind)


async def open_prompt(update: Update, context: BotContext, kind: str, origin: CallbackData,
                      ref: int | None = None) -> None:
    """Start waiting for text. Any command, any other tap or expiry ends it silently;
    Cancel goes back to `origin`. Stored, so it survives a restart. Needs consent."""
    now = context.now()
    await context.storage.prompts.open(user_id(update), Prompt(
        kind=kind, ref=ref, origin=origin.pack(), opened_at=now,
        expires_at=now + context.services.settings.prompt_seconds))


def cancel_keyboard(content: Content, key: str = "questions.cancel") -> Markup:
    return Markup([[button(content.strings(key), CancelPrompt())]])


def at_start_and_every(app: BotApp, callback: Callable[[BotContext], Coroutine[Any, Any, None]],
                       seconds: float, name: str) -> None:
    """Run a job as the bot starts, then every `seconds`, on PTB's JobQueue.

    `run_repeating(first=0)` alone does not run at start-up: the job is added when the
    features are set up, and when the scheduler starts (after storage opened) APScheduler
    counts that moment as past and waits a whole interval. So the start-up run is its own
    one-off job that runs however late the scheduler starts.
    """
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    app.job_queue.run_once(callback, when=0, name=f"{name}:at-start",
                           job_kwargs={"misfire_grace_time": None})
    app.job_queue.run_repeating(callback, interval=seconds, first=seconds, name=name)
