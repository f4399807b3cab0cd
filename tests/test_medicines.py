"""💊 Medicines through the real Application, with a controlled clock, on both backends: a
medicine added as the label says (per-weekday doses, courses, only when needed), echoed in
words before it is saved, reminders at the family's local time (one message per due minute),
two members — one gives, the other's reminder changes in place — the double-give question,
Undo, "not marked" (never "missed"), "last given" before an as-needed dose, a failed send
tried again, a helper who cannot change a schedule, notices, and the CSV and PDF."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from bot.doses import CYCLE, WEEKDAYS, Schedule
from bot.doses import DAY as DAY_KIND
from bot.offline import ApiError
from bot.storage import Member
from handlers.medicines import DOSE_JOB
from handlers.medicines.rounds import cell
from tests.harness import Clock, Harness, make, stored_anywhere
from tests.test_family import consent, join_by_link

pytestmark = pytest.mark.every_backend

A, B = 1001, 2002
MADRID = ZoneInfo("Europe/Madrid")
# Monday 30 November 2026, 10:00 in Madrid.
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=MADRID).timestamp()


@pytest.fixture
async def meds(settings: Any, catalog: Any) -> Any:
    async with Harness(settings, catalog["en"], clock=Clock(start=NOW)) as bot:
        yield bot


def s(bot: Harness, key: str, **fields: Any) -> str:
    return bot.content.strings(key, **fields)


def at(bot: Harness, when: datetime) -> None:
    """Move the bot's clock to this moment."""
    bot.clock.advance(when.timestamp() - bot.clock())


async def family(bot: Harness, *, with_b: bool = True, role: int = 1) -> None:
    await consent(bot, A)
    await bot.storage.circles.set_timezone(Member(A, A), "Europe/Madrid")
    if with_b:
        await join_by_link(bot, B, role=role)


async def add_6mp(bot: Harness, user: int = A) -> None:
    """mercaptopurine as the label says: 1½ tablets, every day at 8 pm."""
    await bot.send("/medicines", user)
    await bot.tap(s(bot, "medicines.add"), user)
    assert s(bot, "medicines.name_prompt") in bot.html(user)
    await bot.tap("6-MP", user)
    assert "Type the dose exactly" in bot.html(user)
    await bot.send("1½ tablets", user)
    await bot.tap(s(bot, "medicines.every_day"), user)
    await bot.send("8pm", user)
    assert "8:00 pm" in bot.html(user) or "20:00" in bot.html(user)
    await bot.tap(s(bot, "medicines.done"), user)


async def add_daily(bot: Harness, name: str, dose: str, time: str = "20:00", user: int = A) -> None:
    """A medicine typed in, every day at one time, saved."""
    await bot.send("/medicines", user)
    await bot.tap(s(bot, "medicines.add"), user)
    await bot.send(name, user)
    await bot.send(dose, user)
    await bot.tap(s(bot, "medicines.every_day"), user)
    await bot.send(time, user)
    await bot.tap(s(bot, "medicines.done"), user)
    await bot.tap(s(bot, "medicines.save"), user)


async def run_job(bot: Harness) -> None:
    (job,) = bot.app.job_queue.get_jobs_by_name(DOSE_JOB)  # type: ignore[union-attr]
    await job.run(bot.app)


def reminders(bot: Harness, user: int) -> list[dict[str, Any]]:
    """The dose reminders this member's chat holds (sent, whatever became of them since)."""
    discreet = s(bot, "medicines.reminder_discreet", time="").split("—")[0]
    return [
        m
        for m in bot.api.chat_messages(user)
        if re.match(r"💊 \d{1,2}:\d\d", str(m.get("text", ""))) or str(m.get("text", "")).startswith(discreet)
    ]


