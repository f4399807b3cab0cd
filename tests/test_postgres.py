"""The PostgreSQL backend as several replicas see it: two storages on one real database."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.config import ConfigError, load_settings
from bot.storage import LimitReached, Member, Prompt, Store, open_storage, schema
from tests.fakeapi import ROOT, FakeBotAPI, bot_env, free_port
from tests.harness import who
from tests.pgserver import PostgresServer


@pytest.fixture
async def pair(pg_server: PostgresServer) -> AsyncIterator[tuple[Store, Store]]:
    """Two replicas' storages on one database, opened at the same moment (both migrate)."""
    url = pg_server.create_database()
    a, b = open_storage("", time.time, url), open_storage("", time.time, url)
    await asyncio.gather(a.open(), b.open())
    yield a, b
    await a.close()
    await b.close()


async def test_replicas_migrate_once_and_see_each_others_writes(pair) -> None:
    a, b = pair
    assert await a.schema_version() == await b.schema_version() == schema.LATEST
    await a.users.give_consent(1)
    await a.users.set_language(1, "es")
    assert await b.users.language(1) == "es"  # nothing cached per process
    await a.prompts.open(1, Prompt("answer", 3, "m:0", 0.0, 1800.0))
    assert await b.prompts.close(1)  # a tap on the other replica ends it
    assert await a.prompts.get(1) is None
    qid = await b.questions.add_own(who(1), "Asked on b", limit=200)
    assert await a.questions.remove(who(1), qid)
    assert await a.questions.purge_removed(time.time() + 1) == 1
    assert await b.questions.get(1, qid) is None


async def test_limits_hold_when_two_replicas_save_at_once(pair) -> None:
    """The user's row is locked while a replica checks for room: never 4 of 3."""
    a, b = pair
    await a.users.give_consent(1)
    results = await asyncio.gather(
        *(s.questions.add_own(who(1), f"q{n}", limit=3) for n in range(4) for s in (a, b)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, int) for r in results) == 3
    assert [type(r) for r in results if not isinstance(r, int)] == [LimitReached] * 5
    assert await a.questions.count(1) == 3


async def test_a_chat_runs_on_one_replica_at_a_time(pair) -> None:
    a, b = pair
    inside: list[str] = []
    overlaps = 0

    async def work(storage: Store, name: str) -> None:
        nonlocal overlaps
        for _ in range(5):
            async with storage.coordination.chat_lock(42):
                if inside:
                    overlaps += 1
                inside.append(name)
                await asyncio.sleep(0.01)
                inside.remove(name)

    async def other_chat() -> float:
        started = time.perf_counter()
        async with b.coordination.chat_lock(43):
            return time.perf_counter() - started

    await asyncio.gather(work(a, "a"), work(b, "b"))
    assert overlaps == 0
    async with a.coordination.chat_lock(42):
        assert await other_chat() < 1.0  # another chat is not held by chat 42's lock


async def test_a_timed_job_runs_on_one_replica_a_turn(pair) -> None:
    a, b = pair
    async with a.coordination.job_lock("reminders") as first, b.coordination.job_lock("reminders") as second:
        assert (first, second) == (True, False)
        async with b.coordination.job_lock("purge") as other:
            assert other  # a different job is free
    async with b.coordination.job_lock("reminders") as later:
        assert later  # released at the end of a's turn


async def test_a_handled_update_is_known_to_every_replica(pair) -> None:
    a, b = pair
    assert not await b.coordination.was_handled(77)
    await a.coordination.mark_handled(77)
    await a.coordination.mark_handled(77)  # once is enough; twice is harmless
    assert await b.coordination.was_handled(77)
    assert await a.coordination.forget_updates(time.time() + 1) == 1
    assert not await b.coordination.was_handled(77)


