"""Questions for the doctor through the real Application: save, My questions, own, PDF, text."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from bot.config import Settings
from bot.content import Content
from bot.pdf import PLACEHOLDER, build_pdf, drawable, visual_line, wrap
from bot.render import clip
from bot.storage import Prompt, SavedQuestion
from handlers.questions import (
    LABEL,
    MAX_ANSWER,
    MAX_OWN,
    MAX_QUESTIONS,
    PER_PAGE,
    export_messages,
    list_view,
    paginate,
    question_view,
    visible_len,
)
from tests.harness import Harness, make, who

# Every flow here runs for an English and a Spanish parent.
pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]
NEW_YEARS_EVE = datetime(2030, 12, 31, 23, 30, tzinfo=UTC).timestamp()

OTHER = 2002
# HTML-special characters, markdown-looking stars, emoji (one with a skin tone), braces.
SPECIAL = "Is <b>this</b> & <i>that</i> *really* OK? 5 < 6 && x > 2 {nb} 👍 "


def exactly(length: int, start: str = SPECIAL) -> str:
    """A question of exactly `length` characters (code points) starting with `start`."""
    filler = " word" * length
    return (start + filler)[: length - 1] + "?"


def squash(text: str) -> str:
    """Compare PDF text without the line breaks and spaces that wrapping moves around."""
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def group_toggles(bot: Harness, user_id: int = 1001) -> list[tuple[str, str]]:
    return [(label, data) for label, data in bot.buttons(user_id) if data.startswith(("qs:", "qt:"))]


def list_buttons(bot: Harness, user_id: int = 1001) -> list[tuple[str, str]]:
    return [(label, data) for label, data in bot.buttons(user_id) if data.startswith("mo:")]


def star(content: Content, number: int, on: bool = False) -> str:
    """The fixed start of a guide question's toggle label, e.g. "☆ 1. " (saved: "⭐ 1. ")."""
    return content.strings("questions.save_on" if on else "questions.save_off", number=number, text="")


def list_label(content: Content, number: int, text: str, mark: str = "") -> str:
    """A My questions button label, e.g. "1. ✅ How long" (mark: "", "asked" or "answered")."""
    return content.strings(
        "questions.list_button",
        number=number,
        text=text,
        mark=content.strings(f"questions.mark_{mark}") if mark else "",
    )


def heading(html: str) -> str:
    """The first line of a content string without its tags: "<b>Before we save this</b>\n..."
    gives "Before we save this"."""
    return re.sub(r"<[^>]+>", "", html.split("\n", 1)[0])


async def add_own(bot: Harness, text: str, user_id: int = 1001) -> None:
    """Add a question the way a parent does: My questions, Add, type it."""
    await bot.send("/myquestions", user_id=user_id)
    await bot.tap_data(make("mn"), user_id=user_id)
    await bot.send(text, user_id=user_id)


# ---- the guide's question lists -----------------------------------------------------------
async def test_questions_command_comes_from_content(bot: Harness, content: Content) -> None:
    section = content.section_for("questions")
    assert section is not None
    await bot.send(f"/{section.command}")
    assert bot.api.last("sendMessage").params["parse_mode"] == "HTML"
    assert content.strings("questions.groups_title") in bot.text()
    datas = [data for _, data in bot.buttons()]
    assert [d for d in datas if d.startswith("qg:")] == [
        make("qg", group=g.id) for g in content.question_groups
    ]
    for group in content.question_groups:
        label = content.strings(
            "questions.group_button", title=group.title, saved=0, total=len(group.questions)
        )
        assert (label, make("qg", group=group.id)) in bot.buttons()
    assert make("s", sid=section.id, part="", page=0) in datas
    assert make("m", page=0) in datas and make("h") in datas


async def test_menu_button_opens_groups_in_place(bot: Harness, content: Content) -> None:
    await bot.send("/start")
    await bot.tap(content.strings("menu.questions"))
    assert bot.api.methods()[-2:] == ["answerCallbackQuery", "editMessageText"]
    assert len(bot.api.of("sendMessage")) == 1
    assert any(d.startswith("qg:") for _, d in bot.buttons())


async def test_group_shows_full_texts_numbered_and_short_labels(bot: Harness, content: Content) -> None:
    group = max(content.question_groups, key=lambda g: len(g.questions))
    await bot.send("/questions")
    await bot.tap_data(make("qg", group=group.id))
    text = bot.text()
    for number, question in enumerate(group.questions, start=1):
        assert content.strings("questions.item", number=number, text=question.text) in text
    assert group_toggles(bot) == [
        (
            content.strings("questions.save_off", number=n, text=clip(q.text, LABEL)),
            make("qs", item=q.id, on=True),
        )
        for n, q in enumerate(group.questions, start=1)
    ]
    assert all(len(label) <= LABEL + 8 for label, _ in group_toggles(bot))
    assert make("q") in [d for _, d in bot.buttons()]


