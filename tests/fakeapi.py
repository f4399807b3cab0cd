"""A Bot API server on 127.0.0.1 for tests that run the bot as a real process.

It serves `POST /bot<token>/<method>` over HTTP with the same answers as the in-memory
OfflineBotAPI (which it wraps), and implements getUpdates like Telegram: updates stay
queued until a later getUpdates confirms them with `offset`, so a bot killed before
confirming gets them again after a restart. It runs its own event loop in a thread, so a
test can block on the bot process while the server keeps answering.

With `limits=True` it answers 429 as Telegram does when new messages come faster than
Telegram's documented limits (tests/telegram_limits.py). For a driver in another process
(the benchmark's black-box mode) it also serves `/control/...`: queue updates, put a
message in chats, switch the limits, and read back every call with its arrival time and
every update's hand-out time (see `_control`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.offline import Call, OfflineBotAPI, UpdateFactory
from tests.telegram_limits import TelegramLimits

ROOT = Path(__file__).resolve().parent.parent
# Shaped like a BotFather token (the bot checks that) but not a real one.
TOKEN = "123456:" + "A" * 35
LONG_POLL_CAP = 0.5  # seconds a getUpdates waits at most, so shutdowns stay quick


class FakeBotAPI:
    """The fake server. Use as a context manager; `base_url` goes in TELEGRAM_API_BASE_URL."""

    def __init__(
        self,
        delays: Mapping[str, float] | None = None,
        default_delay: float = 0.0,
        limits: bool = False,
        poll_delay: float = 0.0,
    ) -> None:
        # Calls are recorded here as they arrive (before any delay), not by the wrapped API.
        self.api = OfflineBotAPI(record=False)
        self._calls: list[Call] = []
        self.delays = dict(delays or {})
        self.default_delay = default_delay
        # getUpdates' own round trip (0: answered at once, as the tests want).
        self.poll_delay = poll_delay
        self.limits = TelegramLimits() if limits else None
        self.refused: Counter[str] = Counter()  # 429s answered, by method
        # With the limits off, the calls Telegram would have refused are still counted.
        self._shadow = TelegramLimits()
        self.port = 0
        self._pending: list[dict[str, Any]] = []
        self.delivered: set[int] = set()
        # For the driver in another process: [arrival, method, chat_id, callback_query_id,
        # HTTP status] per call, and when each update was first handed out by getUpdates.
        self._log: list[list[Any]] = []
        self.handed_out: dict[int, float] = {}
        self._ok: Counter[str] = Counter()  # calls answered 200 since the last reset
        self._api_calls = 0  # calls other than getUpdates since then
        self._answered: set[str] = set()  # callback queries answered since then
        self._loop = asyncio.new_event_loop()
        self._new_update: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # ---- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> FakeBotAPI:
        self._thread.start()
        self._run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        with suppress(Exception):
            self._run(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _run(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _start(self) -> None:
        self._new_update = asyncio.Event()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._serve)
        app.router.add_route("*", "/control/{action}", self._control)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- what tests do --------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Updates not yet confirmed by the bot (a later getUpdates with a higher offset)."""
        return len(self._pending)

    def add_updates(self, *updates: dict[str, Any]) -> None:
        """Queue updates for the bot's next getUpdates (like parents writing to the bot)."""

        def add() -> None:
            self._pending.extend(updates)
            assert self._new_update is not None
            self._new_update.set()

        self._loop.call_soon_threadsafe(add)

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """Make a Bot API call directly (e.g. put a message in a chat for a tap to land on)."""
        status, body = self._run(self.api.handle(method, params))
        assert status == 200, body
        return json.loads(body)["result"]

    def calls(self, method: str | None = None) -> list[Call]:
        calls = list(self._calls)  # appended to by the server thread; a copy is atomic
        return [c for c in calls if method is None or c.method == method]

    def wait_for(
        self,
        check: Callable[[], bool],
        timeout: float = 20.0,
        proc: subprocess.Popen[bytes] | None = None,
        what: str = "",
    ) -> None:
        """Poll until check() holds; fail early if the bot process died."""
        deadline = time.monotonic() + timeout
        while not check():
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"bot exited ({proc.returncode}) while waiting for {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.01)

    # ---- the server -----------------------------------------------------------------------
    async def _serve(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename, value.file.read(), value.content_type)
            else:
                params[key] = value
        call = Call(method, params)
        self._calls.append(call)
        row = [call.at, method, params.get("chat_id"), params.get("callback_query_id"), 0]
        self._log.append(row)
        if method == "getUpdates":
            response = await self._get_updates(params)
            self._answer(row, response.status)
            return response
        self._api_calls += 1
        # Telegram's limits are judged when the call arrives; the refusal still takes the
        # round trip to come back.
        retry_after = self.limits.check(method, params) if self.limits is not None else None
        if self.limits is None:
            self._shadow.check(method, params)
        delay = self.delays.get(method, self.default_delay)
        if delay:
            await asyncio.sleep(delay)
        if retry_after is not None:
            self.refused[method] += 1
            self._answer(row, 429)
            return web.json_response(TelegramLimits.error(retry_after), status=429)
        status, body = await self.api.handle(method, params, files)
        self._answer(row, status)
        return web.Response(status=status, body=body, content_type="application/json")

    @property
    def over_limits(self) -> dict[str, int]:
        """With the limits off: calls let through that Telegram would have refused."""
        return dict(self._shadow.refused)

    def _which_limits(self) -> dict[str, int]:
        """429s sent, or calls over the limits let through, by the limit passed."""
        limits = self.limits if self.limits is not None else self._shadow
        return dict(limits.refused_by)

    def _answer(self, row: list[Any], status: int) -> None:
        row[4] = status
        if status == 200:
            self._ok[row[1]] += 1
            if row[1] == "answerCallbackQuery":
                self._answered.add(str(row[3]))

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        assert self._new_update is not None
        if self.poll_delay:
            await asyncio.sleep(self.poll_delay)
        if offset:
            # Telegram forgets updates once a later getUpdates confirms them with offset.
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending and timeout > 0:
            self._new_update.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        batch = self._pending[:limit]
        self.delivered.update(u["update_id"] for u in batch)
        now = time.monotonic()
        for update in batch:
            self.handed_out.setdefault(update["update_id"], now)
        return web.json_response({"ok": True, "result": batch})

    # ---- control, for a driver in another process --------------------------------------
    async def _control(self, request: web.Request) -> web.Response:
        """`POST /control/updates` [update, ...]: queue them for getUpdates.
        `POST /control/messages` {"chats": [id, ...], "text": t}: put a message from the bot
        in each chat (not recorded as a call), answered with their message ids.
        `POST /control/limits` {"on": bool}: enforce Telegram's limits or not (fresh budgets).
        `POST /control/reset`: forget the recorded calls, hand-outs and 429s (and the calls
        over the limits that were let through while they were off).
        `GET /control/stats`: counts, cheap to poll. `GET /control/record`: everything."""
        action = request.match_info["action"]
        body: Any = await request.json() if request.can_read_body else None
        if action == "updates":
            self._pending.extend(body)
            assert self._new_update is not None
            self._new_update.set()
            return web.json_response({"queued": len(body)})
        if action == "messages":
            ids = []
            for chat in body["chats"]:
                status, raw = await self.api.handle("sendMessage", {"chat_id": chat, "text": body["text"]})
                assert status == 200, raw
                ids.append(json.loads(raw)["result"]["message_id"])
            return web.json_response({"message_ids": ids})
        if action == "limits":
            self.limits = TelegramLimits() if body["on"] else None
            return web.json_response({"on": self.limits is not None})
        if action == "reset":
            self._log.clear()
            self.handed_out.clear()
            self.refused.clear()
            self._ok.clear()
            self._answered.clear()
            self._api_calls = 0
            if self.limits is not None:
                self.limits.reset()
            self._shadow.reset()
            return web.json_response({"ok": True})
        if action == "stats":
            return web.json_response(
                {
                    "pending": len(self._pending),
                    "handed_out": len(self.handed_out),
                    "calls": len(self._log),
                    "api_calls": self._api_calls,
                    "ok": dict(self._ok),
                    "answered": len(self._answered),
                    "refused": dict(self.refused),
                    "over_limits": self.over_limits,
                    "by_limit": self._which_limits(),
                    "now": time.monotonic(),
                }
            )
        if action == "record":
            return web.json_response(
                {
                    "calls": self._log,
                    "handed_out": self.handed_out,
                    "refused": dict(self.refused),
                    "over_limits": self.over_limits,
                    "by_limit": self._which_limits(),
                    "now": time.monotonic(),
                }
            )
        return web.json_response({"error": f"unknown control {action!r}"}, status=404)


