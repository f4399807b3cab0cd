"""What every feature uses: taps answered exactly once, show in place, home, consent, prompts.

A feature registers each of its button types with `tap(app, DataType, callback)`: a row in
the one tap router's table (prefix -> type, callback, feature), which PTB sees as a single
handler. A tap's data is looked up by its prefix and parsed once. The callback does the
tap's work and returns a `Reply` (its notice, the view to show, anything to send after);
the router then answers the tap once, first, and shows the view, so no flag is passed around. A write
refused for want of consent (NoConsent) becomes the consent prompt, which carries the tap
along and carries it out after OK.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar, cast

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, filters

from bot.callbacks import SEP, CallbackData, CallbackDataError, Nested
from bot.ceiling import Priority
from bot.content import Content
from bot.context import BotApp, BotContext, services_of
from bot.storage import Member, NoConsent

log = logging.getLogger(__name__)

# New messages in private chats: an edited message never re-runs a command or becomes
# the answer to a prompt.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# Telegram's descriptions for a message that can no longer be edited.
_GONE = (
    "message to edit not found",
    "message can't be edited",
    "message_id_invalid",
    "there is no text in the message to edit",
)


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
class ShowFamily(CallbackData, prefix="fm"):
    """The family screen (handlers.family), also reached from Settings."""


@dataclass(frozen=True)
class LogTyped(CallbackData, prefix="lp"):
    """ "📝 Log it" under a message that was plainly a temperature (handlers.search offers it,
    handlers.log saves it): tenths of a degree Celsius, whether it was typed in °F, the
    minute it was typed (minutes since 1970, UTC), and where it was taken (log.SITES)."""

    tenths: int
    fahrenheit: int
    minute: int
    site: int


@dataclass(frozen=True)
class ShowMedicines(CallbackData, prefix="da"):
    """The family's medicines (reached from the home menu and the appointments, handled by
    handlers.medicines)."""


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


@dataclass(frozen=True)
class Route:
    """One button type: its data type, the feature callback, and the feature's module."""

    data_type: type[CallbackData]
    callback: TapCallback[Any]
    feature: str
    full: bool = False  # only a full member of the family may tap it (a helper is told so)


class TapRouter(BaseHandler[Update, BotContext, None]):
    """Every feature's buttons behind one PTB handler: the data's prefix finds its route in
    a table (not a scan of one handler per type), its fields are parsed once, and the tap
    is answered exactly once. Data of no route, or malformed for its route, is left to the
    fallback (the calm "this menu has changed")."""

    def __init__(self) -> None:
        super().__init__(self._unused)
        self.routes: dict[str, Route] = {}

    async def _unused(self, update: Update, context: BotContext) -> None:
        raise RuntimeError("the router handles its updates itself")

    def find(self, data: object) -> tuple[Route, CallbackData] | None:
        if not isinstance(data, str):
            return None
        route = self.routes.get(data.partition(SEP)[0])
        if route is None:
            return None
        parsed = route.data_type.unpack(data)
        return None if parsed is None else (route, parsed)

    def check_update(self, update: object) -> tuple[Route, CallbackData] | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        return self.find(update.callback_query.data)

    async def handle_update(
        self, update: Update, application: Any, check_result: object, context: BotContext
    ) -> None:
        assert isinstance(check_result, tuple)
        route, parsed = check_result
        data = str(update.callback_query.data if update.callback_query else "")
        await carry_out(update, context, await run_route(update, context, route, parsed, data))


async def run_route(
    update: Update, context: BotContext, route: Route, parsed: CallbackData, data: str
) -> Reply:
    """What the tap does; a write refused for want of consent becomes the consent prompt,
    carrying `data` so OK carries the tap out."""
    try:
        if route.full:
            await require_full(update, context)
        return await route.callback(update, context, parsed)
    except NoConsent:
        return consent_reply(context, data)
    except NotAllowed:
        return Reply(notice=context.content.strings("family.full_only"), alert=True)


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
            log.info("callback answer refused for update %s: %s", update.update_id, exc.message)
    if reply.view is not None:
        await show(update, context, *reply.view)
    if reply.after is not None:
        await reply.after()


def router(app: BotApp) -> TapRouter:
    """The application's tap router, added to PTB's group 0 on first use."""
    services = services_of(app)
    if services.taps is None:
        services.taps = TapRouter()
        app.add_handler(services.taps)
    assert isinstance(services.taps, TapRouter)
    return services.taps


