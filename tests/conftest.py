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
from tests.harness import BACKENDS, LANGUAGES, ROOT, TYPED, Harness, make_settings
from tests.pgserver import PostgresServer


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
    (through `bot`, `content`...) once per language; modules marked every_backend run each
    test that reaches storage (through `settings`, `bot`, `store`) once on SQLite and once
    on PostgreSQL, except tests marked sqlite_only (they read the SQLite file itself)."""
    marker = metafunc.definition.get_closest_marker
    languages = marker("every_language") and "language" in metafunc.fixturenames
    backends = marker("every_backend") and not marker("sqlite_only") and "backend" in metafunc.fixturenames
    if languages and backends:
        # Every language on SQLite, and the flows once more on PostgreSQL (in English): the
        # language and the backend are independent, so not every pair is needed.
        pairs = [(language, BACKENDS[0]) for language in LANGUAGES]
        pairs += [(LANGUAGES[0], backend) for backend in BACKENDS[1:]]
        metafunc.parametrize(("language", "backend"), pairs, indirect=True)
    elif languages:
        metafunc.parametrize("language", LANGUAGES, indirect=True)
    elif backends:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole run (a temp dir, a free port); each test
    that uses it gets a database of its own (`database_url`)."""
    with PostgresServer(ahead=True) as server:
        yield server


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend under test: SQLite unless the module runs on every backend."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A fresh PostgreSQL database when the backend is PostgreSQL, else None; dropped after
    the test."""
    if backend != "postgres":
        yield None
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


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
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    if database_url:
        return make_settings(tmp_path, DATABASE_URL=database_url)
    return make_settings(tmp_path)


@pytest.fixture
async def bot(settings: Settings, catalog: dict[str, Content], language: str) -> AsyncIterator[Harness]:
    async with Harness(settings, catalog["en"], language=language) as harness:
        yield harness


@pytest.fixture
async def consented(bot: Harness) -> Harness:
    """A harness whose default parent (1001) has already agreed to storage."""
    await bot.storage.users.give_consent(1001)
    return bot
