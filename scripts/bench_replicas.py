"""`make bench` (second part): webhook mode, one replica on SQLite beside two on PostgreSQL.

Each configuration runs the bot as its own processes (`python -m bot`, webhook mode, rate
limiter on: the production start command), a fake Bot API on 127.0.0.1 answering every
call after a round trip, and a fake Telegram that posts webhooks as Telegram does: a chat's
next update after its last was answered, all chats at once, round-robin across replicas.
The updates are the in-process benchmark's mix (page taps, checklist ticks, saves, commands;
scripts/bench.py build_stream) from 1,000 parents: first paced (60 actions a second, what
a busy hour looks like: latency), then as fast as the replicas answer (throughput).

    .venv/bin/python scripts/bench_replicas.py [--updates 6000] [--rtt-ms 100]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import psutil  # noqa: E402
from aiohttp import web  # noqa: E402

from tests.fakeapi import FakeBotAPI, bot_env, bot_process, free_port, seed_consent  # noqa: E402
from tests.pgserver import PostgresServer  # noqa: E402
from tests.test_webhook import wait_listening  # noqa: E402
from tests.webhook_poster import Telegram  # noqa: E402

SECRET = "bench_secret-token"


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TimedFake(FakeBotAPI):
    """The fake Bot API, noting when each tap's answer arrived (before its round trip)."""

    def __init__(self, delay: float) -> None:
        super().__init__(default_delay=delay)
        self.answered_at: dict[str, float] = {}

    async def _serve(self, request: web.Request) -> web.Response:
        if request.match_info.get("method") == "answerCallbackQuery":
            form = await request.post()  # aiohttp keeps it for the parent's read
            qid = str(form.get("callback_query_id"))
            self.answered_at.setdefault(qid, time.perf_counter())
        return await super()._serve(request)


class Sampler:
    """CPU seconds and peak RSS of the replica processes, sampled in a thread."""

    def __init__(self, pids: list[int]) -> None:
        self.procs = [psutil.Process(pid) for pid in pids]
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def cpu(self) -> float:
        total = 0.0
        for proc in self.procs:
            times = proc.cpu_times()
            total += times.user + times.system
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for proc in self.procs:
                with suppress(psutil.Error):
                    self.peak_mb = max(self.peak_mb, proc.memory_info().rss / 2**20)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _chat(update: dict[str, Any]) -> int:
    message = update.get("message") or update["callback_query"]["message"]
    return int(message["chat"]["id"])


class Phase:
    """One stream of updates and what became of it."""

    def __init__(self, stream: list[tuple[str, dict[str, Any]]], rate: float | None):
        self.updates = [u for _kind, u in stream]
        self.rate = rate  # None: every chat posts its next update as soon as it can
        self.taps = {u["callback_query"]["id"]: u["update_id"] for u in self.updates if "callback_query" in u}
        self.chat_of = {u["update_id"]: _chat(u) for u in self.updates}
        self.first_post: dict[int, float] = {}
        self.seconds = 0.0
        self.cpu = 0.0

    async def run(self, telegram: Telegram, session: aiohttp.ClientSession) -> None:
        per_chat: dict[int, list[tuple[float, dict[str, Any]]]] = defaultdict(list)
        started = time.perf_counter()
        for n, update in enumerate(self.updates):
            due = started + n / self.rate if self.rate else started
            per_chat[_chat(update)].append((due, update))

        async def chat(items: list[tuple[float, dict[str, Any]]]) -> None:
            for due, update in items:
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                # Paced: from the moment the parent acted (waiting for the chat's previous
                # update counts, as the parent waits too); flooded: from its post.
                self.first_post[update["update_id"]] = due if self.rate else time.perf_counter()
                await telegram.deliver(session, update)

        await asyncio.gather(*(chat(items) for items in per_chat.values()))
        self.seconds = time.perf_counter() - started

    def measure(
        self, answers: list[Any], answered_at: dict[str, float], telegram: Telegram
    ) -> dict[str, Any]:
        handled = Counter(
            str(c.params["callback_query_id"])
            for c in answers
            if str(c.params["callback_query_id"]) in self.taps
        )
        violations = 0
        last: dict[int, int] = {}
        for call in answers:
            update_id = self.taps.get(str(call.params["callback_query_id"]))
            if update_id is None:
                continue
            chat = self.chat_of[update_id]
            if update_id < last.get(chat, -1):
                violations += 1
            last[chat] = max(last.get(chat, -1), update_id)
        tap_waits = [
            answered_at[qid] - self.first_post[uid]
            for qid, uid in self.taps.items()
            if qid in answered_at and uid in self.first_post
        ]
        hooks = [telegram.latency[u["update_id"]] for u in self.updates if u["update_id"] in telegram.latency]
        return {
            "updates": len(self.updates),
            "seconds": self.seconds,
            "rate": len(self.updates) / self.seconds,
            "offered": self.rate,
            "tap_p50": percentile(tap_waits, 0.5),
            "tap_p99": percentile(tap_waits, 0.99),
            "hook_p50": statistics.median(hooks),
            "hook_p99": percentile(hooks, 0.99),
            "violations": violations,
            "unanswered": sum(1 for qid in self.taps if qid not in handled),
            "twice": sum(1 for qid in self.taps if handled[qid] > 1),
            "cpu_ms": 1000 * self.cpu / len(self.updates),
        }


