"""The symptom checklist through the real Application: ticks, note for the doctor, clear all."""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, datetime

import pytest

from bot import render
from bot.config import Settings
from bot.content import Content
from handlers.symptoms import MAX_ALERT, fit_alert
from tests.harness import NOTHING_STORED, Harness, make, who

# Every flow here runs for an English and a Spanish parent.
pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]

OTHER = 2002


def item_buttons(bot: Harness, user_id: int = 1001) -> list[str]:
    """The checklist's item labels, as the parent sees them (☐ / ☑ and the label)."""
    return [label for label, data in bot.buttons(user_id) if data.startswith("kt:")]


def expected(content: Content, ticked: set[str]) -> list[str]:
    return [
        content.strings("symptoms.item_on" if item.id in ticked else "symptoms.item_off", label=item.label)
        for item in content.checklist.items
    ]


def label_of(content: Content, item_id: str) -> str:
    item = content.checklist.item(item_id)
    assert item is not None, item_id
    return item.label


def off(content: Content, item_id: str) -> str:
    """The button that ticks a sign (as shown while it is not ticked)."""
    return content.strings("symptoms.item_off", label=label_of(content, item_id))


def on(content: Content, item_id: str) -> str:
    """The button that unticks a sign (as shown while it is ticked)."""
    return content.strings("symptoms.item_on", label=label_of(content, item_id))


def note_bullet(content: Content, label: str) -> str:
    """How a sign's line in the note for the doctor starts, through its label ("• Pale skin")."""
    template = content.strings("symptoms.summary_item")
    return template[: template.index("{label}") + len("{label}")].format(label=label)


def note_entry(content: Content, label: str) -> str:
    """A sign's line in the note for the doctor up to its date ("• Pale skin (ticked ")."""
    template = content.strings("symptoms.summary_item")
    return template[: template.index("{date")].format(label=label)


def advice_shown(content: Content, text: str) -> bool:
    """The guide's first advice (when to talk with the doctor) is in the text."""
    return html.unescape(render.body(content.checklist.advice[0])) in text


async def test_symptoms_command_shows_every_item_unticked(bot: Harness, content: Content) -> None:
    section = content.section_for("checklist")
    assert section is not None
    await bot.send(f"/{section.command}")
    assert bot.api.last("sendMessage").params["parse_mode"] == "HTML"
    text = bot.text()
    assert content.checklist.title in text and content.checklist.intro in text
    assert len(content.checklist.items) == 10
    assert item_buttons(bot) == expected(content, set())
    infos = [data for _, data in bot.buttons() if data.startswith("ki:")]
    assert infos == [make("ki", item=i.id) for i in content.checklist.items]
    datas = [data for _, data in bot.buttons()]
    for kind in ("ks", "kc", "h"):
        assert make(kind) in datas
    assert make("s", sid=section.id, part="", page=0) in datas
    assert any(
        section.title in label and data == make("s", sid=section.id, part="", page=0)
        for label, data in bot.buttons()
    )


async def test_menu_button_opens_checklist_in_place(bot: Harness, content: Content) -> None:
    await bot.send("/start")
    await bot.tap(content.strings("menu.checklist"))
    assert bot.api.methods()[-2:] == ["answerCallbackQuery", "editMessageText"]
    assert item_buttons(bot) == expected(content, set())


