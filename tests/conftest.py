from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import OFFLINE_TOKEN, reserved_commands
from bot.config import Settings
from bot.content import Content, load_catalog
from bot.logging_setup import RedactTokenFilter
from tests.harness import LANGUAGES, ROOT, TYPED, Harness, make_settings


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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules marked every_language run each test that reaches the parent's language
    (through `bot`, `content`...) once per language."""
    if metafunc.definition.get_closest_marker("every_language") and \
            "language" in metafunc.fixturenames:
        metafunc.parametrize("language", LANGUAGES, indirect=True)


@pytest.fixture(scope="session")
def catalog() -> dict[str, Content]:
    return load_catalog(ROOT / "content", reserved_commands())


@pytest.fixture
def language(request: pytest.FixtureRequest) -> str:
    """The parent's language: English, unless a module runs its flows in every language
    (`pytestmark = pytest.mark.every_language`)."""
    return str(getattr(request, "param", "en"))


@pytest.fixture
def content(catalog: dict[str, Content], language: str) -> Content:
    """The content the default parent reads (in their language)."""
    return catalog[language]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def bot(settings: Settings, catalog: dict[str, Content],
              language: str) -> AsyncIterator[Harness]:
    async with Harness(settings, catalog["en"], language=language) as harness:
        yield harness


@pytest.fixture
async def consented(bot: Harness) -> Harness:
    """A harness whose default parent (1001) has already agreed to storage."""
    await bot.storage.users.give_consent(1001)
    return bot
