"""The card for the emergency department and the visit summary: content and the family's
rows in, lines and `View`s out (pure: no Telegram calls, no storage).

Every line is built as plain text first (what the family typed exactly as typed, every other
word from content), then either escaped into the message or drawn into the PDF, so the two
never differ. A line is `(label, text)`: the label is drawn in bold in the message.

Labels that other features own are read with a fallback to the raw id when they lack one:
the treatment phases (`phase_label`) and the log's symptoms, severities and sites
(`log_label`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from bot import when
from bot.content import Content
from bot.doses import Schedule
from bot.render import esc, utf16_len
from bot.site import Site
from bot.storage import Contact, SavedQuestion
from bot.storage.interface import Count, Dose, Fact, LogEntry, Medicine
from bot.storage.log import SYMPTOM, TEMPERATURE
from bot.storage.medicines import GIVEN, PAUSED, SKIPPED
from bot.telegram_html import MAX_TEXT, visible_text
from handlers.appointments.views import clock_text, echo_text
from handlers.common import Home, View, button
from handlers.counts.rules import day_number
from handlers.counts.views import label as count_label
from handlers.edcard.buttons import (
    AskFact,
    ClearFact,
    EdCardDetails,
    PickChemoDay,
    PickSummaryDay,
    SendEdCardPdf,
    SendSummary,
    SetFact,
    ShowEdCard,
    TypeSummaryDay,
)
from handlers.medicines.views import schedule_text
from handlers.privacy import ShowUrgent, celsius_text, numbers_lines
from handlers.prompts import cancel_keyboard

# ---- the card's facts ----------------------------------------------------------------------------
NAME, LINE, ALLERGIES, LAST_CHEMO, STEROIDS, INSTRUCTIONS = (
    "name",
    "line",
    "allergies",
    "last_chemo",
    "steroids",
    "instructions",
)
FACTS = (NAME, LINE, ALLERGIES, LAST_CHEMO, STEROIDS, INSTRUCTIONS)  # AskFact.fact: append only
NONE_KNOWN = "none_known"  # allergies: the family tapped "No known allergies"
# A fact's fixed choices, stored as these ids and shown in the reader's language
# (`edcard.<fact>.<id>`); SetFact.choice is the place here, append only.
CHOICES: dict[str, tuple[str, ...]] = {
    LINE: ("port", "picc", "tunnelled", "none", "not_sure"),
    STEROIDS: ("yes", "no", "not_sure"),
    ALLERGIES: (NONE_KNOWN,),
}
TYPED = (NAME, ALLERGIES, INSTRUCTIONS)  # kept as the family typed them
LOG_HOURS = 48  # the card's temperatures and symptoms: the last 48 hours

Line = tuple[str, str]  # (label, text): the label bold in the message, "" for none
Section = tuple[str, list[Line]]


def phase_label(content: Content, phase_id: str) -> str:
    """A treatment phase's label in this language (content/phases.yaml, handlers.phase); the
    raw id for one this language does not name."""
    found = content.phase(phase_id)
    return found.label if found is not None else phase_id


def log_label(content: Content, group: str, value: str | None) -> str:
    """A log entry's symptom (`symptoms`), severity (`severity`) or site (`site_words`) in this
    language (the raw id while the log strings lack it)."""
    if not value:
        return ""
    key = f"log.{group}.{value}"
    return content.strings(key) if key in content.strings else value


def day_text(content: Content, iso: str) -> str:
    """Mon 23 Nov 2026 (a stored ISO day; anything else shown as stored)."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return when.echo(datetime.combine(day, time()), content.profile.dates, with_time=False)


def moment_text(content: Content, moment: float, tz: ZoneInfo, twelve: bool) -> str:
    """Mon 30 Nov 2026, 10:00 on the family's calendar and clock."""
    return echo_text(content, datetime.fromtimestamp(moment, tz), twelve)


def short_day(content: Content, moment: float, tz: ZoneInfo) -> str:
    """30 Nov 2026, on the family's calendar."""
    day = datetime.fromtimestamp(moment, tz)
    months = content.strings("dates.month_abbr").split()
    return f"{day.day} {months[day.month - 1]} {day.year}"


