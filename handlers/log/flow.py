"""📝 Log: what happened, with the time, for the whole family to see.

A temperature (where it was taken, then typed: "38.4", "38,4", "101.2F"; read by
bot.temperature, shown in both units), a symptom from content/log.yaml with its severity,
or a note; each logged at once, "now", with buttons to change the time (typed as people
say it, read by bot.when preferring the past: "2am" at 11 p.m. is last night, echoed with
its weekday), add a note, or delete it. A temperature at or above the family's fever number
(or the card's general one), one below 36 °C, and a symptom that content maps to a card item
(at the severity content says) bring **that card line first**, as the red-flag alert does,
then "logged"; the other full members are told, with the line (each can turn that off).
Nothing else is said about an entry: no triage, no reading of a value.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import Update

from bot import render, temperature, when
from bot.ceiling import Priority
from bot.content import Content
from bot.context import BotContext
from bot.redflags import GENERAL_FEVER_C, Match
from bot.storage import LimitReached, Member, Prompt
from bot.storage.interface import LogEntry
from bot.storage.log import NOTE, SYMPTOM, TEMPERATURE
from handlers.appointments.rules import day_first_of, twelve_hour, zone
from handlers.appointments.views import clock_text
from handlers.common import (
    Home,
    Reply,
    View,
    button,
    forget_me,
    limit_args,
    me,
    require_consent,
    show,
    stale_reply,
)
from handlers.family.notify import content_for, tell
from handlers.family.views import name_of
from handlers.log.buttons import (
    NOTE_PROMPT,
    TEMP_PROMPT,
    TIME_PROMPT,
    AddNote,
    AddPhoto,
    DeleteEntry,
    EntryNote,
    EntryTime,
    FlagNotices,
    LogTyped,
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
from handlers.privacy import decimal_comma
from handlers.prompts import Asking, Outcome, Text, again, ask, cancel_keyboard, done, typed_text
from handlers.redflags import alert_text, alert_view, fever_threshold

SITES = ("mouth", "armpit", "ear", "other")  # PickSite.site, LogTyped.site: append only
ASK_SITE = 99  # PickSite.site of the 🌡 button: the question "where was it taken?"
SEVERITIES = ("mild", "moderate", "severe")  # SetSeverity.severity: append only
LIMIT = 20_000  # entries a family keeps
MAX_NOTE = 500
PAGE = 15  # entries a page of the last 7 days
NOTE_WORDS = 3  # words typed for a temperature that make it a note instead
DAYS = 7
_LOG_FILE = Path(__file__).resolve().parents[2] / "content" / "log.yaml"


# ---- content: the symptoms and their card items ------------------------------------------------
@cache
def symptoms() -> tuple[dict[str, Any], ...]:
    """content/log.yaml's symptoms, in order: id, and the card item and severity it brings."""
    data = yaml.safe_load(_LOG_FILE.read_text(encoding="utf-8"))
    return tuple(data["symptoms"])


def card_item(symptom: str, severity: str) -> str | None:
    """The urgent card's item a logged symptom brings first, if content maps one at this
    severity."""
    for item in symptoms():
        reaches = SEVERITIES.index(severity) >= SEVERITIES.index(item.get("from", "mild"))
        if item["id"] == symptom and item.get("card") and reaches:
            return str(item["card"])
    return None


def temperature_item(celsius: float, fever_c: float | None) -> str | None:
    """The card item a temperature names: at or above the family's fever number (the card's
    general one without it), or below 36 °C."""
    if celsius >= (fever_c if fever_c is not None else GENERAL_FEVER_C):
        return "fever"
    if celsius < temperature.LOW_BELOW_C:
        return "low_temperature"
    return None


# ---- words -------------------------------------------------------------------------------
def temp_text(celsius: float, fahrenheit: bool, comma: bool = False) -> str:
    """38.4 °C (101.1 °F), the typed unit first."""
    f = celsius * 9 / 5 + 32
    text = f"{f:.1f} °F ({celsius:.1f} °C)" if fahrenheit else f"{celsius:.1f} °C ({f:.1f} °F)"
    return text.replace(".", ",") if comma else text


def when_text(content: Content, moment: float, tz: ZoneInfo, twelve: bool) -> str:
    local = datetime.fromtimestamp(moment, tz)
    return content.strings(
        "log.when",
        day=when.echo(local, content.profile.dates, with_time=False),
        time=clock_text(content, local, twelve),
    )


