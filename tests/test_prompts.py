"""Prompts through the real Application: typed text is never filed into a prompt the parent
left, prompts expire, survive a restart, Cancel goes back where they were opened; the job that
erases removed questions when their undo window ends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.config import Settings
from bot.content import Content
from handlers.core import FORGET_JOB, REMEMBER_UPDATES
from handlers.privacy import settings_text
from handlers.questions import MAX_QUESTIONS, PURGE_JOB
from tests.harness import Clock, Harness, first_phone, make, stored_anywhere, who

# Every flow here runs for an English and a Spanish parent.
pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]

PARENT = 1001
TYPED = "my daughter has a fever of 38.5 now"


def outside_prompt(bot: Harness) -> bool:
    """The last reply is the one for text that answers no prompt: a search."""
    return bot.searched()


async def open_own_question(bot: Harness) -> None:
    await bot.send("/myquestions")
    await bot.tap_data(make("mn"))
    assert bot.content.strings("questions.question_prompt", limit=500).split("\n")[0] in bot.text()


async def open_phone(bot: Harness) -> None:
    await bot.send("/settings")
    await bot.tap_data(make("sp"))
    assert bot.text() == bot.content.strings("privacy.settings.prompt")


async def open_answer(bot: Harness) -> None:
    qid = await bot.storage.questions.add_own(who(PARENT), "What is MRD?", limit=MAX_QUESTIONS)
    await bot.tap_data(make("ma", num=qid), message=await _any_message(bot))


async def _any_message(bot: Harness) -> dict[str, object]:
    await bot.send("/myquestions")
    return bot.last_message()


async def nothing_saved(bot: Harness) -> None:
    assert [q.text for q in await bot.storage.questions.list(PARENT)] in ([], ["What is MRD?"])
    assert all(q.answer is None for q in await bot.storage.questions.list(PARENT))
    assert await first_phone(bot, PARENT) is None
    assert await bot.storage.prompts.get(PARENT) is None


OPENERS: dict[str, Callable[[Harness], Awaitable[None]]] = {
    "own question": open_own_question,
    "phone": open_phone,
    "answer": open_answer,
}


async def leave_by_command(bot: Harness) -> None:
    await bot.send("/start")


async def leave_by_tap(bot: Harness) -> None:
    await bot.send("/start")  # a menu to tap on (ends the prompt already, so tap twice)
    await bot.tap(bot.content.strings("menu.guide"))
    await bot.tap_data(make("s", sid="symptoms", part="", page=0))


async def leave_by_tap_only(bot: Harness) -> None:
    """A tap on the prompt message itself (no command at all): the guide's contents."""
    await bot.tap_data(make("c"))


LEAVERS = {"command": leave_by_command, "tap": leave_by_tap, "tap only": leave_by_tap_only}


@pytest.mark.parametrize("opener", sorted(OPENERS))
@pytest.mark.parametrize("leaver", sorted(LEAVERS))
async def test_text_after_leaving_a_prompt_is_not_filed_into_it(
    consented: Harness, opener: str, leaver: str
) -> None:
    bot = consented
    await OPENERS[opener](bot)
    assert await bot.storage.prompts.get(PARENT) is not None
    await LEAVERS[leaver](bot)
    assert await bot.storage.prompts.get(PARENT) is None
    await bot.send(TYPED)
    assert outside_prompt(bot)
    await nothing_saved(bot)


@pytest.mark.parametrize("opener", sorted(OPENERS))
async def test_the_prompt_still_takes_text_typed_right_away(consented: Harness, opener: str) -> None:
    bot = consented
    await OPENERS[opener](bot)
    await bot.send("+44 20 7946 0000")
    assert not outside_prompt(bot)
    waiting = await bot.storage.prompts.get(PARENT)
    # A saved number asks for its name next; the other prompts are done.
    assert (waiting.kind if waiting else None) == ("contact_label" if opener == "phone" else None)
    questions = await bot.storage.questions.list(PARENT)
    saved = {
        "own question": [q.text for q in questions][-1:] == ["+44 20 7946 0000"],
        "phone": await first_phone(bot, PARENT) == "+44 20 7946 0000",
        "answer": [q.answer for q in questions] == ["+44 20 7946 0000"],
    }
    assert saved[opener]


