"""Settings read once from the environment into one frozen object."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# BotFather tokens look like "123456789:AA..." (numeric bot id, colon, 30+ url-safe chars).
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
DEFAULT_DB = Path("data") / "bot.sqlite3"
DEFAULT_CONTENT = Path(__file__).resolve().parent.parent / "content"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    api_base_url: str
    api_base_file_url: str
    db_path: Path
    content_dir: Path
    log_level: str
    concurrency: int
    webhook_url: str | None
    webhook_secret: str | None
    webhook_listen: str
    webhook_port: int
    # PostgreSQL instead of the SQLite file (several replicas); never logged (a password).
    database_url: str | None = None
    # Long polling: where /healthz and /metrics are served (webhook mode: on its server).
    metrics_port: int | None = None
    # How many bot processes share the one bot token: Telegram's limits are per bot, so
    # each replica keeps to its share of the overall and group rates.
    replicas: int = 1
    # Webhook mode: an update still running after this many seconds is answered (and recorded
    # as handled) and goes on in its chat's turn; Telegram gives up on a request after ~60 s.
    webhook_answer_within: int = 10
    # New messages a second across chats (bot.ceiling): high, since Telegram documents 30 a
    # second only for bulk notifications; lowered by itself while 429s come from many chats.
    new_messages_per_second: int = 500
    # How long a prompt waits for typed text, and how long a removed question can be undone.
    # A hospital's own folder (bot.site): its numbers, fever rule and lines; None: none.
    site_dir: Path | None = None
    prompt_seconds: int = 30 * 60
    undo_seconds: int = 15 * 60

    def __repr__(self) -> str:  # the token must never reach a log through repr()
        database = "postgresql" if self.database_url else str(self.db_path)
        return f"Settings(database={database}, token={'set' if self.token else 'unset'})"

    @property
    def offline(self) -> bool:
        return self.token is None


def _check_db_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.parent / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(str(path))
    except OSError as exc:
        raise ConfigError(
            f"BOT_DB_PATH: cannot write the database at {path} ({exc.__class__.__name__})"
        ) from None
    return path


def check_database_url(url: str) -> str:
    """The URL if it names PostgreSQL and a host; ConfigError saying what is wrong (never
    repeating the URL, which may hold a password)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ConfigError("DATABASE_URL: malformed (expected postgresql://user@host:port/db)") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError("DATABASE_URL: must start with postgresql://")
    if not parts.hostname and "host=" not in parts.query:
        raise ConfigError("DATABASE_URL: names no host (postgresql://user@host:port/db)")
    return url


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name}: must be a whole number from {low} to {high}")
    return int(raw)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise ConfigError naming the first bad one."""
    env = os.environ if env is None else env
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and not _TOKEN.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN: malformed (expected digits, a colon, then the secret part from BotFather)"
        )
    base = env.get("TELEGRAM_API_BASE_URL", "").strip() or "https://api.telegram.org/bot"
    file_base = env.get("TELEGRAM_API_BASE_FILE_URL", "").strip() or "https://api.telegram.org/file/bot"
    for name, value in (("TELEGRAM_API_BASE_URL", base), ("TELEGRAM_API_BASE_FILE_URL", file_base)):
        if not value.startswith(("http://", "https://")):
            raise ConfigError(f"{name}: must start with http:// or https://")
    level = (env.get("LOG_LEVEL", "").strip() or "INFO").upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: unknown level {level!r}; use one of {', '.join(_LOG_LEVELS)}")
    content_dir = Path(env.get("BOT_CONTENT_DIR", "").strip() or DEFAULT_CONTENT)
    if not content_dir.is_dir():
        raise ConfigError(f"BOT_CONTENT_DIR: no folder at {content_dir}")
    site_dir = Path(env["SITE_DIR"].strip()) if env.get("SITE_DIR", "").strip() else None
    if site_dir is not None and not site_dir.is_dir():
        raise ConfigError(f"SITE_DIR: no folder at {site_dir}")
    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    webhook_secret = env.get("WEBHOOK_SECRET", "").strip() or None
    if webhook_url is not None:
        if not webhook_url.startswith("https://") and not webhook_url.startswith("http://"):
            raise ConfigError("WEBHOOK_URL: must start with https://")
        if webhook_secret is None or not _SECRET.match(webhook_secret):
            raise ConfigError(
                "WEBHOOK_SECRET: required with WEBHOOK_URL, 1-256 characters of A-Z a-z 0-9 _ -"
            )
    return Settings(
        token=token,
        api_base_url=base,
        api_base_file_url=file_base,
        db_path=_check_db_path(env.get("BOT_DB_PATH", "").strip() or str(DEFAULT_DB)),
        content_dir=content_dir,
        log_level=level,
        concurrency=_int(env, "BOT_CONCURRENCY", 256, 1, 1024),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
        webhook_port=_int(env, "WEBHOOK_PORT", 8443, 1, 65535),
        metrics_port=_int(env, "METRICS_PORT", 0, 1, 65535) or None,
        replicas=_int(env, "BOT_REPLICAS", 1, 1, 64),
        webhook_answer_within=_int(env, "WEBHOOK_ANSWER_WITHIN", 10, 1, 50),
        new_messages_per_second=_int(env, "NEW_MESSAGES_PER_SECOND", 500, 30, 10_000),
        site_dir=site_dir,
        database_url=(
            check_database_url(env["DATABASE_URL"].strip()) if env.get("DATABASE_URL", "").strip() else None
        ),
    )