async def test_first_save_asks_consent_then_saves_id_and_text(bot: Harness, content: Content) -> None:
    group = content.question_groups[0]
    first = group.questions[0]
    await bot.send("/questions")
    await bot.tap_data(make("qg", group=group.id))
    await bot.tap(star(content, 1))
    assert content.strings("consent.prompt") in bot.text()
    assert await bot.storage.questions.list(1001) == []
    await bot.tap(content.strings("consent.ok"))
    saved = await bot.storage.questions.list(1001)
    assert [(q.guide_id, q.text) for q in saved] == [(first.id, first.text)]
    assert bot.answers()[-1]["text"] == content.strings("questions.saved")
    assert group_toggles(bot)[0] == (
        content.strings("questions.save_on", number=1, text=clip(first.text, LABEL)),
        make("qs", item=first.id, on=False),
    )
    # The second save does not ask again.
    await bot.tap(star(content, 2))
    assert {q.guide_id for q in await bot.storage.questions.list(1001)} == {first.id, group.questions[1].id}


async def test_consent_declined_stores_nothing(bot: Harness, content: Content) -> None:
    group = content.question_groups[0]
    await bot.send("/questions")
    await bot.tap_data(make("qg", group=group.id))
    await bot.tap(star(content, 1))
    await bot.tap(content.strings("consent.no"))
    assert content.strings("consent.declined") in bot.text()
    assert not await bot.storage.users.has_consent(1001)
    assert await bot.storage.users.count() == 0
    assert await bot.storage.questions.list(1001) == []
    # Own question: declining consent means no waiting state either.
    await bot.send("/myquestions")
    await bot.tap_data(make("mn"))
    await bot.tap(content.strings("consent.no"))
    assert await bot.storage.users.count() == 0
    await bot.send("A question typed after saying no")
    assert await bot.storage.users.count() == 0


async def test_unsave_double_tap_and_no_consent_needed(consented: Harness, content: Content) -> None:
    bot = consented
    group = content.question_groups[1]
    q = group.questions[0]
    await bot.send("/questions")
    await bot.tap_data(make("qg", group=group.id))
    old = bot.last_message()
    await bot.tap(star(content, 1))
    # A double tap on the old ☆ button means "saved": still exactly one copy.
    await bot.tap_data(make("qs", item=q.id, on=True), message=old)
    assert [x.guide_id for x in await bot.storage.questions.list(1001)] == [q.id]
    await bot.tap(star(content, 1, on=True))
    assert bot.answers()[-1]["text"] == content.strings("questions.unsaved")
    assert await bot.storage.questions.saved_guide_ids(1001) == set()
    await bot.tap_data(make("qs", item=q.id, on=False))
    assert await bot.storage.questions.saved_guide_ids(1001) == set()
    assert group_toggles(bot)[0][0].startswith(star(content, 1))
    # Unsaving never asks for consent, even for a parent who never gave it.
    await bot.send("/questions", user_id=OTHER)
    await bot.tap_data(make("qs", item=q.id, on=False), user_id=OTHER)
    assert heading(content.strings("consent.prompt")) not in bot.text(OTHER)
    assert not await bot.storage.users.has_consent(OTHER)


async def test_resaving_a_just_unsaved_question_keeps_its_answer(
    consented: Harness, content: Content
) -> None:
    bot = consented
    q = content.question_groups[0].questions[0]
    await bot.storage.questions.save_guide(who(1001), q.id, q.text, limit=MAX_QUESTIONS)
    saved = (await bot.storage.questions.list(1001))[0]
    await bot.storage.questions.set_answer(who(1001), saved.id, "The doctor said B-cell ALL.")
    await bot.send("/questions")
    await bot.tap_data(make("qs", item=q.id, on=False))
    await bot.tap_data(make("qs", item=q.id, on=True))
    again = await bot.storage.questions.list(1001)
    assert [(x.id, x.answer) for x in again] == [(saved.id, "The doctor said B-cell ALL.")]