async def test_a_prompt_expires_after_30_minutes(settings: Settings, content: Content) -> None:
    clock = Clock()
    async with Harness(settings, content, clock=clock) as bot:
        await bot.storage.users.give_consent(PARENT)
        await open_own_question(bot)
        clock.advance(29 * 60)
        await bot.send("typed in time")
        assert [q.text for q in await bot.storage.questions.list(PARENT)] == ["typed in time"]
        await open_own_question(bot)
        clock.advance(30 * 60 + 1)
        await bot.send(TYPED)
        assert outside_prompt(bot)
        assert [q.text for q in await bot.storage.questions.list(PARENT)] == ["typed in time"]
        assert await bot.storage.prompts.get(PARENT) is None  # the expired one is gone
        # Cancel on the expired prompt's message: calm, nothing to cancel.
        await open_own_question(bot)
        clock.advance(31 * 60)
        await bot.tap_data(make("mx"))
        assert content.strings("prompt.nothing_to_cancel") in bot.text()


async def test_a_prompt_survives_a_restart(settings: Settings, content: Content) -> None:
    async with Harness(settings, content) as bot:
        await bot.storage.users.give_consent(PARENT)
        await open_phone(bot)
    async with Harness(settings, content) as bot:
        await bot.send("+44 20 7946 0000")
        assert await first_phone(bot, PARENT) == "+44 20 7946 0000"
        assert bot.html() == content.strings("privacy.settings.saved_ask_label", limit=40)


async def test_cancel_returns_where_each_prompt_was_opened(consented: Harness, content: Content) -> None:
    bot = consented
    s = content.strings
    await open_phone(bot)
    await bot.tap_data(make("mx"))
    assert bot.html() == settings_text(content, [], True)
    assert bot.answers()[-1]["text"] == s("prompt.cancelled")

    await open_own_question(bot)
    await bot.tap_data(make("mx"))
    assert s("questions.empty").split("\n")[0] in bot.text()  # My questions, still empty

    await open_answer(bot)
    await bot.tap_data(make("mx"))
    assert "What is MRD?" in bot.text() and s("questions.status_new") in bot.text()
    for _ in range(3):
        await bot.send(TYPED)
        assert outside_prompt(bot)
    await nothing_saved(bot)


async def test_cancel_command(consented: Harness, content: Content) -> None:
    bot = consented
    s = content.strings
    await bot.send("/cancel")
    assert bot.text() == f"{s('prompt.nothing_to_cancel')}\n\n{s('menu.home_title')}"
    await open_phone(bot)
    await bot.send("/cancel")
    assert bot.text() == f"{s('prompt.cancelled')}\n\n{s('menu.home_title')}"
    await bot.send("0123 456 789")
    assert outside_prompt(bot)
    await nothing_saved(bot)
    # Under its other names too (/cancelar), with the bot's name after it: it is the command
    # that ends the prompt, so the prompt is still open when it runs.
    for name in ("/cancelar", f"/cancel@{bot.app.bot.username}"):
        await open_phone(bot)
        await bot.send(name)
        assert bot.text() == f"{s('prompt.cancelled')}\n\n{s('menu.home_title')}", name


async def test_a_refused_answer_keeps_the_prompt_open(consented: Harness, content: Content) -> None:
    bot = consented
    await open_phone(bot)
    await bot.send("what is a port")
    assert bot.text() == content.strings("privacy.settings.invalid")
    await bot.send("+44 20 7946 0000")
    assert await first_phone(bot, PARENT) == "+44 20 7946 0000"
    await open_own_question(bot)
    await bot.send("x" * 501)
    assert content.strings("questions.question_too_long", length=501, limit=500) in bot.text()
    await bot.send("Short enough?")
    assert [q.text for q in await bot.storage.questions.list(PARENT)] == ["Short enough?"]