async def test_tick_and_untick_each_item(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/symptoms")
    for item in content.checklist.items:
        await bot.tap(off(content, item.id))
        assert set(await bot.storage.marks.all(1001)) == {item.id}
        assert item_buttons(bot) == expected(content, {item.id})
        assert bot.answers()[-1]["text"] == content.strings("symptoms.ticked", label=item.label)
        await bot.tap(on(content, item.id))
        assert await bot.storage.marks.all(1001) == {}
        assert item_buttons(bot) == expected(content, set())
    # Every tap was answered once and edited the one checklist message.
    assert len(bot.answers()) == 2 * len(content.checklist.items)
    assert len(bot.api.of("sendMessage")) == 1


async def test_ticks_survive_a_rebuilt_application(settings: Settings, content: Content) -> None:
    chosen = {"fever", "bruising", "headache"}
    async with Harness(settings, content) as first:
        await first.storage.users.give_consent(1001)
        await first.send("/symptoms")
        for item in content.checklist.items:
            if item.id in chosen:
                await first.tap(off(content, item.id))
    async with Harness(settings, content) as second:
        await second.send("/symptoms")
        assert item_buttons(second) == expected(content, chosen)
        assert set(await second.storage.marks.all(1001)) == chosen


async def test_double_tap_leaves_item_ticked(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/symptoms")
    message = bot.last_message()
    data = bot.button(off(content, "bone_pain"))
    await bot.tap_data(data, message=message)
    await bot.tap_data(data, message=message)
    assert set(await bot.storage.marks.all(1001)) == {"bone_pain"}
    assert item_buttons(bot) == expected(content, {"bone_pain"})
    assert len(bot.answers()) == 2
    assert content.strings("errors.generic") not in bot.text()


async def test_concurrent_taps_leave_the_intended_state(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/symptoms")
    message = bot.last_message()
    public = {k: v for k, v in message.items() if not k.startswith("_")}
    same = bot.button(off(content, "pale"))
    await asyncio.gather(*(bot.feed(bot.user().tap(public, same)) for _ in range(2)))
    assert set(await bot.storage.marks.all(1001)) == {"pale"}
    # Two different signs tapped at once from the same old keyboard: both are kept.
    fever, nodes = bot.button(off(content, "fever")), bot.button(off(content, "lymph_nodes"))
    await asyncio.gather(bot.feed(bot.user().tap(public, fever)), bot.feed(bot.user().tap(public, nodes)))
    assert set(await bot.storage.marks.all(1001)) == {"pale", "fever", "lymph_nodes"}
    assert len(bot.answers()) == 4
    await bot.send("/symptoms")
    assert item_buttons(bot) == expected(content, {"pale", "fever", "lymph_nodes"})


async def test_summary_lists_exactly_the_ticked_items(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/symptoms")
    await bot.tap(off(content, "liver_spleen"))
    await bot.tap(off(content, "infections"))
    await bot.tap(off(content, "headache"))
    await bot.tap(on(content, "headache"))
    await bot.tap(content.strings("symptoms.summary_button"))
    text = bot.text()
    marks = await bot.storage.marks.all(1001)
    listed = [
        line
        for line in text.splitlines()
        if any(line.startswith(note_entry(content, i.label)) for i in content.checklist.items)
    ]
    # In checklist order, whatever order they were ticked in, each with its date.
    assert listed == [
        content.strings(
            "symptoms.summary_item",
            label=label_of(content, iid),
            date=datetime.fromtimestamp(marks[iid], tz=UTC),
        )
        for iid in ("infections", "liver_spleen")
    ]
    assert advice_shown(content, text)
    assert label_of(content, "headache") not in text
    assert [data for _, data in bot.buttons()] == [make("u"), make("k"), make("h")]
    await bot.tap(content.strings("symptoms.back"))
    assert item_buttons(bot) == expected(content, {"infections", "liver_spleen"})


async def test_summary_with_nothing_ticked_says_so(bot: Harness, content: Content) -> None:
    await bot.send("/symptoms")
    await bot.tap(content.strings("symptoms.summary_button"))
    text = bot.text()
    assert content.strings("symptoms.summary_empty") in text
    assert advice_shown(content, text)
    assert not any(note_bullet(content, i.label) in text for i in content.checklist.items)


async def test_summary_with_every_item_ticked_fits(consented: Harness, content: Content) -> None:
    bot = consented
    for item in content.checklist.items:
        await bot.storage.marks.set(who(1001), item.id, True)
    await bot.send("/symptoms")
    await bot.tap(content.strings("symptoms.summary_button"))
    text = bot.text()
    assert all(note_entry(content, i.label) in text for i in content.checklist.items)
    assert content.strings("errors.generic") not in text


async def test_clear_all_asks_first(consented: Harness, content: Content) -> None:
    bot = consented
    s = content.strings
    await bot.send("/symptoms")
    await bot.tap(off(content, "pale"))
    await bot.tap(off(content, "breathing"))
    await bot.tap(s("symptoms.clear_button"))
    assert s("symptoms.clear_title") in bot.text()
    assert set(await bot.storage.marks.all(1001)) == {"pale", "breathing"}
    await bot.tap(s("symptoms.clear_no"))
    assert set(await bot.storage.marks.all(1001)) == {"pale", "breathing"}
    assert item_buttons(bot) == expected(content, {"pale", "breathing"})
    await bot.tap(s("symptoms.clear_button"))
    await bot.tap(s("symptoms.clear_yes"))
    assert await bot.storage.marks.all(1001) == {}
    assert item_buttons(bot) == expected(content, set())
    assert bot.answers()[-1]["text"] == s("symptoms.cleared")


async def test_info_answers_with_the_explanation(bot: Harness, content: Content) -> None:
    await bot.send("/symptoms")
    assert content.red_flags is not None
    for item in content.checklist.items:
        before = len(bot.api.calls)
        await bot.tap_data(make("ki", item=item.id))
        assert bot.api.methods()[before:] == ["answerCallbackQuery"]
        params = bot.answers()[-1]
        if content.red_flags.check(f"{item.label}. {item.explain}", bare_numbers=False):
            # A sign on the urgent card, for a child taken to be in treatment: the card leads.
            assert params["text"].startswith(content.strings("symptoms.in_treatment_alert"))
            assert item.explain[:40] in params["text"]
        else:
            assert item.explain in params["text"]
        assert params["show_alert"] is True
    assert await bot.storage.export_user(1001) == NOTHING_STORED


def test_alert_is_cut_to_telegram_limit() -> None:
    long = "🩸 word " * 60
    cut = fit_alert(long)
    assert len(cut.encode("utf-16-le")) // 2 <= MAX_ALERT and cut.endswith("…")
    assert fit_alert("short") == "short"


async def test_forged_and_malformed_data_change_nothing(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/symptoms")
    await bot.tap(off(content, "bruising"))
    for data in [
        "kt:nope:1",
        "kt:nope:0",
        "kt:fever:2",
        "kt:fever",
        "kt:FEVER:1",
        "kt:fever:1:1",
        "kt::1",
        "kt:bruising:yes",
        "ki:nope",
        "ki:",
        "ki:fever:1",
        "ks:1",
        "ky:1",
        "kt:../x:1",
        "kt:fever:1\n",
        "kt:fever:01",
    ]:
        before = len(bot.answers())
        await bot.tap_data(data)
        assert len(bot.answers()) == before + 1, data
        assert bot.answers()[-1]["text"] == content.strings("errors.stale"), data
        assert set(await bot.storage.marks.all(1001)) == {"bruising"}, data
    await bot.send("/symptoms")
    assert item_buttons(bot) == expected(content, {"bruising"})


async def test_another_user_sees_none_of_the_ticks(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/symptoms")
    await bot.tap(off(content, "bone_pain"))
    await bot.tap(off(content, "fever"))
    await bot.storage.users.give_consent(OTHER)
    await bot.send("/symptoms", user_id=OTHER)
    assert item_buttons(bot, OTHER) == expected(content, set())
    await bot.tap(content.strings("symptoms.summary_button"), user_id=OTHER)
    assert content.strings("symptoms.summary_empty") in bot.text(OTHER)
    # Whatever the other parent taps acts on their own ticks only.
    await bot.tap_data(make("kt", item="fever", on=False), user_id=OTHER)
    await bot.tap_data(make("ky"), user_id=OTHER)
    await bot.tap_data(make("kt", item="headache", on=True), user_id=OTHER)
    assert set(await bot.storage.marks.all(1001)) == {"bone_pain", "fever"}
    assert set(await bot.storage.marks.all(OTHER)) == {"headache"}


async def test_first_tick_asks_for_consent(bot: Harness, content: Content) -> None:
    s = content.strings
    await bot.send("/symptoms")
    await bot.tap(off(content, "headache"))
    assert s("consent.prompt") in bot.text()
    await bot.tap(s("consent.no"))
    assert s("consent.declined") in bot.text()
    assert await bot.storage.export_user(1001) == NOTHING_STORED
    await bot.send("/symptoms")
    await bot.tap(off(content, "headache"))
    await bot.tap(s("consent.ok"))
    assert set(await bot.storage.marks.all(1001)) == {"headache"}
    assert item_buttons(bot) == expected(content, {"headache"})
    # Consent is asked once: the next tick is stored straight away.
    await bot.tap(off(content, "pale"))
    assert set(await bot.storage.marks.all(1001)) == {"headache", "pale"}


async def test_unticking_never_asks_for_consent(bot: Harness, content: Content) -> None:
    await bot.send("/symptoms")
    await bot.tap_data(make("kt", item="fever", on=False))
    assert item_buttons(bot) == expected(content, set())
    assert content.strings("consent.prompt").split("\n")[0] not in bot.text()  # its title
    assert await bot.storage.export_user(1001) == NOTHING_STORED


async def test_read_button_opens_the_section(bot: Harness, content: Content) -> None:
    section = content.section_for("checklist")
    assert section is not None
    await bot.send("/symptoms")
    await bot.tap(content.strings("symptoms.read_button", title=section.title))
    assert section.title in bot.text()
    await bot.tap(content.strings("page.open_checklist"))
    assert item_buttons(bot) == expected(content, set())
