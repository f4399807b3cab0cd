from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.content import Content, load_content
from tests.harness import ROOT, Harness, make_settings


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
    await bot.repo.give_consent(1001)
    return bot
