"""Webhook mode for one or several replicas: an aiohttp server that runs each update through
the application before it answers Telegram (or until a bounded time has passed), and serves
`/healthz` and `/metrics`.

PTB's own webhook server answers 200 as soon as an update is queued. That is right for one
process, but with several replicas behind a load balancer it loses what makes Telegram keep
a chat's updates in order: Telegram sends a chat's next update after the previous request
was answered. So here (as in PTB's custom-webhook example) the request handler runs the
update through the application itself and answers when it is done:

- the application's update processor keeps this process's per-chat order and concurrency
  limit; inside it the storage's chat lock (a PostgreSQL advisory lock) keeps two replicas
  from running one chat's updates at once;
- an update already handled (its id is recorded after handling, under the chat lock) is
  answered 200 without running again; one a dead replica was running when it died has no
  record, so Telegram's re-post of it runs (at most the updates in flight on that replica
  run twice, and a tap's save is idempotent);
- an update that runs longer than `answer_within` seconds (Telegram gives up on a request
  after about a minute and posts it again) is answered 200 once that time has passed, and
  recorded as handled just before, while it goes on running under its chat's turn and lock;
  a re-post of it waits for that lock, then finds it handled. An update still waiting for
  its chat's turn is never answered early: Telegram sends the chat's next update only once
  this one runs, so a chat's updates cannot overtake each other across replicas, and no
  update is acknowledged before it has started;
- PTB hands a handler's error to the error handler (which tells the parent calmly), so a
  failed update is answered 200 and not posted again; 500 (posted again) is left for an
  update that could not be run at all (the storage failed between the chat lock and the
  check for a re-post).

Hostile requests: the secret header is compared as bytes; a body that is not an update
(not JSON, nested too deep, a shape PTB cannot read) gets 400; a message or tap in a private
chat whose id is not its sender's gets 200 and is dropped (Telegram never sends one, and a
reply would go to another chat); headers and bodies must arrive within `read_timeout`.
Outside the internal status port, `/healthz` says only whether the bot is healthy; what
the storage said is at `/healthz/details`, for loopback only.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import signal
from contextlib import AsyncExitStack, suppress
from typing import Any

from aiohttp import web
from telegram import Update

from bot.app import start_app, stop_app
from bot.config import Settings
from bot.context import BotApp, services_of
from bot.metrics import CONTENT_TYPE
from bot.processor import chat_key, not_the_senders_chat
from bot.storage import NotSaved

log = logging.getLogger(__name__)

PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 2.0  # seconds the storage may take to answer /healthz
# Seconds a client has to send a request's headers (from connecting, or from the previous
# answer on a kept-alive connection: an idle connection is closed after as long), and again
# to send its body. Telegram's posts are a few kilobytes, sent at once.
READ_TIMEOUT = 10.0
# Seconds an update that is still running may hold Telegram's request (it gives up after
# about 60 and posts the update again).
ANSWER_WITHIN = 10.0
# Seconds a stop gives the requests and the updates already taken in.
SHUTDOWN_SECONDS = 20.0
# JSON nesting an update may have: Telegram's nest about ten levels at most (a reply's
# message never holds a further reply); much deeper ones would make PTB, and handlers,
# recurse.
MAX_DEPTH = 32
# Headers a proxy adds: a request carrying one came through it, whatever its address.
_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


class StatusServer:
    """`/healthz` and `/metrics` on `port`; `start()` / `stop()` around a started
    Application. Long polling runs this alone (METRICS_PORT, an internal port like
    /metrics itself: its /healthz says everything); webhook mode adds its route, on a port
    the proxy exposes."""

    # Whether the port is exposed to the outside (then /healthz says only ok or not).
    public = False

    def __init__(self, app: BotApp, settings: Settings, port: int, read_timeout: float = READ_TIMEOUT):
        self.app = app
        self.settings = settings
        self.services = services_of(app)
        self.port = port
        self.read_timeout = read_timeout
        self._runner: web.AppRunner | None = None
        self.web_app = web.Application(client_max_size=1 << 20)
        self.web_app.router.add_get("/healthz", self.health)
        self.web_app.router.add_get("/healthz/details", self.health_details)
        self.web_app.router.add_get("/metrics", self.metrics)

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.web_app,
            access_log=None,
            # On stop, requests already taken in get this long to finish.
            shutdown_timeout=SHUTDOWN_SECONDS,
            # aiohttp's only limit on reading a request's headers: from the connection (or
            # the last answer) on, the headers must be complete within this; it is also how
            # long an idle kept-alive connection stays open. The body is bounded in receive.
            keepalive_timeout=self.read_timeout,
            # After an early answer (403, 408), the rest of the body is read and dropped
            # for at most this long, then the connection is closed.
            lingering_time=min(2.0, self.read_timeout),
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.webhook_listen, self.port)
        await site.start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self) -> tuple[bool, dict[str, Any]]:
        """Whether the storage answers, and the details: its state, and how long ago the
        last update came."""
        state = "ok"
        try:
            await asyncio.wait_for(self.services.storage.ping(), HEALTH_TIMEOUT)
        except NotSaved as exc:  # reachable, but a write would not be kept (why: ours)
            state = f"not saving: {exc}"
        except Exception:
            state = "unreachable"
        ok = state == "ok"
        since = self.services.metrics.seconds_since_update()
        return ok, {
            "ok": ok,
            "storage": state,
            "seconds_since_last_update": None if since is None else round(since, 1),
        }

    async def health(self, request: web.Request) -> web.Response:
        """200 when the storage answers, else 503; on a public port nothing more."""
        ok, details = await self._health()
        return web.json_response({"ok": ok} if self.public else details, status=200 if ok else 503)

    async def health_details(self, request: web.Request) -> web.Response:
        """What /healthz found, in full; on a public port only to loopback, not proxied."""
        if self.public and not from_loopback(request):
            raise web.HTTPNotFound()
        ok, details = await self._health()
        return web.json_response(details, status=200 if ok else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.services.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


def from_loopback(request: web.Request) -> bool:
    """The request came straight from this host: a loopback peer and no proxy's header (a
    proxy on the same host connects from loopback too)."""
    if any(name in request.headers for name in _PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def nesting_within(data: object, limit: int) -> bool:
    """Whether JSON-decoded `data` nests no deeper than `limit` (without recursing)."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Turn:
    """One posted update on its way: the status its request is answered with (set once
    Telegram has it, or will), whether it runs yet (its chat's turn and lock taken, not a
    re-post), and its record as handled."""

    __slots__ = ("answer", "locked", "recording", "running")

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.answer: asyncio.Future[int] = loop.create_future()
        self.running: asyncio.Future[None] = loop.create_future()
        self.locked = False
        self.recording: asyncio.Future[None] | None = None

    def settle(self, status: int) -> None:
        if not self.answer.done():
            self.answer.set_result(status)