def test_malformed_database_url_names_the_setting(tmp_path) -> None:
    base = {"BOT_DB_PATH": str(tmp_path / "x.sqlite3")}
    for bad in ("mysql://u@h/db", "postgresql://", "postgresql://u@h:notaport/db", "nonsense"):
        with pytest.raises(ConfigError, match=r"^DATABASE_URL: "):
            load_settings({**base, "DATABASE_URL": bad})
    ok = load_settings({**base, "DATABASE_URL": "postgresql://bot:pw@db:5432/bot"})
    assert ok.database_url and "pw" not in repr(ok)


async def test_the_bot_reconnects_after_postgresql_restarts() -> None:
    """Requests during the restart fail (the bot answers calmly); the pool reconnects and
    nothing committed before is lost."""
    with PostgresServer() as server:
        url = server.create_database()
        s = open_storage("", time.time, url)
        await s.open()
        try:
            await s.users.give_consent(5)
            await s.bookmarks.add(5, "diagnosis", "", 1)
            server.restart()
            failures = 0
            for _ in range(50):
                try:
                    await s.bookmarks.add(5, "treatment", "", 2)
                    break
                except (
                    asyncpg.PostgresConnectionError,
                    asyncpg.InterfaceError,
                    OSError,
                    asyncpg.exceptions.CannotConnectNowError,
                ):
                    failures += 1
                    await asyncio.sleep(0.1)
            assert {b.section_id for b in await s.bookmarks.list(5)} == {"diagnosis", "treatment"}
            async with s.coordination.chat_lock(5):  # the lock session reconnects too
                pass
            assert failures <= 49
        finally:
            await s.close()


