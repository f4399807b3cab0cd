"""Database trips per storage operation a tap makes, on SQLite and on PostgreSQL.

A trip: one call into SQLite's thread (aiosqlite: each statement, BEGIN and COMMIT), or one
round trip to the PostgreSQL server (asyncpg: each query, BEGIN, COMMIT, and the reset of a
pooled connection given back). Each trip costs
about 30-60 µs on SQLite (a thread hop) and a network round trip on PostgreSQL, so on a
shared database this count is most of what a tap waits for. The operations use only the
storage API, so the same script measures an older release's storage layer too (run it with
that checkout first on PYTHONPATH).

    .venv/bin/python scripts/bench_storage.py            # both backends (PostgreSQL if found)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.storage import Member, Prompt, open_storage

TRIPS = [0]


def count(owner: Any, name: str) -> None:
    original = getattr(owner, name)

    async def counted(*args: Any, **kwargs: Any) -> Any:
        TRIPS[0] += 1
        return await original(*args, **kwargs)

    setattr(owner, name, counted)


count(aiosqlite.Connection, "_execute")
# asyncpg: BEGIN and COMMIT go through Connection.execute too, and so does the reset a
# pooled connection gets when it goes back to the pool (a real round trip as well).
for method in ("execute", "fetch", "fetchrow", "fetchval"):
    count(asyncpg.connection.Connection, method)

Op = Callable[[Any, int], Awaitable[Any]]
# What taps and typed text make the storage do (per parent, who agreed to saving: a family
# of one whose id is their user id).
OPERATIONS: list[tuple[str, Op]] = [
    ("bookmark a page", lambda s, u: s.bookmarks.add(u, "diagnosis", "", 1)),
    ("read the family (once per update)", lambda s, u: s.circles.member(u)),
    ("tick a sign", lambda s, u: s.marks.set(Member(u, u), "fever", True)),
    ("save a guide question", lambda s, u: s.questions.save_guide(Member(u, u), "g1", "G?", limit=200)),
    ("type an own question", lambda s, u: s.questions.add_own(Member(u, u), "Mine?", limit=200)),
    ("open a prompt", lambda s, u: s.prompts.open(u, Prompt("answer", 1, "m:0", 0.0, 9e9))),
    ("close a prompt", lambda s, u: s.prompts.close(u)),
    ("a tap with no prompt open", lambda s, u: s.prompts.close(u)),
    ("ask before hard pages", lambda s, u: s.users.set_skip_gates(u, True)),
    ("set the fever number", lambda s, u: s.circles.set_fever_c(Member(u, u), 38.3)),
    ("save a care-team number", lambda s, u: s.contacts.add(Member(u, u), "Ward", "+1 555", limit=5)),
    (
        "add an appointment",
        lambda s, u: s.appointments.add(Member(u, u), 2e9, 2e9 - 3600, after=0, limit=10),
    ),
    ("read the language", lambda s, u: s.users.language(u)),
]


async def measure(storage: Any, rounds: int = 200) -> dict[str, tuple[float, float]]:
    """Per operation: trips, and the whole process's CPU µs (the database thread included),
    the mean over `rounds` parents."""
    await storage.open()
    try:
        results: dict[str, tuple[float, float]] = {}
        for n in range(rounds):
            await storage.users.give_consent(10_000 + n)
        for name, op in OPERATIONS:
            before, cpu = TRIPS[0], time.process_time()
            for n in range(rounds):
                await op(storage, 10_000 + n)
            results[name] = ((TRIPS[0] - before) / rounds, (time.process_time() - cpu) * 1e6 / rounds)
        return results
    finally:
        await storage.close()


async def main() -> int:
    columns: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        columns["SQLite"] = await measure(open_storage(Path(tmp) / "db.sqlite3", time.time))
    try:
        from tests.pgserver import PostgresServer, PostgresUnavailable
    except ImportError:
        PostgresServer = None  # type: ignore[assignment,misc]
    if PostgresServer is not None:
        try:
            with PostgresServer() as server:
                columns["PostgreSQL"] = await measure(open_storage("", time.time, server.create_database()))
        except PostgresUnavailable as exc:
            print(f"PostgreSQL skipped: {exc}")
    names = list(columns)
    print("database trips and CPU µs per storage operation (mean of 200 parents):\n")
    print("| operation | " + " | ".join(f"{c} trips | {c} CPU µs" for c in names) + " |")
    print("|---|" + "---|---|" * len(names))
    for name, _ in OPERATIONS:
        print(
            f"| {name} | "
            + " | ".join(f"{columns[c][name][0]:.1f} | {columns[c][name][1]:.0f}" for c in names)
            + " |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
