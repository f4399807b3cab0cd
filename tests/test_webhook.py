"""Webhook mode: PTB's webhook server on 127.0.0.1, with the secret header checked."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.content import Content
from bot.offline import UpdateFactory
from tests.fakeapi import FakeBotAPI, bot_env, bot_process, free_port, stop

SECRET = "s3cret_Token-for-tests"
PUBLIC_URL = "https://bot.example.org/telegram"

# Loopback only: never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(port: int, update: dict[str, object], secret: str | None) -> int:
    """POST an update as Telegram would; the HTTP status the bot's webhook answered."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram", data=json.dumps(update).encode(), headers=headers
    )
    try:
        with _OPENER.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def wait_listening(port: int, timeout: float = 20.0) -> None:
    """The webhook server starts just after setWebhook; wait until it accepts requests."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            # Unknown path: any HTTP answer means the server is up.
            _OPENER.open(f"http://127.0.0.1:{port}/", timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError("the webhook server never started") from None
            time.sleep(0.05)


def test_webhook_processes_only_requests_with_the_secret(tmp_path: Path, content: Content) -> None:
    port = free_port()
    log = tmp_path / "bot.log"
    with FakeBotAPI() as fake:
        env = bot_env(
            fake,
            tmp_path / "bot.sqlite3",
            WEBHOOK_URL=PUBLIC_URL,
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
        )
        with bot_process(env, log) as proc:
            fake.wait_for(lambda: bool(fake.calls("setWebhook")), proc=proc, what="setWebhook")
            wait_listening(port)
            hook = fake.calls("setWebhook")[0].params
            assert hook["url"] == PUBLIC_URL
            assert hook["secret_token"] == SECRET

            assert post(port, UpdateFactory(3002).text("/start"), "wrong-secret") == 403
            assert post(port, UpdateFactory(3003).text("/start"), None) == 403
            assert post(port, UpdateFactory(3004).text("/start"), SECRET[:-1]) == 403
            assert post(port, UpdateFactory(3001).text("/start"), SECRET) == 200
            fake.wait_for(
                lambda: bool(fake.calls("sendMessage")), proc=proc, what="the reply to the accepted update"
            )
            assert stop(proc) == 0, log.read_text()
        replied = [int(c.params["chat_id"]) for c in fake.calls("sendMessage")]
    # Only the request with the right secret was processed: a graceful stop finishes every
    # update the bot took in, so a refused one that slipped through would have replied too.
    assert replied == [3001]
    assert not fake.calls("getUpdates"), "webhook mode must not poll"
    assert "webhook mode" in log.read_text()