async def test_a_prompt_asks_for_consent_first_and_opens_after_ok(bot: Harness, content: Content) -> None:
    await bot.send("/settings")
    await bot.tap_data(make("sp"))
    assert bot.text() == content.strings("consent.prompt")
    assert await bot.storage.prompts.get(PARENT) is None
    await bot.tap_data(make("y", then=make("sp")))
    assert bot.text() == content.strings("privacy.settings.prompt")
    await bot.send("+44 20 7946 0000")
    assert await first_phone(bot, PARENT) == "+44 20 7946 0000"


async def test_forged_data_with_another_features_prefix_is_stale(
    consented: Harness, content: Content
) -> None:
    bot = consented
    await bot.send("/start")
    forged = [
        "kt:diagnosis::0",
        "b:fever:1",
        "mo:abc",
        "qs:x:1:extra",
        "mk:1",
        "sp:1",
        "y:y:h",
        "y:",
        "k:0",
        "s:diagnosis:0",
        "mx:1",
        "m:-1",
        "dy:1001",
    ]
    for data in forged:
        before = len(bot.answers())
        await bot.tap_data(data)
        assert len(bot.answers()) == before + 1, data
        assert bot.answers()[-1].get("text") == content.strings("errors.stale"), data
    assert await bot.storage.users.has_consent(PARENT)  # dy:1001 erased nothing


async def test_removed_questions_are_erased_by_the_job_after_the_window(
    settings: Settings, content: Content
) -> None:
    clock = Clock()
    marker = "PURGE-ME-4471 my removed question"
    async with Harness(settings, content, clock=clock) as bot:
        await bot.storage.users.give_consent(PARENT)
        qid = await bot.storage.questions.add_own(who(PARENT), marker, limit=MAX_QUESTIONS)
        await bot.send("/myquestions")
        await bot.tap_data(make("mr", num=qid))
        assert bot.answers()[-1]["text"] == content.strings("questions.removed")
        (job,) = bot.app.job_queue.get_jobs_by_name(PURGE_JOB)  # type: ignore[union-attr]

        clock.advance(settings.undo_seconds - 60)
        await job.run(bot.app)
        assert marker in [q["text"] for q in (await bot.storage.export_user(PARENT))["circle"]["questions"]]

        clock.advance(61)
        await job.run(bot.app)
        assert (await bot.storage.export_user(PARENT))["circle"]["questions"] == []
        # Gone from the bytes on disk too (SQLite, the write-ahead log included), or from
        # every row of every table (PostgreSQL).
        assert not await stored_anywhere(bot, marker)
        await bot.send("/mydata")
        assert marker not in bot.api.files[-1].data.decode("utf-8")
        # And Undo on the old message now says calmly that it is too late.
        await bot.tap_data(make("mu", num=qid))
        assert bot.answers()[-1]["text"] == content.strings("questions.undo_gone")


async def test_the_privacy_page_states_the_window_the_job_uses(bot: Harness, content: Content) -> None:
    await bot.send("/privacy")
    minutes = bot.settings.undo_seconds // 60
    assert minutes == 15
    assert bot.settings.prompt_seconds == 30 * 60
    # The page states both windows (formatting would ignore a field the text left out), and the
    # bot fills them in with these values: 15 for the undo window, 30 for a waiting prompt.
    assert {"undo_minutes", "prompt_minutes"} <= content.strings.fields("privacy.page")
    assert content.strings("privacy.page", undo_minutes=minutes, prompt_minutes=30) in bot.text()


async def test_handled_update_ids_are_forgotten_after_a_day(settings: Settings, content: Content) -> None:
    """The webhook's record of handled updates is kept a day by a core job (it used to ride
    on the questions feature's purge job)."""
    clock = Clock()
    async with Harness(settings, content, clock=clock) as bot:
        coordination = bot.storage.coordination
        await coordination.mark_handled(77)
        (job,) = bot.app.job_queue.get_jobs_by_name(FORGET_JOB)  # type: ignore[union-attr]
        clock.advance(REMEMBER_UPDATES - 60)
        await job.run(bot.app)
        assert await coordination.was_handled(77)
        clock.advance(120)
        await job.run(bot.app)
        assert not await coordination.was_handled(77)