class WebhookServer(StatusServer):
    """The HTTP side of webhook mode: Telegram's posts on `/telegram`, beside the status."""

    public = True

    def __init__(
        self,
        app: BotApp,
        settings: Settings,
        read_timeout: float = READ_TIMEOUT,
        answer_within: float = ANSWER_WITHIN,
    ):
        super().__init__(app, settings, settings.webhook_port, read_timeout)
        self.answer_within = answer_within
        # Updates taken in (some answered early, still running): a stop waits for them.
        self._updates: set[asyncio.Task[None]] = set()
        self.web_app.router.add_post(PATH, self.receive)

    async def stop(self) -> None:
        """Stop taking requests; finish the ones taken in, and the updates answered early
        that still run (all within SHUTDOWN_SECONDS, then cancelled)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHUTDOWN_SECONDS
        await super().stop()
        if not self._updates:
            return
        _, running = await asyncio.wait(self._updates, timeout=max(0.0, deadline - loop.time()))
        if running:
            log.warning(
                "stopping: %d updates still running after %.0f s, cancelled", len(running), SHUTDOWN_SECONDS
            )
            for task in running:
                task.cancel()
            await asyncio.wait(running)

    def secret_matches(self, request: web.Request) -> bool:
        """Exactly one secret header, equal byte for byte (whatever bytes it holds)."""
        expected = (self.settings.webhook_secret or "").encode()
        name = SECRET_HEADER.lower().encode()
        given = [value for key, value in request.raw_headers if key.lower() == name]
        return bool(expected) and len(given) == 1 and hmac.compare_digest(given[0], expected)

    def parse(self, raw: bytes) -> Update | None:
        """The update in a body, or None for anything that is not one."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not nesting_within(data, MAX_DEPTH):
                return None
            update = Update.de_json(data, self.app.bot)
            ids = [update.update_id] + [
                each.id for each in (update.effective_chat, update.effective_user) if each is not None
            ]
        except Exception:  # RecursionError, and whatever PTB raises on a hostile shape
            return None
        return update if all(is_int(each) for each in ids) else None

    async def receive(self, request: web.Request) -> web.Response:
        if not self.secret_matches(request):
            return web.Response(status=403)
        try:
            raw = await asyncio.wait_for(request.read(), self.read_timeout)
        except TimeoutError:
            log.warning("webhook: a request body still incomplete after %.0f s", self.read_timeout)
            response = web.Response(status=408)
            response.force_close()
            return response
        update = self.parse(raw)
        if update is None:
            log.warning("webhook: a request that is not an update")
            return web.Response(status=400)
        if not_the_senders_chat(update):
            # 200: Telegram (or whoever holds the secret) does not post it again.
            log.warning("update %s: refused, a private chat whose id is not its sender's", update.update_id)
            return web.Response(status=200)
        turn = _Turn()
        task = asyncio.create_task(self._process(update, turn))
        self._updates.add(task)
        task.add_done_callback(self._updates.discard)
        return web.Response(status=await self._answer(update, turn))

    async def _answer(self, update: Update, turn: _Turn) -> int:
        """The status for Telegram: once the update is handled, or once it runs and
        `answer_within` seconds have passed (recorded as handled first)."""
        with suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(turn.answer), self.answer_within)
        await asyncio.wait((turn.answer, turn.running), return_when=asyncio.FIRST_COMPLETED)
        if turn.answer.done():
            return turn.answer.result()
        # It runs (its chat's turn and lock held) and is not done: Telegram can have its
        # answer now. Recorded first (the update's end waits for the record inside its
        # lock), so a re-post, waiting for the lock, finds it handled.
        turn.settle(200)
        if turn.locked:
            await asyncio.shield(self._record(update, turn))
        log.info("update %s: answered while still running", update.update_id)
        return 200

    def _record(self, update: Update, turn: _Turn) -> asyncio.Future[None]:
        """Record the update as handled, once per turn (every caller awaits the same)."""
        if turn.recording is None:
            turn.recording = asyncio.ensure_future(self._mark(update.update_id))
        return turn.recording

    async def _mark(self, update_id: int) -> None:
        try:
            await self.services.storage.coordination.mark_handled(update_id)
        except Exception as exc:  # handled all the same: do not run it again
            log.warning("update %s: handled, not recorded (%s)", update_id, exc.__class__.__name__)

    async def _process(self, update: Update, turn: _Turn) -> None:
        handling = self._handle(update, turn)
        try:
            # The processor runs it in this chat's turn (and within the concurrency limit),
            # and counts and times it.
            await self.app.update_processor.process_update(update, handling)
        finally:
            handling.close()  # never started (cancelled while waiting): no warning
            turn.settle(500)

    async def _handle(self, update: Update, turn: _Turn) -> None:
        coordination = self.services.storage.coordination
        key = chat_key(update)
        try:
            async with AsyncExitStack() as stack:
                try:
                    await stack.enter_async_context(coordination.chat_lock(key if key is not None else 0))
                    turn.locked = True
                except Exception as exc:
                    # The database is down: handle it anyway, so the parent hears calmly
                    # that nothing could be saved (every save fails the same way).
                    log.warning(
                        "update %s: storage unreachable (%s), handled without the chat lock",
                        update.update_id,
                        exc.__class__.__name__,
                    )
                if turn.locked and await coordination.was_handled(update.update_id):
                    self.services.metrics.duplicates.inc()
                    turn.settle(200)
                    return
                turn.running.set_result(None)
                await self.app.process_update(update)
                # Recorded after handling (or when answered early, before), still under the
                # lock: a replica killed mid-update leaves no record, and Telegram's re-post
                # of it runs on another replica.
                if turn.locked:
                    await asyncio.shield(self._record(update, turn))
            turn.settle(200)
        except Exception as exc:
            self.services.metrics.failures.inc()
            if turn.answer.done():  # answered early
                log.error(
                    "update %s: failed after Telegram had its answer (%s)",
                    update.update_id,
                    exc.__class__.__name__,
                )
            else:
                log.error(
                    "update %s: not handled (%s); Telegram will post it again",
                    update.update_id,
                    exc.__class__.__name__,
                )
            turn.settle(500)