async def test_questions_about_a_section(consented: Harness, content: Content) -> None:
    bot = consented
    section = content.section("diagnosis")
    assert section is not None
    linked = content.questions_about("diagnosis")
    assert linked
    await bot.send(f"/{section.command}")
    await bot.tap(content.strings("page.questions_about"))
    text = bot.text()
    assert section.title in text
    for number, question in enumerate(linked, start=1):
        assert content.strings("questions.item", number=number, text=question.text) in text
    assert [d for _, d in group_toggles(bot)] == [
        make("qt", sid="diagnosis", item=q.id, on=True) for q in linked
    ]
    await bot.tap(star(content, 2))
    assert await bot.storage.questions.saved_guide_ids(1001) == {linked[1].id}
    assert section.title in bot.text()  # the same view again
    assert group_toggles(bot)[1][0].startswith(star(content, 2, on=True))
    await bot.tap(star(content, 2, on=True))
    assert await bot.storage.questions.saved_guide_ids(1001) == set()
    assert make("s", sid="diagnosis", part="", page=0) in [d for _, d in bot.buttons()]


async def test_forged_guide_taps_are_stale(consented: Harness, content: Content) -> None:
    bot = consented
    other_section = next(q for g in content.question_groups for q in g.questions if q.section != "diagnosis")
    await bot.send("/questions")
    for data in [
        make("qg", group="nope"),
        make("qs", item="nope", on=True),
        make("qa", sid="nope"),
        make("qa", sid="introduction"),
        make("qt", sid="diagnosis", item=other_section.id, on=True),
        "qs:leukemia_type:2",
        "mo:-1",
        "mk:1:x",
        "m:abc",
    ]:
        before = len(bot.answers())
        await bot.tap_data(data)
        assert len(bot.answers()) == before + 1, data
        assert bot.answers()[-1]["text"] == content.strings("errors.stale"), data
    assert await bot.storage.questions.list(1001) == []


# ---- My questions -------------------------------------------------------------------------
async def test_list_in_order_saved_with_asked_and_answer(consented: Harness, content: Content) -> None:
    bot = consented
    g1, g2 = content.question_groups[0].questions[:2]
    await bot.storage.questions.save_guide(who(1001), g2.id, g2.text, limit=MAX_QUESTIONS)
    own = await bot.storage.questions.add_own(who(1001), "Can she go to school?", limit=MAX_QUESTIONS)
    await bot.storage.questions.save_guide(who(1001), g1.id, g1.text, limit=MAX_QUESTIONS)
    await bot.storage.questions.mark_asked(who(1001), own, True)
    first = (await bot.storage.questions.list(1001))[0]
    await bot.storage.questions.set_answer(who(1001), first.id, "Tests show B-cell ALL.")
    await bot.send("/myquestions")
    text = bot.text()
    assert content.strings("questions.list_title", count=3) in text
    positions = [
        text.index(content.strings("questions.entry", number=n, text=t))
        for n, t in [(1, g2.text), (2, "Can she go to school?"), (3, g1.text)]
    ]
    assert positions == sorted(positions)
    assert content.strings("questions.entry_answer", answer="Tests show B-cell ALL.") in text
    assert content.strings("questions.entry_asked") in text
    labels = [label for label, _ in list_buttons(bot)]
    assert labels[0].startswith(list_label(content, 1, "", "answered"))
    assert labels[1].startswith(list_label(content, 2, "", "asked"))
    assert labels[2].startswith(list_label(content, 3, ""))
    assert content.strings("questions.mark_asked").strip() not in labels[2]
    datas = [d for _, d in bot.buttons()]
    for kind in ("mn", "mp", "mt"):
        assert make(kind) in datas


async def test_empty_list_offers_add_and_lists(bot: Harness, content: Content) -> None:
    await bot.send("/start")
    await bot.tap(content.strings("menu.myquestions"))
    assert content.strings("questions.empty") in bot.text()
    assert make("mn") in [d for _, d in bot.buttons()]
    assert await bot.storage.users.count() == 0


