"""Rate limits and network faults on ~10% of API calls: nothing saved is lost or doubled.

The rate limiter is the production one on virtual time (tests/virtual_time.py): its waits
(retry_after, the chat's pace) are real waits on a clock the test moves on, not seconds."""

from __future__ import annotations

import logging
import random
import re
from collections import Counter
from typing import Any

import pytest
from telegram.error import TimedOut

from bot.config import Settings
from bot.content import Content
from bot.offline import ApiError, LostReply
from tests.harness import Harness, make, parse
from tests.virtual_time import VirtualBotAPI, VirtualTime

pytestmark = pytest.mark.every_backend
PARENT = 1001
FAULT_RATE = 0.10
MAX_RATE_LIMITS = 3  # each one is waited out (retry_after) by the rate limiter
# What the error handler logs first for a failed update (handlers.core.handle_error).
_FIRST_LOG = re.compile(r"^update (\d+): (?!could not tell)")


class Faults:
    """Fails ~10% of the calls that reach Telegram: 429 with retry_after, 500, 502, a timeout
    before sending, and a timeout after Telegram applied the call (the answer lost)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.injected: Counter[str] = Counter()

    def __call__(self, method: str, params: dict[str, Any]) -> ApiError | BaseException | LostReply | None:
        if self.rng.random() >= FAULT_RATE:
            return None
        kinds = ["500", "502", "timeout", "lost"]
        if self.injected["429"] < MAX_RATE_LIMITS:
            kinds.append("429")
        # The first fault is a rate limit, so every run goes through the limiter's retry.
        kind = "429" if not self.injected else self.rng.choice(kinds)
        self.injected[kind] += 1
        if kind == "429":
            return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if kind == "500":
            return ApiError(500, "Internal Server Error")
        if kind == "502":
            return ApiError(502, "Bad Gateway")
        if kind == "timeout":
            return TimedOut()
        return LostReply(TimedOut())


def script(content: Content, seed: int) -> list[str]:
    """A parent's session: bookmarks on many pages (some taken off again), checklist ticks
    and unticks, guide questions saved and unsaved, with repeated taps mixed in."""
    rng = random.Random(seed)
    pages = [
        (sec.id, part.id, page)
        for sec in content.sections
        for part in sec.parts
        for page in range(len(part.pages))
    ]
    items = [item.id for item in content.checklist.items]
    questions = [q.id for group in content.question_groups for q in group.questions]
    taps: list[str] = []
    for sid, part, page in rng.sample(pages, min(20, len(pages))):
        taps.append(make("b", sid=sid, part=part, page=page, on=True))
        if rng.random() < 0.3:
            taps.append(make("b", sid=sid, part=part, page=page, on=rng.random() < 0.5))
    for _ in range(15):
        taps.append(make("kt", item=rng.choice(items), on=rng.random() < 0.7))
    for _ in range(15):
        taps.append(make("qs", item=rng.choice(questions), on=rng.random() < 0.75))
    rng.shuffle(taps)
    return taps


def intended(taps: list[str]) -> tuple[set[tuple[str, str, int]], set[str], set[str]]:
    """What storage must hold afterwards: the last state the parent asked for, per thing."""
    marks: dict[tuple[str, str, int], bool] = {}
    ticks: dict[str, bool] = {}
    saved: dict[str, bool] = {}
    for data in taps:
        cb = parse(data)
        assert cb is not None
        if cb.prefix == "b":
            marks[(cb.sid, cb.part, cb.page)] = cb.on
        elif cb.prefix == "kt":
            ticks[cb.item] = cb.on
        else:
            saved[cb.item] = cb.on
    return (
        {k for k, on in marks.items() if on},
        {k for k, on in ticks.items() if on},
        {k for k, on in saved.items() if on},
    )


# PTB's own RetryAfter constructor reads its deprecated int `retry_after`; not our code.
@pytest.mark.filterwarnings("ignore:.*retry_after.*")
@pytest.mark.parametrize("seed", [11, 29])
async def test_faulty_network_loses_and_doubles_nothing(
    settings: Settings, content: Content, caplog: pytest.LogCaptureFixture, seed: int
) -> None:
    caplog.set_level(logging.INFO)
    faults = Faults(seed)
    t = VirtualTime()
    # The production rate limiter (with its retries on RetryAfter), not the test default.
    async with Harness(settings, content, VirtualBotAPI(t), overall_rate=30, limiter_time=t) as bot:
        await bot.storage.users.give_consent(PARENT)
        await t.run(bot.send("/start", PARENT))
        menu = bot.api.chat_messages(PARENT)[0]
        public = {k: v for k, v in menu.items() if not k.startswith("_")}
        taps = script(content, seed)
        tapped = [bot.user(PARENT).tap(public, data) for data in taps]
        bot.api.fault = faults
        started = t.now
        for update in tapped:
            await t.run(bot.feed(update))
        bot.api.fault = None
        # Every 429 was waited out on the limiter's clock: retry_after (1 s) and its margin.
        assert t.now - started >= faults.injected["429"] * 1.1

        # Storage holds exactly what the parent asked for, each thing once.
        want_marks, want_ticks, want_saved = intended(taps)
        stored = [(b.section_id, b.part_id, b.page) for b in await bot.storage.bookmarks.list(PARENT)]
        assert len(stored) == len(set(stored))
        assert set(stored) == want_marks
        assert set(await bot.storage.marks.all(PARENT)) == want_ticks
        questions = await bot.storage.questions.list(PARENT)
        guide_ids = [q.guide_id for q in questions]
        assert len(guide_ids) == len(set(guide_ids))
        assert set(guide_ids) == want_saved == await bot.storage.questions.saved_guide_ids(PARENT)

        # Every tap was answered, or its failure logged exactly once.
        first_logs = Counter(
            int(m.group(1))
            for r in caplog.records
            if r.name == "handlers.core"
            and r.levelno >= logging.WARNING
            and (m := _FIRST_LOG.match(r.getMessage()))
        )
        assert all(n == 1 for n in first_logs.values()), first_logs
        for update in tapped:
            query_id = update["callback_query"]["id"]
            assert query_id in bot.api.answered or first_logs[update["update_id"]] == 1, update

        # The next tap shows the true state, whatever the failed edits left on screen.
        touched = {
            (cb.sid, cb.part, cb.page) for d in taps if (cb := parse(d)) is not None and cb.prefix == "b"
        }
        for sid, part, page in sorted(touched):
            await t.run(bot.tap_data(make("r", sid=sid, part=part, page=page), PARENT, message=menu))
            shown = [parse(d) for _, d in bot.buttons(PARENT) if d.startswith("b:")]
            assert [cb.on for cb in shown if cb] == [(sid, part, page) not in want_marks]
        await t.run(bot.tap_data(make("k"), PARENT, message=menu))
        offered = {
            cb.item: cb.on
            for _, d in bot.buttons(PARENT)
            if (cb := parse(d)) is not None and cb.prefix == "kt"
        }
        assert {item for item, on in offered.items() if not on} == want_ticks
        for group in content.question_groups:
            await t.run(bot.tap_data(make("qg", group=group.id), PARENT, message=menu))
            offered = {
                cb.item: cb.on
                for _, d in bot.buttons(PARENT)
                if (cb := parse(d)) is not None and cb.prefix == "qs"
            }
            assert {q for q, on in offered.items() if not on} == {q.id for q in group.questions} & want_saved

    # The session really went through trouble of every kind.
    assert sum(faults.injected.values()) >= 8
    assert set(faults.injected) == {"429", "500", "502", "timeout", "lost"}, faults.injected
