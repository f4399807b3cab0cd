"""Webhook mode for one or several replicas: an aiohttp server that handles each update
before it answers Telegram, and serves `/healthz` and `/metrics`.

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
- an update whose handling failed past the error handler is answered 500, so Telegram
  posts it again (the error handler has already told the parent calmly).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from contextlib import AsyncExitStack, suppress

from aiohttp import web
from telegram import Update

from bot.app import start_app, stop_app
from bot.config import Settings
from bot.context import BotApp, services_of
from bot.metrics import CONTENT_TYPE
from bot.processor import chat_key
from bot.storage import NotSaved

log = logging.getLogger(__name__)

PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 2.0  # seconds the storage may take to answer /healthz


class StatusServer:
    """`/healthz` and `/metrics` on `port`; `start()` / `stop()` around a started
    Application. Long polling runs this alone (METRICS_PORT); webhook mode adds its route."""

    def __init__(self, app: BotApp, settings: Settings, port: int):
        self.app = app
        self.settings = settings
        self.services = services_of(app)
        self.port = port
        self._runner: web.AppRunner | None = None
        self.web_app = web.Application(client_max_size=1 << 20)
        self.web_app.router.add_get("/healthz", self.health)
        self.web_app.router.add_get("/metrics", self.metrics)

    async def start(self) -> None:
        # shutdown_timeout: on stop, requests already taken in get this long to finish.
        self._runner = web.AppRunner(self.web_app, access_log=None, shutdown_timeout=20)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.webhook_listen, self.port)
        await site.start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def health(self, request: web.Request) -> web.Response:
        """200 when the storage answers; always says how long ago the last update came."""
        state = "ok"
        try:
            await asyncio.wait_for(self.services.storage.ping(), HEALTH_TIMEOUT)
        except NotSaved as exc:  # reachable, but a write would not be kept (why: ours)
            state = f"not saving: {exc}"
        except Exception:
            state = "unreachable"
        ok = state == "ok"
        since = self.services.metrics.seconds_since_update()
        body = {"ok": ok, "storage": state,
                "seconds_since_last_update": None if since is None else round(since, 1)}
        return web.json_response(body, status=200 if ok else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.services.metrics.render(),
                            headers={"Content-Type": CONTENT_TYPE})


class WebhookServer(StatusServer):
    """The HTTP side of webhook mode: Telegram's posts on `/telegram`, beside the status."""

    def __init__(self, app: BotApp, settings: Settings):
        super().__init__(app, settings, settings.webhook_port)
        self.web_app.router.add_post(PATH, self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        secret = self.settings.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), self.app.bot)
            if not isinstance(update.update_id, int):
                raise TypeError("update_id")
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("webhook: a request that is not an update")
            return web.Response(status=400)
        done = asyncio.get_running_loop().create_future()
        # The processor runs it in this chat's turn (and within the concurrency limit), and
        # counts and times it.
        await self.app.update_processor.process_update(update, self._handle(update, done))
        status = done.result() if done.done() else 500
        return web.Response(status=status)

    async def _handle(self, update: Update, done: asyncio.Future[int]) -> None:
        coordination = self.services.storage.coordination
        key = chat_key(update)
        try:
            async with AsyncExitStack() as stack:
                try:
                    await stack.enter_async_context(
                        coordination.chat_lock(key if key is not None else 0))
                    locked = True
                except Exception as exc:
                    # The database is down: handle it anyway, so the parent hears calmly
                    # that nothing could be saved (every save fails the same way).
                    log.warning("update %s: storage unreachable (%s), handled without the "
                                "chat lock", update.update_id, exc.__class__.__name__)
                    locked = False
                if locked and await coordination.was_handled(update.update_id):
                    self.services.metrics.duplicates.inc()
                    done.set_result(200)
                    return
                await self.app.process_update(update)
                # Recorded after handling: a replica killed mid-update leaves no record,
                # and Telegram's re-post of it runs on another replica.
                if locked:
                    try:
                        await coordination.mark_handled(update.update_id)
                    except Exception as exc:  # handled all the same: do not run it again
                        log.warning("update %s: handled, not recorded (%s)",
                                    update.update_id, exc.__class__.__name__)
            done.set_result(200)
        except Exception as exc:
            self.services.metrics.failures.inc()
            log.error("update %s: not handled (%s); Telegram will post it again",
                      update.update_id, exc.__class__.__name__)
            done.set_result(500)


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
    server = WebhookServer(app, settings)
    try:
        await server.start()
        # After the server listens, so Telegram's first post finds it.
        await app.bot.set_webhook(url=settings.webhook_url, secret_token=settings.webhook_secret,
                                  allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
                                  max_connections=settings.concurrency if
                                  settings.concurrency <= 100 else 100)
        log.info("webhook mode on %s:%d", settings.webhook_listen, settings.webhook_port)
        await stopping.wait()
        log.info("stopping: finishing the updates already taken in")
    finally:
        await server.stop()
        with suppress(Exception):
            await stop_app(app)
    return 0