async def test_mark_asked_and_not_asked_stays_for_next_visit(consented: Harness, content: Content) -> None:
    bot = consented
    qid = await bot.storage.questions.add_own(who(1001), "How long is maintenance?", limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    await bot.tap(list_label(content, 1, "How long"))
    assert "How long is maintenance?" in bot.text()
    assert content.strings("questions.status_new") in bot.text()
    await bot.tap(content.strings("questions.ask_on"))
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.asked_at is not None and q.answer is None
    assert content.strings("questions.status_asked") in bot.text()
    assert bot.answers()[-1]["text"] == content.strings("questions.marked_asked")
    # A double tap on the old "mark as asked" keeps it asked.
    await bot.tap_data(make("mk", num=qid, on=True))
    await bot.tap(content.strings("questions.back_list"))
    assert "How long is maintenance?" in bot.text()
    assert content.strings("questions.entry_asked") in bot.text()
    await bot.tap(list_label(content, 1, "How long", "asked"))
    await bot.tap(content.strings("questions.ask_off"))
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.asked_at is None


async def test_write_down_the_answer(consented: Harness, content: Content) -> None:
    bot = consented
    qid = await bot.storage.questions.add_own(who(1001), "What is MRD?", limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    await bot.tap(list_label(content, 1, "What is MRD?"))
    await bot.tap(content.strings("questions.answer_add"))
    pending = await bot.storage.prompts.get(1001)
    assert pending is not None and (pending.kind, pending.ref) == ("answer", qid)
    assert "What is MRD?" in bot.text()
    assert make("mx") in [d for _, d in bot.buttons()]
    typed = "Minimal <residual> disease & it's < 0.01% *now* 🎉\nשלום"
    await bot.send(typed)
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.answer == typed and q.asked_at is not None
    assert await bot.storage.prompts.get(1001) is None
    assert typed in bot.text()
    assert content.strings("questions.answer_saved") in bot.text()
    assert "&lt;residual&gt;" in bot.api.last("sendMessage").params["text"]
    await bot.tap(content.strings("questions.back_list"))
    assert content.strings("questions.entry_answer", answer="Minimal <residual> disease") in bot.text()
    # The next text is no longer taken as an answer.
    await bot.send("hello again")
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.answer == typed


async def test_answer_empty_or_too_long_is_refused_and_still_waits(
    consented: Harness, content: Content
) -> None:
    bot = consented
    qid = await bot.storage.questions.add_own(who(1001), "What is MRD?", limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    await bot.tap_data(make("ma", num=qid))
    await bot.send("   ")
    assert bot.text() == content.strings("questions.empty_answer")
    await bot.send("y" * (MAX_ANSWER + 1))
    assert str(MAX_ANSWER + 1) in bot.text() and str(MAX_ANSWER) in bot.text()
    assert make("mx") in [d for _, d in bot.buttons()]
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.answer is None
    assert (await bot.storage.prompts.get(1001)) is not None
    await bot.send("y" * MAX_ANSWER)
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.answer == "y" * MAX_ANSWER


async def test_remove_and_undo(consented: Harness, content: Content) -> None:
    bot = consented
    ids = [
        await bot.storage.questions.add_own(who(1001), f"Question {n}", limit=MAX_QUESTIONS)
        for n in (1, 2, 3)
    ]
    await bot.send("/myquestions")
    await bot.tap(list_label(content, 2, "Question 2"))
    view = bot.last_message()
    await bot.tap(content.strings("questions.remove"))
    # A double tap on Remove still offers Undo for the same question.
    await bot.tap_data(make("mr", num=ids[1]), message=view)
    assert [q.id for q in await bot.storage.questions.list(1001)] == [ids[0], ids[2]]
    assert all(
        content.strings("questions.entry", number=n, text="Question 2") not in bot.text()
        for n in range(1, len(ids) + 1)
    )
    assert content.strings("questions.removed_note", number=2) in bot.text()
    assert bot.buttons()[0] == (content.strings("questions.undo"), make("mu", num=ids[1]))
    await bot.tap(content.strings("questions.undo"))
    assert [q.id for q in await bot.storage.questions.list(1001)] == ids
    assert bot.answers()[-1]["text"] == content.strings("questions.restored")
    assert content.strings("questions.entry", number=2, text="Question 2") in bot.text()
    # A second undo (an old button) changes nothing and says so calmly.
    await bot.tap_data(make("mu", num=ids[1]))
    assert bot.answers()[-1]["text"] == content.strings("questions.undo_gone")
    assert [q.id for q in await bot.storage.questions.list(1001)] == ids


async def test_tapping_a_removed_question_is_calm(consented: Harness, content: Content) -> None:
    bot = consented
    qid = await bot.storage.questions.add_own(who(1001), "Question one", limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    message = bot.last_message()
    await bot.storage.questions.remove(who(1001), qid)
    for data in (make("mo", num=qid), make("mk", num=qid, on=True), make("ma", num=qid)):
        await bot.tap_data(data, message=message)
        assert bot.answers()[-1]["text"] == content.strings("questions.gone"), data
    assert await bot.storage.prompts.get(1001) is None
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.asked_at is None
    # Remove again (an old button): still removed, and Undo is still offered.
    await bot.tap_data(make("mr", num=qid), message=message)
    assert (content.strings("questions.undo"), make("mu", num=qid)) in bot.buttons()


# ---- own questions ------------------------------------------------------------------------
async def test_own_question_round_trips_exactly_into_message_and_pdf(
    consented: Harness, content: Content
) -> None:
    bot = consented
    typed = exactly(MAX_OWN)
    assert len(typed) == MAX_OWN
    await bot.send("/myquestions")
    await bot.tap(content.strings("questions.add"))
    assert (await bot.storage.prompts.get(1001)) is not None
    assert str(MAX_OWN) in bot.text()
    await bot.send(typed)
    saved = await bot.storage.questions.list(1001)
    assert [q.text for q in saved] == [typed]
    assert typed in bot.text()
    assert content.strings("questions.question_saved") in bot.text()
    raw = bot.api.last("sendMessage").params["text"]
    assert "&lt;b&gt;this&lt;/b&gt; &amp; &lt;i&gt;" in raw
    await bot.tap(content.strings("questions.back_list"))
    assert typed in bot.text()
    await bot.tap(content.strings("questions.pdf"))
    sent = bot.api.files[-1]
    extracted = squash(pdf_text(sent.data))
    assert squash(typed.replace("👍", PLACEHOLDER)) in extracted


async def test_own_question_with_right_to_left_text(consented: Harness) -> None:
    bot = consented
    typed = "שאלה: האם (הילד) יכול ללכת לבית הספר? مرحبا 123 & <ok>"
    await add_own(bot, typed)
    assert [q.text for q in await bot.storage.questions.list(1001)] == [typed]
    assert typed in bot.text()
    await bot.send("/myquestions")
    assert typed in bot.text()
    await bot.tap_data(make("mp"))
    data = bot.api.files[-1].data
    extracted = pdf_text(data)
    for word in ("שאלה", "הספר", "123", "<ok>"):
        assert word in extracted or word[::-1] in extracted
    await bot.tap_data(make("mt"))
    assert typed in bot.text()


async def test_501_characters_and_empty_text_refused(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/myquestions")
    await bot.tap_data(make("mn"))
    await bot.send(exactly(MAX_OWN + 1))
    assert content.strings("questions.question_too_long", length=MAX_OWN + 1, limit=MAX_OWN) == bot.text()
    assert make("mx") in [d for _, d in bot.buttons()]
    for empty in ("   ", "\n\t \n", "\u3000"):
        await bot.send(empty)
        assert bot.text() == content.strings("questions.empty_question")
    assert await bot.storage.questions.list(1001) == []
    pending = await bot.storage.prompts.get(1001)
    assert pending is not None and pending.kind == "question"
    await bot.send("Now a real one")
    assert [q.text for q in await bot.storage.questions.list(1001)] == ["Now a real one"]


async def test_limit_reached_is_said_plainly(consented: Harness, content: Content) -> None:
    bot = consented
    for n in range(MAX_QUESTIONS):
        await bot.storage.questions.add_own(who(1001), f"Question {n}", limit=MAX_QUESTIONS)
    limit = content.strings("questions.limit", limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    await bot.tap_data(make("mn"))
    assert limit in bot.text()
    assert await bot.storage.prompts.get(1001) is None
    # Waiting already when the list filled up (another device, say): refused plainly.
    now = bot.clock()
    await bot.storage.prompts.open(1001, Prompt("question", None, make("m", page=0), now, now + 1800))
    await bot.send("One too many")
    assert limit in bot.text()
    assert await bot.storage.prompts.get(1001) is None
    assert await bot.storage.questions.count(1001) == MAX_QUESTIONS
    # Saving one of the guide's questions at the limit: an alert, nothing saved.
    q = content.question_groups[0].questions[0]
    await bot.send("/questions")
    await bot.tap_data(make("qs", item=q.id, on=True))
    assert bot.answers()[-1]["text"] == limit and bot.answers()[-1]["show_alert"]
    assert await bot.storage.questions.saved_guide_ids(1001) == set()


async def test_cancel_while_waiting(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/myquestions")
    await bot.tap_data(make("mn"))
    await bot.tap(content.strings("questions.cancel"))
    assert bot.answers()[-1]["text"] == content.strings("questions.cancelled")
    assert await bot.storage.prompts.get(1001) is None
    await bot.send("This is not a question")
    assert await bot.storage.questions.list(1001) == []
    assert bot.searched()
    # /cancel while writing an answer.
    qid = await bot.storage.questions.add_own(who(1001), "Question one", limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    await bot.tap_data(make("ma", num=qid))
    await bot.send("/cancel")
    assert await bot.storage.prompts.get(1001) is None
    await bot.send("Not an answer")
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.answer is None
    # Cancel on an answer goes back to that question.
    await bot.send("/myquestions")
    await bot.tap_data(make("ma", num=qid))
    await bot.tap(content.strings("questions.cancel"))
    assert "Question one" in bot.text() and content.strings("questions.answer_add") in [
        label for label, _ in bot.buttons()
    ]


async def test_waiting_state_survives_a_restart(settings: Settings, content: Content) -> None:
    async with Harness(settings, content) as bot:
        await bot.storage.users.give_consent(1001)
        qid = await bot.storage.questions.add_own(who(1001), "Question one", limit=MAX_QUESTIONS)
        await bot.send("/myquestions")
        await bot.tap_data(make("mn"))
    async with Harness(settings, content) as bot:
        await bot.send("Typed after the restart")
        assert [q.text for q in await bot.storage.questions.list(1001)] == [
            "Question one",
            "Typed after the restart",
        ]
        assert await bot.storage.prompts.get(1001) is None
        await bot.send("/myquestions")
        await bot.tap_data(make("ma", num=qid))
    async with Harness(settings, content) as bot:
        await bot.send("An answer after the restart")
        q = await bot.storage.questions.get(1001, qid)
        assert q is not None and q.answer == "An answer after the restart"


async def test_waiting_for_an_answer_to_a_removed_question(consented: Harness, content: Content) -> None:
    bot = consented
    qid = await bot.storage.questions.add_own(who(1001), "Question one", limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    await bot.tap_data(make("ma", num=qid))
    await bot.storage.questions.remove(who(1001), qid)
    await bot.send("An answer to nothing")
    assert content.strings("questions.gone_waiting") in bot.text()
    assert await bot.storage.prompts.get(1001) is None
    q = await bot.storage.questions.get(1001, qid)
    assert q is not None and q.answer is None


# ---- PDF and text export ------------------------------------------------------------------
async def test_pdf_is_valid_and_holds_every_question(consented: Harness, content: Content) -> None:
    bot = consented
    g = content.question_groups[0].questions[0]
    await bot.storage.questions.save_guide(who(1001), g.id, g.text, limit=MAX_QUESTIONS)
    own = await bot.storage.questions.add_own(
        who(1001), "Can my son still play {nb} football?", limit=MAX_QUESTIONS
    )
    asked = await bot.storage.questions.add_own(
        who(1001), "Which blood counts are normal?", limit=MAX_QUESTIONS
    )
    await bot.storage.questions.set_answer(who(1001), own, "Yes, gently.")
    await bot.storage.questions.mark_asked(who(1001), asked, True)
    # The date is the parent's day on the bot's clock: 23:30 UTC on New Year's Eve is
    # already New Year's Day in their time zone.
    bot.clock.fixed = NEW_YEARS_EVE
    await bot.storage.circles.set_timezone(who(1001), "Pacific/Auckland")
    await bot.send("/myquestions")
    await bot.tap(content.strings("questions.pdf"))
    assert bot.answers()[-1]["text"] == content.strings("questions.pdf_preparing")
    call = bot.api.last("sendDocument")
    today = date(2031, 1, 1)
    sent = bot.api.files[-1]
    assert sent.filename == content.strings("questions.pdf_filename", date=today)
    assert sent.caption == content.strings("questions.pdf_caption", date=today)
    assert int(call.params["chat_id"]) == 1001
    assert sent.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(sent.data))
    assert len(reader.pages) >= 1
    text = squash(pdf_text(sent.data))
    for expected in (
        g.text,
        "Can my son still play {nb} football?",
        "Yes, gently.",
        "Which blood counts are normal?",
        content.strings("questions.pdf_date", date=today),
        content.strings("questions.pdf_asked"),
        content.strings("questions.pdf_title"),
    ):
        assert squash(expected) in text, expected


async def test_pdf_and_text_of_an_empty_list(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.send("/myquestions")
    for kind in ("mp", "mt"):
        await bot.tap_data(make(kind))
        assert bot.answers()[-1]["text"] == content.strings("questions.nothing_to_export")
    assert bot.api.files == []


async def test_text_export_holds_every_question(consented: Harness, content: Content) -> None:
    bot = consented
    texts = [f"Question {n}: <dose> & *timing* 💊 " + "detail " * 60 for n in range(30)]
    for text in texts:
        await bot.storage.questions.add_own(who(1001), text, limit=MAX_QUESTIONS)
    ids = [q.id for q in await bot.storage.questions.list(1001)]
    await bot.storage.questions.set_answer(who(1001), ids[3], "Answer <three> & more")
    bot.clock.fixed = NEW_YEARS_EVE  # no time zone given: the day in UTC, on the bot's clock
    await bot.send("/myquestions")
    before = len(bot.api.of("sendMessage"))
    await bot.tap(content.strings("questions.text"))
    assert bot.answers()[-1]["text"] == content.strings("questions.text_sent")
    sent = bot.api.of("sendMessage")[before:]
    assert len(sent) > 1  # too long for one message, so it was split
    shown = [bot.api.chat_messages(1001)[-len(sent) + i]["text"] for i in range(len(sent))]
    whole = "\n\n".join(shown)
    for number, text in enumerate(texts, start=1):
        assert content.strings("questions.export_entry", number=number, text=text) in whole
    assert "Answer <three> & more" in whole
    assert whole.startswith(content.strings("questions.export_title", date=date(2030, 12, 31)))
    assert all("reply_markup" not in call.params for call in sent)
    assert all("&lt;dose&gt;" in call.params["text"] for call in sent[:1])


async def test_list_pages_fit_and_number_across_pages(consented: Harness, content: Content) -> None:
    bot = consented
    for n in range(1, 24):
        await bot.storage.questions.add_own(who(1001), f"Question {n} " + "🩸<&>" * 90, limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    seen = []
    while True:
        labels = [label for label, _ in list_buttons(bot)]
        assert 1 <= len(labels) <= PER_PAGE
        seen += [int(label.split(".")[0]) for label in labels]
        nxt = [d for label, d in bot.buttons() if label == content.strings("questions.next")]
        if not nxt:
            break
        await bot.tap_data(nxt[0])
    assert seen == list(range(1, 24))
    # Back from a question on a later page returns to that page.
    last = list_buttons(bot)[-1]
    await bot.tap_data(last[1])
    await bot.tap(content.strings("questions.back_list"))
    assert last in list_buttons(bot)


# ---- one parent can never see or change another's ----------------------------------------
async def test_other_parent_sees_nothing_and_cannot_touch(consented: Harness, content: Content) -> None:
    bot = consented
    g = content.question_groups[0].questions[0]
    await bot.storage.questions.save_guide(who(1001), g.id, g.text, limit=MAX_QUESTIONS)
    a1 = await bot.storage.questions.add_own(who(1001), "Private question of parent A", limit=MAX_QUESTIONS)
    a2 = await bot.storage.questions.add_own(who(1001), "Removed question of parent A", limit=MAX_QUESTIONS)
    await bot.storage.questions.remove(who(1001), a2)
    before = await bot.storage.export_user(1001)

    await bot.send("/myquestions", user_id=OTHER)
    assert "parent A" not in bot.text(OTHER)
    assert content.strings("questions.empty") in bot.text(OTHER)
    await bot.send("/questions", user_id=OTHER)
    assert [label for label, d in bot.buttons(OTHER) if d.startswith("qg:")] == [
        content.strings("questions.group_button", title=group.title, saved=0, total=len(group.questions))
        for group in content.question_groups
    ]
    for data in (
        make("mo", num=a1),
        make("mk", num=a1, on=True),
        make("ma", num=a1),
        make("mr", num=a1),
        make("mu", num=a2),
        make("mo", num=a2),
    ):
        answered = len(bot.answers())
        await bot.tap_data(data, user_id=OTHER)
        assert len(bot.answers()) == answered + 1, data
        assert bot.answers()[-1]["text"] in (
            content.strings("questions.gone"),
            content.strings("questions.undo_gone"),
        ), data
        assert "parent A" not in bot.text(OTHER)
    await bot.tap_data(make("mp"), user_id=OTHER)
    await bot.tap_data(make("mt"), user_id=OTHER)
    assert bot.api.files == []
    assert all("parent A" not in m.get("text", "") for m in bot.api.chat_messages(OTHER))
    assert await bot.storage.prompts.get(OTHER) is None
    assert await bot.storage.export_user(1001) == before
    assert await bot.storage.questions.list(OTHER) == []


# ---- pure builders ------------------------------------------------------------------------
def saved(qid: int, text: str, answer: str | None = None, asked: float | None = None) -> SavedQuestion:
    return SavedQuestion(qid, None, text, float(qid), asked, answer, 1.0 if answer else None)


def test_paginate_respects_count_and_budget() -> None:
    assert paginate([]) == []
    assert paginate(["a"] * 25) == [range(0, 10), range(10, 20), range(20, 25)]
    assert paginate(["x" * 1000] * 7, budget=3300) == [range(0, 3), range(3, 6), range(6, 7)]
    assert paginate(["x" * 5000, "y"]) == [range(0, 1), range(1, 2)]


def test_worst_case_views_fit_one_message(content: Content) -> None:
    heavy_q = "🩸" * MAX_OWN
    heavy_a = "💬" * MAX_ANSWER
    questions = [saved(n, heavy_q, heavy_a if n % 2 else None, 1.0) for n in range(1, 60)]
    for page in range(10):
        text, markup = list_view(content, questions, page, "notice", undo_id=3)
        assert visible_len(text) <= 4096 and markup is not None
        assert sum(len(row) for row in markup.inline_keyboard) <= 100
    text, _ = question_view(content, questions, questions[0], content.strings("questions.answer_saved"))
    assert visible_len(text) <= 4096


def test_export_splits_under_the_limit(content: Content) -> None:
    questions = [saved(n, "🩸" * MAX_OWN, "<&>" * 300) for n in range(1, 41)]
    messages = export_messages(content, questions, date(2025, 1, 3))
    assert len(messages) > 1
    assert all(visible_len(m) <= 4096 for m in messages)
    whole = "".join(messages)
    assert whole.count("🩸" * MAX_OWN) == 40
    one = export_messages(content, [saved(1, "Q & A")], date(2025, 1, 3))
    assert one == [
        content.strings("questions.export_title", date=date(2025, 1, 3))
        + "\n\n"
        + content.strings("questions.export_entry", number=1, text="Q &amp; A")
    ]


def test_drawable_replaces_what_the_font_lacks() -> None:
    glyphs = {ord(c) for c in "abc ?"} | {0x2764}
    assert drawable("a👍b", glyphs) == f"a{PLACEHOLDER}b"
    assert drawable("👍🏽👨‍👩‍👧 🇫🇷c", glyphs) == f"{PLACEHOLDER}{PLACEHOLDER} {PLACEHOLDER}c"
    assert drawable("a\tb\nc", glyphs) == "a b\nc"
    assert drawable("a\u200fb\x07c", glyphs) == "abc"


def test_wrap_and_right_to_left_lines() -> None:
    lines = wrap("one two three " + "x" * 25, 10, len)
    assert all(len(line) <= 10 for line in lines)
    assert "".join(lines).replace(" ", "") == "onetwothree" + "x" * 25
    assert wrap("a\n\nb", 10, len) == ["a", "", "b"]
    assert visual_line("abc", False) == "abc"
    assert visual_line("אבג (ד)", True) == "(ד) גבא"


def test_build_pdf_survives_anything() -> None:
    from bot.content import Strings

    strings = Strings(
        {
            "questions.pdf_title": "T",
            "questions.pdf_date": "D {date:%Y}",
            "questions.pdf_intro": "I",
            "questions.pdf_asked": "A",
            "questions.pdf_answer": "Ans",
            "questions.pdf_notes": "N",
            "questions.pdf_footer": "P {page}",
        }
    )
    odd = ["", "\x00\x01", "👨‍👩‍👧‍👦" * 100, "مرحبا " * 80, "x" * 500, "{nb} 日本語", "\n" * 30]
    data = build_pdf([saved(n, t, t or None) for n, t in enumerate(odd, 1)], strings, date(2025, 1, 3))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    text = pdf_text(data)
    assert "{nb}" in text and "x" * 40 in squash(text)


async def test_saved_guide_questions_keep_their_explanation(consented: Harness, content: Content) -> None:
    """The explanation the section gives ("tests of the chromosomes") travels with the saved
    question: in My questions, the question's own view, the text export and the PDF."""
    bot = consented
    s = content.strings
    question = content.question("cytogenetic_results")
    assert question is not None and question.explain  # "tests of the chromosomes"
    await bot.send("/questions")
    await bot.tap_data(make("qg", group=question.group))
    await bot.tap_data(make("qs", item=question.id, on=True))
    await bot.send("/myquestions")
    assert s("questions.entry_explain", explain=question.explain) in bot.html()
    saved = (await bot.storage.questions.list(1001))[0]
    await bot.tap_data(make("mo", num=saved.id))
    assert question.explain in bot.html()
    await bot.tap_data(make("mt"))
    exported = bot.api.of("sendMessage")[-1].params["text"]
    assert s("questions.export_explain", explain=question.explain) in exported
    await bot.send("/myquestions")
    await bot.tap_data(make("mp"))
    assert squash(question.explain) in squash(pdf_text(bot.api.files[-1].data))
    # An own question has no explanation line.
    await bot.storage.questions.add_own(who(1001), "Cytogenetic?", limit=MAX_QUESTIONS)
    await bot.send("/myquestions")
    assert bot.html().count(s("questions.entry_explain", explain=question.explain)) == 1