def entry_when(content: Content, moment: float, tz: ZoneInfo, twelve: bool, year: bool = False) -> str:
    """Mon 30 Nov, 08:00: a logged moment (`year`: Mon 30 Nov 2026, 08:00)."""
    local = datetime.fromtimestamp(moment, tz)
    if year:
        return echo_text(content, local, twelve)
    s = content.strings
    weekday = s("dates.day_abbr").split()[local.weekday()]
    month = s("dates.month_abbr").split()[local.month - 1]
    return f"{weekday} {local.day} {month}, {clock_text(content, local, twelve)}"


def fact_text(content: Content, fact: str, value: str) -> str:
    """A fact's value as the card shows it: a choice in this language, a day with its
    weekday, anything typed exactly as typed."""
    if fact in CHOICES and value in CHOICES[fact]:
        return content.strings(f"edcard.{fact}.{value}")
    if fact == LAST_CHEMO:
        return day_text(content, value)
    return value


def fact_lines(content: Content, facts: Mapping[str, Fact], tz: ZoneInfo) -> list[Line]:
    """The family's facts, each with the day it was noted, or "not entered"."""
    s = content.strings
    lines = []
    for fact in FACTS:
        found = facts.get(fact)
        if found is None:
            text = s("edcard.not_entered")
        else:
            text = s(
                "edcard.dated",
                value=fact_text(content, fact, found.value),
                date=short_day(content, found.changed_at, tz),
            )
        lines.append((s(f"edcard.{fact}_label"), text))
    return lines


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def temperature_text(entry: LogEntry, comma: bool) -> str:
    """38.4 °C (101.1 °F) for a temperature typed in °C; 101.2 °F (38.4 °C) for one typed in
    °F (the number as typed first, never a rounded copy of it)."""
    typed = entry.temp_typed or ""
    if entry.temp_c is None:
        return typed
    found = _NUMBER.search(typed)
    if found is not None:
        number = float(found.group().replace(",", "."))
        if abs(number - entry.temp_c) >= 0.1:  # typed in °F
            celsius = f"{entry.temp_c:.1f}"
            return f"{found.group()} °F ({celsius.replace('.', ',') if comma else celsius} °C)"
    return celsius_text(entry.temp_c, comma)


def entry_line(
    content: Content, entry: LogEntry, tz: ZoneInfo, twelve: bool, comma: bool, year: bool = False
) -> str | None:
    """A temperature or a symptom from the log, with when it happened; None for anything else
    (notes and photos are never on the card or in the summary)."""
    s = content.strings
    moment = entry_when(content, entry.at, tz, twelve, year)
    if entry.kind == TEMPERATURE:
        site = log_label(content, "site_words", entry.site)
        key = "edcard.log_temp" if site else "edcard.log_temp_no_site"
        return s(key, when=moment, temp=temperature_text(entry, comma), site=site)
    if entry.kind == SYMPTOM:
        severity = log_label(content, "severity", entry.severity)
        symptom = log_label(content, "symptoms", entry.symptom) or "?"
        key = "edcard.log_symptom" if severity else "edcard.log_symptom_alone"
        return s(key, when=moment, symptom=symptom, severity=severity)
    return None


# ---- the card ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Card:
    """Everything the card shows, read once (the flow fills it; the views only render it)."""

    facts: Mapping[str, Fact]
    phase: str | None
    since: str | None  # the day the phase began (ISO)
    medicines: Sequence[Medicine]
    contacts: Sequence[Contact]
    region: str | None  # the family's country, for reading their numbers
    fever_c: float | None
    fever_rule: str | None
    comma: bool  # the family's country writes 38,5
    entries: Sequence[LogEntry]  # the last 48 hours, the newest first (notes and photos left out)
    tz: ZoneInfo
    twelve: bool
    now: float
    languages: Mapping[str, str] = field(default_factory=dict)  # every language: code -> its name
    site: Site | None = None  # the hospital's folder: its line for emergency staff, its numbers


def medicine_line(content: Content, m: Medicine, tz: ZoneInfo, twelve: bool) -> Line:
    s = content.strings
    schedule = schedule_text(content, Schedule.loads(m.schedule), twelve)
    text = s("edcard.medicine", dose=m.dose, schedule=schedule)
    if m.status == PAUSED:
        text += " " + s("edcard.medicine_paused")
    noted = short_day(content, m.changed_at or m.created_at, tz)
    return (m.name, s("edcard.dated", value=text, date=noted))