# ---- adding ----------------------------------------------------------------------------------
async def test_added_as_the_label_says_echoed_then_saved_and_everyone_told(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await add_6mp(bot)
    echo = bot.html(A)
    assert s(bot, "medicines.echo_title") in echo
    assert "Every day at 20:00" in echo and "1½ tablets (as on the label)" in echo
    assert await bot.storage.medicines.listed(A) == []  # nothing saved before ✅
    await bot.tap(s(bot, "medicines.save"), A)
    assert s(bot, "medicines.first_saved") in bot.html(A)
    assert bot.html(A).count(s(bot, "medicines.about")) == 1  # said with the first medicine, once
    (m,) = await bot.storage.medicines.listed(A)
    assert (m.name, m.dose, m.status) == ("mercaptopurine (6-MP)", "1½ tablets", "active")
    assert m.next_due_at == datetime(2026, 11, 30, 20, 0, tzinfo=MADRID).timestamp()
    told = bot.html(B)
    assert "added mercaptopurine (6-MP)" in told and "Every day at 20:00" in told


async def test_per_weekday_doses_and_a_repeated_course(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.add"), A)
    await bot.send("methotrexate", A)
    await bot.send("3 tablets", A)
    await bot.tap(s(bot, "medicines.every_weekdays"), A)
    await bot.tap("Mon", A)
    await bot.tap("Fri", A)
    await bot.tap(s(bot, "medicines.done"), A)
    await bot.send("20h", A)
    await bot.tap(s(bot, "medicines.done"), A)
    await bot.tap(s(bot, "medicines.day_dose"), A)
    await bot.tap("Friday", A)
    await bot.send("2 tablets", A)
    echo = bot.html(A)
    assert "Every Monday and Friday at 20:00" in echo and "On Friday: 2 tablets" in echo
    await bot.tap(s(bot, "medicines.save"), A)
    (m,) = await bot.storage.medicines.listed(A)
    schedule = Schedule.loads(m.schedule)
    assert schedule.every == WEEKDAYS and schedule.weekdays == (0, 4) and schedule.doses == {4: "2 tablets"}

    # Five days every four weeks, from tomorrow.
    await bot.tap(s(bot, "medicines.add"), A)
    await bot.send("dexamethasone", A)
    await bot.send("2 mL", A)
    await bot.tap(s(bot, "medicines.every_cycle"), A)
    await bot.tap(s(bot, "medicines.days_option", n=5), A)
    await bot.tap(s(bot, "medicines.weeks_option", n=4), A)
    await bot.tap(s(bot, "medicines.start_tomorrow"), A)
    await bot.send("8am", A)
    await bot.tap(s(bot, "medicines.done"), A)
    assert "5 days in a row, starting again every 28 days, at 08:00, from Tue 1 Dec" in bot.html(A)
    await bot.tap(s(bot, "medicines.save"), A)
    dexa = next(m for m in await bot.storage.medicines.listed(A) if m.name == "dexamethasone")
    assert Schedule.loads(dexa.schedule).every == CYCLE
    assert dexa.next_due_at == datetime(2026, 12, 1, 8, 0, tzinfo=MADRID).timestamp()


async def test_a_time_that_reads_two_ways_is_asked_and_bad_input_is_calm(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.add"), A)
    await bot.send("x" * 200, A)
    assert bot.html(A) == s(bot, "medicines.name_too_long", limit=60, length=200)
    await bot.send("co-trimoxazole", A)
    await bot.send("5 mL", A)
    await bot.tap(s(bot, "medicines.every_day"), A)
    await bot.send("whenever", A)
    assert s(bot, "medicines.times_problem", part="whenever") in bot.html(A)
    await bot.send("8", A)
    assert s(bot, "medicines.time_which", part="8") in bot.html(A)
    await bot.tap("20:00", A)
    await bot.send("8 am", A)
    await bot.tap(s(bot, "medicines.done"), A)
    assert "Every day at 08:00, 20:00" in bot.html(A)


async def test_only_a_full_member_changes_a_schedule(meds: Harness) -> None:
    bot = meds
    await family(bot, role=2)  # B is a helper
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    (m,) = await bot.storage.medicines.listed(A)
    await bot.send("/medicines", B)
    await bot.tap(s(bot, "medicines.open", name=m.name), B)
    labels = [label for label, _ in bot.buttons(B)]
    assert s(bot, "medicines.change_dose") not in labels
    await bot.tap_data(make("dt", med=m.id, part=0), B)  # a forged Change the dose
    assert bot.answers()[-1]["text"] == s(bot, "family.full_only")
    await bot.tap_data(make("du", med=m.id, status=2, sure=1), B)  # a forged Stop
    assert (await bot.storage.medicines.get(A, m.id)).status == "active"  # type: ignore[union-attr]


# ---- the evening: reminders for two carers ---------------------------------------------------------
async def test_two_carers_one_gives_the_other_sees_it_in_place(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    at(bot, datetime(2026, 11, 30, 19, 59, tzinfo=MADRID))
    await run_job(bot)
    assert not reminders(bot, A)
    at(bot, datetime(2026, 11, 30, 20, 0, 10, tzinfo=MADRID))
    await run_job(bot)
    await run_job(bot)  # a second look sends nothing more
    (to_a,) = reminders(bot, A)
    (_to_b,) = reminders(bot, B)
    assert to_a["text"] == s(
        bot, "medicines.reminder", time="20:00", name="mercaptopurine (6-MP)", dose="1½ tablets"
    )
    # Ana taps Given at 20:04: recorded for the family, Luis's reminder changes in place.
    at(bot, datetime(2026, 11, 30, 20, 4, tzinfo=MADRID))
    await bot.tap(s(bot, "medicines.given"), A)
    given_line = s(bot, "medicines.state_given", who=s(bot, "family.no_name"), time="20:04")
    (dose,) = await bot.storage.medicines.on_days(A, "2026-11-30", "2026-11-30")
    assert dose.status == "given" and dose.marked_by == A
    edits_b = [c.params for c in bot.api.of("editMessageText") if int(c.params["chat_id"]) == B]
    assert edits_b and given_line in edits_b[-1]["text"]
    # Luis, on his (edited) reminder, taps Given too: asked first, with what was recorded.
    await bot.tap_data(make("dx", dose=dose.id), B)
    assert "Already recorded" in bot.html(B) and s(bot, "medicines.not_sure").replace("<i>", "").replace(
        "</i>", ""
    ) in bot.html(B)
    await bot.tap(s(bot, "medicines.again"), B)
    events = await bot.storage.medicines.events(A, dose.id)
    assert [e.what for e in events] == ["given", "given_again"]
    # Undo, kept in the history; the dose shows as not marked again, for both.
    await bot.tap_data(make("pb", dose=dose.id), A)
    assert (await bot.storage.medicines.dose(A, dose.id)).status is None  # type: ignore[union-attr]
    assert [e.what for e in await bot.storage.medicines.events(A, dose.id)] == [
        "given",
        "given_again",
        "undone",
    ]


async def test_one_message_per_due_minute_and_not_marked_after_the_window(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    await add_daily(bot, "co-trimoxazole", "5 mL")
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    await run_job(bot)
    (sent,) = reminders(bot, A)
    assert "co-trimoxazole" in sent["text"] and "6-MP" in sent["text"]
    # Nobody taps; after the family's window (2 h) the dose is "not marked", never "missed".
    at(bot, datetime(2026, 11, 30, 22, 30, tzinfo=MADRID))
    await run_job(bot)
    assert len(reminders(bot, A)) == 1
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.today"), A)
    today = bot.html(A)
    assert today.count(s(bot, "medicines.state_not_marked")) == 2
    assert s(bot, "medicines.not_sure") in today
    assert "missed" not in today.lower()


async def test_snooze_comes_back_unless_someone_gave_it(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    await run_job(bot)
    await bot.tap(s(bot, "medicines.snooze"), A)
    await bot.tap(s(bot, "medicines.snooze"), B)
    assert "20:15" in bot.answers()[-1]["text"]
    at(bot, datetime(2026, 11, 30, 20, 10, tzinfo=MADRID))
    await bot.tap(s(bot, "medicines.given"), B)  # B gives it before the snooze ends
    at(bot, datetime(2026, 11, 30, 20, 16, tzinfo=MADRID))
    await run_job(bot)
    assert len(reminders(bot, A)) == 1  # A's snooze was cancelled by B's Given


async def test_a_failed_send_is_tried_again(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    failed: list[str] = []

    def once(method: str, params: dict[str, Any]) -> ApiError | None:
        if method == "sendMessage" and not failed:
            failed.append(method)
            return ApiError(502, "Bad Gateway")
        return None

    bot.api.fault = once
    await run_job(bot)
    assert not reminders(bot, A)
    bot.clock.advance(125)  # the lease runs out
    await run_job(bot)
    assert len(reminders(bot, A)) == 1


async def test_reminders_follow_the_family_clock_across_daylight_saving(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await bot.storage.circles.set_timezone(Member(A, A), "America/Chicago")
    chicago = ZoneInfo("America/Chicago")
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    (m,) = await bot.storage.medicines.listed(A)
    assert m.next_due_at == datetime(2026, 11, 30, 20, 0, tzinfo=chicago).timestamp()
    # March 2027: Chicago springs forward on the 14th; 8 pm stays 8 pm on the clock.
    at(bot, datetime(2027, 3, 13, 20, 0, 5, tzinfo=chicago))
    await bot.storage.medicines.rescheduled(
        A, {m.id: datetime(2027, 3, 13, 20, 0, tzinfo=chicago).timestamp()}
    )
    await run_job(bot)
    at(bot, datetime(2027, 3, 14, 20, 0, 5, tzinfo=chicago))
    await run_job(bot)
    days = await bot.storage.medicines.on_days(A, "2027-03-13", "2027-03-14")
    assert [(d.day, d.clock) for d in days] == [("2027-03-13", "20:00"), ("2027-03-14", "20:00")]
    assert days[1].due_at - days[0].due_at == 23 * 3600  # type: ignore[operator]


async def test_as_needed_shows_last_given_first(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.add"), A)
    await bot.send("ondansetron", A)
    await bot.send("4 mg", A)
    await bot.tap(s(bot, "medicines.every_needed"), A)
    assert s(bot, "medicines.sched.needed") in bot.html(A)
    await bot.tap(s(bot, "medicines.save"), A)
    (m,) = await bot.storage.medicines.listed(A)
    assert m.next_due_at is None
    at(bot, datetime(2026, 11, 30, 14, 5, tzinfo=MADRID))
    await bot.tap(s(bot, "medicines.open", name="ondansetron"), A)
    await bot.tap(s(bot, "medicines.record"), A)
    assert s(bot, "medicines.never_given") in bot.html(A)
    await bot.tap(s(bot, "medicines.record_yes"), A)
    at(bot, datetime(2026, 11, 30, 16, 0, tzinfo=MADRID))
    await bot.send("/medicines", B)
    await bot.tap(s(bot, "medicines.open", name="ondansetron"), B)
    await bot.tap(s(bot, "medicines.record"), B)
    assert "Last given at 14:05 on Mon 30 Nov by" in bot.html(B)


async def test_pause_stop_and_history_with_notices(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    await bot.tap(s(bot, "medicines.open", name="mercaptopurine (6-MP)"), A)
    await bot.tap(s(bot, "medicines.change_dose"), A)
    await bot.send("1 tablet", A)
    assert "notice_changed" not in bot.html(B) and "changed mercaptopurine (6-MP): 1 tablet" in bot.html(B)
    await bot.tap(s(bot, "medicines.pause"), A)
    (m,) = await bot.storage.medicines.listed(A)
    assert m.status == "paused" and m.next_due_at is None
    assert "paused mercaptopurine" in bot.html(B)
    await bot.tap(s(bot, "medicines.history"), A)
    history = bot.html(A)
    assert (
        "added" in history and "dose changed" in history and "1½ tablets" in history and "1 tablet" in history
    )
    await bot.tap(s(bot, "medicines.back"), A)
    await bot.tap(s(bot, "medicines.stop"), A)
    await bot.tap(s(bot, "medicines.stop_yes"), A)
    assert await bot.storage.medicines.listed(A) == []
    assert "stopped mercaptopurine" in bot.html(B)


async def test_a_reminder_for_a_medicine_stopped_since_still_records(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    await run_job(bot)
    (m,) = await bot.storage.medicines.listed(A)
    await bot.storage.medicines.set_status(Member(A, A), m.id, "stopped", None)
    (dose,) = await bot.storage.medicines.on_days(A, "2026-11-30", "2026-11-30")
    await bot.tap_data(make("dx", dose=dose.id), A)
    assert s(bot, "medicines.stopped_since") in bot.html(A)
    # Someone else's dose, forged: nothing read, nothing written.
    await bot.send("/start", 3003)
    await bot.tap_data(make("dx", dose=dose.id), 3003)
    assert bot.answers()[-1]["text"] == s(bot, "medicines.dose_gone")


# ---- files ------------------------------------------------------------------------------------
async def test_the_csv_neutralises_formulas_and_the_pdf_lists_each_medicine(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await add_daily(bot, "=HYPERLINK(1)", "+2 mL")
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    await run_job(bot)
    await bot.tap(s(bot, "medicines.given"), A)
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.csv"), A)
    sent = bot.api.files[-1]
    assert sent.filename == s(bot, "medicines.csv_filename")
    text = sent.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][2] == "'=HYPERLINK(1)" and rows[1][3] == "'+2 mL" and rows[1][4] == "given"
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.list_pdf"), A)
    reader = PdfReader(io.BytesIO(bot.api.files[-1].data))
    words = " ".join(page.extract_text() for page in reader.pages)
    assert "=HYPERLINK(1)" in words and "Every day at 20:00" in words


def test_cell_neutralises_each_formula_start() -> None:
    assert [cell(v) for v in ("=1", "+1", "-1", "@x", "ok", "")] == ["'=1", "'+1", "'-1", "'@x", "ok", ""]


def test_a_date_is_used_for_the_schedule() -> None:
    assert Schedule(start=date(2026, 12, 1)).dumps()
    assert datetime(2026, 11, 30, tzinfo=UTC)


async def test_given_after_another_member_deleted_their_reminder(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    await run_job(bot)
    (to_b,) = reminders(bot, B)
    bot.api.forget(B, int(to_b["message_id"]))  # B deleted the reminder in the chat
    await bot.tap(s(bot, "medicines.given"), A)
    (dose,) = await bot.storage.medicines.on_days(A, "2026-11-30", "2026-11-30")
    assert dose.status == "given"
    assert s(bot, "medicines.state_given", who=s(bot, "family.no_name"), time="20:00") in bot.html(A)


async def test_spanish_times_and_a_reminder_in_each_members_language(settings: Any, catalog: Any) -> None:
    async with Harness(settings, catalog["en"], clock=Clock(start=NOW), language="es") as bot:
        # OK to saving, given in a Spanish app, keeps Spanish for what the bot sends unasked.
        await bot.send("/medicines", A)
        await bot.tap(s(bot, "medicines.settings"), A)
        assert bot.html(A) == s(bot, "consent.prompt")
        await bot.tap(s(bot, "consent.ok"), A)
        assert await bot.storage.users.language(A) == "es"
        await bot.storage.circles.set_timezone(Member(A, A), "Europe/Madrid")
        await bot.send("/medicines", A)
        await bot.tap(s(bot, "medicines.add"), A)
        await bot.tap("6-MP", A)
        await bot.send("1 comprimido y medio", A)
        await bot.tap(s(bot, "medicines.every_day"), A)
        await bot.send("a las 8 de la noche", A)
        await bot.tap(s(bot, "medicines.done"), A)
        assert "20:00" in bot.html(A)
        await bot.tap(s(bot, "medicines.save"), A)
        at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
        await run_job(bot)
        (sent,) = reminders(bot, A)
        assert sent["text"] == s(
            bot, "medicines.reminder", time="20:00", name=names_es(bot), dose="1 comprimido y medio"
        )


def names_es(bot: Harness) -> str:
    """The first suggested name containing 6-MP, in the parent's language."""
    return next(n for n in s(bot, "medicines.name_names").split("; ") if "6-MP" in n)


async def test_discreet_wording_and_the_warning_when_nobody_gets_reminders(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    # B chooses the discreet first line; A turns reminders to them off.
    await bot.send("/medicines", B)
    await bot.tap(s(bot, "medicines.settings"), B)
    await bot.tap(s(bot, "medicines.discreet_off"), B)
    assert s(bot, "medicines.discreet_on") in [label for label, _ in bot.buttons(B)]
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.settings"), A)
    await bot.tap(s(bot, "medicines.reminders_on"), A)
    assert s(bot, "medicines.reminders_off") in [label for label, _ in bot.buttons(A)]
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    await run_job(bot)
    assert not reminders(bot, A)
    (to_b,) = reminders(bot, B)
    first_line = str(to_b["text"]).split("\n")[0]
    assert first_line == s(bot, "medicines.reminder_discreet", time="20:00")
    assert "6-MP" not in first_line  # a locked screen shows the first line
    # Nobody gets them now: the list says so.
    await bot.send("/medicines", B)
    await bot.tap(s(bot, "medicines.settings"), B)
    await bot.tap(s(bot, "medicines.reminders_on"), B)
    await bot.send("/medicines", A)
    assert s(bot, "medicines.nobody") in bot.html(A)


async def test_room_for_thirty_medicines_and_a_schedule_needs_a_time(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.add"), A)
    await bot.send("co-trimoxazole", A)
    await bot.send("5 mL", A)
    await bot.tap(s(bot, "medicines.every_day"), A)
    assert s(bot, "medicines.done") not in [label for label, _ in bot.buttons(A)]  # no Done before a time
    await bot.tap_data(make("dn", med=1), A)  # an old Done, tapped anyway
    assert bot.answers()[-1]["text"] == s(bot, "medicines.times_none")
    for n in range(29):
        await bot.storage.medicines.start(Member(A, A), f"med {n}", limit=30)
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.add"), A)
    await bot.send("one more", A)
    assert s(bot, "medicines.full", limit=30) in bot.html(A)


async def test_a_new_time_zone_keeps_clock_times_or_on_one_tap_the_moments(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await add_6mp(bot)  # every day at 20:00 in Madrid
    await bot.tap(s(bot, "medicines.save"), A)
    await bot.storage.appointments.add(Member(A, A), NOW + 86400, NOW + 3600, after=NOW, limit=10)
    await bot.send("/appointment", A)
    await bot.tap(s(bot, "appointments.change_zone"), A)
    await bot.tap("Chicago", A)
    assert s(bot, "appointments.zone_medicines") in bot.html(A)
    (m,) = await bot.storage.medicines.listed(A)
    chicago = ZoneInfo("America/Chicago")
    assert m.next_due_at == datetime(2026, 11, 30, 20, 0, tzinfo=chicago).timestamp()  # 20:00 stays 20:00
    await bot.tap(s(bot, "appointments.zone_keep_dose_moments"), A)
    assert s(bot, "appointments.zone_doses_kept") in bot.html(A)
    (m,) = await bot.storage.medicines.listed(A)
    assert Schedule.loads(m.schedule).times == ("13:00",)  # 20:00 in Madrid is 13:00 in Chicago
    assert m.next_due_at == datetime(2026, 11, 30, 20, 0, tzinfo=MADRID).timestamp()  # the same moment
    assert "moved the times of mercaptopurine (6-MP)" in bot.html(B)
    assert [c.what for c in await bot.storage.medicines.changes(A, m.id)] == ["added", "schedule"]
    # A second tap moves nothing.
    await bot.tap_data(
        bot.api.chat_messages(A)[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"], A
    )
    (again,) = await bot.storage.medicines.listed(A)
    assert Schedule.loads(again.schedule).times == ("13:00",)


def test_shifting_times_leaves_a_day_bound_schedule_that_crosses_midnight() -> None:
    from bot.doses import shifted

    assert shifted(Schedule(every=DAY_KIND, times=("20:00", "08:00")), -7 * 60) == Schedule(
        every=DAY_KIND, times=("01:00", "13:00")
    )
    assert shifted(Schedule(every=WEEKDAYS, weekdays=(0,), times=("02:00",)), -7 * 60) is None
    assert shifted(Schedule(every=WEEKDAYS, weekdays=(0,), times=("20:00",)), -7 * 60) == Schedule(
        every=WEEKDAYS, weekdays=(0,), times=("13:00",)
    )


async def test_changing_the_times_of_a_saved_medicine(meds: Harness) -> None:
    bot = meds
    await family(bot)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    await bot.tap(s(bot, "medicines.open", name="mercaptopurine (6-MP)"), A)
    await bot.tap(s(bot, "medicines.change_times"), A)
    await bot.send("8", A)  # reads two ways: asked again, nothing changed
    assert s(bot, "medicines.time_which", part="8") in bot.html(A)
    await bot.send("8am and 8pm", A)
    (m,) = await bot.storage.medicines.listed(A)
    assert Schedule.loads(m.schedule).times == ("08:00", "20:00")
    assert m.next_due_at == datetime(2026, 11, 30, 20, 0, tzinfo=MADRID).timestamp()
    assert "Every day at 08:00, 20:00" in bot.html(B)  # told, with the new times
    assert [c.what for c in await bot.storage.medicines.changes(A, m.id)] == ["added", "schedule"]


@pytest.mark.sqlite_only
async def test_mydata_has_the_medicines_and_erasing_leaves_no_trace(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await add_daily(bot, "ZQXMARKER", "1 tablet")
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    await run_job(bot)
    await bot.tap(s(bot, "medicines.given"), A)
    await bot.send("/mydata", A)
    export = json.loads(bot.api.files[-1].data)
    (medicine,) = export["circle"]["medicines"]
    assert medicine["name"] == "ZQXMARKER" and [c["what"] for c in medicine["changes"]] == ["added"]
    assert [d["status"] for d in export["circle"]["doses"]] == ["given"]
    assert await stored_anywhere(bot, "ZQXMARKER")
    await bot.send("/deletemydata", A)
    await bot.tap(s(bot, "privacy.delete.confirm"), A)
    assert not await stored_anywhere(bot, "ZQXMARKER")
    assert await bot.storage.medicines.listed(A, stopped=True) == []


async def test_a_medicine_left_half_added_is_kept_a_day_then_dropped(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.add"), A)
    await bot.send("dexamethasone", A)
    (draft,) = await bot.storage.driver.all("SELECT id FROM medicines WHERE status='draft'")  # type: ignore[attr-defined]
    bot.clock.advance(23 * 3600)  # a night later the prompt has ended; the draft is there
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.finish", name="dexamethasone"), A)
    assert "Type the dose exactly" in bot.html(A)
    await bot.send("2 mL", A)
    assert s(bot, "medicines.every_ask", name="dexamethasone", dose="2 mL") in bot.html(A)
    bot.clock.advance(2 * 3600)
    await bot.storage.medicines.start(Member(A, A), "another", limit=30)
    assert await bot.storage.medicines.get(A, int(draft["id"])) is None


@pytest.mark.parametrize(
    ("language", "typed", "sure", "two_ways"),
    [
        ("en", "20:00", [20 * 60], []),
        ("en", "8pm", [20 * 60], []),
        ("en", "8 pm", [20 * 60], []),
        ("en", "20h", [20 * 60], []),
        ("en", "8", [], [[8 * 60, 20 * 60]]),
        ("en", "8am and 8pm", [8 * 60, 20 * 60], []),
        ("en", "08:00, 14:30; 20:00", [8 * 60, 14 * 60 + 30, 20 * 60], []),
        ("es", "a las 8 de la noche", [20 * 60], []),
        ("es", "8 de la mañana y 8 de la noche", [8 * 60, 20 * 60], []),
        ("es", "a las 8", [], [[8 * 60, 20 * 60]]),
    ],
)
def test_medicine_times_as_people_type_them(
    catalog: Any, language: str, typed: str, sure: list[int], two_ways: list[list[int]]
) -> None:
    from types import SimpleNamespace

    from handlers.medicines.flow import read_times

    context: Any = SimpleNamespace(content=catalog[language])
    got_sure, got_unsure, bad = read_times(context, typed)
    assert bad is None
    assert got_sure == sure and [readings for _, readings in got_unsure] == two_ways


@pytest.mark.parametrize("typed", ["whenever", "25:00", "13am", "at night"])
def test_times_that_cannot_be_read_are_named(catalog: Any, typed: str) -> None:
    from types import SimpleNamespace

    from handlers.medicines.flow import read_times

    _, _, bad = read_times(SimpleNamespace(content=catalog["en"]), typed)  # type: ignore[arg-type]
    assert bad is not None


async def test_vomited_a_dose_brings_the_cards_line_and_leaves_the_reminder(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await add_6mp(bot)
    await bot.tap(s(bot, "medicines.save"), A)
    at(bot, datetime(2026, 11, 30, 20, 0, 5, tzinfo=MADRID))
    await run_job(bot)
    (reminder,) = reminders(bot, A)
    await bot.tap(s(bot, "medicines.vomited"), A)
    alert = bot.html(A)
    vomiting = next(sign for sign in bot.content.urgent.signs if sign.id == "vomiting")
    assert alert.startswith(s(bot, "redflags.title")) and vomiting.text in alert
    assert s(bot, "medicines.vomited_after") in alert
    assert bot.api.message(A, int(reminder["message_id"]))["text"] == reminder["text"]  # left as it was
    assert "1½ tablets" not in alert  # no dose in the alert


async def test_a_question_typed_half_way_goes_to_the_search_and_the_draft_waits(meds: Harness) -> None:
    bot = meds
    await family(bot, with_b=False)
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.add"), A)
    await bot.tap("6-MP", A)
    await bot.send("1 tablet", A)
    await bot.tap(s(bot, "medicines.every_day"), A)
    await bot.send("what does remission mean", A)  # left the times half way
    assert bot.searched(A)
    assert await bot.storage.prompts.get(A) is None
    await bot.send("/medicines", A)
    await bot.tap(s(bot, "medicines.finish", name="mercaptopurine (6-MP)"), A)
    assert s(bot, "medicines.times_prompt", name="mercaptopurine (6-MP)") in bot.html(A)
    await bot.send("his port is red", A)  # a red flag typed there: the card first
    assert bot.html(A).startswith(s(bot, "redflags.title"))
