"""A Bot API server on 127.0.0.1 for tests that run the bot as a real process.

It serves `POST /bot<token>/<method>` over HTTP with the same answers as the in-memory
OfflineBotAPI (which it wraps), and implements getUpdates like Telegram: updates stay
queued until a later getUpdates confirms them with `offset`, so a bot killed before
confirming gets them again after a restart. It runs its own event loop in a thread, so a
test can block on the bot process while the server keeps answering.
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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.offline import Call, OfflineBotAPI, UpdateFactory

ROOT = Path(__file__).resolve().parent.parent
# Shaped like a BotFather token (the bot checks that) but not a real one.
TOKEN = "123456:" + "A" * 35
LONG_POLL_CAP = 0.5  # seconds a getUpdates waits at most, so shutdowns stay quick


class FakeBotAPI:
    """The fake server. Use as a context manager; `base_url` goes in TELEGRAM_API_BASE_URL."""

    def __init__(self, delays: Mapping[str, float] | None = None,
                 default_delay: float = 0.0) -> None:
        # Calls are recorded here as they arrive (before any delay), not by the wrapped API.
        self.api = OfflineBotAPI(record=False)
        self._calls: list[Call] = []
        self.delays = dict(delays or {})
        self.default_delay = default_delay
        self.port = 0
        self._pending: list[dict[str, Any]] = []
        self.delivered: set[int] = set()
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

    def wait_for(self, check: Callable[[], bool], timeout: float = 20.0,
                 proc: subprocess.Popen[bytes] | None = None, what: str = "") -> None:
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
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename, value.file.read(), value.content_type)
            else:
                params[key] = value
        self._calls.append(Call(method, params))
        if method == "getUpdates":
            return await self._get_updates(params)
        delay = self.delays.get(method, self.default_delay)
        if delay:
            await asyncio.sleep(delay)
        status, body = await self.api.handle(method, params, files)
        return web.Response(status=status, body=body, content_type="application/json")

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        assert self._new_update is not None
        if offset:
            # Telegram forgets updates once a later getUpdates confirms them with offset.
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending and timeout > 0:
            self._new_update.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        batch = self._pending[:limit]
        self.delivered.update(u["update_id"] for u in batch)
        return web.json_response({"ok": True, "result": batch})


# ---- running the bot as a process ------------------------------------------------------------
def bot_env(fake: FakeBotAPI, db_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process talking only to the fake server on loopback."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith("_PROXY") and not k.startswith(("TELEGRAM_", "WEBHOOK_",
                                                                     "BOT_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_API_BASE_FILE_URL": f"http://127.0.0.1:{fake.port}/file/bot",
        "BOT_DB_PATH": str(db_path),
        "LOG_LEVEL": "INFO",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        **extra,
    })
    return env


@contextmanager
def bot_process(env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot` as a subprocess; always gone (killed if need be) when the block ends."""
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=dict(env),
                                stdout=out, stderr=subprocess.STDOUT)
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


def seed_consent(db_path: Path, user_ids: list[int]) -> None:
    """Create the database (schema through the storage layer) with these parents consented."""
    import time

    from bot.storage import open_storage

    async def seed() -> None:
        storage = open_storage(db_path, time.time)
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


def serve_forever(delay: float) -> None:
    """`python -m tests.fakeapi DELAY`: serve on a free port (printed) until stdin closes.

    Every method but getUpdates answers after DELAY seconds (the benchmark's round trip).
    """
    with FakeBotAPI(default_delay=delay) as fake:
        print(fake.port, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    serve_forever(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
