"""🏥 The card for the emergency department and 📄 the summary for the next visit, through the
real Application, in both languages and on both backends: each line of the card entered by
taps and typing (dated, changed, taken off), the card's contents in the family's language
and in the other (what the family typed never translated), no blood count on it, the PDF's
text read back, a helper who sees the card and cannot change it; the summary's PDF for a
chosen period (temperatures, symptoms, doses given, skipped and "not marked", counts
labelled as the family's, open questions), a typed first day, and the summary button on the
appointment reminder."""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from bot.content import Content
from bot.context import services_of
from bot.doses import Schedule
from bot.pdf import build_sections_pdf
from bot.render import utf16_len
from bot.storage import Member
from bot.storage.interface import Fact, LogEntry, Medicine
from bot.telegram_html import MAX_TEXT, visible_text
from handlers.appointments.reminders import REMINDER_JOB
from handlers.edcard.views import (
    FACTS,
    Card,
    Summary,
    card_parts,
    card_text,
    moment_text,
    plain_sections,
    summary_parts,
)
from handlers.privacy import celsius_text
from tests.harness import Clock, Harness, make, save_phone
from tests.test_family import consent, join_by_link
from tests.test_medicines import add_daily, run_job

pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]

A, B = 1001, 2002
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=MADRID).timestamp()  # Monday 30 Nov 2026, 10:00
HOUR = 3600.0


@pytest.fixture
async def bot(settings: Any, catalog: dict[str, Content], language: str) -> Any:
    async with Harness(settings, catalog["en"], language=language, clock=Clock(start=NOW)) as harness:
        yield harness


def s(bot: Harness, key: str, **fields: Any) -> str:
    return bot.content.strings(key, **fields)


def other_language(bot: Harness) -> Content:
    return next(c for code, c in services_of(bot.app).contents.items() if code != bot.language)


def at(bot: Harness, when: datetime) -> None:
    bot.clock.advance(when.timestamp() - bot.clock())


def noted(content: Content, value: str, day: date = date(2026, 11, 30)) -> str:
    """A card line's value with the day it was noted, as the card writes it."""
    month = content.strings("dates.month_abbr").split()[day.month - 1]
    return content.strings("edcard.dated", value=value, date=f"{day.day} {month} {day.year}")


def pdf_text(bot: Harness) -> str:
    reader = PdfReader(io.BytesIO(bot.api.files[-1].data))
    return " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")


async def family(bot: Harness, *, helper: bool = False) -> None:
    await consent(bot, A)
    for user in (A, B):
        await bot.storage.users.set_language(user, bot.language)
    await bot.storage.circles.set_timezone(Member(A, A), "Europe/Madrid")
    if helper:
        await join_by_link(bot, B, role=2)


async def open_details(bot: Harness, user: int = A) -> None:
    await bot.send("/edcard", user)
    await bot.tap(s(bot, "edcard.change"), user)
    assert s(bot, "edcard.details_title") in bot.html(user)