def tap(app: BotApp, data_type: type[D], callback: TapCallback[D], *, full: bool = False) -> None:
    """Register a feature's button type with its callback (each prefix once per bot).
    `full`: it changes what only a full member of the family may change (appointments,
    numbers, the child's settings); a helper's tap gets the calm "ask a full member"."""
    routes = router(app).routes
    if data_type.prefix in routes:
        raise ValueError(
            f"callback prefix {data_type.prefix!r} of {data_type.__name__} is "
            f"already {routes[data_type.prefix].data_type.__name__}'s"
        )
    # The feature is the module or package right under handlers/ (handlers.appointments.visit
    # -> appointments).
    module = (getattr(callback, "__module__", "") or "").split(".")
    feature = module[1] if len(module) > 1 and module[0] == "handlers" else module[-1]
    routes[data_type.prefix] = Route(data_type, callback, feature, full)


async def run_tap(update: Update, context: BotContext, data: str) -> Reply:
    """What other button data would do for this same tap (after consent, Cancel's origin, a
    deep link), looked up in the router's table; unknown data is stale."""
    found = router(cast(BotApp, context.application)).find(data)
    if found is None:
        return stale_reply(context)
    return await run_route(update, context, *found, data)


def user_id(update: Update) -> int:
    user = update.effective_user
    if user is None:
        raise ValueError("update without a user")
    return user.id


# ---- the care circle of the person who tapped or typed ---------------------------------------
class NotAllowed(Exception):
    """A helper tried what only a full member of the circle may do; the calm answer says so."""


async def me(update: Update, context: BotContext) -> Member:
    """The person of this update as a member of their circle: looked up once per update (one
    trip), so every read and write of the child's record in it uses the same circle. Someone
    in no circle (no consent yet) is circle 0: reads find nothing, writes ask consent."""
    uid = user_id(update)
    found = context.member
    if found is not None and found.user == uid:
        return found
    stored = await context.storage.circles.member(uid)
    if stored is not None and stored.unreachable_at is not None:
        await context.storage.circles.set_unreachable(uid, None)  # they are back
    context.member = stored or Member(user=uid, circle=0)
    return context.member


async def circle_of(update: Update, context: BotContext) -> int:
    """The circle whose record this update reads (0: none)."""
    return (await me(update, context)).circle


def forget_me(context: BotContext) -> None:
    """After the person's membership changed in this update (consent given, joined, left)."""
    context.member = None


async def require_full(update: Update, context: BotContext) -> Member:
    """The member, if a full one; a helper gets the calm "ask a full member" (NotAllowed).
    Someone in no circle passes: their write asks consent first."""
    member = await me(update, context)
    if member.circle and not member.full:
        raise NotAllowed(member.user)
    return member


# ---- showing a view -------------------------------------------------------------------------
async def show(
    update: Update,
    context: BotContext,
    text: str,
    markup: Markup | None = None,
    priority: Priority | None = None,
) -> None:
    """Edit the tapped message in place; send a new one for commands or uneditable messages.
    `priority`: a new message's turn among others (bot.ceiling; a reply when not given)."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await _call(
                context,
                "editMessageText",
                chat_id=query.message.chat_id,
                message_id=query.message.message_id,
                text=text,
                markup=markup,
            )
            return
        except BadRequest as exc:
            lowered = exc.message.lower()
            if "message is not modified" in lowered:
                return  # a double tap that changes nothing is not an error
            if not any(reason in lowered for reason in _GONE):
                raise
    chat = update.effective_chat
    if chat is not None:
        await _call(context, "sendMessage", chat_id=chat.id, text=text, markup=markup, priority=priority)


async def _call(
    context: BotContext,
    method: str,
    chat_id: int,
    text: str,
    markup: Markup | None,
    message_id: int | None = None,
    priority: Priority | None = None,
) -> None:
    """Send or edit without parsing Telegram's echo of the whole message back into objects.

    Nothing here uses the returned Message, and parsing it (keyboard included) was the
    largest single cost of a tap in the benchmark. Errors are raised exactly as PTB's own
    methods raise them, and the call still goes through the rate limiter.
    """
    kwargs: dict[str, object] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": ParseMode.HTML,
        "link_preview_options": _NO_PREVIEW,
    }
    if message_id is not None:
        kwargs["message_id"] = message_id
    if markup is not None:
        kwargs["reply_markup"] = markup_json(context, markup)
    await context.bot.do_api_request(method, api_kwargs=kwargs, rate_limit_args=limit_args(context, priority))


def limit_args(context: BotContext, priority: Priority | None) -> Priority | None:
    """A message's priority for the rate limiter; None without one (PTB refuses the argument
    then: the console and most tests run without a limiter)."""
    return priority if context.bot.rate_limiter is not None else None


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
                cached = services.home_menu_json[language] = keyboard_json(markup)
            return cached
    site = services.site
    if site is not None and not all(site.features.values()):
        markup = answered_only(context, markup)
    return keyboard_json(markup)


def answered_only(context: BotContext, markup: Markup) -> Markup:
    """The keyboard without the buttons of a feature the hospital turned off (no handler
    answers their data in this copy): another feature's link to it is not shown at all."""
    taps = context.services.taps
    routes = taps.routes if isinstance(taps, TapRouter) else {}
    rows = [
        [
            b
            for b in row
            if not isinstance(b.callback_data, str) or b.callback_data.partition(SEP)[0] in routes
        ]
        for row in markup.inline_keyboard
    ]
    return Markup([row for row in rows if row])


