"""Crash safety: SIGKILL in the middle of a burst of saves loses nothing the bot confirmed."""

from __future__ import annotations

import signal
from pathlib import Path

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

PARENTS = (2001, 2002, 2003, 2004)
KILL_AFTER = 25  # confirmed saves before the kill; the burst is several times larger


def test_sigkill_mid_burst_keeps_every_confirmed_save(tmp_path: Path, content: Content) -> None:
    db = tmp_path / "bot.sqlite3"
    seed_consent(db, list(PARENTS))
    pages = [
        (sec.id, part.id, page)
        for sec in content.sections
        for part in sec.parts
        for page in range(len(part.pages))
    ]
    added = content.strings("bookmarks.added")
    log = tmp_path / "bot.log"
    with FakeBotAPI() as fake:
        taps: dict[str, tuple[int, str, str, int]] = {}
        burst = []
        for uid in PARENTS:
            parent = UpdateFactory(user_id=uid)
            menu = fake.call("sendMessage", {"chat_id": uid, "text": "menu"})
            for sid, part, page in pages:
                update = tap(parent, menu, make("b", sid=sid, part=part, page=page, on=True))
                taps[update["callback_query"]["id"]] = (uid, sid, part, page)
                burst.append(update)
        assert len(burst) >= 4 * KILL_AFTER

        def confirmed() -> set[tuple[int, str, str, int]]:
            return {
                taps[str(c.params["callback_query_id"])]
                for c in fake.calls("answerCallbackQuery")
                if c.params.get("text") == added
            }

        with bot_process(bot_env(fake, db), log) as proc:
            fake.wait_for(polling(fake), proc=proc, what="the bot to poll")
            fake.add_updates(*burst)
            fake.wait_for(lambda: len(confirmed()) >= KILL_AFTER, proc=proc, what="the first confirmed saves")
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=10) == -signal.SIGKILL
        promised = confirmed()
        print(f"burst {len(burst)}, confirmed before the kill {len(promised)}")
        assert KILL_AFTER <= len(promised) < len(burst), "the kill did not land mid-burst"

        # Restart on the same database: it opens cleanly and takes the updates it had not
        # confirmed to the fake Telegram yet.
        polls = len(fake.calls("getUpdates"))
        with bot_process(bot_env(fake, db), log) as proc:
            fake.wait_for(polling(fake, polls), proc=proc, what="the restarted bot to poll")
            fake.wait_for(lambda: not fake.pending, proc=proc, what="the rest of the burst")
            assert stop(proc) == 0, log.read_text()
        promised_later = confirmed()

    assert integrity(db) == "ok"
    stored = bookmarks(db)
    assert len(stored) == len(set(stored)), "a bookmark was stored twice"
    missing = promised_later - set(stored)
    assert not missing, f"confirmed to the parent but not stored: {sorted(missing)[:5]}"
    assert promised <= set(stored)
    # Every stored bookmark is one a parent tapped (nothing invented or misattributed).
    assert set(stored) <= set(taps.values())