# ---- the card's lines ----------------------------------------------------------------------------
async def test_each_line_is_entered_dated_changed_and_taken_off(bot: Harness) -> None:
    await family(bot)
    await bot.send("/edcard")
    card = bot.html()
    assert s(bot, "edcard.diagnosis") in card
    assert card.count(s(bot, "edcard.not_entered")) == len(FACTS) + 1  # the phase too
    await open_details(bot)

    await bot.tap(s(bot, "edcard.ask_name"))
    assert s(bot, "edcard.name_prompt") in bot.html()
    await bot.send("x" * 41)
    assert bot.html() == s(bot, "edcard.name_too_long", limit=40, length=41)
    await bot.send("  Ana   M. ")
    assert s(bot, "edcard.saved") in bot.html()

    await bot.tap(s(bot, "edcard.ask_line"))
    await bot.tap(s(bot, "edcard.line.picc"))
    await bot.tap(s(bot, "edcard.ask_allergies"))
    await bot.send("penicillin (rash) & <latex>")
    await bot.tap(s(bot, "edcard.ask_last_chemo"))
    await bot.send("2026-12-01")  # tomorrow: refused, the prompt stays open
    assert s(bot, "edcard.date.future") in bot.html()
    await bot.send("2026-11-23")
    await bot.tap(s(bot, "edcard.ask_steroids"))
    await bot.tap(s(bot, "edcard.steroids.yes"))
    await bot.tap(s(bot, "edcard.ask_instructions"))
    await bot.send("call the oncology ward on arrival")

    facts = await bot.storage.log.facts(A)
    assert {k: f.value for k, f in facts.items()} == {
        "name": "Ana M.",
        "line": "picc",
        "allergies": "penicillin (rash) & <latex>",
        "last_chemo": "2026-11-23",
        "steroids": "yes",
        "instructions": "call the oncology ward on arrival",
    }
    assert {f.changed_by for f in facts.values()} == {A}
    await bot.send("/edcard")
    card = bot.html()
    for value in (
        "Ana M.",
        s(bot, "edcard.line.picc"),
        "penicillin (rash) &amp; &lt;latex&gt;",  # as typed, escaped
        s(bot, "edcard.steroids.yes"),
        "call the oncology ward on arrival",
    ):
        assert noted(bot.content, value) in card, value
    monday = s(bot, "dates.day_abbr").split()[0]
    assert f"{monday} 23 " in card  # the last chemotherapy day with its weekday

    # A day later the name changes: its line carries the new day, the others keep theirs.
    bot.clock.advance(24 * HOUR)
    await open_details(bot)
    await bot.tap(s(bot, "edcard.ask_name"))
    await bot.send("A.M.")
    await bot.send("/edcard")
    card = bot.html()
    assert noted(bot.content, "A.M.", date(2026, 12, 1)) in card
    assert noted(bot.content, s(bot, "edcard.line.picc")) in card

    # No known allergies by a tap; then taken off the card.
    await open_details(bot)
    await bot.tap(s(bot, "edcard.ask_allergies"))
    await bot.tap(s(bot, "edcard.allergies.none_known"))
    assert (await bot.storage.log.facts(A))["allergies"].value == "none_known"
    await bot.tap(s(bot, "edcard.ask_allergies"))
    await bot.tap(s(bot, "edcard.remove"))
    assert s(bot, "edcard.removed") in bot.html()
    assert "allergies" not in await bot.storage.log.facts(A)


async def test_a_day_that_reads_two_ways_is_asked_and_today_is_a_tap(bot: Harness) -> None:
    await family(bot)
    await open_details(bot)
    await bot.tap(s(bot, "edcard.ask_last_chemo"))
    await bot.send("5/3")
    assert s(bot, "edcard.date.which") in bot.html()
    days = [d for _, d in bot.buttons() if d.startswith("eg:")]
    assert len(days) == 2
    await bot.tap_data(days[0])
    first = (await bot.storage.log.facts(A))["last_chemo"].value
    assert first in ("2026-03-05", "2026-05-03")
    await bot.tap(s(bot, "edcard.ask_last_chemo"))
    await bot.tap(s(bot, "edcard.today"))
    assert (await bot.storage.log.facts(A))["last_chemo"].value == "2026-11-30"
    await bot.tap_data(make("eg", day=20261201))  # a day to come, by a forged tap
    assert bot.answers()[-1]["show_alert"] is True
    assert (await bot.storage.log.facts(A))["last_chemo"].value == "2026-11-30"


# ---- what the card holds --------------------------------------------------------------------------
async def record(bot: Harness) -> None:
    """A family's record, put straight into storage (with one medicine added by taps)."""
    me = Member(A, A)
    await bot.storage.log.set_fact(me, "name", "Ana")
    await bot.storage.log.set_fact(me, "line", "port")
    await bot.storage.log.set_fact(me, "allergies", "penicillin (rash)")
    await bot.storage.circles.set_phase(me, "consolidation", "2026-10-12")
    await save_phone(bot, A, "+34 612 345 678", "Oncology ward")
    await bot.storage.circles.set_fever_c(me, 38.0)
    await bot.storage.circles.set_fever_rule(me, "call if 38 twice in an hour")
    log = bot.storage.log
    await log.add(me, "temperature", NOW - 2 * HOUR, limit=500, temp_c=38.4, temp_typed="38.4", site="armpit")
    await log.add(
        me, "temperature", NOW - 3 * HOUR, limit=500, temp_c=38.444, temp_typed="101.2F", site="mouth"
    )
    await log.add(me, "symptom", NOW - 5 * HOUR, limit=500, symptom="vomiting", severity="moderate")
    await log.add(me, "temperature", NOW - 60 * HOUR, limit=500, temp_c=39.9, temp_typed="39.9", site="ear")
    await log.add(me, "note", NOW - HOUR, limit=500, note="a private note about the night")
    await log.add(me, "photo", NOW - HOUR, limit=500, photo="AgACphotofileid")
    await bot.storage.counts.add(me, "2026-11-29", "platelets", "45", 45.0, "x10^9/L", limit=2000)
    await add_daily(bot, "mercaptopurine", "1½ tablets")


