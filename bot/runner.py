"""Run on Telegram (or a Bot API-compatible server): long polling, or a webhook if set."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.content import Content
from bot.http import AiohttpRequest

log = logging.getLogger(__name__)


def run_telegram(settings: Settings, content: Content) -> int:
    # Bot API calls go through aiohttp (httpx's pool costs most of the CPU under load);
    # getUpdates, one call at a time, stays on PTB's default client.
    app = build_application(
        settings, content=content, api_request=AiohttpRequest(), overall_rate=settings.new_messages_per_second
    )
    # run_polling and the webhook server stop on SIGINT and SIGTERM, finish the updates already
    # fetched, then run post_shutdown (which closes storage).
    if settings.webhook_url:
        # Each update is handled before its request is answered, so several replicas can
        # share one PostgreSQL database (bot.webhook); /healthz and /metrics beside it.
        from bot.webhook import serve_webhook

        return asyncio.run(serve_webhook(app, settings))
    else:
        if settings.metrics_port is not None:
            from bot.webhook import serve_status_while_polling

            serve_status_while_polling(app, settings, settings.metrics_port)
        log.info("long polling")
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
