"""📝 Log: temperatures, symptoms and notes with their time, for the whole family
(handlers.log.flow says how); the last 7 days, paged; charts of the temperatures and of the
symptoms (handlers.log.charts). Its buttons are in handlers.log.buttons."""

from __future__ import annotations

from bot.context import BotApp, Command
from handlers.common import menu_button, tap
from handlers.log import charts, flow, photos
from handlers.log.buttons import (
    AddNote,
    AddPhoto,
    DeleteEntry,
    EntryNote,
    EntryTime,
    FlagNotices,
    LogTyped,
    PhotoOffer,
    PickSite,
    PickSymptom,
    SetEntryTime,
    SetSeverity,
    ShowDays,
    ShowLog,
    ShowPhoto,
    ShowSymptoms,
    SymptomChart,
    TempChart,
)
from handlers.prompts import on_prompt

__all__ = ["COMMANDS", "setup"]

COMMANDS = (Command("log", "help.commands.log", flow.log_command),)


def setup(app: BotApp) -> None:
    """Register the log: every member logs, changes the time of and adds notes to entries;
    deleting one is for its author or a full member (the storage checks)."""
    for data_type, callback in (
        (ShowLog, flow.tap_log),
        (PickSite, flow.pick_site),
        (ShowSymptoms, flow.show_symptoms),
        (PickSymptom, flow.pick_symptom),
        (SetSeverity, flow.set_severity),
        (AddNote, flow.add_note),
        (EntryTime, flow.entry_time),
        (SetEntryTime, flow.set_entry_time),
        (EntryNote, flow.entry_note),
        (DeleteEntry, flow.delete_entry),
        (ShowDays, flow.show_days),
        (FlagNotices, flow.flag_notices),
        (LogTyped, flow.log_typed),
        (TempChart, charts.temp_chart),
        (SymptomChart, charts.symptom_chart),
        (AddPhoto, photos.add_photo),
        (PhotoOffer, photos.photo_offer),
        (ShowPhoto, photos.show_photo),
    ):
        tap(app, data_type, callback)  # type: ignore[arg-type]
    for asking in (flow.TEMP, flow.NOTE_ASK, flow.TIME_ASK, photos.PHOTO):
        on_prompt(app, asking)
    menu_button(app, "menu.log", ShowLog())
    photos.setup(app)