def card_parts(
    content: Content, card: Card, *, medicines_cap: int | None = None, entries_cap: int | None = None
) -> tuple[str, list[str], list[Section]]:
    """(title, the lines under it, the sections) in plain text; `*_cap`: how many medicines
    and log entries to list, the rest counted ("…and 4 more in the PDF")."""
    s = content.strings
    made = s("edcard.made", when=moment_text(content, card.now, card.tz, card.twelve))
    about: list[Line] = [(s("edcard.diagnosis_label"), s("edcard.diagnosis"))]
    if card.phase:
        phase = phase_label(content, card.phase)
        since = (
            s("edcard.phase_since", phase=phase, day=day_text(content, card.since)) if card.since else phase
        )
        about.append((s("edcard.phase_label"), since))
    else:
        about.append((s("edcard.phase_label"), s("edcard.not_entered")))
    about += fact_lines(content, card.facts, card.tz)

    medicines = [medicine_line(content, m, card.tz, card.twelve) for m in card.medicines]
    medicine_lines = _capped(content, medicines, medicines_cap) or [("", s("edcard.medicines_none"))]

    team: list[Line] = []
    site, language = card.site, content.language
    if site is not None:  # the hospital's own lines first, marked as its own
        if language in site.ed_card_line:
            team.append(("", site.ed_card_line[language]))
        team += [(n.label[language], n.shown) for n in site.numbers if language in n.label]
        if site.fever is not None:
            team.append(
                (
                    "",
                    s(
                        "site_card.ed_fever",
                        name=site.name,
                        number=celsius_text(site.fever.number_c, card.comma),
                    ),
                )
            )
    own = [("", visible_text(line, "HTML")) for line in numbers_lines(content, card.contacts, card.region)]
    team += own
    if not own:
        team.append(("", s("edcard.team_none")))
    if card.fever_c is not None:
        team.append(("", s("edcard.fever_number", number=celsius_text(card.fever_c, card.comma))))
    if card.fever_rule:
        team.append(("", s("edcard.fever_rule", rule=card.fever_rule)))

    logged = [
        ("", line)
        for line in (entry_line(content, e, card.tz, card.twelve, card.comma) for e in card.entries)
        if line is not None
    ]
    log_lines = _capped(content, logged, entries_cap) or [("", s("edcard.log_none"))]
    sections: list[Section] = [
        ("", about),
        (s("edcard.medicines_title"), medicine_lines),
        (s("edcard.team_title"), team),
        (s("edcard.log_title"), log_lines),
    ]
    return s("edcard.title"), [made], sections


def _capped(content: Content, lines: list[Line], cap: int | None) -> list[Line]:
    if cap is None or len(lines) <= cap:
        return lines
    return [*lines[:cap], ("", content.strings("edcard.more", count=len(lines) - cap))]


def message_text(title: str, intro: Sequence[str], sections: Sequence[Section]) -> str:
    """The parts as one HTML message: everything escaped, the title, headings and labels bold."""
    chunks = [f"<b>{esc(title)}</b>\n" + "\n".join(f"<i>{esc(line)}</i>" for line in intro)]
    for heading, lines in sections:
        rows = [f"<b>{esc(heading)}</b>"] if heading else []
        rows += [f"<b>{esc(label)}:</b> {esc(text)}" if label else esc(text) for label, text in lines]
        chunks.append("\n".join(rows))
    return "\n\n".join(chunks)


def plain_sections(sections: Sequence[Section]) -> list[tuple[str, list[str]]]:
    """The sections for the PDF: "label: text" lines."""
    return [
        (heading, [f"{label}: {text}" if label else text for label, text in lines])
        for heading, lines in sections
    ]


# How many medicines and log entries the message lists, tried in turn until it fits one
# message (the PDF always has them all).
_CAPS: tuple[tuple[int | None, int | None], ...] = ((None, None), (None, 12), (12, 8), (8, 5), (5, 3), (3, 0))


def card_text(content: Content, card: Card) -> str:
    """The card as one message (long lists shortened, the rest counted, to fit)."""
    text = ""
    for medicines_cap, entries_cap in _CAPS:
        text = message_text(*card_parts(content, card, medicines_cap=medicines_cap, entries_cap=entries_cap))
        if utf16_len(visible_text(text, "HTML")) <= MAX_TEXT:
            break
    return text