def run_configuration(
    name: str, replicas: int, url: str | None, args: argparse.Namespace, content: Any, bench: Any
) -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    db_path = workdir / "bot.sqlite3"
    users = list(range(700_000_001, 700_000_001 + args.users))
    seed_consent(db_path, users, url)
    warmup = [bench.command_update(n, uid, "/start") for n, uid in enumerate(users, start=1)]
    paced_count = int(args.paced_rate * args.paced_seconds)
    first = len(users) + 1
    phases = [
        Phase(bench.build_stream(content, users, paced_count, args.seed, first), args.paced_rate),
        Phase(bench.build_stream(content, users, args.updates, args.seed + 1, first + paced_count), None),
    ]
    ports = [free_port() for _ in range(replicas)]
    with TimedFake(args.rtt_ms / 1000) as fake:
        extra = {"DATABASE_URL": url} if url else {}
        envs = [
            bot_env(
                fake,
                db_path,
                WEBHOOK_URL="https://bot.example.org/telegram",
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(port),
                LOG_LEVEL="WARNING",
                BOT_REPLICAS=str(replicas),
                **extra,
            )
            for port in ports
        ]
        logs = [workdir / f"replica{n}.log" for n in range(replicas)]
        with ExitStack() as stack:
            procs = [stack.enter_context(bot_process(env, log)) for env, log in zip(envs, logs, strict=True)]
            fake.wait_for(
                lambda: len(fake.calls("setWebhook")) >= replicas,
                timeout=120,
                what="every replica to register",
            )
            for port in ports:
                wait_listening(port)
            telegram = Telegram(ports, SECRET)

            async def drive(sampler: Sampler) -> None:
                connector = aiohttp.TCPConnector(limit=0)
                async with aiohttp.ClientSession(connector=connector) as session:
                    await asyncio.gather(*(telegram.deliver(session, u) for u in warmup))
                    for phase in phases:
                        before = sampler.cpu()
                        await phase.run(telegram, session)
                        phase.cpu = sampler.cpu() - before

            with Sampler([p.pid for p in procs]) as sampler:
                asyncio.run(drive(sampler))
            answers = fake.calls("answerCallbackQuery")
            answered_at = dict(fake.answered_at)
            for proc in procs:  # a graceful stop; bot_process kills what is left
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
    rows = []
    for phase in phases:
        row = phase.measure(answers, answered_at, telegram)
        row.update(
            name=name, rss_mb=sampler.peak_mb, reposts=sum(telegram.posts.values()) - len(telegram.posts)
        )
        rows.append(row)
    return rows


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\nWebhook replicas: {args.users} parents, {args.rtt_ms} ms Bot API round trip, "
        "rate limiter on; a chat's next update is posted after its last was answered"
    )
    print(
        "| configuration | load | updates | updates/s | tap answer p50 / p99 | "
        "webhook answered p50 / p99 | order violations | taps unanswered | "
        "taps handled twice | re-posts | CPU ms/update (all replicas) | peak RSS per replica |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        load = f"{r['offered']:.0f}/s offered" if r["offered"] else "as fast as it answers"
        print(
            f"| {r['name']} | {load} | {r['updates']} | {r['rate']:.0f} | "
            f"{1000 * r['tap_p50']:.0f} / {1000 * r['tap_p99']:.0f} ms | "
            f"{1000 * r['hook_p50']:.0f} / {1000 * r['hook_p99']:.0f} ms | "
            f"{r['violations']} | {r['unanswered']} | {r['twice']} | {r['reposts']} | "
            f"{r['cpu_ms']:.1f} | {r['rss_mb']:.0f} MB |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--updates", type=int, default=6000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rtt-ms", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--paced-rate", type=float, default=60.0, help="parent actions a second in the paced phase"
    )
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    args = parser.parse_args()
    from bot.app import reserved_commands
    from bot.content import load_content

    content = load_content(ROOT / "content", reserved_commands())
    bench = _bench_module()
    rows = run_configuration("1 replica, SQLite", 1, None, args, content, bench)
    with PostgresServer() as server:
        rows += run_configuration("2 replicas, PostgreSQL", 2, server.create_database(), args, content, bench)
    report(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
