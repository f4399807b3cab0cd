"""The fake Bot API's Telegram limits: 429 beyond them, never within them."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from tests.fakeapi import TOKEN, FakeBotAPI
from tests.telegram_limits import TelegramLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def send(limits: TelegramLimits, chat_id: int, method: str = "sendMessage") -> int | None:
    return limits.check(method, {"chat_id": chat_id, "text": "hi"})


def test_a_private_chat_gets_a_short_burst_then_one_a_second() -> None:
    clock = Clock()
    limits = TelegramLimits(clock)
    assert [send(limits, 1) for _ in range(4)] == [None] * 4  # a quick burst passes
    assert send(limits, 1) == 1  # the fifth in the same instant: retry after 1 s
    assert limits.refused == {"sendMessage": 1}
    assert limits.refused_by == {"private chat": 1}
    for _ in range(20):  # then one a second goes on passing
        clock.advance(1.0)
        assert send(limits, 1) is None
    clock.advance(0.5)
    assert send(limits, 1, "copyMessage") == 1
    assert limits.refused == {"sendMessage": 1, "copyMessage": 1}


def test_thirty_a_second_across_chats() -> None:
    clock = Clock()
    limits = TelegramLimits(clock)
    # 30 a second, each to another chat, for 10 seconds: within the limit.
    chat = 0
    for _ in range(300):
        chat += 1
        assert send(limits, chat) is None
        clock.advance(1 / 30)
    assert not limits.refused
    # 60 a second for 3 seconds: a burst of 30 and 30 a second pass, about 60 are refused.
    answers = []
    for _ in range(180):
        chat += 1
        answers.append(send(limits, chat))
        clock.advance(1 / 60)
    assert 50 <= sum(a is not None for a in answers) <= 70
    assert all(a in (None, 1) for a in answers)
    assert limits.refused == {"sendMessage": sum(a is not None for a in answers)}
    # 60 at the same instant after a rest: 30 pass, 30 are refused.
    clock.advance(5)
    limits.reset()
    assert sum(send(limits, chat + n) is None for n in range(1, 61)) == 30
    assert limits.refused == {"sendMessage": 30}
    assert limits.refused_by == {"overall": 30}


def test_twenty_a_minute_in_a_group() -> None:
    clock = Clock()
    limits = TelegramLimits(clock)
    assert all(send(limits, -100) is None for _ in range(20))
    retry = send(limits, -100)
    assert retry is not None and 1 <= retry <= 3
    clock.advance(3.0)  # one message's worth of the 20 a minute
    assert send(limits, -100) is None
    assert send(limits, -100) is not None
    for _ in range(20):  # sustained: one every 3 seconds passes
        clock.advance(3.0)
        assert send(limits, -100) is None
    assert send(limits, -200) is None  # another group has its own budget


def test_edits_and_tap_answers_are_not_limited() -> None:
    limits = TelegramLimits(Clock())
    for method in (
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "deleteMessage",
        "getMe",
    ):
        assert all(limits.check(method, {"chat_id": 1, "callback_query_id": "q"}) is None for _ in range(200))
    assert not limits.refused


def test_the_fake_server_answers_429_like_telegram() -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(fake: FakeBotAPI, method: str, **params: object) -> tuple[int, dict[str, object]]:
        request = urllib.request.Request(
            f"{fake.base_url}{TOKEN}/{method}", data=urllib.parse.urlencode(params).encode()
        )
        try:
            with opener.open(request, timeout=10) as response:
                return int(response.status), json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    with FakeBotAPI(limits=True) as fake:
        first = [call(fake, "sendMessage", chat_id=5, text="hi") for _ in range(6)]
        assert [status for status, _ in first[:4]] == [200] * 4
        status, body = first[-1]
        assert status == 429
        assert body["error_code"] == 429
        assert body["description"] == "Too Many Requests: retry after 1"
        assert body["parameters"] == {"retry_after": 1}
        # Edits of the message and tap answers are never refused.
        message_id = first[0][1]["result"]["message_id"]  # type: ignore[index]
        for n in range(10):
            status, _ = call(fake, "editMessageText", chat_id=5, message_id=message_id, text=f"edit {n}")
            assert status == 200
        assert fake.refused == {"sendMessage": 2}
    with FakeBotAPI() as fake:  # off unless asked for, but what passes over them is counted
        assert all(call(fake, "sendMessage", chat_id=5, text="hi")[0] == 200 for _ in range(10))
        assert not fake.refused
        assert fake.over_limits == {"sendMessage": 6}
