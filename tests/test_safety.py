"""Safe during treatment: the urgent card and the family's numbers, the checklist pointing to
it, hard pages that ask first (and the setting that stops that), cross-references and "Next"
buttons, and the content check's refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import render
from bot.content import Content, ContentError, load_content
from handlers.guide import next_section, referenced_sections
from handlers.privacy import MAX_CONTACTS, MAX_LABEL
from tests.harness import ROOT, Harness, make, who

# Every flow here runs for an English and a Spanish parent.
pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]

PARENT = 1001


# ---- the urgent card and the family's numbers -------------------------------------------------
async def test_urgent_card_shows_both_units_and_every_number_with_its_label(
    consented: Harness, content: Content
) -> None:
    bot = consented
    s = content.strings
    await bot.storage.contacts.add(who(PARENT), "Day clinic", "020 7946 0000", limit=MAX_CONTACTS)
    await bot.storage.contacts.add(
        who(PARENT), "Ward, nights & weekends", "020 7946 1111", limit=MAX_CONTACTS
    )
    await bot.send("/urgent")
    html = bot.html()
    assert "38.0 °C" in html and "100.4 °F" in html
    assert [g.id for g in content.urgent.groups] == ["emergency", "care_team", "no_answer"]
    for group in content.urgent.groups:
        assert render.esc(group.title) in html
    assert s("contacts.line", label="Day clinic", phone="020 7946 0000") in html
    assert s("contacts.line", label="Ward, nights &amp; weekends", phone="020 7946 1111") in html
    assert render.esc(content.urgent.general_note) in html


async def test_care_team_numbers_add_two_change_one_remove_one(consented: Harness, content: Content) -> None:
    bot = consented
    s = content.strings
    await bot.storage.circles.set_timezone(who(PARENT), "Europe/London")  # numbers read as the UK's
    await bot.send("/settings")
    await bot.tap_data(make("sp"))
    await bot.send("0161 000 1111")
    assert s("privacy.settings.saved_ask_label", limit=MAX_LABEL) == bot.html()
    await bot.send("Day clinic")
    await bot.tap_data(make("sp"))
    await bot.send("not a number")
    assert bot.html() == s("privacy.settings.invalid")
    await bot.send("0161 000 2222")
    await bot.tap(s("privacy.settings.done"))  # keeps the default name
    contacts = await bot.storage.contacts.list(PARENT)
    assert [(c.label, c.phone) for c in contacts] == [("Day clinic", "0161 000 1111"), ("", "0161 000 2222")]
    assert s("contacts.line", label=s("contacts.default_label"), phone="+441610002222") in bot.html()

    # Change the second one's name (100 characters is refused calmly) and number.
    await bot.tap_data(make("sc", num=contacts[1].id))
    await bot.tap_data(make("sl", num=contacts[1].id))
    await bot.send("W" * 100)
    assert bot.html() == s("privacy.contact.label_invalid", limit=MAX_LABEL, length=100)
    await bot.send("Ward <nights> & weekends")
    await bot.tap_data(make("sc", num=contacts[1].id))
    await bot.tap_data(make("sn", num=contacts[1].id))
    await bot.send("0161 000 3333")
    changed = await bot.storage.contacts.get(PARENT, contacts[1].id)
    assert changed is not None and (changed.label, changed.phone) == (
        "Ward <nights> & weekends",
        "0161 000 3333",
    )
    assert (
        s("privacy.contact.title", label="Ward &lt;nights&gt; &amp; weekends", phone="+441610003333")
        in bot.html()
    )

    # Remove the first: the other stays, on the urgent card too.
    await bot.tap_data(make("sx", num=contacts[0].id))
    assert bot.answers()[-1]["text"] == s("privacy.settings.removed")
    assert [c.phone for c in await bot.storage.contacts.list(PARENT)] == ["0161 000 3333"]
    await bot.send("/urgent")
    assert "+441610003333" in bot.html() and "+441610001111" not in bot.html()


async def test_at_most_five_numbers(consented: Harness, content: Content) -> None:
    bot = consented
    for n in range(MAX_CONTACTS):
        await bot.storage.contacts.add(who(PARENT), f"Line {n}", f"0{n}0 000", limit=MAX_CONTACTS)
    await bot.send("/settings")
    assert make("sp") not in [d for _, d in bot.buttons()]
    await bot.tap_data(make("sp"))  # an old "add" button
    assert content.strings("privacy.settings.full", limit=MAX_CONTACTS) in bot.html()
    assert await bot.storage.prompts.get(PARENT) is None


async def test_another_parents_number_cannot_be_opened_or_changed(
    consented: Harness, content: Content
) -> None:
    bot = consented
    await bot.storage.users.give_consent(2002)
    theirs = await bot.storage.contacts.add(who(2002), "Theirs", "0999 999", limit=MAX_CONTACTS)
    await bot.send("/settings")
    for data in (
        make("sc", num=theirs),
        make("sl", num=theirs),
        make("sn", num=theirs),
        make("sx", num=theirs),
    ):
        await bot.tap_data(data)
        assert "0999 999" not in bot.html()
    assert [c.phone for c in await bot.storage.contacts.list(2002)] == ["0999 999"]


# ---- the checklist in its place ------------------------------------------------------------------
async def test_checklist_and_its_note_point_to_the_urgent_card(consented: Harness, content: Content) -> None:
    bot = consented
    s = content.strings
    await bot.send("/symptoms")
    assert s("symptoms.in_treatment") in bot.html()
    assert (s("symptoms.urgent_button"), make("u")) in bot.buttons()
    fever = content.checklist.item("fever")
    assert fever is not None
    await bot.tap_data(make("kt", item="fever", on=True))
    await bot.tap_data(make("ks"))
    note = bot.html()
    assert note.index(s("symptoms.in_treatment")) < note.index(render.esc(fever.label))
    assert bot.buttons()[0] == (s("symptoms.urgent_button"), make("u"))
    await bot.tap_data(make("u"))
    assert render.esc(content.urgent.title) in bot.html()


def test_checklist_explanations_add_no_cause(content: Content) -> None:
    breathing = content.checklist.item("breathing")
    assert breathing is not None and "anemia" not in breathing.explain.lower()
    for item in content.checklist.items:
        assert "crowd out" not in item.explain.lower(), item.id


# ---- hard pages ---------------------------------------------------------------------------------
def hard_pages(content: Content) -> list[tuple[str, str, int]]:
    return [(s.id, p.id, n) for s in content.sections for p in s.parts for n in sorted(p.sensitive_pages)]


async def test_new_hard_pages_ask_first_and_the_setting_turns_asking_off(
    consented: Harness, content: Content
) -> None:
    bot = consented
    s = content.strings
    pages = hard_pages(content)
    assert len(pages) >= 2  # second cancers and fertility
    for sid, part_id, page in pages:
        section = content.section(sid)
        assert section is not None
        part = section.part(part_id)
        assert part is not None
        await bot.send("/start")
        await bot.tap_data(make("s", sid=sid, part=part_id, page=page))
        assert bot.html() == render.gate(s, section, part), (sid, page)
        await bot.tap_data(make("r", sid=sid, part=part_id, page=page))
        assert bot.html() == render.section_page(s, section, part, page)
    await bot.send("/settings")
    await bot.tap(s("privacy.settings.gates_button_off"))
    assert await bot.storage.users.skips_gates(PARENT)
    sid, part_id, page = pages[0]
    await bot.tap_data(make("s", sid=sid, part=part_id, page=page))
    section = content.section(sid)
    assert section is not None and section.part(part_id) is not None
    assert bot.html() == render.section_page(s, section, section.part(part_id), page)  # type: ignore[arg-type]
    stats = next(sec for sec in content.sections if sec.sensitive)
    await bot.tap_data(make("s", sid=stats.id, part="", page=0))
    assert bot.html() == render.section_page(s, stats, stats.parts[0], 0)
    await bot.send("/settings")
    await bot.tap(s("privacy.settings.gates_button_on"))
    assert not await bot.storage.users.skips_gates(PARENT)


async def test_turning_asking_off_needs_consent_first(bot: Harness, content: Content) -> None:
    s = content.strings
    await bot.send("/settings")
    await bot.tap(s("privacy.settings.gates_button_off"))
    assert bot.html() == s("consent.prompt")
    assert await bot.storage.users.count() == 0


# ---- cross-references and the way on ----------------------------------------------------------
async def test_every_cross_reference_button_opens_its_section(bot: Harness, content: Content) -> None:
    s = content.strings
    seen = 0
    for section in content.sections:
        for part in section.parts:
            for page, text in enumerate(part.pages):
                for target in referenced_sections(content, section, text):
                    seen += 1
                    await bot.send("/start")
                    await bot.tap_data(make("r", sid=section.id, part=part.id, page=page))
                    data = make("s", sid=target.id, part="", page=0)
                    assert (s("page.see_section", title=target.title), data) in bot.buttons()
                    await bot.tap_data(data)
                    assert render.esc(target.title) in bot.html()
    assert seen >= 2


async def test_the_last_page_of_each_section_offers_the_next(bot: Harness, content: Content) -> None:
    s = content.strings
    for index, section in enumerate(content.sections):
        part = section.parts[-1]
        last = len(part.pages) - 1
        following = next_section(content, section, part, last)
        if index == len(content.sections) - 1:
            assert following is None
            continue
        assert following is content.sections[index + 1]
        await bot.send("/start")
        await bot.tap_data(make("r", sid=section.id, part=part.id, page=last))
        assert (
            s("page.next_section", title=following.title),
            make("s", sid=following.id, part="", page=0),
        ) in bot.buttons()


# ---- the content check's refusals ---------------------------------------------------------------
def broken(tmp_path: Path, old: str, new: str) -> Path:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    path = root / "sections" / "05-diagnosis.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("note", "fragment"),
    [
        ("Parts of the guide's table were lost, too.", "guide's table"),
        ("The list is cut off here, so it may hold more.", "cut off here"),
    ],
)
def test_an_editors_note_in_parent_text_is_refused(tmp_path: Path, note: str, fragment: str) -> None:
    root = broken(tmp_path, "## ", f"## {note}\n        ## ")
    with pytest.raises(ContentError, match="editor's note") as info:
        load_content(root)
    assert "05-diagnosis.yaml" in str(info.value) and fragment in str(info.value)


def test_a_cross_reference_to_a_missing_section_is_refused(tmp_path: Path) -> None:
    root = broken(tmp_path, "## ", "## See the Hair Care section.\n        ## ")
    with pytest.raises(ContentError, match="Hair Care"):
        load_content(root)
