"""💊 Medicines: the family's medicines as the pharmacy labels say, a reminder for each due
minute to every member who wants one, Given/Skip recorded once for the whole family, Today,
each medicine's history, the medication list (PDF) and every dose (CSV).

The bot never suggests, works out or checks a dose, and never says whether missing or
repeating one is safe: it records, reminds, shows and points to the care team. Modules,
each importing only those before it:

- `buttons`: every button type (prefixes fixed: reminders in chats keep working) and the
  prompt kinds;
- `views`: the screens and the reminder (content and rows in, a `View` out);
- `flow`: adding (a draft until ✅), changing, pausing, stopping, history, settings, and the
  seven prompts;
- `rounds`: the reminder job, the taps on a reminder, Today, and the files;
- here: /medicines and the registrations in `setup`.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter

from bot.context import BotApp, Command
from handlers.common import at_start_and_every, menu_button, tap
from handlers.medicines import flow, rounds
from handlers.medicines.buttons import (
    AddMedicine,
    ChangeMedicine,
    DiscardDraft,
    DoseSettings,
    EditDraft,
    GiveAgain,
    GiveDose,
    MedicineHistory,
    OpenMedicine,
    PickDoseDay,
    PickTime,
    RecordNeeded,
    SaveMedicine,
    SendDosesCsv,
    SendMedicationList,
    SetCycle,
    SetEvery,
    SetEveryN,
    SetStart,
    SetStatus,
    ShowDraft,
    ShowMedicines,
    ShowRound,
    ShowStopped,
    ShowToday,
    SkipDose,
    SnoozeDoses,
    SuggestedName,
    TimesDone,
    ToggleWeekday,
    TypeStart,
    UndoDose,
    VomitedDose,
    WeekdaysDone,
)
from handlers.prompts import on_prompt

__all__ = ["COMMANDS", "DOSE_JOB", "MAX_MEDICINES", "ShowMedicines", "setup"]

DOSE_JOB = rounds.DOSE_JOB
MAX_MEDICINES = flow.MAX_MEDICINES
COMMANDS = (Command("medicines", "help.commands.medicines", flow.medicines_command),)


def setup(app: BotApp) -> None:
    """Register the feature: its taps (a full member adds and changes medicines; every
    member sees them and marks doses), its prompts, and the dose reminder job with its own
    rate limit."""
    for data_type, callback, full in (
        (ShowMedicines, flow.tap_medicines, False),
        (ShowStopped, flow.tap_stopped, False),
        (OpenMedicine, flow.open_medicine, False),
        (AddMedicine, flow.add_medicine, True),
        (SuggestedName, flow.suggested_name, True),
        (SetEvery, flow.set_every, True),
        (ToggleWeekday, flow.toggle_weekday, True),
        (WeekdaysDone, flow.weekdays_done, True),
        (SetEveryN, flow.set_every_n, True),
        (SetCycle, flow.set_cycle, True),
        (SetStart, flow.set_start, True),
        (TypeStart, flow.type_start, True),
        (PickTime, flow.pick_time, True),
        (TimesDone, flow.times_done, True),
        (EditDraft, flow.edit_draft, True),
        (PickDoseDay, flow.pick_dose_day, True),
        (SaveMedicine, flow.save_medicine, True),
        (DiscardDraft, flow.discard_draft, True),
        (ShowDraft, flow.show_draft, True),
        (ChangeMedicine, flow.change_medicine, True),
        (SetStatus, flow.set_status, True),
        (MedicineHistory, flow.medicine_history, False),
        (DoseSettings, flow.dose_settings, False),
        (GiveDose, rounds.give_dose, False),
        (SkipDose, rounds.skip_dose, False),
        (SnoozeDoses, rounds.snooze, False),
        (UndoDose, rounds.undo_dose, False),
        (GiveAgain, rounds.give_again, False),
        (ShowRound, rounds.show_round, False),
        (VomitedDose, rounds.vomited, False),
        (RecordNeeded, rounds.record_needed, False),
        (ShowToday, rounds.show_today, False),
        (SendMedicationList, rounds.send_medication_list, False),
        (SendDosesCsv, rounds.send_doses_csv, False),
    ):
        tap(app, data_type, callback, full=full)  # type: ignore[arg-type]
    for asking in (flow.NAME, flow.DOSE, flow.NOTE, flow.DAY_DOSE, flow.TIMES, flow.START, flow.END):
        on_prompt(app, asking)
    menu_button(app, "menu.medicines", ShowMedicines())
    app.bot_data[rounds.LIMITER] = AsyncLimiter(rounds.PER_SECOND, 1)
    at_start_and_every(app, rounds.send_dose_reminders, rounds.CHECK_EVERY, rounds.DOSE_JOB)
