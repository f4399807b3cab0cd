"""bot.http.AiohttpRequest against the fake Bot API server: calls, files, errors, timeouts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.http import AiohttpRequest
from bot.offline import ApiError
from tests.fakeapi import TOKEN, FakeBotAPI, free_port


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


def make_bot(base_url: str, request: AiohttpRequest) -> Bot:
    return Bot(TOKEN, base_url=base_url, request=request, get_updates_request=AiohttpRequest())


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with make_bot(fake.base_url, AiohttpRequest()) as client:
        yield client


async def test_calls_arrive_as_telegram_would_get_them(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Next ▶", callback_data="s:intro::1")]])
    sent = await bot.send_message(42, "<b>Hello</b> &amp; welcome", parse_mode="HTML", reply_markup=markup)
    assert sent.reply_markup == markup
    params = fake.calls("sendMessage")[0].params
    assert (params["chat_id"], params["text"], params["parse_mode"]) == (
        "42",
        "<b>Hello</b> &amp; welcome",
        "HTML",
    )
    assert json.loads(params["reply_markup"]) == markup.to_dict()
    edited = await bot.edit_message_text("Page 2 – ünïcode ✓", 42, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.text == "Page 2 – ünïcode ✓"
    assert await bot.answer_callback_query("query-1", text="Bookmarked.")
    assert [c.method for c in fake.calls()] == [
        "getMe",
        "getMe",
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
    ]
    assert fake.calls("answerCallbackQuery")[0].params["text"] == "Bookmarked."


# aiohttp's own multipart reader (the fake server's side) sometimes calls its deprecated
# unread_data(), depending on where the chunks split.
@pytest.mark.filterwarnings("ignore:unread_data:DeprecationWarning")
async def test_files_go_as_multipart(fake: FakeBotAPI, bot: Bot) -> None:
    payload = bytes(range(256)) * 64
    message = await bot.send_document(7, payload, filename="questions.pdf", caption="Your list")
    assert message.document is not None and message.document.file_name == "questions.pdf"
    [sent] = fake.api.files
    assert (sent.chat_id, sent.filename, sent.data, sent.caption) == (
        7,
        "questions.pdf",
        payload,
        "Your list",
    )


# PTB's own RetryAfter constructor reads its deprecated int `retry_after`; not our code.
@pytest.mark.filterwarnings("ignore:.*retry_after.*")
async def test_telegram_errors_map_to_ptb_exceptions(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 42, 999)
    fake.api.fault = lambda method, params: ApiError(
        429, "Too Many Requests: retry after 3", {"retry_after": 3}
    )
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(42, "hi")
    assert "Retry in 3 seconds" in str(caught.value)
    fake.api.fault = lambda method, params: ApiError(502, "Bad Gateway")
    with pytest.raises(NetworkError):
        await bot.send_message(42, "hi")


async def test_a_slow_answer_times_out(fake: FakeBotAPI) -> None:
    fake.delays["sendMessage"] = 1.0
    async with make_bot(fake.base_url, AiohttpRequest(read_timeout=0.2)) as client:
        with pytest.raises(TimedOut):
            await client.send_message(42, "hi")


async def test_pool_timeout_means_not_sent(fake: FakeBotAPI) -> None:
    fake.delays["sendMessage"] = 0.6
    async with make_bot(fake.base_url, AiohttpRequest(pool_size=1, pool_timeout=0.1)) as client:
        first = asyncio.ensure_future(client.send_message(42, "first"))
        while not fake.calls("sendMessage"):  # the first holds the only connection now
            await asyncio.sleep(0.005)
        with pytest.raises(TimedOut, match="not sent"):
            await client.send_message(42, "second")
        await first
    assert [c.params["text"] for c in fake.calls("sendMessage")] == ["first"]


async def test_no_server_is_a_network_error() -> None:
    with pytest.raises(NetworkError, match="aiohttp"):
        async with make_bot(f"http://127.0.0.1:{free_port()}/bot", AiohttpRequest(connect_timeout=1)):
            pass