# ---- running the bot as a process ------------------------------------------------------------
def bot_env(fake: FakeBotAPI, db_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process talking only to the fake server on loopback."""
    return port_env(fake.port, db_path, **extra)


def port_env(port: int, db_path: Path, **extra: str) -> dict[str, str]:
    """bot_env for a fake server on `port` (e.g. one in another process)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().endswith("_PROXY") and not k.startswith(("TELEGRAM_", "WEBHOOK_", "BOT_"))
    }
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
            "TELEGRAM_API_BASE_FILE_URL": f"http://127.0.0.1:{port}/file/bot",
            "BOT_DB_PATH": str(db_path),
            "LOG_LEVEL": "INFO",
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


@contextmanager
def bot_process(env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot` as a subprocess; always gone (killed if need be) when the block ends."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def polling(fake: FakeBotAPI, since: int = 0) -> Callable[[], bool]:
    """True once the bot has asked for updates (more than `since` getUpdates calls)."""
    return lambda: len(fake.calls("getUpdates")) > since


def tap(user: UpdateFactory, message: dict[str, Any], data: str) -> dict[str, Any]:
    public = {k: v for k, v in message.items() if not k.startswith("_")}
    return user.tap(public, data)


def seed_consent(db_path: Path, user_ids: list[int], url: str | None = None) -> None:
    """Create the database (schema through the storage layer) with these parents consented:
    the SQLite file at `db_path`, or the PostgreSQL database at `url`."""
    import time

    from bot.storage import open_storage

    async def seed() -> None:
        storage = open_storage(db_path, time.time, url)
        await storage.open()
        try:
            for uid in user_ids:
                await storage.users.give_consent(uid)
        finally:
            await storage.close()

    asyncio.run(seed())


def integrity(db_path: Path) -> str:
    import sqlite3

    with sqlite3.connect(db_path) as db:
        row = db.execute("PRAGMA integrity_check").fetchone()
    db.close()
    return str(row[0])


def bookmarks(db_path: Path) -> list[tuple[int, str, str, int]]:
    import sqlite3

    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT user_id, section_id, part_id, page FROM bookmarks").fetchall()
    db.close()
    return [(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]


def serve_forever(argv: list[str] | None = None) -> None:
    """`python -m tests.fakeapi DELAY [--limits] [--poll-delay S]`: serve on a free port
    (printed) until stdin closes.

    Every method but getUpdates answers after DELAY seconds (the benchmark's round trip);
    getUpdates after --poll-delay seconds. --limits: answer 429 beyond Telegram's limits.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.fakeapi")
    parser.add_argument("delay", type=float, nargs="?", default=0.0)
    parser.add_argument("--limits", action="store_true")
    parser.add_argument("--poll-delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    with FakeBotAPI(default_delay=args.delay, limits=args.limits, poll_delay=args.poll_delay) as fake:
        print(fake.port, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    serve_forever()