async def test_the_card_in_both_languages_as_a_message_and_a_pdf_without_counts(bot: Harness) -> None:
    await family(bot)
    await record(bot)
    await bot.send("/edcard")
    card = bot.html()
    content = bot.content
    phase = content.phase("consolidation")
    expected = [
        content.strings("edcard.diagnosis"),
        phase.label if phase else "consolidation",
        noted(content, "Ana"),
        noted(content, content.strings("edcard.line.port")),
        noted(content, "penicillin (rash)"),
        "mercaptopurine",
        "1½ tablets",
        content.strings("edcard.medicines_title"),
        "+34612345678",
        "Oncology ward",
        content.strings("edcard.fever_number", number=celsius_text(38.0)),
        "call if 38 twice in an hour",
        "38.4 °C (101.1 °F)",
        "101.2 °F (38.4 °C)",
        content.strings("log.symptoms.vomiting"),
    ]
    for text in expected:
        assert text in card, text
    for never in (
        "39.9",
        "private note",
        "AgACphotofileid",
        "45 x10",
        "platelets",
        content.strings("counts.names.platelets"),
    ):
        assert never not in card, never
    assert content.strings("edcard.made", when=moment_text(content, NOW, MADRID, False)) in card

    # The other language: its words, the family's own text as typed.
    other = other_language(bot)
    await bot.tap("🌐")
    shown = bot.html()
    assert other.strings("edcard.diagnosis") in shown and content.strings("edcard.diagnosis") not in shown
    assert other.strings("edcard.line.port") in shown
    assert "penicillin (rash)" in shown and "call if 38 twice in an hour" in shown
    assert other.strings("log.symptoms.vomiting") in shown
    back = [label for label, _ in bot.buttons() if label.startswith("🌐")]
    assert back and content.strings("language.name") in back[0]

    # Its PDF, in that language.
    await bot.tap(s(bot, "edcard.pdf"))
    assert bot.api.files[-1].filename == other.strings("edcard.pdf_filename")
    text = pdf_text(bot)
    assert other.strings("edcard.diagnosis") in text and "penicillin (rash)" in text
    assert "+34612345678" in text and "mercaptopurine" in text
    for never in ("39.9", "private note", "platelets", "45 x10"):
        assert never not in text, never

    # And in the family's own language.
    await bot.send("/edcard")
    await bot.tap(s(bot, "edcard.pdf"))
    assert bot.api.files[-1].filename == s(bot, "edcard.pdf_filename")
    text = pdf_text(bot)
    for line in (
        content.strings("edcard.diagnosis"),
        noted(content, "Ana"),
        noted(content, content.strings("edcard.line.port")),
        "101.2 °F (38.4 °C)",
        content.strings("edcard.medicines_title"),
    ):
        assert line in text, line
    assert "platelets" not in text and content.strings("counts.names.platelets") not in text


async def test_the_urgent_card_leads_to_it(bot: Harness) -> None:
    await family(bot)
    await bot.send("/urgent")
    assert (s(bot, "edcard.button"), make("ea", lang="")) in bot.buttons()
    await bot.tap(s(bot, "edcard.button"))
    assert s(bot, "edcard.title") in bot.html()
    await bot.tap(s(bot, "menu.urgent"))
    assert bot.content.urgent.title in bot.html()


async def test_a_helper_sees_the_card_and_cannot_change_it(bot: Harness) -> None:
    await family(bot, helper=True)
    await bot.storage.log.set_fact(Member(A, A), "name", "Ana")
    await bot.send("/edcard", B)
    assert noted(bot.content, "Ana") in bot.html(B)
    assert s(bot, "edcard.change") not in [label for label, _ in bot.buttons(B)]
    for data in (
        make("ec"),
        make("ed", fact=0),
        make("ee", fact=1, choice=0),
        make("ef", fact=0),
        make("eg", day=20261129),
    ):
        await bot.tap_data(data, B)
        assert bot.answers()[-1]["text"] == s(bot, "family.full_only"), data
    facts = await bot.storage.log.facts(A)
    assert {k: f.value for k, f in facts.items()} == {"name": "Ana"}
    await bot.tap_data(make("eb", lang=""), B)  # the PDF: any member
    assert "Ana" in pdf_text(bot)


async def test_stale_and_forged_taps_are_calm(bot: Harness) -> None:
    await family(bot)
    for data in (
        make("ed", fact=99),
        make("ee", fact=1, choice=99),
        make("ee", fact=0, choice=0),
        make("ei", days=5),
    ):
        await bot.tap_data(data)
        assert bot.answers()[-1]["text"] == s(bot, "errors.stale"), data
    await bot.tap_data(make("ea", lang="xx"))  # an unknown language: the family's own
    assert s(bot, "edcard.title") in bot.html()