def entry_line(
    content: Content, entry: LogEntry, tz: ZoneInfo, twelve: bool, who: str | None = None, comma: bool = False
) -> str:
    """One entry as a line: its time, what it is, who logged it (when others may have)."""
    s = content.strings
    time = clock_text(content, datetime.fromtimestamp(entry.at, tz), twelve)
    if entry.kind == TEMPERATURE and entry.temp_c is not None:
        fahrenheit = (entry.temp_typed or "").endswith("°F")
        line = s(
            "log.entry_temp",
            time=time,
            temp=temp_text(entry.temp_c, fahrenheit, comma),
            site=s(f"log.site_words.{entry.site or 'other'}"),
        )
    elif entry.kind == SYMPTOM and entry.symptom:
        line = s(
            "log.entry_symptom",
            time=time,
            symptom=s(f"log.symptoms.{entry.symptom}"),
            severity=s(f"log.severity.{entry.severity or 'mild'}").lower(),
        )
    elif entry.kind == NOTE:
        line = s("log.entry_note", time=time, note=render.esc(entry.note))
    else:
        line = s("log.entry_photo", time=time)
    if entry.note and entry.kind != NOTE:
        line += s("log.entry_note_suffix", note=render.esc(entry.note))
    if who:
        line += s("log.entry_by", who=who)
    return line


# ---- the family's clock ----------------------------------------------------------------------
async def clock_of(context: BotContext, circle: int) -> tuple[ZoneInfo, bool, str | None]:
    name = await context.storage.circles.timezone(circle) if circle else None
    return zone(name) or ZoneInfo("UTC"), twelve_hour(name), name


async def members_of(context: BotContext, circle: int) -> dict[int, Member]:
    return {m.user: m for m in await context.storage.circles.members(circle)} if circle else {}