def card_view(viewer: Content, content: Content, card: Card, lang: str, *, full: bool) -> View:
    """The card in `content`'s language (the parent's own, or the one the ED reads), with its
    buttons in the parent's (`viewer`): the PDF, the card in each other language, changing the
    details (full members), the urgent card and home."""
    s = viewer.strings
    rows = [[button(s("edcard.pdf"), SendEdCardPdf(lang))]]
    for code, name in card.languages.items():
        if code != content.language:
            rows.append([button(s("edcard.in_language", language=name), ShowEdCard(code))])
    if full:
        rows.append([button(s("edcard.change"), EdCardDetails())])
    rows.append([button(s("menu.urgent"), ShowUrgent()), button(s("menu.home"), Home())])
    return View(card_text(content, card), Markup(rows))


# ---- changing the facts -----------------------------------------------------------------------
def details_view(
    content: Content, facts: Mapping[str, Fact], tz: ZoneInfo, notice: str | None = None
) -> View:
    """Each line the family keeps, with the day it was noted, and a button to change it."""
    s = content.strings
    chunks = [notice] if notice else []
    chunks.append(s("edcard.details_title"))
    chunks.append(
        "\n".join(f"<b>{esc(label)}:</b> {esc(text)}" for label, text in fact_lines(content, facts, tz))
    )
    labels = [button(s(f"edcard.ask_{fact}"), AskFact(i)) for i, fact in enumerate(FACTS)]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    rows.append([button(s("edcard.back"), ShowEdCard("")), button(s("menu.home"), Home())])
    return View("\n\n".join(chunks), Markup(rows))


def choices_view(content: Content, fact: int, current: Fact | None) -> View:
    """A fact of fixed choices (the central line, steroids): one button each."""
    s = content.strings
    name = FACTS[fact]
    rows = [
        [
            button(
                ("• " if current and current.value == value else "") + s(f"edcard.{name}.{value}"),
                SetFact(fact, i),
            )
        ]
        for i, value in enumerate(CHOICES[name])
    ]
    if current is not None:
        rows.append([button(s("edcard.remove"), ClearFact(fact))])
    rows.append([button(s("edcard.details_back"), EdCardDetails())])
    return View(s(f"edcard.{name}_ask"), Markup(rows))


def prompt_markup(content: Content, fact: int, current: Fact | None, today: date) -> Markup:
    """Under a typed fact's question: its quick choices, Remove when it is set, and Cancel."""
    s = content.strings
    name = FACTS[fact]
    rows: list[list[Button]] = []
    if name == ALLERGIES:
        rows.append([button(s("edcard.allergies.none_known"), SetFact(fact, 0))])
    if name == LAST_CHEMO:
        rows.append(day_buttons(content, today))
    if current is not None:
        rows.append([button(s("edcard.remove"), ClearFact(fact))])
    return Markup(rows + list(cancel_keyboard(content).inline_keyboard))


def day_buttons(content: Content, today: date) -> list[Button]:
    s = content.strings
    return [
        button(s("edcard.today"), PickChemoDay(day_number(today))),
        button(s("edcard.yesterday"), PickChemoDay(day_number(today - timedelta(days=1)))),
    ]


def readings_markup(content: Content, readings: Sequence[date], *, summary: bool) -> Markup:
    """A typed day that reads two ways ("1/12"): one button each, never a guess."""
    words = content.profile.dates
    rows = [
        [
            button(
                when.echo(datetime.combine(d, time()), words, with_time=False),
                PickSummaryDay(day_number(d)) if summary else PickChemoDay(day_number(d)),
            )
        ]
        for d in readings
    ]
    return Markup(rows + list(cancel_keyboard(content).inline_keyboard))


# ---- the summary for the next visit -----------------------------------------------------------------
SUMMARY_DAYS = (7, 14)  # the quick choices; 0 is "since the last appointment"


def summary_choice_view(content: Content, notice: str | None = None) -> View:
    s = content.strings
    rows = [
        [button(s("summary.days", n=n), SendSummary(n)) for n in SUMMARY_DAYS],
        [button(s("summary.since_last"), SendSummary(0))],
        [button(s("summary.type_day"), TypeSummaryDay())],
        [button(s("menu.home"), Home())],
    ]
    text = s("summary.title")
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


@dataclass(frozen=True)
class Summary:
    """What the summary holds, read once: from `start` to `now` on the family's clock."""

    start: float
    now: float
    tz: ZoneInfo
    twelve: bool
    comma: bool
    visit: float | None  # the appointment it is for, if it came from its reminder
    entries: Sequence[LogEntry]  # the oldest first
    doses: Sequence[Dose]
    medicines: Mapping[int, Medicine]
    window: int  # minutes after which an unmarked dose is "not marked"
    counts: Sequence[Count]
    questions: Sequence[SavedQuestion]  # open: not asked, no answer

    @property
    def years(self) -> bool:
        """Whether the period crosses a new year (each line then says its year)."""
        start = datetime.fromtimestamp(self.start, self.tz)
        return start.year != datetime.fromtimestamp(self.now, self.tz).year


