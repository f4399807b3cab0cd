"""Every button of the medicines feature, and the names of its prompts.

The prefixes and field layouts are what parents' chats will hold: a reminder sent last
night must still mean the same tap next release, so none may change (a field is only ever
added at the end, the old layout still read). Ids are the family's own medicines and
doses; every tap is checked against the tapper's family before anything is read or
written.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import CallbackData
from handlers.common import ShowMedicines as ShowMedicines  # declared there: the appointments link to it

# The prompt kinds, as stored with an open prompt (a restart finds them by these names).
NAME_PROMPT = "medicine_name"
DOSE_PROMPT = "medicine_dose"
TIMES_PROMPT = "medicine_times"
START_PROMPT = "medicine_start"
END_PROMPT = "medicine_end"
NOTE_PROMPT = "medicine_note"
DAY_DOSE_PROMPT = "medicine_day_dose"  # ref: medicine id * 8 + weekday


# ---- the list and one medicine ---------------------------------------------------------------
@dataclass(frozen=True)
class OpenMedicine(CallbackData, prefix="db"):
    med: int


@dataclass(frozen=True)
class AddMedicine(CallbackData, prefix="dc"):
    """Start adding one: asks its name."""


@dataclass(frozen=True)
class SuggestedName(CallbackData, prefix="de"):
    """A name from the content list (its place in `medicines.name_names`, append only)."""

    n: int


# ---- the schedule, while adding (or changing a medicine's times) ---------------------------------
@dataclass(frozen=True)
class SetEvery(CallbackData, prefix="df"):
    """How often: its place in bot.doses.KINDS (append only)."""

    med: int
    kind: int


@dataclass(frozen=True)
class ToggleWeekday(CallbackData, prefix="dg"):
    med: int
    day: int


@dataclass(frozen=True)
class WeekdaysDone(CallbackData, prefix="dh"):
    med: int


@dataclass(frozen=True)
class SetEveryN(CallbackData, prefix="di"):
    med: int
    n: int


@dataclass(frozen=True)
class SetCycle(CallbackData, prefix="dj"):
    """A repeated course: `on` days given, starting again every `of` days (0: asks `of`)."""

    med: int
    on: int
    of: int


@dataclass(frozen=True)
class SetStart(CallbackData, prefix="dk"):
    """The first day: today plus `days` (0 or 1)."""

    med: int
    days: int


@dataclass(frozen=True)
class TypeStart(CallbackData, prefix="dl"):
    med: int


@dataclass(frozen=True)
class PickTime(CallbackData, prefix="dm"):
    """One reading of a typed time that reads two ways ("8": 08:00 or 20:00)."""

    med: int
    minutes: int


@dataclass(frozen=True)
class TimesDone(CallbackData, prefix="dn"):
    med: int


@dataclass(frozen=True)
class EditDraft(CallbackData, prefix="do"):
    """On the check screen: change one part (EDIT_* below)."""

    med: int
    part: int


EDIT_DOSE, EDIT_TIMES, EDIT_NOTE, EDIT_END, EDIT_DAY_DOSE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class PickDoseDay(CallbackData, prefix="dp"):
    med: int
    day: int


@dataclass(frozen=True)
class SaveMedicine(CallbackData, prefix="dq"):
    med: int


@dataclass(frozen=True)
class DiscardDraft(CallbackData, prefix="dr"):
    med: int


# ---- changing a medicine -----------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeMedicine(CallbackData, prefix="dt"):
    """Change one part of a saved medicine (EDIT_* above)."""

    med: int
    part: int


@dataclass(frozen=True)
class SetStatus(CallbackData, prefix="du"):
    """Pause, resume, or stop (its place in STATUSES; stop asks first: `sure` 0)."""

    med: int
    status: int
    sure: int


@dataclass(frozen=True)
class MedicineHistory(CallbackData, prefix="dv"):
    med: int


@dataclass(frozen=True)
class RecordNeeded(CallbackData, prefix="dw"):
    """An "only when needed" dose given now: shows the last one first (`sure` 0)."""

    med: int
    sure: int


# ---- the doses: reminders and Today ---------------------------------------------------------------
@dataclass(frozen=True)
class GiveDose(CallbackData, prefix="dx"):
    dose: int


@dataclass(frozen=True)
class SkipDose(CallbackData, prefix="dz"):
    dose: int


@dataclass(frozen=True)
class SnoozeDoses(CallbackData, prefix="pa"):
    """In 15 min: this member's reminder of the minute `dose` is due at, again."""

    dose: int


@dataclass(frozen=True)
class UndoDose(CallbackData, prefix="pb"):
    dose: int


@dataclass(frozen=True)
class GiveAgain(CallbackData, prefix="pc"):
    """After "already recorded": the family says it was given once more."""

    dose: int


@dataclass(frozen=True)
class ShowRound(CallbackData, prefix="pd"):
    """The reminder of the minute `dose` is due at, as it stands."""

    dose: int


@dataclass(frozen=True)
class ShowToday(CallbackData, prefix="pe"):
    """Today's doses."""


@dataclass(frozen=True)
class DoseSettings(CallbackData, prefix="pf"):
    """Reminder settings: `what` 0 shows; 1 reminders to me on/off; 2 discreet on/off;
    3 the family's window (`value` minutes)."""

    what: int
    value: int


@dataclass(frozen=True)
class SendMedicationList(CallbackData, prefix="pg"):
    """The medication list as a PDF."""


@dataclass(frozen=True)
class SendDosesCsv(CallbackData, prefix="ph"):
    """Every dose as a CSV file."""


@dataclass(frozen=True)
class ShowStopped(CallbackData, prefix="pi"):
    """The medicines no longer given."""


@dataclass(frozen=True)
class VomitedDose(CallbackData, prefix="pj"):
    """🚨 Vomited a dose? on a reminder: the urgent card's vomiting line, as a new message."""

    dose: int


@dataclass(frozen=True)
class ShowDraft(CallbackData, prefix="ds"):
    """The check screen of a medicine being added."""

    med: int