# The fields of a button this bot builds that need no nested object: a button with any other
# field set (a game, a login URL, a web app, a chosen-chat query...) goes through PTB's to_dict.
_PLAIN_FIELDS = ("url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat")
_NESTED_FIELDS = (
    "callback_game",
    "pay",
    "login_url",
    "web_app",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "style",
    "icon_custom_emoji_id",
)


def keyboard_json(markup: Markup) -> dict[str, object]:
    """What `markup.to_dict()` gives, built directly for plain buttons (text and a string
    field): PTB's generic to_dict walks every attribute of every button and was a quarter
    of the bot's CPU per update in the benchmark's profile. tests/test_routes.py checks it
    equals to_dict for every kind of button the bot shows."""
    rows: list[list[object]] = []
    for row in markup.inline_keyboard:
        out: list[object] = []
        for b in row:
            if b.api_kwargs or any(getattr(b, name, None) is not None for name in _NESTED_FIELDS):
                out.append(b.to_dict())
                continue
            entry: dict[str, object] = {"text": b.text}
            for name in _PLAIN_FIELDS:
                value = getattr(b, name)
                if value is not None:
                    entry[name] = value
            out.append(entry)
        rows.append(out)
    return {"inline_keyboard": rows}


# ---- home, the home row, stale taps -----------------------------------------------------------
def button(label: str, data: CallbackData) -> Button:
    return Button(label, callback_data=data.pack())


def home_row(content: Content) -> list[Button]:
    s = content.strings
    return [button(s("menu.contents"), Contents()), button(s("menu.home"), Home())]


def home_only(content: Content) -> Markup:
    return Markup([[button(content.strings("menu.home"), Home())]])


# The home menu, row by row, by label key: the one place its layout lives. Each feature adds
# its buttons with menu_button(); a key no feature added (a guide without a treatment
# section, say) is left out of its row.
HOME_MENU: tuple[tuple[str, ...], ...] = (
    ("menu.guide", "menu.search"),
    ("menu.checklist", "menu.questions"),
    ("menu.myquestions", "menu.bookmarks"),
    ("menu.log", "menu.medicines"),
    ("menu.treatment", "menu.glossary"),
    ("menu.urgent",),
    ("menu.settings", "menu.privacy"),
)


def feature_on(context: BotContext, name: str) -> bool:
    """Is this feature on in this copy (a hospital's site folder can turn one off)? Other
    features ask before offering its buttons."""
    site = context.services.site
    return site is None or site.features.get(name, True)


def menu_button(app: BotApp, label_key: str, data: CallbackData) -> None:
    """A feature's button on the home menu, placed by HOME_MENU, its label a string key (so
    each language has its own menu)."""
    if not any(label_key in row for row in HOME_MENU):
        raise ValueError(f"{label_key!r} has no place in HOME_MENU")
    services_of(app).menu_buttons[label_key] = data


@dataclass(frozen=True)
class HomeExtra:
    """What a feature adds to one family's home (the treatment phase: its line, its pages),
    read each time the home is shown: `lines` above the menu's title (they may hold the
    family's own facts, such as a date, and are never kept), `top` and `bottom` rows around
    the menu. `variant` names the rows: they are built from content only, never from a
    parent's words, so the menu with them is kept ready per language and variant, like the
    plain one."""

    variant: str
    lines: tuple[str, ...] = ()
    top: tuple[tuple[Button, ...], ...] = ()
    bottom: tuple[tuple[Button, ...], ...] = ()


