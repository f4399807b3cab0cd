"""👥 Family: two and three people share one child's record, through the real Application,
on both backends: invite (link and picker), approve, join with and without one's own data,
names, a helper's limits, leave, remove, erase with Undo, /deletemydata, reminders to every
member once, membership checked when it matters, bad and forged input."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from bot.offline import ApiError, OfflineBotAPI
from bot.storage import FULL, HELPER, Member
from handlers.appointments.reminders import REMINDER_JOB
from handlers.family import ERASE_JOB, PICK_REQUESTS
from handlers.family.notify import short_date
from handlers.family.views import MAX_NAME
from tests.harness import Clock, Harness, make, stored_anywhere

pytestmark = pytest.mark.every_backend

A, B, C = 1001, 2002, 3003
NOW = 1_796_000_000.0  # late November 2026
LINK = re.compile(r"start=j_([A-Za-z0-9_-]+)")


@pytest.fixture
async def fam(settings: Any, catalog: Any) -> Any:
    async with Harness(settings, catalog["en"], clock=Clock(start=NOW)) as bot:
        yield bot


def s(bot: Harness, key: str, **fields: Any) -> str:
    return bot.content.strings(key, **fields)


async def open_family(bot: Harness, user: int) -> None:
    await bot.send("/settings", user)
    await bot.tap(s(bot, "family.button"), user)


async def consent(bot: Harness, user: int) -> None:
    await bot.send("/start", user)
    await bot.storage.users.give_consent(user)


def token_of(bot: Harness, user: int) -> str:
    """The one-time link as the inviter was shown it (only they ever see the token)."""
    for message in reversed(bot.api.chat_messages(user)):
        found = LINK.search(message.get("text", ""))
        if found:
            return found.group(1)
    raise AssertionError("no invitation link shown")


async def make_link(bot: Harness, user: int = A, role: int = 1) -> str:
    await open_family(bot, user)
    await bot.tap(s(bot, "family.invite"), user)
    await bot.tap(s(bot, "family.as_full" if role == 1 else "family.as_helper"), user)
    await bot.tap(s(bot, "family.link"), user)
    return token_of(bot, user)


async def join_by_link(bot: Harness, joiner: int, inviter: int = A, role: int = 1) -> None:
    """The whole link path: made, opened, let in by the inviter, joined (consent asked)."""
    token = await make_link(bot, inviter, role)
    await bot.send(f"/start j_{token}", joiner)
    assert bot.html(joiner) == s(bot, "family.asked")
    await bot.tap(s(bot, "family.allow"), inviter)
    assert bot.html(inviter) == s(bot, "family.allowed")
    assert s(bot, "family.you_may_join") in bot.html(joiner)
    await bot.tap(s(bot, "family.join"), joiner)
    if bot.html(joiner) == s(bot, "consent.prompt"):
        await bot.tap(s(bot, "consent.ok"), joiner)


async def member(bot: Harness, user: int) -> Member:
    found = await bot.storage.circles.member(user)
    assert found is not None
    return found


def reminders_sent(bot: Harness) -> list[Any]:
    title = s(bot, "appointments.reminder_title").split(":")[0]  # "<b>⏰ Reminder"
    return [c for c in bot.api.of("sendMessage") if title in str(c.params["text"])]


def reminder_job(bot: Harness) -> Any:
    (found,) = bot.app.job_queue.get_jobs_by_name(REMINDER_JOB)  # type: ignore[union-attr]
    return found


# ---- inviting and joining -----------------------------------------------------------------------------
async def test_a_link_invite_approved_then_both_see_and_change_one_record(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await bot.send("/myquestions", A)
    await bot.tap(s(bot, "questions.add"), A)
    await bot.send("When can she go back to school?", A)
    token = await make_link(bot, A, 1)
    assert len(token) >= 32  # 192 random bits
    assert bot.api.of("sendPhoto"), "the QR picture of the link"
    # Only the hash is kept; the token never travels in button data.
    assert not await stored_anywhere(bot, token)
    assert all(token not in str(c.params.get("reply_markup")) for c in bot.api.calls)

    await join_by_link(bot, B)
    a, b = await member(bot, A), await member(bot, B)
    assert a.circle == b.circle == A and (a.role, b.role) == (FULL, FULL)
    assert s(bot, "family.joined") in bot.html(B)
    assert s(
        bot, "family.someone_joined", name=s(bot, "family.no_name"), role=s(bot, "family.role_full")
    ) in (bot.html(A))
    # B sees A's question, answers it; A sees the answer, signed by B's name.
    await bot.send("/myquestions", B)
    assert "When can she go back to school?" in bot.text(B)
    (question,) = await bot.storage.questions.list(A)
    await bot.tap_data(make("ma", num=question.id), B)
    await bot.send("After the next count, the doctor said.", B)
    saved = await bot.storage.questions.get(A, question.id)
    assert saved is not None and saved.answer == "After the next count, the doctor said."
    assert saved.added_by == A and saved.changed_by == B
    # Each shared item says who added it and who changed it last, and when.
    await open_family(bot, B)
    await bot.tap(s(bot, "family.set_name"), B)
    await bot.send("Luis", B)
    await bot.tap_data(make("mo", num=question.id), A)
    day = short_date(bot.content, bot.clock(), None)
    assert s(bot, "family.added_by", name=s(bot, "family.no_name"), date=day) in bot.html(A)
    assert s(bot, "family.changed_by", name="Luis", date=day) in bot.html(A)
    # Notices are off by default: A was not told.
    told = s(
        bot, "family.notice_answer", name=s(bot, "family.no_name"), text="When can she go back to school?"
    )
    assert all(m.get("text") != told for m in bot.api.chat_messages(A))


async def test_names_are_cleaned_escaped_and_limited(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B)
    await open_family(bot, B)
    await bot.tap(s(bot, "family.set_name"), B)
    await bot.send("L" * 300, B)
    assert bot.html(B).startswith(s(bot, "family.name_too_long", max=MAX_NAME))
    await bot.send("\u202e\u200f", B)  # only right-to-left marks: no letters
    assert bot.html(B).startswith(s(bot, "family.name_empty"))
    await bot.send("Luis \u202e<b>&amp;", B)
    assert (await member(bot, B)).name == "Luis <b>&amp;"
    await open_family(bot, A)
    assert "Luis &lt;b&gt;&amp;amp;" in bot.html(A) and "\u202e" not in bot.html(A)


async def test_the_picker_invites_a_helper_who_accepts_and_meets_the_limits(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await open_family(bot, A)
    await bot.tap(s(bot, "family.invite"), A)
    await bot.tap(s(bot, "family.as_helper"), A)
    await bot.tap(s(bot, "family.pick"), A)
    picker = bot.api.chat_messages(A)[-1]["_reply_keyboard"]
    button = picker["keyboard"][0][0]
    request = button["request_users"]
    assert PICK_REQUESTS[request["request_id"]] == 2 and request["max_quantity"] == 1
    assert request["user_is_bot"] is False
    # Choosing oneself is refused calmly.
    await bot.feed(bot.user(A).shared_user(request["request_id"], A, "Me"))
    assert bot.api.chat_messages(A)[-1]["text"] == s(bot, "family.pick_self")
    await bot.feed(bot.user(A).shared_user(request["request_id"], C, "Carmen"))
    (told,) = [
        m for m in bot.api.chat_messages(A) if m.get("text") == s(bot, "family.pick_sent", name="Carmen")
    ]
    # The picker goes; A keeps no 🚨 button, so none is put back.
    assert told["_reply_keyboard"] == {"remove_keyboard": True}
    invitation = bot.html(C)
    assert "Carmen" not in invitation and "helper" in invitation.lower()
    await bot.tap(s(bot, "family.join"), C)
    assert bot.html(C) == s(bot, "consent.prompt")
    await bot.tap(s(bot, "consent.ok"), C)
    c = await member(bot, C)
    assert c.circle == A and c.role == HELPER
    # A helper adds questions and ticks, but not appointments, numbers or invitations.
    await bot.send("/myquestions", C)
    await bot.tap(s(bot, "questions.add"), C)
    await bot.send("Can her brother visit?", C)
    assert [q.text for q in await bot.storage.questions.list(A)] == ["Can her brother visit?"]
    for data in (
        make("ac", appt=0, year=2026, month=12),
        make("sp"),
        make("sv", tenths=380),
        make("fi", role=1),
    ):
        answered = len(bot.answers())
        await bot.tap_data(data, C)
        assert len(bot.answers()) == answered + 1
        assert bot.answers()[-1].get("text") == s(bot, "family.full_only"), data
    assert await bot.storage.contacts.list(A) == []
    assert await bot.storage.circles.fever_c(A) is None
    await open_family(bot, C)
    labels = [label for label, _ in bot.buttons(C)]
    assert s(bot, "family.invite") not in labels and s(bot, "family.erase") not in labels
    # A helper's /mydata holds what they added, not the shared record.
    export = await bot.storage.export_user(C)
    assert export["circle"]["whole_record"] is False
    assert [q["text"] for q in export["circle"]["questions"]] == ["Can her brother visit?"]


async def test_the_picker_on_someone_who_never_opened_the_bot_offers_the_link(
    settings: Any, catalog: Any
) -> None:
    def fault(method: str, params: dict[str, Any]) -> ApiError | None:
        if method == "sendMessage" and int(params["chat_id"]) == C:
            return ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return None

    async with Harness(settings, catalog["en"], OfflineBotAPI(fault=fault), clock=Clock(start=NOW)) as bot:
        await consent(bot, A)
        await open_family(bot, A)
        await bot.tap(s(bot, "family.invite"), A)
        await bot.tap(s(bot, "family.as_full"), A)
        await bot.tap(s(bot, "family.pick"), A)
        await bot.feed(bot.user(A).shared_user(2401, C, "Carmen"))
        sent = [m.get("text", "") for m in bot.api.chat_messages(A)]
        assert any(s(bot, "family.pick_no_chat", name="Carmen") in t for t in sent)
        assert await bot.storage.circles.member(C) is None


async def test_joining_with_ones_own_data_brings_what_was_chosen_and_no_double_reminder(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await consent(bot, B)
    a, b = Member(A, A), Member(B, B)
    same = NOW + 3 * 86400
    await bot.storage.appointments.add(a, same, same - 86400, after=NOW, limit=20)
    await bot.storage.appointments.add(b, same + 20, same - 86400, after=NOW, limit=20)  # same visit
    await bot.storage.appointments.add(b, same + 86400, same, after=NOW, limit=20)
    await bot.storage.questions.add_own(b, "B's own question", limit=50)
    await bot.storage.contacts.add(b, "B's ward", "+44 20 7946 0000", limit=5)
    await bot.storage.circles.set_timezone(b, "Europe/Madrid")

    token = await make_link(bot, A, 1)
    await bot.send(f"/start j_{token}", B)
    await bot.tap(s(bot, "family.allow"), A)
    await bot.tap(s(bot, "family.join"), B)
    assert s(bot, "family.bring_title") in bot.html(B)
    # Leave the numbers behind.
    await bot.tap(s(bot, "family.bring_contacts", count=1), B)
    assert "⬜ " + s(bot, "family.bring_contacts", count=1) in [t for t, _ in bot.buttons(B)]
    await bot.tap(s(bot, "family.join_now"), B)
    assert (await member(bot, B)).circle == A
    starts = sorted(x.starts_at for x in await bot.storage.appointments.upcoming(A, NOW))
    assert starts == [same, same + 86400]  # the same visit once
    assert [q.text for q in await bot.storage.questions.list(A)] == ["B's own question"]
    assert await bot.storage.contacts.list(A) == []
    assert await bot.storage.circles.timezone(A) == "Europe/Madrid"  # A had none
    # What stayed behind came back as a file, then was erased.
    (document,) = [c for c in bot.api.of("sendDocument") if int(c.params["chat_id"]) == B]
    assert document.params["caption"] == s(bot, "family.left_behind_caption")
    assert not await stored_anywhere(bot, "B's ward")
    assert await bot.storage.circles.get(B) is None

    # Every member gets each reminder once, even after the job runs twice.
    bot.clock.advance(same - 86400 - NOW + 60)
    await reminder_job(bot).run(bot.app)
    await reminder_job(bot).run(bot.app)
    assert sorted(int(c.params["chat_id"]) for c in reminders_sent(bot)) == [A, B]


async def test_bad_links_get_calm_answers(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await bot.send("/start j_" + "x" * 32, B)
    assert bot.html(B) == s(bot, "family.link_bad")
    token = await make_link(bot, A, 2)
    await bot.send(f"/start j_{token}", A)
    assert bot.html(A) == s(bot, "family.link_own")
    await bot.send(f"/start j_{token}", B)
    assert bot.html(B) == s(bot, "family.asked")
    await bot.send(f"/start j_{token}", C)
    assert bot.html(C) == s(bot, "family.link_used")
    expired = await make_link(bot, A, 2)
    bot.clock.advance(49 * 3600)
    await bot.send(f"/start j_{expired}", C)
    assert bot.html(C) == s(bot, "family.link_expired", hours=48)
    revoked = await make_link(bot, A, 2)
    await bot.tap(s(bot, "family.link_revoke"), A)
    await bot.send(f"/start j_{revoked}", C)
    assert bot.html(C) == s(bot, "family.link_bad")
    # A person already sharing a family with others cannot join another.
    await consent(bot, C)
    await join_by_link(bot, B, inviter=C)
    other = await make_link(bot, A, 1)
    await bot.send(f"/start j_{other}", B)
    assert bot.html(B) == s(bot, "family.link_other_family")


async def test_forged_family_buttons_from_outside_change_nothing(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B)
    await consent(bot, C)
    before = (await bot.storage.circles.members(A), await bot.storage.circles.member(C))
    rng = random.Random(24)
    prefixes = (
        "fm",
        "fn",
        "fa",
        "fi",
        "fl",
        "fp",
        "fr",
        "fy",
        "fj",
        "fb",
        "fo",
        "fs",
        "fx",
        "fq",
        "fe",
        "fu",
    )
    for _ in range(300):
        prefix = rng.choice(prefixes)
        fields = ":".join(str(rng.choice([0, 1, 2, 3, 99, 99_999_999, -1])) for _ in range(rng.randint(0, 4)))
        data = f"{prefix}:{fields}" if fields else prefix
        answered = len(bot.answers())
        await bot.tap_data(data, C)
        assert len(bot.answers()) == answered + 1, data
    assert (await bot.storage.circles.members(A), await bot.storage.circles.member(C)) == before


# ---- leaving, removing, erasing ---------------------------------------------------------------------------
async def test_remove_tells_them_and_their_old_buttons_show_nothing(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await bot.storage.questions.add_own(Member(A, A), "SECRET-Q", limit=50)
    await join_by_link(bot, B)
    (question,) = await bot.storage.questions.list(A)
    await bot.send("/myquestions", B)
    old = bot.last_message(B)
    await open_family(bot, A)
    await bot.tap(s(bot, "family.no_name") + " ›", A)
    await bot.tap(s(bot, "family.remove"), A)
    await bot.tap(s(bot, "family.remove_yes"), A)
    assert bot.html(B) == s(bot, "family.you_were_removed")
    b = await member(bot, B)
    assert b.circle != A and await bot.storage.questions.list(b.circle) == []
    await bot.tap_data(make("mo", num=question.id), B, message=old)
    assert "SECRET-Q" not in bot.html(B)
    await bot.tap_data(make("ma", num=question.id), B, message=old)
    await bot.send("B-ANSWER", B)
    assert (await bot.storage.questions.get(A, question.id)).answer is None  # type: ignore[union-attr]


async def test_the_last_full_member_hands_over_before_leaving(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B, role=2)
    await open_family(bot, A)
    await bot.tap(s(bot, "family.leave"), A)
    await bot.tap(s(bot, "family.leave_yes"), A)
    assert bot.html(A).startswith(s(bot, "family.last_full_leave"))
    assert (await member(bot, A)).circle == A
    await bot.tap(s(bot, "family.no_name") + " ›", A)
    await bot.tap(s(bot, "family.make_full"), A)
    assert (await member(bot, B)).role == FULL
    await bot.tap(s(bot, "family.leave"), A)
    await bot.tap(s(bot, "family.leave_yes"), A)
    assert bot.html(A).startswith(s(bot, "family.left"))
    assert (await member(bot, A)).circle != A and (await member(bot, B)).circle == A
    assert s(bot, "family.someone_left", name=s(bot, "family.no_name")) in bot.html(B)


async def test_erasing_waits_seven_days_with_undo_then_erases_for_everyone(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await bot.storage.questions.add_own(Member(A, A), "ERASE-ME", limit=50)
    await join_by_link(bot, B, role=1)  # two full members: one asking is not everyone
    await open_family(bot, A)
    await bot.tap(s(bot, "family.erase"), A)
    await bot.tap(s(bot, "family.erase_yes"), A)
    assert "ERASE-ME" in [q.text for q in await bot.storage.questions.list(A)]
    assert s(bot, "family.erase_asked", name=s(bot, "family.no_name"), date="")[:20] in bot.html(B)
    await bot.tap(s(bot, "family.erase_undo"), B)  # any full member keeps it
    assert (await bot.storage.circles.get(A)).erase_at is None  # type: ignore[union-attr]
    assert bot.html(A) == s(bot, "family.erase_kept", name=s(bot, "family.no_name"))
    await open_family(bot, A)
    await bot.tap(s(bot, "family.erase"), A)
    await bot.tap(s(bot, "family.erase_yes"), A)
    bot.clock.advance(6 * 86400)
    (job,) = bot.app.job_queue.get_jobs_by_name(ERASE_JOB)  # type: ignore[union-attr]
    await job.run(bot.app)
    assert await bot.storage.questions.list(A)
    bot.clock.advance(86400 + 1)
    await job.run(bot.app)
    assert await bot.storage.circles.get(A) is None
    assert not await stored_anywhere(bot, "ERASE-ME")
    for user in (A, B):
        assert bot.html(user) == s(bot, "family.erased")
        assert (await member(bot, user)).circle not in (0, A)


async def test_erasing_is_at_once_when_every_full_member_agrees(fam: Harness) -> None:
    """Two full members: the second agreeing erases at once. (A lone full member asking is
    every full member agreeing, so the record goes at once too; helpers are told.)"""
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B, role=1)
    await open_family(bot, A)
    await bot.tap(s(bot, "family.erase"), A)
    await bot.tap(s(bot, "family.erase_yes"), A)
    assert await bot.storage.circles.get(A) is not None
    await bot.tap(s(bot, "family.erase_agree"), B)
    assert await bot.storage.circles.get(A) is None


async def test_delete_my_data_leaves_the_shared_record_with_the_others(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B, role=1)
    await bot.storage.questions.add_own(await member(bot, B), "B-ADDED", limit=50)
    await bot.send("/deletemydata", B)
    await bot.tap(s(bot, "privacy.delete.confirm"), B)
    assert await bot.storage.circles.member(B) is None
    (question,) = await bot.storage.questions.list(A)
    assert question.text == "B-ADDED" and question.added_by == B
    assert [m.user for m in await bot.storage.circles.members(A)] == [A]
    # The last full member erasing their data leaves a helper as full member.
    await join_by_link(bot, C, role=2)
    await bot.send("/deletemydata", A)
    await bot.tap(s(bot, "privacy.delete.confirm"), A)
    assert (await member(bot, C)).role == FULL


# ---- safety ---------------------------------------------------------------------------------------------
async def test_a_red_flag_stays_with_who_typed_it_and_says_so(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B)
    before = len(bot.api.chat_messages(A))
    await bot.send("her port looks red and swollen", B)
    assert s(bot, "redflags.title") in bot.html(B) and s(bot, "redflags.not_shared") in bot.html(B)
    assert len(bot.api.chat_messages(A)) == before
    await bot.send("her port looks red and swollen", C)  # alone: no such line
    assert s(bot, "redflags.not_shared") not in bot.html(C)


async def test_notices_are_each_members_choice(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B)
    await open_family(bot, A)
    await bot.tap(s(bot, "family.notices_off"), A)
    assert (await member(bot, A)).notices
    await bot.send("/myquestions", B)
    await bot.tap(s(bot, "questions.add"), B)
    await bot.send("Is swimming OK <now>?", B)
    assert bot.html(A) == s(
        bot, "family.notice_question", name=s(bot, "family.no_name"), text="Is swimming OK &lt;now&gt;?"
    )


async def test_a_removed_member_gets_no_reminder_even_a_late_one(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B)
    at = NOW + 2 * 86400
    await bot.storage.appointments.add(Member(A, A), at, NOW + 3600, after=NOW, limit=20)
    a = await member(bot, A)
    assert await bot.storage.circles.remove(a, B)
    bot.clock.advance(7200)
    await reminder_job(bot).run(bot.app)
    assert [int(c.params["chat_id"]) for c in reminders_sent(bot)] == [A]


async def test_two_members_at_once_never_pass_the_limit(fam: Harness) -> None:
    import asyncio

    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B)
    a, b = await member(bot, A), await member(bot, B)
    results = await asyncio.gather(
        *(bot.storage.questions.add_own(m, f"q{n}", limit=5) for n in range(6) for m in (a, b)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, int) for r in results) == 5
    assert await bot.storage.questions.count(A) == 5


async def test_a_member_who_blocked_the_bot_shows_as_not_receiving(settings: Any, catalog: Any) -> None:
    blocked: set[int] = set()

    def fault(method: str, params: dict[str, Any]) -> ApiError | None:
        if method == "sendMessage" and int(params["chat_id"]) in blocked:
            return ApiError(403, "Forbidden: bot was blocked by the user")
        return None

    async with Harness(settings, catalog["en"], OfflineBotAPI(fault=fault), clock=Clock(start=NOW)) as bot:
        await consent(bot, A)
        await join_by_link(bot, B)
        await bot.storage.appointments.add(Member(A, A), NOW + 86400, NOW + 600, after=NOW, limit=10)
        blocked.add(B)
        bot.clock.advance(660)
        await reminder_job(bot).run(bot.app)
        assert (await member(bot, B)).unreachable_at is not None
        await open_family(bot, A)
        assert s(bot, "family.unreachable") in bot.html(A)
        # Back: their next message clears it.
        blocked.clear()
        await bot.send("/start", B)
        assert (await member(bot, B)).unreachable_at is None


async def test_a_link_to_an_erased_family_and_forged_links_are_refused(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B)
    token = await make_link(bot, A, 1)
    await open_family(bot, A)
    await bot.tap(s(bot, "family.erase"), A)
    await bot.tap(s(bot, "family.erase_yes"), A)
    await bot.tap(s(bot, "family.erase_agree"), B)
    assert await bot.storage.circles.get(A) is None
    await bot.send(f"/start j_{token}", C)
    assert bot.html(C) == s(bot, "family.link_bad")
    rng = random.Random(13)
    alphabet = "abcXYZ019_-"
    for _ in range(60):
        payload = "j_" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 62)))
        await bot.send(f"/start {payload}", C)
        assert bot.html(C) == s(bot, "family.link_bad"), payload
    assert await bot.storage.circles.member(C) is None


async def test_a_prompt_opened_as_full_member_saves_nothing_once_made_a_helper(fam: Harness) -> None:
    """A role can change while a prompt waits: the text is checked against the role then."""
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B, role=1)
    await bot.send("/settings", B)
    await bot.tap(s(bot, "privacy.settings.set"), B)  # B waits to type a number
    await open_family(bot, A)
    await bot.tap(s(bot, "family.no_name") + " ›", A)
    await bot.tap(s(bot, "family.make_helper"), A)
    assert (await member(bot, B)).role == HELPER
    await bot.send("+44 20 7946 0000", B)
    assert bot.html(B) == s(bot, "family.full_only")
    assert await bot.storage.contacts.list(A) == []
    assert await bot.storage.prompts.get(B) is None


async def test_a_full_member_cannot_demote_the_last_full_member(fam: Harness) -> None:
    bot = fam
    await consent(bot, A)
    await join_by_link(bot, B, role=2)
    a = await member(bot, A)
    assert not await bot.storage.circles.set_role(a, A, HELPER)  # itself, the last full one
    b = await member(bot, B)
    assert not await bot.storage.circles.set_role(b, A, HELPER)  # a helper changes no role
    assert not await bot.storage.circles.remove(b, A)
    assert (await member(bot, A)).role == FULL


async def test_no_at_each_step_leaves_everything_as_it_was(fam: Harness) -> None:
    """A full member says no to a link's user; an invited person says no thanks; the picker
    is put away with its own button."""
    bot = fam
    await consent(bot, A)
    token = await make_link(bot, A, 1)
    await bot.send(f"/start j_{token}", B)
    await bot.tap(s(bot, "family.deny"), A)
    assert bot.html(A) == s(bot, "family.denied")
    assert bot.html(B) == s(bot, "family.you_were_denied")
    assert await bot.storage.circles.member(B) is None
    await open_family(bot, A)
    await bot.tap(s(bot, "family.invite"), A)
    await bot.tap(s(bot, "family.as_helper"), A)
    await bot.tap(s(bot, "family.pick"), A)
    await bot.send(s(bot, "family.pick_cancel"), A)
    put_away = bot.api.chat_messages(A)[-1]
    assert put_away["text"] == s(bot, "prompt.cancelled")
    assert put_away["_reply_keyboard"] == {"remove_keyboard": True}
    await bot.tap_data(make("fp", role=2), A)
    await bot.feed(bot.user(A).shared_user(2402, C, "Carmen"))
    await bot.tap(s(bot, "family.not_now"), C)
    assert bot.html(C) == s(bot, "family.declined_self")
    assert await bot.storage.circles.member(C) is None
    assert [m.user for m in await bot.storage.circles.members(A)] == [A]
