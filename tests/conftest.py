from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import OFFLINE_TOKEN
from bot.config import Settings
from bot.content import Content, load_content
from bot.logging_setup import RedactTokenFilter
from tests.harness import ROOT, TYPED, Harness, make_settings


@pytest.fixture(autouse=True)
def no_secrets_in_logs() -> Iterator[None]:
    """Every test runs with DEBUG logging through the production filter; afterwards no
    log line may hold the token or anything a simulated parent typed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactTokenFilter(OFFLINE_TOKEN))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    TYPED.clear()
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    output = stream.getvalue()
    assert OFFLINE_TOKEN not in output
    for text in TYPED:
        if len(text) >= 8 and not text.startswith("/"):
            assert text not in output, "a typed message reached the log"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(ROOT / "content")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def bot(settings: Settings, content: Content) -> AsyncIterator[Harness]:
    async with Harness(settings, content) as harness:
        yield harness


@pytest.fixture
async def consented(bot: Harness) -> Harness:
    """A harness whose default parent (1001) has already agreed to storage."""
    await bot.storage.users.give_consent(1001)
    return bot