HomeExtras = Callable[[Update, BotContext], Awaitable[HomeExtra | None]]
_HOME_EXTRAS = "home_extras"  # bot_data: each feature's HomeExtras, in registration order


def home_extra(app: BotApp, extra: HomeExtras) -> None:
    """A feature's part of each family's home (see family_home)."""
    app.bot_data.setdefault(_HOME_EXTRAS, []).append(extra)


def main_menu(context: BotContext, extras: Sequence[HomeExtra] = ()) -> Markup:
    """The home menu, as the features contributed it (built once per language), with the
    rows of `extras` around it (built once per language and variant)."""
    services = context.services
    content = context.content
    key = "|".join([content.language, *(extra.variant for extra in extras)])
    menu = services.home_menus.get(key)
    if menu is None:
        if extras:
            rows: list[Sequence[Button]] = [row for extra in extras for row in extra.top]
            rows += main_menu(context).inline_keyboard
            rows += [row for extra in extras for row in extra.bottom]
            menu = Markup(rows)
        else:
            given = services.menu_buttons
            plain = [
                [button(content.strings(key), given[key]) for key in row if key in given] for row in HOME_MENU
            ]
            menu = Markup([row for row in plain if row])
        services.home_menus[key] = menu
    return menu


def describe_routes(app: BotApp) -> str:
    """`python -m bot routes`: every button type the router knows, then the home menu."""
    routes = sorted(router(app).routes.values(), key=lambda r: (r.feature, r.data_type.prefix))
    lines = [f"{len(routes)} button types (prefix, type, feature, callback):"]
    lines += [
        f"  {r.data_type.prefix:<4} {r.data_type.__name__:<24} {r.feature:<13} "
        f"{getattr(r.callback, '__name__', '?')}"
        for r in routes
    ]
    given = services_of(app).menu_buttons
    lines.append("home menu (label key -> button data):")
    for number, row in enumerate(HOME_MENU, start=1):
        cells = [f"{key} -> {given[key].pack()}" if key in given else f"{key} (no button)" for key in row]
        lines.append(f"  row {number}: " + ", ".join(cells))
    return "\n".join(lines)


def home_view(context: BotContext, prefix: str | None = None) -> View:
    s = context.content.strings
    text = s("menu.home_title") if prefix is None else f"{prefix}\n\n{s('menu.home_title')}"
    return View(text, main_menu(context))


async def family_home(update: Update, context: BotContext, prefix: str | None = None) -> View:
    """The home as this person's family sees it (Home, /start): the plain menu with what the
    features add for the family (home_extra), read now. Other screens that fall back to the
    home (a stale tap, Cancel) show the plain one."""
    extras: list[HomeExtra] = []
    for extra in context.application.bot_data.get(_HOME_EXTRAS, ()):
        found = await extra(update, context)
        if found is not None:
            extras.append(found)
    chunks = [prefix] if prefix else []
    chunks += [line for extra in extras for line in extra.lines]
    chunks.append(context.content.strings("menu.home_title"))
    return View("\n\n".join(chunks), main_menu(context, extras))


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
    markup = Markup([[Button(s("consent.ok"), callback_data=ok), button(s("consent.no"), DeclineConsent())]])
    return Reply(View(s("consent.prompt"), markup))


async def require_consent(update: Update, context: BotContext) -> None:
    """For actions that must know before they start (a prompt whose answer will be saved)."""
    if not await context.storage.users.has_consent(user_id(update)):
        raise NoConsent(user_id(update))


# ---- jobs -------------------------------------------------------------------------------------
def at_start_and_every(
    app: BotApp, callback: Callable[[BotContext], Coroutine[Any, Any, None]], seconds: float, name: str
) -> None:
    """Run a job as the bot starts, then every `seconds`, on PTB's JobQueue.

    `run_repeating(first=0)` alone does not run at start-up: the job is added when the
    features are set up, and when the scheduler starts (after storage opened) APScheduler
    counts that moment as past and waits a whole interval. So the start-up run is its own
    one-off job that runs however late the scheduler starts.
    """
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    app.job_queue.run_once(callback, when=0, name=f"{name}:at-start", job_kwargs={"misfire_grace_time": None})
    app.job_queue.run_repeating(callback, interval=seconds, first=seconds, name=name)
