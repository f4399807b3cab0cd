"""Log hygiene: at DEBUG, neither the token nor anything a parent typed reaches a log line."""

from __future__ import annotations

import io
import logging

from telegram import Update

from bot.app import build_application, start_app, stop_app
from bot.config import load_settings
from bot.logging_setup import setup_logging
from bot.offline import ApiError, OfflineBotAPI, UpdateFactory
from tests.harness import make

TOKEN = "987654321:ZZsecretTOKENpartZZsecretTOKENpartZZ"
TYPED = "MARKER-typed-by-parent-4711 <b>&"


async def test_debug_logs_hold_no_token_and_no_message_text(tmp_path, content) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG", TOKEN, stream)
    try:
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_DB_PATH": str(tmp_path / "db.sqlite3"), "LOG_LEVEL": "DEBUG"}
        )
        api = OfflineBotAPI()
        app = build_application(settings, request=api, content=content)
        user = UpdateFactory(42)
        await start_app(app)
        try:
            logging.getLogger("test").debug("bot is %r, app is %r", app.bot, app)
            for raw in [user.text("/start"), user.text(TYPED), user.text(f"/{TYPED}")]:
                await app.process_update(Update.de_json(raw, app.bot))
            message = api.chat_messages(42)[0]
            public = {k: v for k, v in message.items() if not k.startswith("_")}
            for data in [make("c"), "garbage-" + TYPED[:20], make("s", sid="diagnosis", part="", page=0)]:
                await app.process_update(Update.de_json(user.tap(public, data), app.bot))
            # An error path too: an API failure inside a handler reaches the error handler.
            api.fault = lambda method, params: (
                ApiError(500, "Internal Server Error") if method == "sendMessage" else None
            )
            await app.process_update(Update.de_json(user.text(TYPED), app.bot))
        finally:
            await stop_app(app)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    output = stream.getvalue()
    assert "DEBUG" in output and len(output.splitlines()) > 10  # logging really ran
    assert "network trouble" in output  # the error handler ran and logged
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert "MARKER-typed-by-parent" not in output
    assert "4711" not in output