def serve_status_while_polling(app: BotApp, settings: Settings, port: int) -> None:
    """Start a StatusServer after the application's own post_init, stop it before its
    post_shutdown (run_polling owns the event loop)."""
    server = StatusServer(app, settings, port)
    before, after = app.post_init, app.post_shutdown

    async def post_init(application: BotApp) -> None:
        if before is not None:
            await before(application)
        await server.start()
        log.info("health and metrics on %s:%d", settings.webhook_listen, port)

    async def post_shutdown(application: BotApp) -> None:
        await server.stop()
        if after is not None:
            await after(application)

    app.post_init = post_init
    app.post_shutdown = post_shutdown


async def serve_webhook(app: BotApp, settings: Settings) -> int:
    """Start the application, register the webhook (every replica may: the same call gives
    the same state), serve until SIGTERM or SIGINT, then finish what was taken in."""
    assert settings.webhook_url is not None
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await start_app(app)
    server = WebhookServer(app, settings, answer_within=settings.webhook_answer_within)
    try:
        await server.start()
        # After the server listens, so Telegram's first post finds it.
        await app.bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            max_connections=settings.concurrency if settings.concurrency <= 100 else 100,
        )
        log.info("webhook mode on %s:%d", settings.webhook_listen, settings.webhook_port)
        await stopping.wait()
        log.info("stopping: finishing the updates already taken in")
    finally:
        await server.stop()
        with suppress(Exception):
            await stop_app(app)
    return 0
