"""👥 Family: the care circle that shares one child's record (README, "Families").

- **Screen** (/settings → 👥 Family): the members with their roles, my name, my notices,
  and for a full member: invite, each member (role, remove), erase the shared record.
- **Invite** a full member or a helper: with Telegram's user picker (a message with
  `KeyboardButtonRequestUsers`; the answer is a `users_shared` message) or a one-time link
  `t.me/<bot>?start=j_<token>` (192 random bits, only its SHA-256 kept, 48 hours, one use,
  revocable, never in button data), shown with a QR picture. A person the picker chose
  only accepts; a link's user is let in by a full member first.
- **Join**, choosing what of one's own record to bring; the rest is sent back as a file,
  then erased. One family per person.
- **Leave, remove, erase** (7 days with Undo, or at once when every full member agrees).
Every tap is checked against the tapper's own membership, read once per update.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
from typing import Any

from telegram import InlineKeyboardMarkup as Markup
from telegram import (
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import MessageHandler, filters

from bot import render
from bot.context import BotApp, BotContext, Command, services_of
from bot.storage import FULL, Invite, Member, NoConsent
from bot.storage.circles import BRINGABLE, NotAlone
from handlers.common import (
    PRIVATE,
    Reply,
    View,
    at_start_and_every,
    button,
    forget_me,
    me,
    require_full,
    show,
    stale_reply,
    tap,
    user_id,
)
from handlers.family.buttons import (
    ROLE_CODES,
    Answer,
    AskName,
    Bring,
    ChooseRole,
    Decide,
    Erase,
    KeepRecord,
    Leave,
    MakeLink,
    OpenMember,
    PickPerson,
    RemoveMember,
    SetNotices,
    SetRole,
    ShowFamily,
    StopLink,
    check_of,
)
from handlers.family.notify import content_for, short_date, tell, tell_members
from handlers.family.views import (
    BRING_BITS,
    ERASE_DAYS,
    LINK_HOURS,
    MAX_NAME,
    back_rows,
    bring_view,
    clean_name,
    family_view,
    how_view,
    join_buttons,
    member_view,
    name_of,
    role_name,
    role_view,
)
from handlers.prompts import Asking, Outcome, Text, again, ask, done, on_prompt

COMMANDS: tuple[Command, ...] = ()
JOIN_PREFIX = "j_"  # /start j_<token>: taken before the guide's page links are read
PICK_REQUESTS = {2401: 1, 2402: 2}  # the picker's request id -> role code
ERASE_JOB = "family-erase"
ERASE_CHECK_EVERY = 3600


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- the screen -------------------------------------------------------------------------------
async def family_view_for(update: Update, context: BotContext, notice: str | None = None) -> View:
    who = await me(update, context)
    circles = context.storage.circles
    members = await circles.members(who.circle) if who.circle else []
    circle = await circles.get(who.circle) if who.circle else None
    erase_date = None
    if circle is not None and circle.erase_at is not None:
        erase_date = short_date(context.content, circle.erase_at, circle.timezone)
    return family_view(context.content, who, members, circle, erase_date, notice)


async def show_family(update: Update, context: BotContext, data: ShowFamily) -> Reply:
    """👥 Family button (reading it needs no consent)."""
    return Reply(await family_view_for(update, context))


async def set_notices(update: Update, context: BotContext, data: SetNotices) -> Reply:
    who = await me(update, context)
    if not who.circle:
        raise NoConsent(who.user)
    await context.storage.circles.set_notices(who.user, data.on)
    forget_me(context)
    s = context.content.strings
    return Reply(
        await family_view_for(
            update, context, s("family.notices_now_on" if data.on else "family.notices_now_off")
        )
    )


# ---- my name ---------------------------------------------------------------------------------------
async def ask_name(update: Update, context: BotContext, data: AskName) -> Reply:
    return await ask(
        update, context, NAME, context.content.strings("family.name_prompt", max=MAX_NAME), ShowFamily()
    )


async def read_name(update: Update, context: BotContext, row: None, text: str) -> str | Outcome:
    s, content = context.content.strings, context.content
    name = clean_name(text)
    if not name:
        return again(content, s("family.name_empty"))
    if len(name) > MAX_NAME:
        return again(content, s("family.name_too_long", max=MAX_NAME))
    return name


async def save_name(update: Update, context: BotContext, row: None, name: str) -> Outcome:
    who = await me(update, context)
    if not who.circle:
        raise NoConsent(who.user)
    await context.storage.circles.set_name(who.user, name)
    forget_me(context)
    notice = context.content.strings("family.name_saved", name=render.esc(name))
    return done(await family_view_for(update, context, notice))


NAME: Asking[None, str] = Asking("family_name", Text.STRUCTURED, read=read_name, save=save_name)


# ---- inviting -----------------------------------------------------------------------------------------
async def _inviter(update: Update, context: BotContext) -> Member:
    """A full member with a circle (consent first)."""
    who = await require_full(update, context)
    if not who.circle:
        raise NoConsent(who.user)
    return who


async def choose_role(update: Update, context: BotContext, data: ChooseRole) -> Reply:
    await _inviter(update, context)
    if data.role not in ROLE_CODES:
        return Reply(role_view(context.content))
    return Reply(how_view(context.content, data.role))


async def make_link(update: Update, context: BotContext, data: MakeLink) -> Reply:
    """A one-time link: only the token's hash is stored; the link is shown once, here."""
    who = await _inviter(update, context)
    role = ROLE_CODES.get(data.role)
    if role is None:
        return stale_reply(context)
    token = secrets.token_urlsafe(24)
    invite_id = await context.storage.circles.invite_link(
        who, role, _hash(token), context.now() + LINK_HOURS * 3600
    )
    link = f"https://t.me/{context.bot.username}?start={JOIN_PREFIX}{token}"
    s = context.content.strings
    text = s("family.link_text", link=render.esc(link), hours=LINK_HOURS)
    markup = Markup([[button(s("family.link_revoke"), StopLink(invite_id))], *back_rows(context.content)])
    chat = update.effective_chat

    async def send_qr() -> None:
        picture = await context.services.heavy.run(_qr_png, link)
        if chat is not None:
            await context.bot.send_photo(chat.id, photo=picture, caption=s("family.link_qr_caption"))

    return Reply(View(text.strip(), markup), after=send_qr)