def test_an_unreachable_or_malformed_database_url_stops_the_bot_with_one_line(tmp_path) -> None:
    port = free_port()  # nothing listens there
    with FakeBotAPI() as fake:
        for url, expected in (
            (f"postgresql://bot@127.0.0.1:{port}/bot", "error: DATABASE_URL: cannot reach the database"),
            ("mysql://bot@db/bot", "error: DATABASE_URL: must start with postgresql://"),
        ):
            env = bot_env(fake, tmp_path / "unused.sqlite3", DATABASE_URL=url)
            done = subprocess.run(
                [sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 2, done.stderr
            lines = done.stderr.strip().splitlines()  # the start-up log lines, then the error
            assert lines[-1].startswith(expected), done.stderr
            assert [line for line in lines if "error" in line.lower()] == lines[-1:]
            assert "Traceback" not in done.stderr
            assert "bot@" not in done.stderr  # the URL (which may hold a password) is not shown


async def test_two_replicas_never_both_send_a_reminder_inside_one_lease(pair) -> None:
    """Claimed at once by both: each due reminder goes to one; inside the lease nobody
    claims it again; after it (the claimer died) the other replica gets it."""
    a, b = pair
    for uid in range(1, 21):
        await a.users.give_consent(uid)
        await a.appointments.add(who(uid), 5000.0, 100.0 + uid, after=0, limit=10)
    got_a, got_b = await asyncio.gather(
        a.appointments.claim_due(1000.0, lease=60, by="a"), b.appointments.claim_due(1000.0, lease=60, by="b")
    )
    ids_a, ids_b = {x.id for _, _, x in got_a}, {x.id for _, _, x in got_b}
    assert not ids_a & ids_b and len(ids_a | ids_b) == 20
    assert await b.appointments.claim_due(1059.0, lease=60, by="b") == []
    for uid, _, appointment in got_b:
        assert await b.appointments.mark_sent(uid, appointment, 1001.0)
    # a died without sending: its lease runs out and b claims exactly a's share.
    again = await b.appointments.claim_due(1061.0, lease=60, by="b")
    assert {x.id for _, _, x in again} == ids_a


async def test_two_replicas_send_each_family_member_each_reminder_once(pair) -> None:
    """One family of three on two replicas: every member who gets reminders is claimed once
    (by one replica), a member removed before the claim gets none, and a reminder moved to
    a new time is due again to each."""
    a, b = pair
    for uid in (1, 2, 3, 4):
        await a.users.give_consent(uid)
    family = [Member(1, 1), Member(2, 2), Member(3, 3)]
    for joiner in (2, 3):
        token_hash = f"hash-{joiner}"
        invite = await a.circles.invite_link(family[0], "helper", token_hash, 10_000.0)
        assert await a.circles.take(invite, joiner, 50.0)
        assert await a.circles.approve(family[0], invite)
        assert await b.circles.join(joiner, invite, frozenset()) is not None
    owner = Member(1, 1)
    assert [m.user for m in await b.circles.members(1)] == [1, 2, 3]
    await b.users.set_reminders_off(3, True)  # chose no reminders
    first = await a.appointments.add(owner, 5000.0, 100.0, after=0, limit=10)
    got_a, got_b = await asyncio.gather(
        a.appointments.claim_due(1000.0, lease=60, by="a"), b.appointments.claim_due(1000.0, lease=60, by="b")
    )
    sends = sorted((uid, x.id) for uid, _, x in [*got_a, *got_b])
    assert sends == [(1, first), (2, first)]
    for uid, _, appointment in [*got_a, *got_b]:
        assert await a.appointments.mark_sent(uid, appointment, 1001.0)
    assert await b.appointments.claim_due(2000.0, lease=60, by="b") == []
    # A new time: due again to each member (after a removal, to those left).
    assert await a.circles.remove(owner, 2)
    assert await b.appointments.reschedule(owner, first, 6000.0, 2500.0)
    again = await b.appointments.claim_due(3000.0, lease=60, by="b")
    assert [(uid, circle) for uid, circle, _ in again] == [(1, 1)]


async def test_two_replicas_send_each_member_one_dose_reminder_per_due_minute(pair) -> None:
    """Two medicines due at one minute, a family of three on two replicas doing the dose job at
    once: each dose is recorded once, each member who gets medicine reminders is claimed once
    for the minute (one message for both medicines), nobody again inside the lease, and a send
    whose replica died goes out after it."""
    from bot.doses import DAY, Schedule

    a, b = pair
    for uid in (1, 2, 3):
        await a.users.give_consent(uid)
    owner = Member(1, 1)
    for joiner in (2, 3):
        invite = await a.circles.invite_link(owner, "helper", f"hash-{joiner}", 10_000.0)
        assert await a.circles.take(invite, joiner, 50.0)
        assert await a.circles.approve(owner, invite)
        assert await b.circles.join(joiner, invite, frozenset()) is not None
    await b.medicines.set_reminders(3, False)  # chose no medicine reminders
    due_at = 1000.0
    schedule = Schedule(every=DAY, times=("20:00",)).dumps()
    for name in ("6-MP", "co-trimoxazole"):
        med = await a.medicines.start(owner, name, limit=30)
        assert await a.medicines.edit_draft(owner, med, dose="1 tablet", schedule=schedule)
        assert await a.medicines.activate(owner, med, due_at)

    async def come_due(store: Store) -> None:
        for item in await store.medicines.due(due_at + 5):
            await store.medicines.come_due(
                item.medicine, due_at, "2026-11-30", "20:00", "1 tablet", due_at + 86400
            )

    await asyncio.gather(come_due(a), come_due(b))
    assert len(await a.medicines.at_minute(1, due_at)) == 2  # each dose recorded once
    assert [m.next_due_at for m in await a.medicines.listed(1)] == [due_at + 86400] * 2
    got_a, got_b = await asyncio.gather(
        a.medicines.claim_sends(due_at + 5, lease=60, by="a"),
        b.medicines.claim_sends(due_at + 5, lease=60, by="b"),
    )
    assert sorted([*got_a, *got_b]) == [(1, 1, due_at), (2, 1, due_at)]
    for uid, circle, minute in got_b:
        await b.medicines.mark_sent(circle, minute, uid, 77, due_at + 6)
    assert await b.medicines.claim_sends(due_at + 30, lease=60, by="b") == []
    # a's replica died without sending: after its lease, exactly a's share goes out.
    again = await b.medicines.claim_sends(due_at + 70, lease=60, by="b")
    assert sorted(again) == sorted(got_a)
