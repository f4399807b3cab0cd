"""Reading the guide and bookmarks, through the real Application and the offline Bot API."""

from __future__ import annotations

import pytest

from bot import render
from bot.content import Content, Part, Section
from tests.harness import Harness, make

# Every flow here runs for an English and a Spanish parent.
pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]


def _title_in(bot: Harness, title: str) -> bool:
    return title in bot.text()


def _section(content: Content, sid: str) -> Section:
    section = content.section(sid)
    assert section is not None, sid
    return section


def _part(section: Section, part_id: str) -> Part:
    part = section.part(part_id)
    assert part is not None, (section.id, part_id)
    return part


def _gate(content: Content, sid: str, part: str = "") -> str:
    """The question asked before a sensitive page (titled by its part in a section of parts)."""
    section = _section(content, sid)
    title = _part(section, part).title if section.has_parts else section.title
    return content.strings("page.gate", title=title)


def _shows_no_line_of(text: str, shown: str) -> bool:
    """Not one line of a content text is shown (lines holding a {field} aside)."""
    return not any(line.strip() in shown for line in text.splitlines() if line.strip() and "{" not in line)


def _source_shown(content: Content, section: Section, shown: str) -> bool:
    """The page's source line, with its name and date, is shown (the link is the renderer's)."""
    line = content.strings(
        "page.source", name=section.source.name, approved=section.source.approved, link="\0"
    )
    return all(piece in shown for piece in line.split("\0") if piece.strip())


def _labels(bot: Harness) -> list[str]:
    return [label for label, _ in bot.buttons()]


async def _open(bot: Harness, sid: str, part: str = "", user: int = 1001) -> None:
    await bot.tap_data(make("s", sid=sid, part=part, page=0), user)
    if _gate(bot.content, sid, part) in bot.text(user):
        await bot.tap(bot.content.strings("page.gate_yes"), user)


async def test_every_section_command_answers_with_its_first_page(bot: Harness, content) -> None:
    for section in content.sections:
        if section.opens is not None:
            continue  # /symptoms and /questions open their tools (tested there)
        bot.api.clear()
        await bot.send(f"/{section.command}")
        assert bot.api.methods() == ["sendMessage"], section.id
        text = bot.text()
        assert section.title in text
        if section.has_parts:
            assert all(p.title in str(bot.buttons()) for p in section.parts)
        elif section.sensitive:
            assert _gate(content, section.id) in text
        else:
            assert content.strings("page.in_short") in text and section.key_points[0] in text
            assert section.source.approved in text


async def test_next_and_back_through_every_page(bot: Harness, content) -> None:
    await bot.send("/start")
    sends = len(bot.api.of("sendMessage"))
    for section in content.sections:
        for part in section.parts:
            await _open(bot, section.id, part.id)
            seen = 1
            assert section.source.name in bot.text()
            while any(content.strings("page.next") in label for label, _ in bot.buttons()):
                await bot.tap(content.strings("page.next"))
                seen += 1
                if part.asks_first(seen - 1) and not part.sensitive:
                    # A hard page of its own (second cancers, fertility) asks first.
                    assert render.gate(content.strings, section, part) == bot.html()
                    await bot.tap(content.strings("page.gate_yes"))
                if len(part.pages) > 1:
                    assert content.strings("page.page_of", page=seen, pages=len(part.pages)) in bot.text()
            assert seen == len(part.pages), (section.id, part.id)
            while any(label == content.strings("page.prev") for label, _ in bot.buttons()):
                await bot.tap(content.strings("page.prev"))
                seen -= 1
                if part.asks_first(seen - 1) and not part.sensitive:
                    await bot.tap(content.strings("page.gate_yes"))
            assert seen == 1
            # no second gate inside a page
            assert _shows_no_line_of(content.strings("page.gate"), bot.text())
    # every tap answered exactly once, every move an edit of the same message
    taps = [m for m in bot.api.methods() if m == "answerCallbackQuery"]
    assert len(taps) == len(set(bot.api.answered)) == len(bot.api.answered)
    assert len(bot.api.of("sendMessage")) == sends


