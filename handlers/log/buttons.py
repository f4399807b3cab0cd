"""Every button of 📝 Log, and the names of its prompts. The prefixes and field layouts are
what parents' chats hold (fixed; a field only ever added at the end). Entry ids are the
family's own; every tap is checked against the tapper's family. LogTyped ("lp") is declared
in handlers.common: the search offers it under a message that was plainly a temperature."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import CallbackData
from handlers.common import LogTyped as LogTyped  # declared there: the search offers it

TEMP_PROMPT = "log_temperature"  # ref: the site's place in SITES
NOTE_PROMPT = "log_note"  # ref: None (a new note) or the entry the note is for
TIME_PROMPT = "log_time"  # ref: the entry


@dataclass(frozen=True)
class ShowLog(CallbackData, prefix="la"):
    """The log's screen."""


@dataclass(frozen=True)
class PickSite(CallbackData, prefix="lb"):
    """Where a temperature was taken (its place in SITES): then type it."""

    site: int


@dataclass(frozen=True)
class ShowSymptoms(CallbackData, prefix="lc"):
    """The symptoms to choose from."""


@dataclass(frozen=True)
class PickSymptom(CallbackData, prefix="ld"):
    """A symptom (its place in content/log.yaml, append only): how bad?"""

    n: int


@dataclass(frozen=True)
class SetSeverity(CallbackData, prefix="le"):
    """Log the symptom now with this severity (its place in SEVERITIES)."""

    n: int
    severity: int


@dataclass(frozen=True)
class AddNote(CallbackData, prefix="lf"):
    """A note on its own: type it."""


@dataclass(frozen=True)
class EntryTime(CallbackData, prefix="lh"):
    """Change when an entry happened: type it."""

    entry: int


@dataclass(frozen=True)
class SetEntryTime(CallbackData, prefix="li"):
    """One reading of a typed time that reads two ways (minutes since 1970, UTC)."""

    entry: int
    minute: int


@dataclass(frozen=True)
class EntryNote(CallbackData, prefix="lj"):
    """Add a note to an entry: type it."""

    entry: int


@dataclass(frozen=True)
class DeleteEntry(CallbackData, prefix="lk"):
    """Delete an entry (`sure` 0 asks first)."""

    entry: int
    sure: int


@dataclass(frozen=True)
class ShowDays(CallbackData, prefix="ll"):
    """The last 7 days, a page (0: the newest)."""

    page: int


@dataclass(frozen=True)
class TempChart(CallbackData, prefix="lm"):
    """The temperatures of the last 7 days as a chart."""


@dataclass(frozen=True)
class SymptomChart(CallbackData, prefix="ln"):
    """The symptoms of the last 7 days as a timeline."""


@dataclass(frozen=True)
class FlagNotices(CallbackData, prefix="lo"):
    """Told (or not) when another member logs a card sign."""


PHOTO_PROMPT = "log_photo"  # waiting for a photo (text typed there is answered calmly)


@dataclass(frozen=True)
class AddPhoto(CallbackData, prefix="lq"):
    """📷 Photo in the log: send it now."""


@dataclass(frozen=True)
class PhotoOffer(CallbackData, prefix="lr"):
    """ "Add it to the log" under a photo sent outside the log: the bot's message replies to
    the photo, so the tap finds it there (nothing is kept before the parent says yes)."""


@dataclass(frozen=True)
class ShowPhoto(CallbackData, prefix="lu"):
    """A logged photo, sent again in this chat."""

    entry: int