# ---- the summary ------------------------------------------------------------------------------------
async def summary_record(bot: Harness) -> None:
    """A week: a medicine at 20:00 from Monday (given, skipped, then not marked twice), logged
    temperatures and a symptom, counts inside and outside the period, questions open and asked."""
    me = Member(A, A)
    await add_daily(bot, "mercaptopurine", "1½ tablets")
    for day, mark in ((30, "given"), (1, "skipped"), (2, None), (3, None)):
        month = 11 if day == 30 else 12
        at(bot, datetime(2026, month, day, 20, 0, 5, tzinfo=MADRID))
        await run_job(bot)
        if mark:
            (dose,) = await bot.storage.medicines.on_days(
                A, f"2026-{month:02d}-{day:02d}", f"2026-{month:02d}-{day:02d}"
            )
            await bot.storage.medicines.mark(me, dose.id, mark)
    log = bot.storage.log
    dec = datetime(2026, 12, 3, 21, 0, tzinfo=MADRID).timestamp()
    await log.add(me, "temperature", dec, limit=500, temp_c=38.6, temp_typed="38,6", site="armpit")
    await log.add(me, "symptom", dec - 24 * HOUR, limit=500, symptom="mouth_sores", severity="mild")
    await log.add(
        me,
        "temperature",
        datetime(2026, 11, 20, 8, tzinfo=MADRID).timestamp(),
        limit=500,
        temp_c=39.7,
        temp_typed="39.7",
        site="ear",
    )
    await bot.storage.counts.add(me, "2026-12-02", "platelets", "45", 45.0, "x10^9/L", limit=2000)
    await bot.storage.counts.add(me, "2026-11-01", "wbc", "9.9", 9.9, "x10^9/L", limit=2000)
    await bot.storage.questions.add_own(me, "Is the mouth sore from the chemo?", limit=200)
    asked = await bot.storage.questions.add_own(me, "When is the next lumbar puncture?", limit=200)
    await bot.storage.questions.mark_asked(me, asked, True)
    at(bot, datetime(2026, 12, 4, 10, 0, tzinfo=MADRID))


async def test_the_summary_of_the_last_7_days(bot: Harness) -> None:
    await family(bot)
    await summary_record(bot)
    await bot.send("/summary")
    assert s(bot, "summary.title") in bot.html()
    await bot.tap(s(bot, "summary.days", n=7))
    assert bot.answers()[-1]["text"] == s(bot, "summary.sending")
    sent = bot.api.files[-1]
    assert sent.filename == s(bot, "summary.pdf_filename")
    text = pdf_text(bot)
    content = bot.content
    for line in (
        content.strings("summary.temps_title"),
        "38.6 °C",
        content.strings("log.symptoms.mouth_sores"),
        content.strings(
            "summary.dose_counts", name="mercaptopurine", dose="1½ tablets", given=1, skipped=1, not_marked=2
        ),
        content.strings("summary.doses_about"),
        content.strings("summary.counts_title"),
        "45 x10^9/L",
        "Is the mouth sore from the chemo?",
    ):
        assert line in text, line
    for never in ("39.7", "9.9", "lumbar puncture", "missed", "omitid"):
        assert never not in text, never
    assert content.strings("counts.names.platelets") in text


async def test_the_summary_from_a_typed_day(bot: Harness) -> None:
    await family(bot)
    await summary_record(bot)
    await bot.send("/summary")
    await bot.tap(s(bot, "summary.type_day"))
    assert s(bot, "summary.day_prompt") in bot.html()
    await bot.send("2026-12-09")
    assert s(bot, "edcard.date.future") in bot.html()
    await bot.send("2026-12-02")
    assert s(bot, "summary.sent") in bot.html()
    text = pdf_text(bot)
    assert (
        bot.content.strings(
            "summary.dose_counts", name="mercaptopurine", dose="1½ tablets", given=0, skipped=0, not_marked=2
        )
        in text
    )
    assert "45 x10^9/L" in text and "38.6 °C" in text


async def test_since_the_last_appointment_and_none_noted(bot: Harness) -> None:
    await family(bot)
    await bot.send("/summary")
    await bot.tap(s(bot, "summary.since_last"))
    assert bot.answers()[-1]["text"] == s(bot, "summary.no_last")
    assert not bot.api.files