async def test_contents_section_home(bot: Harness, content: Content) -> None:
    diagnosis = _section(content, "diagnosis").title
    await bot.send("/start")
    sends = len(bot.api.of("sendMessage"))
    await bot.tap(content.strings("menu.guide"))
    assert content.strings("menu.contents_title") in bot.text()
    await bot.tap(diagnosis)
    assert diagnosis in bot.text() and content.strings("page.in_short") in bot.text()
    await bot.tap(content.strings("menu.contents"))
    assert content.strings("menu.contents_title") in bot.text()
    await bot.tap(diagnosis)
    await bot.tap(content.strings("menu.home"))
    assert content.strings("menu.home_title") in bot.text()
    assert len(bot.api.of("sendMessage")) == sends  # every tap edited in place


async def test_treatment_opens_as_parts_menu_and_gates_the_hard_part(bot: Harness, content: Content) -> None:
    treatment = _section(content, "treatment")
    parts_title = content.strings("page.parts_title", title=treatment.title)
    chemotherapy = _part(treatment, "chemotherapy")
    await bot.send("/treatment")
    assert parts_title in bot.text()
    await bot.tap(chemotherapy.title)
    assert treatment.title in bot.text()
    assert content.strings("page.page_of", page=1, pages=len(chemotherapy.pages)) in bot.text()
    await bot.tap(content.strings("page.parts_back", title=treatment.title))
    not_working = _part(treatment, "not_working")
    assert not_working.sensitive and not_working.title in _labels(bot)
    await bot.tap(not_working.title)
    assert _gate(content, "treatment", "not_working") in bot.text()
    await bot.tap(content.strings("page.gate_no"))
    assert parts_title in bot.text()
    await bot.tap(not_working.title)
    await bot.tap(content.strings("page.gate_yes"))
    assert _shows_no_line_of(content.strings("page.gate"), bot.text())
    assert _source_shown(content, treatment, bot.text())


async def test_statistics_is_gated(bot: Harness, content: Content) -> None:
    await bot.send("/statistics")
    assert _gate(content, "statistics") in bot.text()
    await bot.tap(content.strings("page.gate_no"))
    assert content.strings("menu.contents_title") in bot.text()


async def test_bookmark_on_off_on_and_double_taps(consented: Harness) -> None:
    bot = consented
    s = bot.content.strings
    await bot.send("/diagnosis")
    add = bot.button(s("page.bookmark_add"))
    await bot.tap_data(add)
    await bot.tap_data(add)  # double tap on the old button: still one bookmark
    assert len(await bot.storage.bookmarks.list(1001)) == 1
    assert s("page.bookmark_on") in _labels(bot)
    remove = bot.button(s("page.bookmark_on"))
    await bot.tap_data(remove)
    await bot.tap_data(remove)
    assert await bot.storage.bookmarks.list(1001) == []
    await bot.tap(s("page.bookmark_add"))
    assert len(await bot.storage.bookmarks.list(1001)) == 1
    toasts = [a.get("text") for a in bot.answers()]
    assert toasts.count(s("bookmarks.added")) == 3 and toasts.count(s("bookmarks.removed")) == 2


async def test_bookmarks_list_opens_and_removes(consented: Harness, content) -> None:
    bot = consented
    diagnosis = _section(content, "diagnosis")
    entry = content.strings("bookmarks.entry", title=diagnosis.title, page=2)
    await bot.storage.bookmarks.add(1001, "diagnosis", "", 1)
    await bot.storage.bookmarks.add(1001, "treatment", "chemotherapy", 0)
    await bot.send("/bookmarks")
    labels = [label for label, _ in bot.buttons()]
    assert labels[0].startswith(_section(content, "treatment").title)  # newest first
    await bot.tap(entry)
    pages = len(diagnosis.parts[0].pages)
    assert content.strings("page.page_of", page=2, pages=pages) in bot.text()
    assert content.strings("page.bookmark_on") in _labels(bot)
    await bot.send("/bookmarks")
    await bot.tap(content.strings("bookmarks.remove"))
    assert len(await bot.storage.bookmarks.list(1001)) == 1
    assert entry in _labels(bot)


async def test_bookmarks_survive_a_restart(settings, content) -> None:
    async with Harness(settings, content) as first:
        await first.storage.users.give_consent(1001)
        await first.send("/diagnosis")
        await first.tap(content.strings("page.bookmark_add"))
    async with Harness(settings, content) as second:
        await second.send("/bookmarks")
        assert content.strings(
            "bookmarks.entry", title=_section(content, "diagnosis").title, page=1
        ) in _labels(second)


