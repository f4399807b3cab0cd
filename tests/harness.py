"""Drive the real Application offline: real Update objects, process_update, recorded calls."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from telegram import Update

from bot.app import build_application, limiter_for, start_app, stop_app
from bot.callbacks import CallbackData
from bot.config import Settings, load_settings
from bot.content import Content
from bot.context import BotApp, services_of
from bot.offline import OfflineBotAPI, UpdateFactory
from bot.storage import Member, Storage, Store, schema
from bot.storage.sqlite import SqliteDriver
from tests.virtual_time import VirtualTime

ROOT = Path(__file__).resolve().parent.parent
# /mydata of a parent with nothing stored (the format and schema it was written at first).
NOTHING_STORED = {"export_format": 3, "schema_version": schema.LATEST, "user_id": 1001, "stored": False}
# Every text a simulated parent typed in this test, so the log check can look for it.
TYPED: list[str] = []


def make_settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"BOT_DB_PATH": str(tmp_path / "bot.sqlite3"), **env})


class Clock:
    """The time the bot reads; real time unless a test moves it on."""

    def __init__(self, start: float | None = None):
        self.offset = 0.0
        self.fixed = start

    def __call__(self) -> float:
        return (self.fixed if self.fixed is not None else time.time()) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class Harness:
    """One running Application with the offline Bot API and a few simulated parents."""

    def __init__(
        self,
        settings: Settings,
        content: Content,
        api: OfflineBotAPI | None = None,
        overall_rate: float | None = None,
        clock: Clock | None = None,
        language: str = "en",
        limiter_time: VirtualTime | None = None,
    ):
        """`overall_rate`: the production rate limiter at that rate (None: no limiter);
        `limiter_time`: that limiter's clock and sleep, virtual (tests/virtual_time.py)."""
        self.settings = settings
        self.language = language  # the language the simulated parents' Telegram app is in
        self.api = api or OfflineBotAPI()
        self.clock = clock or Clock()
        self._content = content
        limiter = None
        if limiter_time is not None:
            assert overall_rate is not None, "a limiter on virtual time needs its rate"
            limiter = limiter_for(
                overall_rate, settings.replicas, clock=limiter_time, sleep=limiter_time.sleep
            )
        self.app: BotApp = build_application(
            settings,
            request=self.api,
            content=content,
            overall_rate=overall_rate,
            clock=self.clock,
            rate_limiter=limiter,
        )
        self.users: dict[int, UpdateFactory] = {}

    @property
    def content(self) -> Content:
        """What the simulated parents read: the content of their app's language."""
        return services_of(self.app).contents.get(self.language, self._content)

    @property
    def storage(self) -> Storage:
        return services_of(self.app).storage

    async def __aenter__(self) -> Harness:
        """Start the bot as run_polling does, and wait until the jobs it runs at start-up
        (handlers.common.at_start_and_every: reminders due while it was down) have finished,
        so a test's own run of a job never races them on a loaded machine."""
        queue = self.app.job_queue
        assert queue is not None
        pending = {job.job.id for job in queue.jobs() if (job.name or "").endswith(":at-start")}
        finished = asyncio.Event()

        def done(event: JobExecutionEvent) -> None:
            pending.discard(event.job_id)
            if not pending:
                finished.set()

        queue.scheduler.add_listener(done, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        await start_app(self.app)
        if pending:
            await asyncio.wait_for(finished.wait(), timeout=60)
        queue.scheduler.remove_listener(done)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await stop_app(self.app)

    def user(self, user_id: int = 1001) -> UpdateFactory:
        if user_id not in self.users:
            self.users[user_id] = UpdateFactory(
                user_id=user_id, first_name=f"P{user_id}", language=self.language
            )
        return self.users[user_id]

    async def feed(self, raw: dict[str, Any]) -> None:
        self.api.received(raw)
        await self.app.process_update(Update.de_json(raw, self.app.bot))

    async def process(self, raw: dict[str, Any]) -> None:
        """Like `feed`, but through the Application's update processor, as PTB's update
        fetcher does (per-chat order, the concurrency limit and its slots)."""
        update = Update.de_json(raw, self.app.bot)
        await self.app.update_processor.process_update(update, self.app.process_update(update))

    async def send(self, text: str, user_id: int = 1001) -> None:
        TYPED.append(text)
        await self.feed(self.user(user_id).text(text))

    # ---- what the parent sees ---------------------------------------------------------
    def last_message(self, user_id: int = 1001) -> dict[str, Any]:
        """The chat's message that was sent or edited most recently."""
        chat = [
            c
            for c in self.api.calls
            if c.method in ("sendMessage", "editMessageText", "editMessageReplyMarkup")
            and int(c.params["chat_id"]) == user_id
        ]
        assert chat, f"no message for {user_id}; calls: {self.api.methods()}"
        call = chat[-1]
        if "message_id" in call.params:
            return self.api.message(user_id, int(call.params["message_id"]))
        return self.api.chat_messages(user_id)[-1]

    def html(self, user_id: int = 1001) -> str:
        """The HTML the bot sent or edited last in this chat, exactly as sent."""
        chat = [
            c
            for c in self.api.calls
            if c.method in ("sendMessage", "editMessageText") and int(c.params["chat_id"]) == user_id
        ]
        assert chat, f"no message for {user_id}"
        return str(chat[-1].params["text"])

    def answer(self, user_id: int = 1001) -> str:
        """The HTML of the bot's answer to what was sent last: as `html`, except that a plain
        temperature or a photo is answered and then offered to the log (📝 Log) in a message
        of its own, and the answer is the one before that offer."""
        s = self.content.strings
        chat = [
            str(c.params["text"])
            for c in self.api.calls
            if c.method in ("sendMessage", "editMessageText") and int(c.params["chat_id"]) == user_id
        ]
        assert chat, f"no message for {user_id}"
        offers = (s("log.looks_like", temp="")[:12], s("log.photo_offer"))
        return chat[-2] if len(chat) > 1 and chat[-1].startswith(offers) else chat[-1]

    def searched(self, user_id: int = 1001) -> bool:
        """The last reply treated typed text as text outside any prompt: a search (with
        results, the honest no-match, or the greeting)."""
        s = self.content.strings
        sent = self.html(user_id)
        return any(s(key) in sent for key in ("search.results", "search.nothing", "search.greeting"))

    def text(self, user_id: int = 1001) -> str:
        return str(self.last_message(user_id).get("text", ""))

    def buttons(self, user_id: int = 1001) -> list[tuple[str, str]]:
        rows = (self.last_message(user_id).get("reply_markup") or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def button(self, label: str, user_id: int = 1001) -> str:
        """callback_data of the first button whose label contains `label`."""
        for text, data in self.buttons(user_id):
            if label in text:
                return data
        raise AssertionError(f"no button {label!r}; buttons: {self.buttons(user_id)}")

    async def tap_data(self, data: str, user_id: int = 1001, message: dict[str, Any] | None = None) -> None:
        message = message or self.last_message(user_id)
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        await self.feed(self.user(user_id).tap(public, data))

    async def tap(self, label: str, user_id: int = 1001) -> None:
        await self.tap_data(self.button(label, user_id), user_id)

    def answers(self) -> list[dict[str, Any]]:
        return [c.params for c in self.api.of("answerCallbackQuery")]


def _button_types() -> dict[str, type[CallbackData]]:
    import handlers  # noqa: F401  (every feature's button types are declared on import)

    found: dict[str, type[CallbackData]] = {}
    stack = list(CallbackData.__subclasses__())
    while stack:
        cls = stack.pop()
        found[cls.prefix] = cls
        stack.extend(cls.__subclasses__())
    return found


def make(prefix: str, **fields: Any) -> str:
    """Button data as the bot packs it, by prefix and field names (tests read like the wire)."""
    return _button_types()[prefix](**fields).pack()


def sqlite_of(bot: Harness) -> SqliteDriver:
    """The SQLite driver behind the bot's storage (for checks of the file itself)."""
    storage = bot.storage
    assert isinstance(storage, Store) and isinstance(storage.driver, SqliteDriver)
    return storage.driver


async def stored_anywhere(bot: Harness, marker: str) -> bool:
    """Whether `marker` can still be found in what the bot stored: in the SQLite file's bytes
    (the write-ahead log included), or in any row of any PostgreSQL table read as text
    (deleted rows are not readable back by any query)."""
    storage = bot.storage
    assert isinstance(storage, Store)
    if isinstance(storage.driver, SqliteDriver):
        path = storage.driver.path
        wal = path.with_name(path.name + "-wal")
        data = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        return marker.encode() in data
    from bot.storage.postgres import PostgresDriver

    assert isinstance(storage.driver, PostgresDriver)
    pool = storage.driver.pool
    tables = [
        r["tablename"]
        for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
    for table in tables:
        found = await pool.fetchval(f'SELECT COUNT(*) FROM "{table}" t WHERE t::text LIKE $1', f"%{marker}%")
        if found:
            return True
    return False


def button_prefixes() -> list[str]:
    """Every prefix a feature declared (the fuzz test builds data from these)."""
    return sorted(_button_types())


def parse(data: str) -> Any:
    """The button object behind some data, or None: what the bot's own handlers would see."""
    for cls in _button_types().values():
        parsed = cls.unpack(data)
        if parsed is not None:
            return parsed
    return None


async def first_phone(bot: Harness, user_id: int = 1001) -> str | None:
    """The first care-team number the parent saved (release 0.1 kept only one)."""
    contacts = await bot.storage.contacts.list(user_id)
    return contacts[0].phone if contacts else None


def who(user_id: int) -> Member:
    """A parent as the member of their circle of one (after consent its id is their user id,
    as every circle from before families is)."""
    return Member(user=user_id, circle=user_id)


async def save_phone(bot: Harness, user_id: int, phone: str, label: str = "") -> int:
    """A care-team number put straight into storage (the parent must have agreed)."""
    return await bot.storage.contacts.add(who(user_id), label, phone, limit=5)


LANGUAGES = ("en", "es")  # modules that run their flows in every language use this
BACKENDS = ("sqlite", "postgres")  # modules that run on every storage backend use this
