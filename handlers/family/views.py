"""What the family screens show: the members, one member, the invitation steps, what to
bring. Pure functions of what storage returned; every name a person typed is escaped."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup as Markup

from bot import render
from bot.content import Content
from bot.storage import FULL, Circle, Member
from handlers.common import Home, View, button
from handlers.family.buttons import (
    Answer,
    AskName,
    Bring,
    ChooseRole,
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
    check_of,
)
from handlers.privacy import ShowSettings

MAX_NAME = 32  # letters in a name the family shows
LINK_HOURS = 48  # an invitation link works this long, once
ERASE_DAYS = 7  # a shared record asked to be erased waits this long for Undo
BRING_BITS = {"questions": 1, "appointments": 2, "contacts": 4}


def clean_name(text: str) -> str:
    """A typed name as the family will see it: control and formatting characters (right-to-
    left marks among them) taken out, spaces tidied. Escaped where shown, never here."""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


def name_of(content: Content, member: Member | None) -> str:
    """The member's name, escaped for HTML ("a member" before they set one; "a former
    member" for someone no longer in the family)."""
    s = content.strings
    if member is None:
        return s("family.former")
    return render.esc(member.name) if member.name else s("family.no_name")


def role_name(content: Content, role: str) -> str:
    return content.strings("family.role_full" if role == FULL else "family.role_helper")


def family_view(
    content: Content,
    who: Member,
    members: Sequence[Member],
    circle: Circle | None,
    erase_date: str | None,
    notice: str | None = None,
) -> View:
    s = content.strings
    lines = [s("family.title"), s("family.about").strip()]
    if len(members) <= 1:
        lines.append(s("family.alone"))
    else:
        lines.append(
            "\n".join(
                s(
                    "family.member_line",
                    name=name_of(content, m),
                    you=s("family.you") if m.user == who.user else "",
                    role=role_name(content, m.role),
                    unreachable=s("family.unreachable") if m.unreachable_at is not None else "",
                )
                for m in members
            )
        )
    if circle is not None and circle.erase_at is not None and erase_date is not None:
        lines.append(s("family.erase_pending", date=erase_date))
    rows = [
        [button(s("family.set_name"), AskName())],
        [
            button(
                s("family.notices_on") if who.notices else s("family.notices_off"),
                SetNotices(not who.notices),
            )
        ],
    ]
    if who.full or not who.circle:
        rows.append([button(s("family.invite"), ChooseRole())])
    if who.full:
        for n, m in enumerate(members):
            if m.user != who.user:
                rows.append(
                    [
                        button(
                            f"{clean_name(m.name) or s('family.no_name')} ›", OpenMember(n, check_of(m.user))
                        )
                    ]
                )
    if len(members) > 1:
        rows.append([button(s("family.leave"), Leave())])
    if who.full and circle is not None:
        if circle.erase_at is None:
            if len(members) > 1:  # alone, /deletemydata erases it
                rows.append([button(s("family.erase"), Erase())])
        else:
            if who.erase_ok_at is None:
                rows.append([button(s("family.erase_agree"), Erase(True))])
            rows.append([button(s("family.erase_undo"), KeepRecord())])
    rows.append([button(s("privacy.contact.back"), ShowSettings()), button(s("menu.home"), Home())])
    text = "\n\n".join(lines)
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


def back_rows(content: Content) -> list[list]:  # type: ignore[type-arg]
    return [[button(content.strings("family.back"), ShowFamily())]]


def role_view(content: Content) -> View:
    s = content.strings
    text = "\n\n".join((s("family.invite_title"), s("family.roles_about").strip(), s("family.invite_role")))
    rows = [
        [button(s("family.as_full"), ChooseRole(1)), button(s("family.as_helper"), ChooseRole(2))],
        *back_rows(content),
    ]
    return View(text, Markup(rows))


def how_view(content: Content, role: int) -> View:
    s = content.strings
    rows = [
        [button(s("family.pick"), PickPerson(role))],
        [button(s("family.link"), MakeLink(role))],
        *back_rows(content),
    ]
    return View(f"{s('family.invite_title')}\n\n{s('family.invite_how')}", Markup(rows))


def join_buttons(content: Content, invite: int) -> Markup:
    """Under an invitation or a "you may join": Join, or No thanks."""
    s = content.strings
    return Markup(
        [[button(s("family.join"), Answer(invite, True)), button(s("family.not_now"), Answer(invite, False))]]
    )


def member_view(content: Content, member: Member, n: int, date: str, can_demote: bool) -> View:
    s = content.strings
    text = s(
        "family.member_title", name=name_of(content, member), role=role_name(content, member.role), date=date
    )
    check = check_of(member.user)
    rows = []
    if member.role == FULL:
        if can_demote:
            rows.append([button(s("family.make_helper"), SetRole(n, check, 2))])
    else:
        rows.append([button(s("family.make_full"), SetRole(n, check, 1))])
    rows.append([button(s("family.remove"), RemoveMember(n, check))])
    rows.extend(back_rows(content))
    return View(text, Markup(rows))


def bring_view(content: Content, invite: int, mask: int, counts: dict[str, int]) -> View:
    s = content.strings
    rows = []
    for kind, bit in BRING_BITS.items():
        if counts.get(kind):
            mark = "✅ " if mask & bit else "⬜ "
            rows.append(
                [button(mark + s(f"family.bring_{kind}", count=counts[kind]), Bring(invite, mask ^ bit))]
            )
    rows.append([button(s("family.join_now"), Bring(invite, mask, True))])
    return View(f"{s('family.bring_title')}\n\n{s('family.bring_about').strip()}", Markup(rows))


def who_did(content: Content, names: dict[int, Member], added_by: int | None, when: str) -> str:
    """ "Added by Ana, 3 Dec." for a shared item (empty for items from before circles)."""
    if added_by is None:
        return ""
    return content.strings("family.added_by", name=name_of(content, names.get(added_by)), date=when)
