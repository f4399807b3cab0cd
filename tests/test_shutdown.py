"""SIGTERM and SIGINT: the bot finishes the updates it already received, then exits cleanly."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from bot.content import Content
from bot.offline import UpdateFactory
from tests.fakeapi import (
    FakeBotAPI,
    bookmarks,
    bot_env,
    bot_process,
    integrity,
    polling,
    seed_consent,
    stop,
    tap,
)
from tests.harness import make

SLOW = 0.5  # seconds every reply takes, so handlers are still mid-call when the signal lands


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_finishes_received_updates_and_closes_storage(
    tmp_path: Path, content: Content, sig: signal.Signals
) -> None:
    db = tmp_path / "bot.sqlite3"
    seed_consent(db, [1001])
    section = content.sections[0]
    part = section.parts[0]
    parents = [UpdateFactory(user_id=uid) for uid in (1001, 1002, 1003)]
    log = tmp_path / "bot.log"
    delays = {"sendMessage": SLOW, "editMessageText": SLOW, "answerCallbackQuery": SLOW}
    with FakeBotAPI(delays) as fake, bot_process(bot_env(fake, db), log) as proc:
        fake.wait_for(polling(fake), proc=proc, what="the bot to poll")
        menu = fake.call("sendMessage", {"chat_id": 1001, "text": "menu"})
        updates = [p.text("/start") for p in parents[1:]] + [
            tap(parents[0], menu, make("b", sid=section.id, part=part.id, page=0, on=True))
        ]
        before = len(fake.calls())
        fake.add_updates(*updates)
        ids = {u["update_id"] for u in updates}
        fake.wait_for(lambda: ids <= fake.delivered, proc=proc, what="the updates to arrive")

        def all_mid_call() -> bool:  # each handler has sent its first (slow) reply
            return (
                len([c for c in fake.calls()[before:] if c.method in ("sendMessage", "answerCallbackQuery")])
                >= 3
            )

        fake.wait_for(all_mid_call, proc=proc, what="the handlers to be mid-call")
        signalled = time.monotonic()
        assert stop(proc, sig) == 0, log.read_text()
        sends = fake.calls("sendMessage")
        answers = fake.calls("answerCallbackQuery")
        edits = fake.calls("editMessageText")

    # Every update received before the signal got its replies. The tap's second call (the
    # edit, sent once the slow answer came back) left the bot after the signal: its handler
    # was carried on, not cancelled.
    assert {int(c.params["chat_id"]) for c in sends} >= {1002, 1003}
    assert [a.params.get("text") for a in answers] == [content.strings("bookmarks.added")]
    assert [int(e.params["chat_id"]) for e in edits] == [1001]
    assert edits[0].at > signalled
    assert bookmarks(db) == [(1001, section.id, part.id, 0)]
    assert integrity(db) == "ok"
    text = log.read_text()
    assert "storage closed" in text
    assert "Traceback" not in text
    # A clean close checkpoints the write-ahead log back into the database file.
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