# ---- the reminder ------------------------------------------------------------------------------------
async def test_the_summary_button_on_the_appointment_reminder(bot: Harness) -> None:
    await family(bot)
    me = Member(A, A)
    last = datetime(2026, 11, 25, 9, 0, tzinfo=MADRID).timestamp()
    await bot.storage.appointments.add(me, last, last - 15 * HOUR, after=0, limit=10)
    visit = datetime(2026, 12, 1, 9, 30, tzinfo=MADRID).timestamp()
    appt = await bot.storage.appointments.add(me, visit, NOW - 60, after=NOW, limit=10)
    await bot.storage.log.add(
        me, "temperature", last + HOUR, limit=500, temp_c=38.1, temp_typed="38.1", site="ear"
    )
    await bot.storage.log.add(
        me, "temperature", last - HOUR, limit=500, temp_c=39.2, temp_typed="39.2", site="ear"
    )
    (job,) = bot.app.job_queue.get_jobs_by_name(REMINDER_JOB)  # type: ignore[union-attr]
    await job.run(bot.app)
    # The job's start-up look may hold its lock and send the reminder itself: wait for it.
    for _ in range(100):
        if any("ek:" in data for _, data in bot.buttons(A)):
            break
        await asyncio.sleep(0.02)
    reminder = bot.last_message(A)
    assert [data for _, data in bot.buttons()] == [
        make("m", page=0),
        make("mp"),
        make("vq", num=0),
        make("ek", appt=appt),
    ]
    assert bot.buttons()[-1][0] == s(bot, "summary.visit_button")
    calls = len(bot.api.calls)
    await bot.tap(s(bot, "summary.visit_button"))
    # The reminder stays as it was: the tap is answered, then the PDF comes.
    assert [c.method for c in bot.api.calls[calls:]] == ["answerCallbackQuery", "sendDocument"]
    assert bot.api.message(A, int(reminder["message_id"]))["text"] == reminder["text"]
    text = pdf_text(bot)
    assert "38.1 °C" in text and "39.2" not in text
    tue = s(bot, "dates.day_abbr").split()[1]
    wed = s(bot, "dates.day_abbr").split()[2]
    assert f"{tue} 1 " in text  # for the visit on Tue 1 Dec
    assert f"{wed} 25 " in text  # from the last appointment, Wed 25 Nov


# ---- the views alone ------------------------------------------------------------------------------
def test_a_long_card_fits_one_message_and_its_pdf_holds_every_line(catalog: dict[str, Content]) -> None:
    """Thirty long medicines and a busy two days: the message lists what fits and counts the
    rest ("…and 22 more in the PDF"); the PDF has them all."""
    content = catalog["en"]
    schedule = Schedule(times=("08:00", "20:00")).dumps()
    medicines = [
        Medicine(
            i, 1, f"medicine {i:02d} " + "n" * 50, "d" * 80, schedule, "", "active", None, NOW, A, None, None
        )
        for i in range(30)
    ]
    entries = [
        LogEntry(i, 1, "temperature", NOW - i * 600, 38.0, "38.0", "mouth", None, None, "", None, A, NOW)
        for i in range(200)
    ]
    card = Card(
        facts={"instructions": Fact("i" * 300, A, NOW), "allergies": Fact("a" * 200, A, NOW)},
        phase=None,
        since=None,
        medicines=medicines,
        contacts=[],
        region=None,
        fever_c=None,
        fever_rule="r" * 120,
        comma=False,
        entries=entries,
        tz=MADRID,
        twelve=False,
        now=NOW,
    )
    text = card_text(content, card)
    assert utf16_len(visible_text(text, "HTML")) <= MAX_TEXT
    assert "more in the PDF" in text and "i" * 300 in text
    title, intro, sections = card_parts(content, card)
    body = build_sections_pdf(
        content.strings, title, intro, plain_sections(sections), "en", "edcard.pdf_footer"
    )
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "medicine 29" in words and "more in the PDF" not in words
    assert "Not a medical record" in words and "Questions for my child" not in words


def test_a_summary_across_new_year_says_each_lines_year(catalog: dict[str, Content]) -> None:
    content = catalog["en"]
    start = datetime(2026, 12, 28, tzinfo=MADRID).timestamp()
    now = datetime(2027, 1, 3, 10, tzinfo=MADRID).timestamp()
    entry = LogEntry(1, 1, "symptom", start + HOUR, None, None, None, "pain", "mild", "", None, A, start)
    summary = Summary(start, now, MADRID, False, False, None, [entry], [], {}, 120, [], [])
    _, _, sections = summary_parts(content, summary)
    symptoms = dict(sections)[content.strings("summary.symptoms_title")]
    assert symptoms == [
        content.strings("edcard.log_symptom", when="Mon 28 Dec 2026, 01:00", symptom="Pain", severity="Mild")
    ]