# ---- the screen -----------------------------------------------------------------------------
async def log_screen(update: Update, context: BotContext, notice: str | None = None) -> View:
    who = await me(update, context)
    s = context.content.strings
    tz, _, _ = await clock_of(context, who.circle)
    now = context.now()
    midnight = datetime.fromtimestamp(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    today = (
        await context.storage.log.count_between(who.circle, midnight.timestamp(), now + 1)
        if who.circle
        else 0
    )
    lines = [notice] if notice else []
    lines.append(s("log.title"))
    lines.append(s("log.today_count", count=today) if today else s("log.none_today"))
    rows = [
        [button(s("log.temperature"), PickSite(ASK_SITE)), button(s("log.symptom"), ShowSymptoms())],
        [button(s("log.note"), AddNote()), button(s("log.photo"), AddPhoto())],
        [button(s("log.days"), ShowDays(0))],
        [button(s("log.temp_chart"), TempChart()), button(s("log.symptom_chart"), SymptomChart())],
        [button(s("log.notices_on" if who.flag_notices else "log.notices_off"), FlagNotices())],
        [button(s("menu.home"), Home())],
    ]
    return View("\n\n".join(lines), Markup(rows))


def back_row(content: Content) -> list[Button]:
    s = content.strings
    return [button(s("log.back"), ShowLog()), button(s("menu.home"), Home())]


async def log_command(update: Update, context: BotContext) -> None:
    await show(update, context, *await log_screen(update, context))


async def tap_log(update: Update, context: BotContext, data: ShowLog) -> Reply:
    return Reply(await log_screen(update, context))


# ---- a temperature -----------------------------------------------------------------------------
async def pick_site(update: Update, context: BotContext, data: PickSite) -> Reply:
    """Where it was taken (PickSite past the list: the question), then the prompt."""
    s = context.content.strings
    if data.site == ASK_SITE:
        rows = [[button(s(f"log.sites.{site}"), PickSite(i))] for i, site in enumerate(SITES)]
        rows.append(back_row(context.content))
        return Reply(View(s("log.site_ask"), Markup(rows)))
    if not 0 <= data.site < len(SITES):
        return stale_reply(context)
    site = s(f"log.site_words.{SITES[data.site]}")
    return await ask(update, context, TEMP, s("log.temp_prompt", site=site), ShowLog(), data.site)


async def read_temp(
    update: Update, context: BotContext, site: int, text: str
) -> temperature.Reading | Outcome:
    """A temperature; words that are plainly something else ("vomited twice after lunch")
    are never lost: they are logged as a note, and the prompt closes."""
    found = temperature.read(text)
    if isinstance(found, temperature.Reading):
        return found
    if found == temperature.NOT_A_TEMPERATURE and len(text.split()) >= NOTE_WORDS:
        return done(await _as_note(update, context, text.strip()[:MAX_NOTE]))
    key = "log.temp_out_of_range" if found == temperature.OUT_OF_RANGE else "log.temp_not_read"
    return again(context.content, context.content.strings(key))


async def _as_note(update: Update, context: BotContext, text: str) -> View:
    who = await me(update, context)
    now = context.now()
    try:
        entry_id = await context.storage.log.add(who, NOTE, now, limit=LIMIT, note=text)
    except LimitReached:
        return await log_screen(update, context)
    tz, twelve, _ = await clock_of(context, who.circle)
    saved = context.content.strings("log.kept_as_note", when=when_text(context.content, now, tz, twelve))
    return saved_view(context.content, saved, entry_id)


async def load_site(update: Update, context: BotContext, prompt: Prompt) -> int | Outcome:
    site = prompt.ref or 0
    return site if 0 <= site < len(SITES) else done(await log_screen(update, context))


async def save_temp(update: Update, context: BotContext, site: int, reading: temperature.Reading) -> Outcome:
    """Logged now; the card line first when it names one (sent before "logged")."""
    view = await log_temperature(update, context, reading, SITES[site], context.now(), send_alert_first=True)
    return done(view)


async def log_temperature(
    update: Update,
    context: BotContext,
    reading: temperature.Reading,
    site: str,
    at: float,
    *,
    send_alert_first: bool,
) -> View:
    """Save a temperature; when it names a card item, the alert goes first (a new message
    when `send_alert_first`, else the caller shows it) and the others are told. The view:
    "logged", with its buttons."""
    who = await me(update, context)
    try:
        entry_id = await context.storage.log.add(
            who,
            TEMPERATURE,
            at,
            limit=LIMIT,
            temp_c=reading.celsius,
            temp_typed=reading.typed,
            site=site,
        )
    except LimitReached:
        return await log_screen(update, context)
    forget_me(context)
    who = await me(update, context)
    fever = await fever_threshold(update, context)  # the lower of the family's and the hospital's
    item = temperature_item(reading.celsius, fever)
    if item:
        await flag(update, context, who, item, reading.celsius, entry_id, send_alert_first)
    tz, twelve, _ = await clock_of(context, who.circle)
    s = context.content.strings
    text = s(
        "log.temp_saved",
        temp=temp_text(reading.celsius, reading.fahrenheit, await decimal_comma(update, context)),
        site=s(f"log.site_words.{site}"),
        when=when_text(context.content, at, tz, twelve),
    )
    return saved_view(context.content, text, entry_id)


def saved_view(content: Content, text: str, entry_id: int) -> View:
    s = content.strings
    rows = [
        [button(s("log.change_time"), EntryTime(entry_id)), button(s("log.add_note"), EntryNote(entry_id))],
        [button(s("log.delete"), DeleteEntry(entry_id, 0))],
        back_row(content),
    ]
    return View(text, Markup(rows))


async def log_typed(update: Update, context: BotContext, data: LogTyped) -> Reply:
    """ "📝 Log it" under a message that was plainly a temperature: saved at the minute it
    was typed (the alert, if any, was already shown with the message)."""
    if not (300 <= data.tenths <= 440 and data.fahrenheit in (0, 1) and 0 <= data.site < len(SITES)):
        return stale_reply(context)
    await require_consent(update, context)
    celsius = data.tenths / 10
    typed = (
        f"{celsius * 9 / 5 + 32:.1f} °F" if data.fahrenheit else f"{celsius:.1f} °C"
    )  # rebuilt: the message's own words are not kept in a button
    reading = temperature.Reading(celsius, bool(data.fahrenheit), typed)
    at = min(data.minute * 60.0, context.now())
    return Reply(
        await log_temperature(update, context, reading, SITES[data.site], at, send_alert_first=False)
    )


def offer_view(
    content: Content, reading: temperature.Reading, now: float, comma: bool = False
) -> tuple[str, Markup]:
    """Under a message that was plainly a temperature: "Log it?" with where it was taken."""
    s = content.strings
    minute = int(now // 60)
    tenths = round(reading.celsius * 10)
    rows = [
        [
            button(
                s("log.log_it", site=s(f"log.site_words.{site}")),
                LogTyped(tenths, int(reading.fahrenheit), minute, i),
            )
        ]
        for i, site in enumerate(SITES)
    ]
    rows.append([button(s("log.not_now"), Home())])
    return s("log.looks_like", temp=temp_text(reading.celsius, reading.fahrenheit, comma)), Markup(rows)


# ---- a symptom -----------------------------------------------------------------------------
async def show_symptoms(update: Update, context: BotContext, data: ShowSymptoms) -> Reply:
    s = context.content.strings
    items = [item["id"] for item in symptoms()]
    rows = [
        [button(s(f"log.symptoms.{sid}"), PickSymptom(i)) for i, sid in list(enumerate(items))[k : k + 2]]
        for k in range(0, len(items), 2)
    ]
    rows.append(back_row(context.content))
    return Reply(View(s("log.symptom_ask"), Markup(rows)))


async def pick_symptom(update: Update, context: BotContext, data: PickSymptom) -> Reply:
    s = context.content.strings
    if not 0 <= data.n < len(symptoms()):
        return stale_reply(context)
    label = s(f"log.symptoms.{symptoms()[data.n]['id']}")
    rows = [[button(s(f"log.severity.{sev}"), SetSeverity(data.n, i)) for i, sev in enumerate(SEVERITIES)]]
    rows.append(back_row(context.content))
    return Reply(View(s("log.severity_ask", symptom=label), Markup(rows)))


async def set_severity(update: Update, context: BotContext, data: SetSeverity) -> Reply:
    """Logged now; a symptom that content maps to a card item at this severity shows that
    line first (this message), then "logged" below it, and the others are told."""
    if not (0 <= data.n < len(symptoms()) and 0 <= data.severity < len(SEVERITIES)):
        return stale_reply(context)
    await require_consent(update, context)
    who = await me(update, context)
    symptom, severity = str(symptoms()[data.n]["id"]), SEVERITIES[data.severity]
    now = context.now()
    try:
        entry_id = await context.storage.log.add(
            who, SYMPTOM, now, limit=LIMIT, symptom=symptom, severity=severity
        )
    except LimitReached:
        return Reply(await log_screen(update, context))
    s = context.content.strings
    tz, twelve, _ = await clock_of(context, who.circle)
    text = s(
        "log.symptom_saved",
        symptom=s(f"log.symptoms.{symptom}"),
        severity=s(f"log.severity.{severity}").lower(),
        when=when_text(context.content, now, tz, twelve),
    )
    saved = saved_view(context.content, text, entry_id)
    item = card_item(symptom, severity)
    if item is None:
        return Reply(saved)
    alert = await flag(update, context, who, item, None, entry_id, send_alert_first=False)
    chat = update.effective_chat

    async def then() -> None:
        if chat is not None:
            await context.bot.send_message(chat.id, saved.text, reply_markup=saved.markup)

    return Reply(alert, after=then)


# ---- the card line first, and the others told ----------------------------------------------------
async def flag(
    update: Update,
    context: BotContext,
    who: Member,
    item: str,
    celsius: float | None,
    entry_id: int,
    send_alert_first: bool,
) -> View:
    """An entry that names a card item: the alert (sent now as its own message when
    `send_alert_first`; returned either way), and each other full member who did not turn
    it off is told, with the card line, in their language."""
    match = Match((item,), celsius)
    alert = await alert_view(update, context, match)
    if send_alert_first:
        chat = update.effective_chat
        if chat is not None:
            await context.bot.send_message(
                chat.id,
                alert.text,
                reply_markup=alert.markup,
                rate_limit_args=limit_args(context, Priority.URGENT),
            )
    entry = await context.storage.log.get(who.circle, entry_id)
    told = [
        m
        for m in (await members_of(context, who.circle)).values()
        if m.user != who.user and m.full and m.flag_notices
    ]
    if entry is None or not told:
        return alert
    tz, twelve, _ = await clock_of(context, who.circle)  # read once for every member told
    contacts = await context.storage.contacts.list(who.circle)
    for member in told:
        content = content_for(context, await context.storage.users.language(member.user))
        line = entry_line(content, entry, tz, twelve)
        card = alert_text(content, match, contacts, None)
        await tell(
            context,
            member.user,
            f"{content.strings('log.notice_flag', name=name_of(content, who), entry=line)}\n\n{card}",
        )
    return alert


# ---- notes, times, deleting ------------------------------------------------------------------------
async def add_note(update: Update, context: BotContext, data: AddNote) -> Reply:
    return await ask(update, context, NOTE_ASK, context.content.strings("log.note_prompt"), ShowLog())


async def entry_note(update: Update, context: BotContext, data: EntryNote) -> Reply:
    entry = await own_entry(update, context, data.entry)
    if entry is None:
        return gone(context)
    return await ask(
        update, context, NOTE_ASK, context.content.strings("log.note_prompt"), ShowLog(), entry.id
    )


async def load_note_target(update: Update, context: BotContext, prompt: Prompt) -> LogEntry | Outcome | None:
    if prompt.ref is None:
        return None
    entry = await own_entry(update, context, prompt.ref)
    return (
        entry
        if entry is not None
        else done(await log_screen(update, context, context.content.strings("log.gone")))
    )


async def save_note(update: Update, context: BotContext, entry: LogEntry | None, note: str) -> Outcome:
    who = await me(update, context)
    s = context.content.strings
    tz, twelve, _ = await clock_of(context, who.circle)
    if entry is not None:
        await context.storage.log.set_note(who, entry.id, note.strip())
        fresh = await own_entry(update, context, entry.id)
        assert fresh is not None
        return done(saved_view(context.content, entry_line(context.content, fresh, tz, twelve), fresh.id))
    now = context.now()
    try:
        entry_id = await context.storage.log.add(who, NOTE, now, limit=LIMIT, note=note.strip())
    except LimitReached:
        return done(await log_screen(update, context))
    return done(
        saved_view(
            context.content, s("log.note_saved", when=when_text(context.content, now, tz, twelve)), entry_id
        )
    )


async def own_entry(update: Update, context: BotContext, entry_id: int) -> LogEntry | None:
    who = await me(update, context)
    return await context.storage.log.get(who.circle, entry_id) if who.circle else None


def gone(context: BotContext) -> Reply:
    return Reply(notice=context.content.strings("log.gone"), alert=True)


async def entry_time(update: Update, context: BotContext, data: EntryTime) -> Reply:
    entry = await own_entry(update, context, data.entry)
    if entry is None:
        return gone(context)
    return await ask(
        update, context, TIME_ASK, context.content.strings("log.time_prompt"), ShowLog(), entry.id
    )


async def load_entry(update: Update, context: BotContext, prompt: Prompt) -> LogEntry | Outcome:
    entry = await own_entry(update, context, prompt.ref or 0)
    return (
        entry
        if entry is not None
        else done(await log_screen(update, context, context.content.strings("log.gone")))
    )


async def read_time(
    update: Update, context: BotContext, entry: LogEntry, text: str
) -> tuple[datetime, ...] | Outcome:
    """A typed time, preferring the past ("2am" at 11 p.m. is last night); never a time to come."""
    who = await me(update, context)
    tz, _, name = await clock_of(context, who.circle)
    now = datetime.fromtimestamp(context.now(), tz)
    if when.fold(text) == when.fold(context.content.strings("log.now_word")):
        return (now,)
    outcome = when.read(
        text,
        now,
        prefer="past",
        need="datetime",
        words=context.content.profile.dates,
        day_first=day_first_of(name),
    )
    if not outcome.readings:
        key = "log.time_future" if outcome.problem == when.FUTURE else "log.time_problem"
        return again(context.content, context.content.strings(key))
    return outcome.readings


async def save_time(
    update: Update, context: BotContext, entry: LogEntry, readings: tuple[datetime, ...]
) -> Outcome:
    who = await me(update, context)
    tz, twelve, _ = await clock_of(context, who.circle)
    s = context.content.strings
    if len(readings) > 1:
        rows = [
            [
                button(
                    when_text(context.content, r.timestamp(), tz, twelve),
                    SetEntryTime(entry.id, int(r.timestamp() // 60)),
                )
            ]
            for r in readings
        ]
        return again(
            context.content,
            s("log.time_which"),
            Markup(rows + list(cancel_keyboard(context.content).inline_keyboard)),
        )
    return done(await _retimed(update, context, who, entry, readings[0].timestamp()))


async def _retimed(update: Update, context: BotContext, who: Member, entry: LogEntry, at: float) -> View:
    await context.storage.log.set_time(who, entry.id, at)
    tz, twelve, _ = await clock_of(context, who.circle)
    fresh = await own_entry(update, context, entry.id)
    assert fresh is not None
    text = context.content.strings("log.time_saved", when=when_text(context.content, at, tz, twelve))
    return saved_view(context.content, f"{text}\n{entry_line(context.content, fresh, tz, twelve)}", entry.id)


async def set_entry_time(update: Update, context: BotContext, data: SetEntryTime) -> Reply:
    entry = await own_entry(update, context, data.entry)
    if entry is None:
        return gone(context)
    at = data.minute * 60.0
    if at > context.now():
        return Reply(notice=context.content.strings("log.time_future"), alert=True)
    return Reply(await _retimed(update, context, await me(update, context), entry, at))


async def delete_entry(update: Update, context: BotContext, data: DeleteEntry) -> Reply:
    entry = await own_entry(update, context, data.entry)
    if entry is None:
        return gone(context)
    who = await me(update, context)
    s = context.content.strings
    tz, twelve, _ = await clock_of(context, who.circle)
    if not data.sure:
        rows = [[button(s("log.delete_yes"), DeleteEntry(entry.id, 1))], back_row(context.content)]
        return Reply(
            View(s("log.delete_ask", entry=entry_line(context.content, entry, tz, twelve)), Markup(rows))
        )
    if not await context.storage.log.remove(who, entry.id):
        return Reply(notice=context.content.strings("family.full_only"), alert=True)
    return Reply(await log_screen(update, context, s("log.deleted")))


# ---- the last 7 days --------------------------------------------------------------------------
async def show_days(update: Update, context: BotContext, data: ShowDays) -> Reply:
    who = await me(update, context)
    s = context.content.strings
    tz, twelve, _ = await clock_of(context, who.circle)
    now = context.now()
    start = now - DAYS * 86400
    total = await context.storage.log.count_between(who.circle, start, now + 1) if who.circle else 0
    pages = max(1, -(-total // PAGE))
    page = min(max(data.page, 0), pages - 1)
    entries = (
        await context.storage.log.between(who.circle, start, now + 1, limit=PAGE, offset=page * PAGE)
        if who.circle
        else []
    )
    members = await members_of(context, who.circle)
    several = len(members) > 1
    comma = await decimal_comma(update, context)
    lines = [s("log.days_title", page=page + 1, pages=pages)]
    if not entries:
        lines.append(s("log.days_none"))
    day_shown = None
    for entry in entries:
        local = datetime.fromtimestamp(entry.at, tz)
        if local.date() != day_shown:
            day_shown = local.date()
            lines.append(f"\n<b>{when.echo(local, context.content.profile.dates, with_time=False)}</b>")
        who_name = name_of(context.content, members.get(entry.added_by or 0)) if several else None
        lines.append(entry_line(context.content, entry, tz, twelve, who_name, comma))
    nav = []
    if page + 1 < pages:
        nav.append(button(s("log.older"), ShowDays(page + 1)))
    if page > 0:
        nav.append(button(s("log.newer"), ShowDays(page - 1)))
    rows = [
        [
            button(
                s(
                    "log.see_photo",
                    time=clock_text(context.content, datetime.fromtimestamp(e.at, tz), twelve),
                ),
                ShowPhoto(e.id),
            )
        ]
        for e in entries
        if e.photo
    ]
    if nav:
        rows.append(nav)
    rows.append(back_row(context.content))
    return Reply(View("\n".join(lines), Markup(rows)))


async def flag_notices(update: Update, context: BotContext, data: FlagNotices) -> Reply:
    who = await me(update, context)
    if not who.circle:
        await require_consent(update, context)
    await context.storage.circles.set_flag_notices(who.user, not who.flag_notices)
    forget_me(context)
    return Reply(await log_screen(update, context))


# ---- the prompts --------------------------------------------------------------------------------
TEMP: Asking[int, temperature.Reading] = Asking(
    TEMP_PROMPT, Text.TEMPERATURE, read=read_temp, save=save_temp, load=load_site
)
NOTE_ASK: Asking[LogEntry | None, str] = Asking(
    NOTE_PROMPT,
    Text.FREE,
    read=typed_text(MAX_NOTE, "log.note_empty", "log.note_too_long"),
    save=save_note,
    load=load_note_target,
)
TIME_ASK: Asking[LogEntry, tuple[datetime, ...]] = Asking(
    TIME_PROMPT, Text.STRUCTURED, read=read_time, save=save_time, load=load_entry
)
