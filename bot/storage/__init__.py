"""Storage by aggregate: `Storage` owns the connection, transactions and migrations and
hands out one repository per aggregate (users and consent, care-team numbers, bookmarks,
checklist marks, questions, prompts). The protocols and records are in `bot.storage.interface`; SQL lives
only in the backend modules: `bot.storage.sqlite` (the default, one file) and
`bot.storage.postgres` (DATABASE_URL; several bot processes), chosen in `open_storage`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.storage.interface import (
    Appointment,
    Appointments,
    Bookmark,
    Bookmarks,
    Contact,
    Contacts,
    LimitReached,
    Marks,
    NoConsent,
    Prompt,
    Prompts,
    Questions,
    SavedQuestion,
    Storage,
    StorageUnavailable,
    Users,
)

__all__ = ["Appointment", "Appointments", "Bookmark", "Bookmarks", "Contact", "Contacts",
           "LimitReached", "Marks",
           "NoConsent", "Prompt", "Prompts", "Questions", "SavedQuestion", "Storage",
           "StorageUnavailable", "Users",
           "open_storage"]


def open_storage(path: Path | str, clock: Callable[[], float],
                 url: str | None = None) -> Storage:
    """PostgreSQL when a `url` (DATABASE_URL) is given, else the SQLite file at `path`;
    open() it before use."""
    if url:
        from bot.storage.postgres import PostgresStorage

        return PostgresStorage(url, clock)
    from bot.storage.sqlite import SqliteStorage

    return SqliteStorage(path, clock)