def summary_period(content: Content, summary: Summary) -> tuple[str, str]:
    return (
        moment_text(content, summary.start, summary.tz, summary.twelve),
        moment_text(content, summary.now, summary.tz, summary.twelve),
    )


def summary_parts(content: Content, summary: Summary) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    """(title, the lines under it, the sections) in plain text, for the PDF."""
    s = content.strings
    tz, twelve = summary.tz, summary.twelve
    start, end = summary_period(content, summary)
    intro = []
    if summary.visit is not None:
        intro.append(s("summary.for_visit", when=moment_text(content, summary.visit, tz, twelve)))
    intro.append(s("summary.period", start=start, end=end))
    intro.append(s("summary.made", when=moment_text(content, summary.now, tz, twelve)))

    def logged(kind: str) -> list[str]:
        lines = [
            entry_line(content, e, tz, twelve, summary.comma, summary.years)
            for e in summary.entries
            if e.kind == kind
        ]
        return [line for line in lines if line] or [s("summary.none")]

    counts = [
        s(
            "summary.count",
            day=day_text(content, c.taken_on),
            name=count_label(content, c.name),
            value=c.value,
            unit=c.unit,
        )
        for c in summary.counts
    ] or [s("summary.counts_none")]
    questions = [
        s("summary.question", number=n, text=q.text) for n, q in enumerate(summary.questions, start=1)
    ]
    return (
        s("summary.pdf_title"),
        intro,
        [
            (s("summary.temps_title"), logged(TEMPERATURE)),
            (s("summary.symptoms_title"), logged(SYMPTOM)),
            (s("summary.doses_title"), dose_lines(content, summary)),
            (s("summary.counts_title"), counts),
            (s("summary.questions_title"), questions or [s("summary.questions_none")]),
        ],
    )


def dose_lines(content: Content, summary: Summary) -> list[str]:
    """Per medicine, in the order of the list: how many doses were given, skipped and not
    marked (never "missed"), then the days of those skipped and not marked; a dose given when
    needed with its time. A dose still to come, or still within the family's window, is left
    out."""
    s = content.strings
    per: dict[int, list[Dose]] = {}
    for d in summary.doses:
        moment = d.due_at if d.due_at is not None else d.marked_at
        if moment is None or moment < summary.start or moment > summary.now:
            continue
        if d.status is None and summary.now - moment <= summary.window * 60:
            continue  # still due: not "not marked" yet
        per.setdefault(d.medicine_id, []).append(d)
    names = {mid: (m.name, m.dose) for mid, m in summary.medicines.items()}
    lines: list[str] = []
    for mid in sorted(per, key=lambda i: (names.get(i, ("?", ""))[0].lower(), i)):
        doses = per[mid]
        name, dose = names.get(mid, ("?", ""))
        needed = [d for d in doses if d.due_at is None]
        scheduled = [d for d in doses if d.due_at is not None]
        if scheduled:
            given = sum(1 for d in scheduled if d.status == GIVEN)
            skipped = [d for d in scheduled if d.status == SKIPPED]
            unmarked = [d for d in scheduled if d.status is None]
            lines.append(
                s(
                    "summary.dose_counts",
                    name=name,
                    dose=dose,
                    given=given,
                    skipped=len(skipped),
                    not_marked=len(unmarked),
                )
            )
            if unmarked:
                lines.append(s("summary.doses_not_marked", list=_when_list(content, unmarked, summary)))
            if skipped:
                lines.append(s("summary.doses_skipped", list=_when_list(content, skipped, summary)))
        if needed:
            lines.append(s("summary.doses_needed", name=name, list=_when_list(content, needed, summary)))
    if not lines:
        return [s("summary.doses_none")]
    return [*lines, s("summary.doses_about")]


def _when_list(content: Content, doses: Sequence[Dose], summary: Summary) -> str:
    moments = [d.due_at if d.due_at is not None else d.marked_at or 0 for d in doses]
    return "; ".join(entry_when(content, m, summary.tz, summary.twelve, summary.years) for m in moments)