async def test_stale_bookmark_is_shown_and_removable(consented: Harness) -> None:
    bot = consented
    s = bot.content.strings
    await bot.storage.bookmarks.add(1001, "removed_section", "", 0)
    await bot.storage.bookmarks.add(1001, "diagnosis", "", 77)
    await bot.send("/bookmarks")
    assert s("bookmarks.gone") in _labels(bot)
    assert s("bookmarks.gone_note") in bot.text()
    await bot.tap(s("bookmarks.gone"))  # tapping it is answered, nothing breaks
    await bot.tap(s("bookmarks.remove"))
    await bot.tap(s("bookmarks.remove"))
    assert await bot.storage.bookmarks.list(1001) == []
    assert s("bookmarks.empty") in bot.text()


async def test_deep_links(bot: Harness, content) -> None:
    for section in content.sections:
        await bot.send(f"/start {section.id}")
        assert section.title in bot.text(), section.id
        assert _shows_no_line_of(content.strings("start.greeting"), bot.text()), section.id
    # An old or unknown link: the contents, with a calm line (never an error).
    for bad in ["nope", "../../etc", "x" * 65, "a b", "diagnosis-_-zzzzzzzz", "a" * 64]:
        await bot.send(f"/start {bad}")
        assert bot.html().startswith(content.strings("start.link_unknown"))
        assert content.strings("menu.contents_title") in bot.html()


async def test_edit_failure_sends_a_new_message(bot: Harness, content: Content) -> None:
    await bot.send("/start")
    old = bot.last_message()
    bot.api.forget(1001, old["message_id"])
    await bot.tap_data(make("c"), message=old)
    assert bot.api.methods()[-3:] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    assert content.strings("menu.contents_title") in bot.text()


async def test_double_tap_that_changes_nothing_is_not_an_error(bot: Harness) -> None:
    await bot.send("/start")
    sends = len(bot.api.of("sendMessage"))
    await bot.tap(bot.content.strings("menu.guide"))
    message = bot.last_message()
    await bot.tap_data(make("c"), message=message)
    assert "message is not modified" not in str(bot.api.calls[-1].params)
    assert len(bot.api.of("sendMessage")) == sends  # no error message was sent


async def test_forged_data_changes_nothing(consented: Harness) -> None:
    bot = consented
    await bot.storage.users.give_consent(2002)
    await bot.storage.bookmarks.add(2002, "diagnosis", "", 0)
    await bot.send("/start")
    for data in [
        "s:diagnosis::99999999",
        "b:diagnosis::99999999:1",
        "b:nope::0:1",
        "bx:diagnosis::0",
        "b:treatment:nope:0:1",
        "s:treatment:../x:0",
    ]:
        await bot.tap_data(data)
    assert [b.page for b in await bot.storage.bookmarks.list(2002)] == [0]  # B's untouched
    assert await bot.storage.bookmarks.list(1001) == []
    assert len(bot.answers()) == 6


async def test_huge_page_number_is_clamped(bot: Harness, content) -> None:
    await bot.send("/start")
    await bot.tap_data("s:diagnosis::99999999")
    pages = len(_section(content, "diagnosis").parts[0].pages)
    assert content.strings("page.page_of", page=pages, pages=pages) in bot.text()


async def test_first_bookmark_asks_for_consent(bot: Harness, content: Content) -> None:
    s = content.strings
    await bot.send("/diagnosis")
    await bot.tap(s("page.bookmark_add"))
    assert s("consent.prompt") in bot.text()
    assert (await bot.storage.export_user(1001))["stored"] is False
    await bot.tap(s("consent.no"))
    assert s("consent.declined") in bot.text()
    assert (await bot.storage.export_user(1001))["stored"] is False
    assert await bot.storage.users.count() == 0
    await bot.send("/diagnosis")
    await bot.tap(s("page.bookmark_add"))
    await bot.tap(s("consent.ok"))
    assert s("page.bookmark_on") in _labels(bot)
    assert _section(content, "diagnosis").title in bot.text()
    exported = await bot.storage.export_user(1001)
    assert exported["consent_at"] is not None and len(exported["bookmarks"]) == 1
    await bot.send("/introduction" if False else "/intro")
    await bot.tap(s("page.bookmark_add"))  # asked once only
    assert len(await bot.storage.bookmarks.list(1001)) == 2
