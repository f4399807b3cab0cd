"""Property-based fuzzing through the real Application: no input may crash it.

Random callback data (up to 64 bytes), random texts (any Unicode, up to 4096 characters)
and random update types from three users. Every case must end with no unhandled error
(the error handler logs those at ERROR) and every callback query answered.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import Harness, button_prefixes, make_settings

CASES = int(os.environ.get("FUZZ_CASES", "2000"))
USERS = (1001, 1002, 1003)


class ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, catalog: Any
) -> Iterator[tuple[asyncio.AbstractEventLoop, Harness, ErrorCounter]]:
    loop = asyncio.new_event_loop()
    harness = Harness(make_settings(tmp_path_factory.mktemp("fuzz")), catalog["en"])
    counter = ErrorCounter()
    logging.getLogger().addHandler(counter)
    loop.run_until_complete(harness.__aenter__())
    loop.run_until_complete(harness.storage.users.give_consent(1001))
    loop.run_until_complete(harness.storage.users.give_consent(1002))
    for uid in USERS:
        loop.run_until_complete(harness.send("/start", uid))
    yield loop, harness, counter
    loop.run_until_complete(harness.__aexit__())
    loop.close()
    logging.getLogger().removeHandler(counter)


unicode_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=0, max_size=4096)
field = st.one_of(
    st.text("abcdefghijklmnopqrstuvwxyz_0123456789", max_size=26),
    st.integers(-5, 10**12).map(str),
    st.sampled_from(["", "0", "1", ":", ".."]),
)
shaped_data = st.builds(
    lambda kind, fields: ":".join([kind, *fields]),
    st.sampled_from(button_prefixes()),
    st.lists(field, max_size=5),
)
random_data = (
    st.binary(max_size=64).map(lambda b: b.decode("utf-8", "ignore")).filter(lambda s: len(s.encode()) <= 64)
)
callback_data = st.one_of(shaped_data, random_data).filter(lambda s: 1 <= len(s.encode()) <= 64)
kinds = st.sampled_from(
    [
        "text",
        "command",
        "tap",
        "tap_old",
        "edited",
        "sticker",
        "photo",
        "document",
        "group",
        "channel",
        "inline",
        "no_text",
    ]
)


def build(harness: Harness, kind: str, uid: int, text: str, data: str) -> dict[str, Any]:
    user = harness.user(uid)
    if kind == "text":
        return user.text(text or "x")
    if kind == "command":
        return user.text("/" + (text[:40] or "start"))
    if kind in ("tap", "tap_old"):
        messages = harness.api.chat_messages(uid)
        if kind == "tap" and messages:
            message = {k: v for k, v in messages[-1].items() if not k.startswith("_")}
        else:  # a message the bot can no longer edit
            message = {"message_id": 999_999, "date": 0, "chat": user.chat, "from": user.user, "text": "old"}
        return user.tap(message, data)
    raw = user.text(text or "x")
    message = raw["message"]
    if kind == "edited":
        return {"update_id": raw["update_id"], "edited_message": {**message, "edit_date": 1}}
    if kind in ("sticker", "photo", "document", "no_text"):
        message.pop("text")
        message.pop("entities", None)
        if kind == "sticker":
            message["sticker"] = {
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        elif kind == "photo":
            message["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
        elif kind == "document":
            message["document"] = {"file_id": "d", "file_unique_id": "d"}
        return raw
    if kind == "group":
        message["chat"] = {"id": -100123, "type": "supergroup", "title": "Family"}
        return raw
    if kind == "channel":
        message["chat"] = {"id": -100999, "type": "channel", "title": "News"}
        message.pop("from")
        return {"update_id": raw["update_id"], "channel_post": message}
    return {
        "update_id": raw["update_id"],
        "inline_query": {"id": "iq", "from": user.user, "query": text[:256], "offset": ""},
    }


def test_no_input_crashes_the_bot(running: tuple[asyncio.AbstractEventLoop, Harness, ErrorCounter]) -> None:
    """One test: the cases, then the check that enough of them ran (no test relies on
    another having run first)."""
    loop, harness, counter = running
    cases = 0

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(kind=kinds, uid=st.sampled_from(USERS), text=unicode_text, data=callback_data)
    def one_case(kind: str, uid: int, text: str, data: str) -> None:
        nonlocal cases
        raw = build(harness, kind, uid, text, data)
        before = counter.count
        loop.run_until_complete(harness.feed(raw))
        cases += 1
        assert counter.count == before, f"unhandled error for a {kind} update"
        if "callback_query" in raw:
            assert raw["callback_query"]["id"] in harness.api.answered

    one_case()
    print(f"fuzz: {cases} cases, {counter.count} unhandled errors")
    assert cases >= min(CASES, 2000) * 0.95
    assert counter.count == 0
