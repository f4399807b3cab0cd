"""Reading the guide and bookmarks, through the real Application and the offline Bot API."""

from __future__ import annotations

from tests.harness import Harness, make


def _title_in(bot: Harness, title: str) -> bool:
    return title in bot.text()


async def _open(bot: Harness, sid: str, part: str = "", user: int = 1001) -> None:
    await bot.tap_data(make("s", sid=sid, part=part, page=0), user)
    if "Do you want to read it now?" in bot.text(user):
        await bot.tap("Yes, show me", user)


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
            assert "Do you want to read it now?" in text
        else:
            assert "In short" in text and section.key_points[0] in text
            assert section.source.approved in text


async def test_next_and_back_through_every_page(bot: Harness, content) -> None:
    await bot.send("/start")
    for section in content.sections:
        for part in section.parts:
            await _open(bot, section.id, part.id)
            seen = 1
            assert section.source.name in bot.text()
            while any("Next" in label for label, _ in bot.buttons()):
                await bot.tap("Next")
                seen += 1
                if len(part.pages) > 1:
                    assert f"Page {seen} of {len(part.pages)}" in bot.text()
            assert seen == len(part.pages), (section.id, part.id)
            while any(label[-4:] == "Back" for label, _ in bot.buttons()):
                await bot.tap("◀️ Back")
                seen -= 1
            assert seen == 1
            assert "Do you want to read" not in bot.text()  # no second gate inside a page
    # every tap answered exactly once, every move an edit of the same message
    taps = [m for m in bot.api.methods() if m == "answerCallbackQuery"]
    assert len(taps) == len(set(bot.api.answered)) == len(bot.api.answered)
    assert len(bot.api.of("sendMessage")) == 1


async def test_contents_section_home(bot: Harness) -> None:
    await bot.send("/start")
    await bot.tap("Read the guide")
    assert "Contents of the guide" in bot.text()
    await bot.tap("Diagnosis")
    assert "Diagnosis" in bot.text() and "In short" in bot.text()
    await bot.tap("Contents")
    assert "Contents of the guide" in bot.text()
    await bot.tap("Diagnosis")
    await bot.tap("Home")
    assert "Main menu" in bot.text()
    assert len(bot.api.of("sendMessage")) == 1


async def test_treatment_opens_as_parts_menu_and_gates_the_hard_part(bot: Harness) -> None:
    await bot.send("/treatment")
    assert "Choose a part" in bot.text()
    await bot.tap("Chemotherapy")
    assert "Treatment" in bot.text() and "Page 1 of" in bot.text()
    await bot.tap("↩️")
    labels = [label for label, _ in bot.buttons()]
    not_working = next(label for label in labels if "work" in label.lower() and "↩" not in label)
    await bot.tap(not_working)
    assert "Do you want to read it now?" in bot.text()
    await bot.tap("Not now")
    assert "Choose a part" in bot.text()
    await bot.tap(not_working)
    await bot.tap("Yes, show me")
    assert "Do you want to read it now?" not in bot.text()
    assert "Source: Cancer.Net" in bot.text()


async def test_statistics_is_gated(bot: Harness) -> None:
    await bot.send("/statistics")
    assert "Do you want to read it now?" in bot.text()
    await bot.tap("Not now")
    assert "Contents of the guide" in bot.text()


async def test_bookmark_on_off_on_and_double_taps(consented: Harness) -> None:
    bot = consented
    await bot.send("/diagnosis")
    add = bot.button("Bookmark this page")
    await bot.tap_data(add)
    await bot.tap_data(add)  # double tap on the old button: still one bookmark
    assert len(await bot.storage.bookmarks.list(1001)) == 1
    assert "Bookmarked" in str(bot.buttons())
    remove = bot.button("Bookmarked")
    await bot.tap_data(remove)
    await bot.tap_data(remove)
    assert await bot.storage.bookmarks.list(1001) == []
    await bot.tap("Bookmark this page")
    assert len(await bot.storage.bookmarks.list(1001)) == 1
    toasts = [a.get("text") for a in bot.answers()]
    assert toasts.count("Bookmarked.") == 3 and toasts.count("Bookmark removed.") == 2