def _qr_png(link: str) -> bytes:
    import segno  # only when a link is made

    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


async def stop_link(update: Update, context: BotContext, data: StopLink) -> Reply:
    who = await _inviter(update, context)
    await context.storage.circles.revoke(who, data.invite)
    return Reply(await family_view_for(update, context, context.content.strings("family.link_revoked")))


async def pick_person(update: Update, context: BotContext, data: PickPerson) -> Reply:
    """The user picker is a button below the chat: it comes in a message of its own."""
    await _inviter(update, context)
    if data.role not in ROLE_CODES:
        return stale_reply(context)
    s = context.content.strings
    request = next(r for r, code in PICK_REQUESTS.items() if code == data.role)
    keyboard = ReplyKeyboardMarkup(
        [
            [
                KeyboardButton(
                    s("family.pick_button"),
                    request_users=KeyboardButtonRequestUsers(
                        request, user_is_bot=False, max_quantity=1, request_name=True
                    ),
                )
            ],
            [KeyboardButton(s("family.pick_cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    chat = update.effective_chat

    async def send_picker() -> None:
        if chat is not None:
            await context.bot.send_message(chat.id, s("family.pick_prompt"), reply_markup=keyboard)

    return Reply(after=send_picker)


async def _restore_keyboard(update: Update, context: BotContext, text: str) -> None:
    """Answer below the picker and put back the 🚨 button the person keeps (or none)."""
    from handlers.privacy import urgent_reply_keyboard

    chat = update.effective_chat
    if chat is None:
        return
    keep = await context.storage.users.urgent_button(user_id(update))
    below = urgent_reply_keyboard(context.content) if keep else ReplyKeyboardRemove()
    await context.bot.send_message(chat.id, text, reply_markup=below)


async def users_shared(update: Update, context: BotContext) -> None:
    """The person chosen with the picker: invited by name, to accept with one tap."""
    message = update.effective_message
    shared = message.users_shared if message else None
    s = context.content.strings
    if shared is None or shared.request_id not in PICK_REQUESTS or len(shared.users) != 1:
        await _restore_keyboard(update, context, s("errors.stale"))
        return
    who = await me(update, context)
    if not who.circle or not who.full:
        await _restore_keyboard(update, context, s("family.full_only"))
        return
    chosen = shared.users[0]
    name = render.esc(chosen.first_name or "") or s("family.no_name")
    if chosen.user_id == who.user:
        await _restore_keyboard(update, context, s("family.pick_self"))
        return
    role = ROLE_CODES[PICK_REQUESTS[shared.request_id]]
    invite_id = await context.storage.circles.invite_user(
        who, role, chosen.user_id, context.now() + LINK_HOURS * 3600
    )
    content = content_for(context, await context.storage.users.language(chosen.user_id))
    text = content.strings("family.invited", name=name_of(content, who), role=role_name(content, role))
    markup = join_buttons(content, invite_id)
    if await tell(context, chosen.user_id, text.strip(), markup):
        await _restore_keyboard(update, context, s("family.pick_sent", name=name))
    else:
        await context.storage.circles.revoke(who, invite_id)
        await _restore_keyboard(update, context, s("family.pick_no_chat", name=name))
    await show(update, context, *await family_view_for(update, context))


async def picker_cancelled(update: Update, context: BotContext) -> None:
    await _restore_keyboard(update, context, context.content.strings("prompt.cancelled"))


# ---- opening a link ------------------------------------------------------------------------------------
async def open_link(update: Update, context: BotContext, token: str) -> None:
    """/start j_<token>: a forged, used, run-out or revoked link gets a calm line; a good
    one is used up now (by this person) and a full member is asked to let them in."""
    s = context.content.strings
    uid = user_id(update)
    now = context.now()
    circles = context.storage.circles
    found = await circles.invite_by_hash(_hash(token)) if 20 <= len(token) <= 60 else None
    if found is None or found.revoked_at is not None or found.for_user is not None:
        await show(update, context, s("family.link_bad"))
        return
    mine = await circles.member(uid)
    if mine is not None and mine.circle == found.circle:
        await show(update, context, s("family.link_own"))
        return
    if found.used_at is not None:
        await show(update, context, s("family.link_used"))
        return
    if found.expires_at <= now:
        await show(update, context, s("family.link_expired", hours=LINK_HOURS))
        return
    if mine is not None and len(await circles.members(mine.circle)) > 1:
        await show(update, context, s("family.link_other_family"))
        return
    if not await circles.take(found.id, uid, now):
        await show(update, context, s("family.link_used"))
        return
    await show(
        update,
        context,
        s("family.asked"),
        Markup([[button(s("family.cancel_request"), Answer(found.id, False))]]),
    )
    user = update.effective_user
    asker = render.esc(user.first_name if user else "") or s("family.no_name")
    for member in await circles.members(found.circle):
        if member.role != FULL:
            continue
        content = content_for(context, await context.storage.users.language(member.user))
        text = content.strings("family.wants_to_join", name=asker, role=role_name(content, found.role))
        await tell(
            context,
            member.user,
            text,
            Markup(
                [
                    [
                        button(content.strings("family.allow"), Decide(found.id, True)),
                        button(content.strings("family.deny"), Decide(found.id, False)),
                    ]
                ]
            ),
        )


async def decide(update: Update, context: BotContext, data: Decide) -> Reply:
    """A full member lets the link's user in, or not; the first answer counts."""
    who = await require_full(update, context)
    circles = context.storage.circles
    found = await circles.invite(data.invite)
    if found is None or found.circle != who.circle or found.used_by is None:
        return stale_reply(context)
    s = context.content.strings
    if found.approved_at is not None or found.revoked_at is not None:
        return Reply(View(s("family.answered_already")))
    joiner = found.used_by
    content = content_for(context, await context.storage.users.language(joiner))
    if data.yes:
        if not await circles.approve(who, found.id):
            return Reply(View(s("family.answered_already")))
        await tell(
            context,
            joiner,
            content.strings("family.you_may_join"),
            join_buttons(content, found.id),
        )
        return Reply(View(s("family.allowed")))
    await circles.revoke(who, found.id)
    await tell(context, joiner, content.strings("family.you_were_denied"))
    return Reply(View(s("family.denied")))


def _for_me(found: Invite | None, uid: int) -> bool:
    return found is not None and (found.for_user == uid or found.used_by == uid)


async def answer(update: Update, context: BotContext, data: Answer) -> Reply:
    """The invited person: no thanks, or on to joining (what to bring, if they have any)."""
    uid = user_id(update)
    circles = context.storage.circles
    found = await circles.invite(data.invite)
    s = context.content.strings
    if not _for_me(found, uid):
        return stale_reply(context)
    assert found is not None
    if not data.yes:
        await circles.revoke(Member(user=uid, circle=0), found.id)
        return Reply(View(s("family.declined_self")))
    if found.revoked_at is not None or (found.for_user is None and found.approved_at is None):
        return Reply(View(s("family.gone_invite")))
    if (
        found.for_user == uid
        and found.used_by is None
        and not await circles.take(found.id, uid, context.now())
    ):
        return Reply(View(s("family.gone_invite")))
    counts = await _own_counts(update, context)
    if not any(counts.values()):
        return await _join(update, context, found.id, 0)
    return Reply(bring_view(context.content, found.id, sum(BRING_BITS.values()), counts))


async def _own_counts(update: Update, context: BotContext) -> dict[str, int]:
    who = await me(update, context)
    if not who.circle:
        return {}
    storage = context.storage
    return {
        "questions": len(await storage.questions.list(who.circle)),
        "appointments": len(await storage.appointments.upcoming(who.circle, context.now())),
        "contacts": len(await storage.contacts.list(who.circle)),
    }


async def bring(update: Update, context: BotContext, data: Bring) -> Reply:
    uid = user_id(update)
    found = await context.storage.circles.invite(data.invite)
    if not _for_me(found, uid) or not 0 <= data.mask <= sum(BRING_BITS.values()):
        return stale_reply(context)
    if data.go:
        return await _join(update, context, data.invite, data.mask)
    return Reply(bring_view(context.content, data.invite, data.mask, await _own_counts(update, context)))


async def _join(update: Update, context: BotContext, invite_id: int, mask: int) -> Reply:
    s = context.content.strings
    uid = user_id(update)
    if not await context.storage.users.has_consent(uid):
        raise NoConsent(uid)  # the consent question carries this tap, then joins
    kinds = frozenset(kind for kind, bit in BRING_BITS.items() if mask & bit and kind in BRINGABLE)
    try:
        left = await context.storage.circles.join(uid, invite_id, kinds)
    except NotAlone:
        return Reply(View(s("family.link_other_family")))
    if left is None:
        return Reply(View(s("family.gone_invite")))
    forget_me(context)
    who = await me(update, context)
    chat = update.effective_chat
    if chat is not None and any(left.values()):
        await context.bot.send_document(
            chat.id,
            document=json.dumps(left, ensure_ascii=False, indent=2, default=str).encode(),
            filename="left-behind.json",
            caption=s("family.left_behind_caption"),
        )
    role = role_name(context.content, who.role)
    await tell_members(context, who, "family.someone_joined", only_notices=False, role=role)
    return Reply(await family_view_for(update, context, s("family.joined")))


# ---- members --------------------------------------------------------------------------------------
async def _member_at(update: Update, context: BotContext, n: int, check: int) -> tuple[Member, Member] | None:
    who = await require_full(update, context)
    if not who.circle:
        return None
    members = await context.storage.circles.members(who.circle)
    if not 0 <= n < len(members) or check_of(members[n].user) != check or members[n].user == who.user:
        return None
    return who, members[n]


async def open_member(update: Update, context: BotContext, data: OpenMember) -> Reply:
    found = await _member_at(update, context, data.n, data.check)
    if found is None:
        return stale_reply(context)
    who, member = found
    circle = await context.storage.circles.get(who.circle)
    date = short_date(context.content, member.joined_at, circle.timezone if circle else None)
    return Reply(member_view(context.content, member, data.n, date, can_demote=True))


async def set_role(update: Update, context: BotContext, data: SetRole) -> Reply:
    found = await _member_at(update, context, data.n, data.check)
    role = ROLE_CODES.get(data.role)
    if found is None or role is None:
        return stale_reply(context)
    who, member = found
    s = context.content.strings
    if not await context.storage.circles.set_role(who, member.user, role):
        return Reply(await family_view_for(update, context, s("family.last_full")))
    notice = s(
        "family.role_changed", name=name_of(context.content, member), role=role_name(context.content, role)
    )
    return Reply(await family_view_for(update, context, notice))


async def remove_member(update: Update, context: BotContext, data: RemoveMember) -> Reply:
    found = await _member_at(update, context, data.n, data.check)
    if found is None:
        return stale_reply(context)
    who, member = found
    s = context.content.strings
    name = name_of(context.content, member)
    if not data.sure:
        markup = Markup(
            [
                [button(s("family.remove_yes"), RemoveMember(data.n, data.check, True))],
                *back_rows(context.content),
            ]
        )
        return Reply(View(s("family.remove_ask", name=name), markup))
    if not await context.storage.circles.remove(who, member.user):
        return stale_reply(context)
    content = content_for(context, await context.storage.users.language(member.user))
    await tell(context, member.user, content.strings("family.you_were_removed"))
    return Reply(await family_view_for(update, context, s("family.removed", name=name)))


async def leave(update: Update, context: BotContext, data: Leave) -> Reply:
    who = await me(update, context)
    s = context.content.strings
    if not who.circle:
        return Reply(await family_view_for(update, context))
    if not data.sure:
        markup = Markup([[button(s("family.leave_yes"), Leave(True))], *back_rows(context.content)])
        return Reply(View(s("family.leave_ask"), markup))
    if not await context.storage.circles.leave(who):
        members = await context.storage.circles.members(who.circle)
        if len(members) > 1 and who.full:
            return Reply(await family_view_for(update, context, s("family.last_full_leave")))
        return Reply(await family_view_for(update, context))
    await tell_members(context, who, "family.someone_left", only_notices=False)
    forget_me(context)
    return Reply(await family_view_for(update, context, s("family.left")))


# ---- erasing the shared record ------------------------------------------------------------------------
async def erase(update: Update, context: BotContext, data: Erase) -> Reply:
    who = await require_full(update, context)
    s = context.content.strings
    if not who.circle:
        return Reply(await family_view_for(update, context))
    if not data.sure:
        markup = Markup([[button(s("family.erase_yes"), Erase(True))], *back_rows(context.content)])
        return Reply(View(s("family.erase_ask", days=ERASE_DAYS).strip(), markup))
    circles = context.storage.circles
    before = await circles.get(who.circle)
    first = before is not None and before.erase_at is None
    asked = await circles.ask_erase(who, context.now() + ERASE_DAYS * 86400)
    if asked is None:
        return stale_reply(context)
    erase_at, everyone = asked
    if everyone:
        for member_id in await circles.erase(who.circle, agreed=True):
            await _tell_erased(context, member_id)
        forget_me(context)
        return Reply(await family_view_for(update, context))
    forget_me(context)
    if first:
        zone_name = before.timezone if before else None

        def undo_for(content: Any, member: Member) -> Markup | None:
            if member.role != FULL:
                return None
            return Markup(
                [
                    [button(content.strings("family.erase_undo"), KeepRecord())],
                    [button(content.strings("family.erase_agree"), Erase(True))],
                ]
            )

        for member in await circles.members(who.circle):
            if member.user == who.user:
                continue
            content = content_for(context, await context.storage.users.language(member.user))
            text = content.strings(
                "family.erase_asked",
                name=name_of(content, who),
                date=short_date(content, erase_at, zone_name),
            )
            await tell(context, member.user, text, undo_for(content, member))
    return Reply(await family_view_for(update, context))


async def _tell_erased(context: BotContext, member_id: int) -> None:
    content = content_for(context, await context.storage.users.language(member_id))
    await tell(context, member_id, content.strings("family.erased"))


async def keep_record(update: Update, context: BotContext, data: KeepRecord) -> Reply:
    who = await require_full(update, context)
    if who.circle and await context.storage.circles.undo_erase(who):
        forget_me(context)
        await tell_members(context, who, "family.erase_kept", only_notices=False)
        return Reply(await family_view_for(update, context, context.content.strings("family.erase_kept")))
    return Reply(await family_view_for(update, context))


async def erase_due(context: BotContext) -> None:
    """Job: erase the shared records whose 7 days have passed, and tell their members."""
    async with context.storage.coordination.job_lock(ERASE_JOB) as mine:
        if not mine:
            return
        for circle_id in await context.storage.circles.due_erasures(context.now()):
            for member_id in await context.storage.circles.erase(circle_id):
                await _tell_erased(context, member_id)


def setup(app: BotApp) -> None:
    tap(app, ShowFamily, show_family)
    tap(app, SetNotices, set_notices)
    tap(app, AskName, ask_name)
    tap(app, ChooseRole, choose_role)
    tap(app, MakeLink, make_link)
    tap(app, PickPerson, pick_person)
    tap(app, StopLink, stop_link)
    tap(app, Decide, decide)
    tap(app, Answer, answer)
    tap(app, Bring, bring)
    tap(app, OpenMember, open_member)
    tap(app, SetRole, set_role)
    tap(app, RemoveMember, remove_member)
    tap(app, Leave, leave)
    tap(app, Erase, erase)
    tap(app, KeepRecord, keep_record)
    on_prompt(app, NAME)
    services = services_of(app)
    services.start_payloads[JOIN_PREFIX] = open_link
    app.add_handler(MessageHandler(PRIVATE & filters.StatusUpdate.USERS_SHARED, users_shared))
    labels = sorted({content.strings("family.pick_cancel") for content in services.contents.values()})
    app.add_handler(MessageHandler(PRIVATE & filters.Text(labels), picker_cancelled))
    at_start_and_every(app, erase_due, ERASE_CHECK_EVERY, ERASE_JOB)
