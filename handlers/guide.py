"""Reading the guide: contents, section commands, pages, the sensitive-page gate, bookmarks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import SwitchInlineQueryChosenChat, Update
from telegram.ext import CommandHandler

from bot import render
from bot.callbacks import CallbackData
from bot.content import Content, Part, Section, cross_references
from bot.context import BotApp, BotContext, Command, services_of
from bot.site import Site
from handlers.common import (
    PRIVATE,
    Contents,
    Home,
    Noop,
    Reply,
    View,
    button,
    home_only,
    home_row,
    menu_button,
    show,
    stale_reply,
    tap,
    user_id,
)

MAX_LISTED_BOOKMARKS = 40  # two buttons each, under Telegram's 100 buttons per message


# ---- this feature's buttons ---------------------------------------------------------------------
@dataclass(frozen=True)
class ShowPage(CallbackData, prefix="s"):
    """A page of a section (part "" and page 0: the section's start or its parts menu)."""

    sid: str
    part: str
    page: int


@dataclass(frozen=True)
class ShowGatedPage(CallbackData, prefix="r"):
    """A sensitive page, the parent having said yes to reading it."""

    sid: str
    part: str
    page: int


@dataclass(frozen=True)
class SetBookmark(CallbackData, prefix="b"):
    """Set this page's bookmark to `on` (the state the button offered)."""

    sid: str
    part: str
    page: int
    on: bool


@dataclass(frozen=True)
class ListBookmarks(CallbackData, prefix="bl"):
    """The parent's bookmarks."""


@dataclass(frozen=True)
class RemoveBookmark(CallbackData, prefix="bx"):
    """Remove one bookmark from the list."""

    sid: str
    part: str
    page: int


@dataclass(frozen=True)
class HospitalPages(CallbackData, prefix="hp"):
    """The hospital's own pages (its site folder), listed under its name."""


def section_start(section: Section) -> ShowPage:
    return ShowPage(section.id, "", 0)


def guide_sections(content: Content) -> list[Section]:
    """The guide's own sections; a hospital's pages are listed under its name."""
    return [s for s in content.sections if s.local is None]


def hospital_sections(content: Content) -> list[Section]:
    return [s for s in content.sections if s.local is not None]


def under_review(section: Section, now: float, zone: tzinfo) -> bool:
    """A hospital's page past its review-by day (the hospital's own date) is not shown."""
    return section.local is not None and section.local.expired(datetime.fromtimestamp(now, zone).date())


# ---- pure keyboards -------------------------------------------------------------------------------
def contents_keyboard(content: Content) -> Markup:
    rows = []
    pair: list[Button] = []
    for section in guide_sections(content):
        pair.append(button(section.title, section_start(section)))
        if len(pair) == 2:
            rows.append(pair)
            pair = []
    if pair:
        rows.append(pair)
    local = hospital_sections(content)
    if local:
        assert local[0].local is not None
        rows.append(
            [button(content.strings("site.contents_button", name=local[0].local.hospital), HospitalPages())]
        )
    rows.append([button(content.strings("menu.home"), Home())])
    return Markup(rows)


def hospital_view(content: Content, site: Site | None, now: float | None = None) -> View:
    """The hospital's own pages and links, marked as the hospital's, not the guide's; a page
    past its review-by day (at `now`) is listed as under review."""
    s = content.strings
    local = hospital_sections(content)
    name = site.name if site is not None else (local[0].local.hospital if local and local[0].local else "")
    zone = site.zone() if site is not None else UTC
    rows = [
        [
            button(
                s("site.under_review_button", title=section.title)
                if now is not None and under_review(section, now, zone)
                else section.title,
                section_start(section),
            )
        ]
        for section in local
    ]
    for resource in site.resources if site is not None else ():
        rows.append([Button(resource.label[content.language], url=resource.url)])
    rows.append([button(s("menu.contents"), Contents()), button(s("menu.home"), Home())])
    return View(s("site.contents_title", name=render.esc(name)), Markup(rows))


def page_keyboard(
    content: Content, section: Section, part: Part, page: int, bookmarked: bool, extras: list[list[Button]]
) -> Markup:
    s = content.strings
    # Inside a sensitive part the parent already said yes: moving between its pages must
    # not ask again. A single hard page in a plain part asks when it is reached.
    kind = ShowGatedPage if (part.sensitive or section.sensitive) else ShowPage
    rows: list[list[Button]] = []
    total = len(part.pages)
    if total > 1:
        nav = []
        if page > 0:
            nav.append(button(s("page.prev"), kind(section.id, part.id, page - 1)))
        nav.append(button(f"{page + 1}/{total}", Noop()))
        if page < total - 1:
            nav.append(button(s("page.next"), kind(section.id, part.id, page + 1)))
        rows.append(nav)
    rows.append(
        [
            button(
                s("page.bookmark_on") if bookmarked else s("page.bookmark_add"),
                SetBookmark(section.id, part.id, page, not bookmarked),
            ),
            # Telegram's chat picker, then the page's card in the chosen chat (inline
            # mode, handlers/share.py), with a button that opens this page in the bot.
            Button(
                s("page.share"),
                switch_inline_query_chosen_chat=SwitchInlineQueryChosenChat(
                    query=page_payload(section, part, page), allow_user_chats=True, allow_group_chats=True
                ),
            ),
        ]
    )
    rows += extras
    for target in referenced_sections(content, section, part.pages[page]):
        rows.append([button(s("page.see_section", title=target.title), section_start(target))])
    if section.has_parts:
        rows.append([button(s("page.parts_back", title=section.title), section_start(section))])
    following = next_section(content, section, part, page)
    if following is not None:
        rows.append([button(s("page.next_section", title=following.title), section_start(following))])
    rows.append(home_row(content))
    return Markup(rows)


def referenced_sections(content: Content, section: Section, text: str) -> list[Section]:
    """The sections a page names as "the <title> section", each once (the content check
    refuses a name that is not a section's title)."""
    by_title = {s.title: s for s in content.sections}
    titles, _ = cross_references(text, list(by_title), content.profile.cross_reference)
    found = [by_title[t] for t in titles]
    return [s for s in dict.fromkeys(found) if s is not section]


def next_section(content: Content, section: Section, part: Part, page: int) -> Section | None:
    """On the last page of a section, the section after it in the contents."""
    if part is not section.parts[-1] or page != len(part.pages) - 1:
        return None
    later = [
        s
        for s in content.sections
        if s.order > section.order and (s.local is None) == (section.local is None)
    ]
    return later[0] if later else None


def parts_keyboard(content: Content, section: Section, extras: list[list[Button]]) -> Markup:
    rows = [[button(part.title, ShowPage(section.id, part.id, 0))] for part in section.parts]
    rows += extras
    rows.append(home_row(content))
    return Markup(rows)


def gate_keyboard(content: Content, section: Section, part: Part, page: int) -> Markup:
    s = content.strings
    back: CallbackData = section_start(section) if section.has_parts else Contents()
    return Markup(
        [
            [button(s("page.gate_yes"), ShowGatedPage(section.id, part.id, page))],
            [button(s("page.gate_no"), back)],
            home_row(content),
        ]
    )


def _clamp(page: int, total: int) -> int:
    return max(0, min(page, total - 1))


# ---- handlers -------------------------------------------------------------------------------------
def _extras(
    context: BotContext, section: Section, part: Part | None = None, page: int = 0
) -> list[list[Button]]:
    """Buttons other features put on this page (the checklist, questions, its words)."""
    rows: list[list[Button]] = []
    for extra in context.services.page_extras:
        rows += [list(row) for row in extra(context.content, section, part, page)]
    return rows


async def page_reply(
    update: Update,
    context: BotContext,
    sid: str,
    part_id: str,
    page: int,
    gate_passed: bool = False,
    notice: str | None = None,
) -> Reply:
    """A section page (or its parts menu, or the gate before a sensitive page)."""
    content = context.content
    section = content.section(sid)
    if section is None:
        return stale_reply(context)
    if section.has_parts and (part_id == "" or section.part(part_id) is None):
        return Reply(
            View(
                render.parts_menu(content.strings, section),
                parts_keyboard(content, section, _extras(context, section)),
            ),
            notice,
        )
    part = section.part(part_id) if section.has_parts else section.parts[0]
    assert part is not None
    page = _clamp(page, len(part.pages))
    site = context.services.site
    if section.local is not None and under_review(section, context.now(), site.zone() if site else UTC):
        back = [button(content.strings("site.contents_button", name=section.local.hospital), HospitalPages())]
        text = content.strings(
            "site.under_review",
            title=render.esc(section.title),
            name=render.esc(section.local.hospital),
            date=section.local.review_by,
        )
        return Reply(View(text, Markup([back, home_row(content)])), notice)
    if (
        (section.sensitive or part.asks_first(page))
        and not gate_passed
        and not await context.storage.users.skips_gates(user_id(update))
    ):
        return Reply(
            View(render.gate(content.strings, section, part), gate_keyboard(content, section, part, page)),
            notice,
        )
    marked = await context.storage.bookmarks.exists(user_id(update), section.id, part.id, page)
    return Reply(
        View(
            render.section_page(content.strings, section, part, page),
            page_keyboard(content, section, part, page, marked, _extras(context, section, part, page)),
        ),
        notice,
    )


def contents_view(content: Content) -> View:
    return View(content.strings("menu.contents_title"), contents_keyboard(content))


async def show_contents(update: Update, context: BotContext) -> None:
    """/menu: the guide's contents as buttons."""
    await show(update, context, *contents_view(context.content))


async def tap_contents(update: Update, context: BotContext, data: Contents) -> Reply:
    """Contents button."""
    return Reply(contents_view(context.content))


async def tap_hospital(update: Update, context: BotContext, data: HospitalPages) -> Reply:
    """ "From <hospital>" button: the hospital's own pages (a copy with none: the contents)."""
    if not hospital_sections(context.content):
        return Reply(contents_view(context.content))
    return Reply(hospital_view(context.content, context.services.site, context.now()))


def section_commands(contents: Mapping[str, Content], sid: str) -> list[str]:
    """A section's command and its names in the other languages (`/diagnostico`)."""
    names = [s.command for c in contents.values() for s in c.sections if s.id == sid]
    names += [a for c in contents.values() for s in c.sections if s.id == sid for a in s.aliases]
    return list(dict.fromkeys(names))


def section_command(section: Section):  # type: ignore[no-untyped-def]
    async def show_section(update: Update, context: BotContext) -> None:
        """A section's command: its first page (or its parts menu)."""
        reply = await page_reply(update, context, section.id, "", 0)
        assert reply.view is not None
        await show(update, context, *reply.view)

    return show_section


async def tap_page(update: Update, context: BotContext, data: ShowPage) -> Reply:
    """Open a page from a button."""
    return await page_reply(update, context, data.sid, data.part, data.page)


async def tap_gated_page(update: Update, context: BotContext, data: ShowGatedPage) -> Reply:
    """Open a sensitive page after the parent said yes."""
    return await page_reply(update, context, data.sid, data.part, data.page, gate_passed=True)


async def set_bookmark(update: Update, context: BotContext, data: SetBookmark) -> Reply:
    """Set this page's bookmark to what the button showed (a double tap changes nothing)."""
    section = context.content.section(data.sid)
    part = section.part(data.part) if section is not None else None
    if section is None or part is None or not 0 <= data.page < len(part.pages):
        return stale_reply(context)
    uid = user_id(update)
    if data.on:
        await context.storage.bookmarks.add(uid, data.sid, data.part, data.page)  # may ask consent
    else:
        await context.storage.bookmarks.remove(uid, data.sid, data.part, data.page)
    s = context.content.strings
    return await page_reply(
        update,
        context,
        data.sid,
        data.part,
        data.page,
        gate_passed=True,
        notice=s("bookmarks.added") if data.on else s("bookmarks.removed"),
    )


async def bookmarks_view(update: Update, context: BotContext) -> View:
    content = context.content
    s = content.strings
    marks = await context.storage.bookmarks.list(user_id(update))
    if not marks:
        return View(s("bookmarks.empty"), home_only(content))
    rows = []
    any_gone = False
    for mark in marks[:MAX_LISTED_BOOKMARKS]:
        section = content.section(mark.section_id)
        part = section.part(mark.part_id) if section is not None else None
        alive = part is not None and 0 <= mark.page < len(part.pages)
        opens: CallbackData
        if section is not None and part is not None and alive:
            title = section.title if not section.has_parts else f"{section.title}: {part.title}"
            label = s("bookmarks.entry", title=title, page=mark.page + 1)
            opens = ShowPage(mark.section_id, mark.part_id, mark.page)
        else:
            any_gone = True
            label = s("bookmarks.gone")
            opens = Noop()
        rows.append(
            [
                button(render.clip(label, 60), opens),
                button(s("bookmarks.remove"), RemoveBookmark(mark.section_id, mark.part_id, mark.page)),
            ]
        )
    rows.append(home_row(content))
    text = s("bookmarks.title") + (f"\n\n{s('bookmarks.gone_note')}" if any_gone else "")
    return View(text, Markup(rows))


async def list_bookmarks(update: Update, context: BotContext) -> None:
    """/bookmarks: the parent's bookmarks, newest first."""
    await show(update, context, *await bookmarks_view(update, context))


async def tap_bookmarks(update: Update, context: BotContext, data: ListBookmarks) -> Reply:
    """Bookmarks button."""
    return Reply(await bookmarks_view(update, context))


async def remove_bookmark(update: Update, context: BotContext, data: RemoveBookmark) -> Reply:
    """Remove one bookmark from the list (always the tapping user's own)."""
    await context.storage.bookmarks.remove(user_id(update), data.sid, data.part, data.page)
    return Reply(await bookmarks_view(update, context), context.content.strings("bookmarks.removed"))


def page_payload(section: Section, part: Part, page: int) -> str:
    """The /start payload of one page: `<section>-<part or _>-<page anchor>` (at most 58 of
    Telegram's 64 characters; the anchor survives a re-split of the section's text)."""
    return f"{section.id}-{part.id or '_'}-{part.anchors[page]}"


def deep_link(content: Content, payload: str) -> CallbackData | None:
    """/start <payload>: a page's own payload, or (release 0.1's links) a section id."""
    section = content.section(payload)
    if section is not None:
        return section_start(section)
    sid, _, rest = payload.partition("-")
    part_id, _, anchor = rest.partition("-")
    section = content.section(sid)
    part = section.part("" if part_id == "_" else part_id) if section is not None else None
    page = part.page_of(anchor) if part is not None else None
    if section is None or part is None or page is None:
        return None
    return ShowPage(section.id, part.id, page)  # a hard page still asks first


COMMANDS = (
    Command("menu", "help.commands.menu", show_contents),
    Command("bookmarks", "help.commands.bookmarks", list_bookmarks),
)


def setup(app: BotApp) -> None:
    services = services_of(app)
    content = services.content
    for section in guide_sections(content):
        if section.opens is None:  # a section that opens a tool gets its command there
            app.add_handler(
                CommandHandler(
                    section_commands(services.contents, section.id), section_command(section), filters=PRIVATE
                )
            )
    tap(app, Contents, tap_contents)
    tap(app, HospitalPages, tap_hospital)
    tap(app, ShowPage, tap_page)
    tap(app, ShowGatedPage, tap_gated_page)
    tap(app, SetBookmark, set_bookmark)
    tap(app, ListBookmarks, tap_bookmarks)
    tap(app, RemoveBookmark, remove_bookmark)
    services.deep_links.append(deep_link)
    menu_button(app, "menu.guide", Contents())
    menu_button(app, "menu.bookmarks", ListBookmarks())
    treatment = next((sec for sec in content.sections if sec.has_parts), None)
    if treatment is not None:
        menu_button(app, "menu.treatment", section_start(treatment))