async def test_bookmarks_list_opens_and_removes(consented: Harness, content) -> None:
    bot = consented
    await bot.storage.bookmarks.add(1001, "diagnosis", "", 1)
    await bot.storage.bookmarks.add(1001, "treatment", "chemotherapy", 0)
    await bot.send("/bookmarks")
    labels = [label for label, _ in bot.buttons()]
    assert labels[0].startswith("Treatment")  # newest first
    await bot.tap("Diagnosis, page 2")
    assert "Page 2 of" in bot.text() and "Bookmarked" in str(bot.buttons())
    await bot.send("/bookmarks")
    await bot.tap("✖")
    assert len(await bot.storage.bookmarks.list(1001)) == 1
    assert "Diagnosis" in str(bot.buttons())


async def test_bookmarks_survive_a_restart(settings, content) -> None:
    async with Harness(settings, content) as first:
        await first.storage.users.give_consent(1001)
        await first.send("/diagnosis")
        await first.tap("Bookmark this page")
    async with Harness(settings, content) as second:
        await second.send("/bookmarks")
        assert "Diagnosis, page 1" in str(second.buttons())


async def test_stale_bookmark_is_shown_and_removable(consented: Harness) -> None:
    bot = consented
    await bot.storage.bookmarks.add(1001, "removed_section", "", 0)
    await bot.storage.bookmarks.add(1001, "diagnosis", "", 77)
    await bot.send("/bookmarks")
    assert "no longer available" in str(bot.buttons())
    assert "changed since you saved" in bot.text()
    await bot.tap("no longer available")  # tapping it is answered, nothing breaks
    await bot.tap("✖")
    await bot.tap("✖")
    assert await bot.storage.bookmarks.list(1001) == []
    assert "no bookmarks yet" in bot.text()


async def test_deep_links(bot: Harness, content) -> None:
    for section in content.sections:
        await bot.send(f"/start {section.id}")
        assert section.title in bot.text(), section.id
        assert "Hello" not in bot.text()
    for bad in ["nope", "../../etc", "x" * 65, "a b"]:
        await bot.send(f"/start {bad}")
        assert "Hello" in bot.text()


async def test_edit_failure_sends_a_new_message(bot: Harness) -> None:
    await bot.send("/start")
    old = bot.last_message()
    bot.api.forget(1001, old["message_id"])
    await bot.tap_data(make("c"), message=old)
    assert bot.api.methods()[-3:] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    assert "Contents of the guide" in bot.text()


async def test_double_tap_that_changes_nothing_is_not_an_error(bot: Harness) -> None:
    await bot.send("/start")
    await bot.tap("Read the guide")
    message = bot.last_message()
    await bot.tap_data(make("c"), message=message)
    assert "message is not modified" not in str(bot.api.calls[-1].params)
    assert len(bot.api.of("sendMessage")) == 1  # no error message was sent


async def test_forged_data_changes_nothing(consented: Harness) -> None:
    bot = consented
    await bot.storage.users.give_consent(2002)
    await bot.storage.bookmarks.add(2002, "diagnosis", "", 0)
    await bot.send("/start")
    for data in ["s:diagnosis::99999999", "b:diagnosis::99999999:1", "b:nope::0:1",
                 "bx:diagnosis::0", "b:treatment:nope:0:1", "s:treatment:../x:0"]:
        await bot.tap_data(data)
    assert [b.page for b in await bot.storage.bookmarks.list(2002)] == [0]  # B's untouched
    assert await bot.storage.bookmarks.list(1001) == []
    assert len(bot.answers()) == 6


async def test_huge_page_number_is_clamped(bot: Harness, content) -> None:
    await bot.send("/start")
    await bot.tap_data("s:diagnosis::99999999")
    pages = len(content.section("diagnosis").parts[0].pages)
    assert f"Page {pages} of {pages}" in bot.text()


async def test_first_bookmark_asks_for_consent(bot: Harness) -> None:
    await bot.send("/diagnosis")
    await bot.tap("Bookmark this page")
    assert "Before we save this" in bot.text()
    assert (await bot.storage.export_user(1001))["stored"] is False
    await bot.tap("No thanks")
    assert "Nothing was saved" in bot.text()
    assert (await bot.storage.export_user(1001))["stored"] is False
    assert await bot.storage.users.count() == 0
    await bot.send("/diagnosis")
    await bot.tap("Bookmark this page")
    await bot.tap("OK, save it")
    assert "Bookmarked" in str(bot.buttons()) and "Diagnosis" in bot.text()
    exported = await bot.storage.export_user(1001)
    assert exported["consent_at"] is not None and len(exported["bookmarks"]) == 1
    await bot.send("/introduction" if False else "/intro")
    await bot.tap("Bookmark this page")  # asked once only
    assert len(await bot.storage.bookmarks.list(1001)) == 2
