"""Storage by aggregate: `Storage` owns the connection, transactions and migrations and
hands out one repository per aggregate (users and consent, care-team numbers, bookmarks,
checklist marks, questions, prompts). The protocols and records are in `bot.storage.interface`; SQL lives
only in the backend modules (today `bot.storage.sqlite`). A second backend is a second
module implementing the same protocols, chosen in `open_storage`.
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
    Users,
)

__all__ = ["Appointment", "Appointments", "Bookmark", "Bookmarks", "Contact", "Contacts",
           "LimitReached", "Marks",
           "NoConsent", "Prompt", "Prompts", "Questions", "SavedQuestion", "Storage", "Users",
           "open_storage"]


def open_storage(path: Path | str, clock: Callable[[], float]) -> Storage:
    """The backend for a database path (SQLite today); open() it before use."""
    from bot.storage.sqlite import SqliteStorage

    return SqliteStorage(path, clock)
