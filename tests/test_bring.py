"""Bringing a /mydata file from one copy of the bot into another (handlers/bring.py), through
the real Application: a full record is exported from one bot, then sent to a second bot with
its own database, where the parent looks at what it holds and taps "Bring it here"."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.content import Content
from bot.doses import DAY, NEEDED, Schedule
from bot.storage import Store
from bot.storage.medicines import ACTIVE, GIVEN, PAUSED, SKIPPED
from handlers.bring import MAX_FILE_BYTES, Unreadable, plan_of, read_export
from handlers.medicines.flow import next_at
from handlers.privacy import EXPORT_FILENAME
from tests.harness import NOTHING_STORED, Harness, make, make_settings, who
from tests.pgserver import PostgresServer

PARENT = 1001
ZONE = "Europe/Madrid"
OWN_QUESTION = "Can she go back to school in May?"
PHOTO_ID = "AgACAgIAAxkBAAIBphotoOfTheRash"


@pytest.fixture
def other_settings(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Settings:
    """The second copy's settings: a database of its own (another file, or another
    PostgreSQL database on the same server)."""
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
        request.addfinalizer(lambda: server.drop_database(url))
        return make_settings(tmp_path / "other", DATABASE_URL=url)
    return make_settings(tmp_path / "other")


@pytest.fixture
async def other(other_settings: Settings, catalog: dict[str, Content]) -> AsyncIterator[Harness]:
    """Another hospital's copy of the bot (its own token in production, its own database)."""
    async with Harness(other_settings, catalog["en"]) as harness:
        yield harness


# ---- a full record in the first copy ----------------------------------------------------------
async def fill(bot: Harness, content: Content) -> dict[str, Any]:
    """Everything a family keeps, saved as the features save it; what it was, to compare."""
    storage = bot.storage
    me = who(PARENT)
    now = time.time()
    await storage.users.give_consent(PARENT)
    await storage.circles.set_name(PARENT, "Mum")
    await storage.circles.set_timezone(me, ZONE)
    await storage.circles.set_fever_c(me, 38.0)
    await storage.circles.set_fever_rule(me, "38 twice, an hour apart")
    phase = content.phases[0]
    await storage.circles.set_phase(me, phase.id, "2024-04-01")
    await storage.users.set_skip_gates(PARENT, True)
    await storage.users.set_emergency(PARENT, content.emergency.countries[0].id, "112")
    section = content.sections[0]
    await storage.bookmarks.add(PARENT, section.id, section.parts[0].id, 0)
    await storage.bookmarks.add(PARENT, "a_section_gone", "", 3)  # a page this bot does not have
    await storage.contacts.add(me, "Ward nights", "+1 (555) 010-2222", limit=5)
    item = content.checklist.items[0].id
    await storage.marks.set(me, item, True)
    guide_q = content.question_groups[0].questions[0]
    await storage.questions.save_guide(me, guide_q.id, guide_q.text, limit=200)
    own = await storage.questions.add_own(me, OWN_QUESTION, limit=200)
    await storage.questions.set_answer(me, own, "After the second phase")
    gone = await storage.questions.add_own(me, "Deleted, waiting for Undo", limit=200)
    await storage.questions.remove(me, gone)
    starts = now + 3 * 86_400
    appointment = await storage.appointments.add(me, starts, starts - 15 * 3600, after=now, limit=10)
    await storage.appointments.set_place(me, appointment, "Day clinic, 2nd floor")
    await storage.appointments.set_note(me, appointment, "Bring the blood results")
    await storage.appointments.add(me, now - 2 * 86_400, now - 3 * 86_400, after=now - 4 * 86_400, limit=10)

    tz = ZoneInfo(ZONE)
    daily = Schedule(every=DAY, times=("08:00", "20:00")).dumps()
    merc = await storage.medicines.start(me, "Mercaptopurine", limit=30)
    await storage.medicines.edit_draft(me, merc, dose="50 mg", schedule=daily, notes="With water")
    medicine = await storage.medicines.get(PARENT, merc)
    assert medicine is not None
    await storage.medicines.activate(me, merc, next_at(medicine, Schedule.loads(daily), tz, now))
    await storage.medicines.change(
        me, merc, "dose", next_at(medicine, Schedule.loads(daily), tz, now), dose="75 mg"
    )
    medicine = await storage.medicines.get(PARENT, merc)
    assert medicine is not None
    due = now - 86_400
    day = datetime.fromtimestamp(due, tz)
    await storage.medicines.come_due(
        medicine, due, day.date().isoformat(), day.strftime("%H:%M"), "75 mg", medicine.next_due_at
    )
    (dose,) = await storage.medicines.at_minute(PARENT, due)
    await storage.medicines.mark(me, dose.id, GIVEN)
    await storage.medicines.come_due(
        medicine, due + 43_200, day.date().isoformat(), "20:00", "75 mg", medicine.next_due_at
    )
    (skipped,) = await storage.medicines.at_minute(PARENT, due + 43_200)
    await storage.medicines.mark(me, skipped.id, SKIPPED)
    weekly = Schedule(every=DAY, times=("09:00",)).dumps()
    dex = await storage.medicines.start(me, "Dexamethasone", limit=30)
    await storage.medicines.edit_draft(me, dex, dose="2 mg", schedule=weekly)
    await storage.medicines.activate(me, dex, now + 3600)
    await storage.medicines.set_status(me, dex, PAUSED, None)
    needed = Schedule(every=NEEDED).dumps()
    para = await storage.medicines.start(me, "Paracetamol", limit=30)
    await storage.medicines.edit_draft(me, para, dose="5 ml", schedule=needed)
    await storage.medicines.activate(me, para, None)
    paracetamol = await storage.medicines.get(PARENT, para)
    assert paracetamol is not None
    await storage.medicines.record_needed(me, paracetamol, day.date().isoformat(), "14:10", "5 ml")

    await storage.log.add(
        me, "temperature", now - 7200, limit=100, temp_c=38.4, temp_typed="38.4 °C", site="armpit"
    )
    await storage.log.add(me, "symptom", now - 5400, limit=100, symptom="vomiting", severity="mild")
    await storage.log.add(me, "note", now - 3600, limit=100, note="Slept well after lunch")
    await storage.log.add(me, "photo", now - 1800, limit=100, photo=PHOTO_ID, note="The rash")
    await storage.counts.add(me, "2024-05-01", "platelets", "45", 45.0, "x10^9/L", limit=2000)
    await storage.counts.add(me, "2024-05-01", "hemoglobin", "9,5", 9.5, "g/dL", limit=2000)
    await storage.log.set_fact(me, "allergies", "Penicillin")
    await storage.log.set_fact(me, "line", "port")
    return {
        "section": (section.id, section.parts[0].id, 0),
        "item": item,
        "guide_q": guide_q,
        "starts": starts,
        "phase": phase.id,
        "doses": await storage.medicines.all_doses(PARENT),
        "medicines": await storage.medicines.listed(PARENT, stopped=True),
        "changes": {
            m.name: await storage.medicines.changes(PARENT, m.id)
            for m in await storage.medicines.listed(PARENT, stopped=True)
        },
        "log": await storage.log.all_entries(PARENT),
    }


async def export_of(bot: Harness, user_id: int = PARENT) -> bytes:
    """The file /mydata sends, as the parent would forward it."""
    await bot.send("/mydata", user_id)
    sent = [f for f in bot.api.files if f.chat_id == user_id][-1]
    assert sent.filename == EXPORT_FILENAME
    return sent.data


async def send_file(
    bot: Harness, data: bytes, name: str = EXPORT_FILENAME, user_id: int = PARENT, **extra: Any
) -> None:
    document = bot.api.upload(data, name, **extra)
    await bot.feed(bot.user(user_id).document(document))


async def nothing_here(bot: Harness, user_id: int = PARENT) -> bool:
    return (await bot.storage.export_user(user_id)) == {**NOTHING_STORED, "user_id": user_id}


# ---- the round trip ---------------------------------------------------------------------------
@pytest.mark.every_backend
async def test_a_full_record_comes_across_and_its_reminders_are_armed(
    bot: Harness, other: Harness, content: Content
) -> None:
    was = await fill(bot, content)
    data = await export_of(bot)
    s = other.content.strings

    await send_file(other, data)
    screen = other.html()
    assert screen.startswith(s("bring.title"))
    for what, count in [
        ("bookmarks", 1),
        ("contacts", 1),
        ("questions", 2),
        ("marks", 1),
        ("appointments", 1),
        ("medicines", 3),
        ("doses", 3),
        ("log", 3),
        ("counts", 2),
        ("facts", 2),
    ]:
        assert s("bring.line", what=s(f"bring.what.{what}"), count=count) in screen, what
    assert s("bring.left.photos", count=1) in screen
    assert s("bring.left.past", count=1) in screen
    assert s("bring.left.deleted", count=1) in screen
    assert s("bring.left.not_here", count=1) in screen
    assert s("bring.consent") in screen
    assert await nothing_here(other)  # nothing is kept before the tap
    summary = other.last_message()
    yes = other.button(s("bring.yes"))

    before = time.time()
    await other.tap(s("bring.yes"))
    assert other.html().startswith(s("bring.done"))
    assert s("bring.other_bot") in other.html()
    assert other.answers()[-1].get("text") == s("bring.done_short")

    storage = other.storage
    assert await storage.users.has_consent(PARENT)
    member = await storage.circles.member(PARENT)
    assert member is not None and member.full and member.name == "Mum"
    circle = member.circle
    assert [m.user for m in await storage.circles.members(circle)] == [PARENT]
    assert await storage.users.skips_gates(PARENT)
    assert await storage.users.emergency(PARENT) == (content.emergency.countries[0].id, "112")
    assert [(b.section_id, b.part_id, b.page) for b in await storage.bookmarks.list(PARENT)] == [
        was["section"]
    ]
    assert await storage.circles.timezone(circle) == ZONE
    assert await storage.circles.fever_c(circle) == 38.0
    assert await storage.circles.fever_rule(circle) == "38 twice, an hour apart"
    assert await storage.circles.phase(circle) == (was["phase"], "2024-04-01")
    assert [(c.label, c.phone) for c in await storage.contacts.list(circle)] == [
        ("Ward nights", "+1 (555) 010-2222")
    ]
    assert set(await storage.marks.all(circle)) == {was["item"]}
    questions = await storage.questions.list(circle)
    assert [(q.guide_id, q.text) for q in questions] == [
        (was["guide_q"].id, was["guide_q"].text),
        (None, OWN_QUESTION),
    ]
    assert questions[1].answer == "After the second phase" and questions[1].asked_at is not None

    (appointment,) = await storage.appointments.all_kept(circle)
    assert appointment.starts_at == pytest.approx(was["starts"])
    assert (appointment.place, appointment.note) == ("Day clinic, 2nd floor", "Bring the blood results")
    assert appointment.remind_at == pytest.approx(was["starts"] - 15 * 3600)
    # Armed: the reminder job claims it for this parent when its time comes.
    claimed = await storage.appointments.claim_due(appointment.remind_at + 1, lease=60, by="test")
    assert [(user, c, a.id) for user, c, a in claimed] == [(PARENT, circle, appointment.id)]

    medicines = {m.name: m for m in await storage.medicines.listed(circle, stopped=True)}
    old = {m.name: m for m in was["medicines"]}
    assert {n: m.status for n, m in medicines.items()} == {
        "Mercaptopurine": ACTIVE,
        "Dexamethasone": PAUSED,
        "Paracetamol": ACTIVE,
    }
    for name, m in medicines.items():
        assert (m.dose, m.schedule, m.notes, m.created_at) == (
            old[name].dose,
            old[name].schedule,
            old[name].notes,
            old[name].created_at,
        )
        changes = await storage.medicines.changes(circle, m.id)
        assert [(c.at, c.what, c.dose, c.by_user) for c in changes] == [
            (c.at, c.what, c.dose, PARENT) for c in was["changes"][name]
        ]
    merc = medicines["Mercaptopurine"]
    tz = ZoneInfo(ZONE)
    assert merc.next_due_at is not None and merc.next_due_at > before
    assert merc.next_due_at == next_at(merc, Schedule.loads(merc.schedule), tz, merc.next_due_at - 1)
    assert medicines["Dexamethasone"].next_due_at is None and medicines["Paracetamol"].next_due_at is None
    due = await storage.medicines.due(merc.next_due_at)
    assert [d.medicine.id for d in due] == [merc.id]  # armed: the dose job finds it at its time
    doses = await storage.medicines.all_doses(circle)
    assert [(d.due_at, d.day, d.clock, d.dose, d.status, d.marked_at, d.marked_by) for d in doses] == [
        (d.due_at, d.day, d.clock, d.dose, d.status, d.marked_at, PARENT) for d in was["doses"]
    ]
    given = await storage.medicines.last_given(circle, merc.id)
    assert given is not None and given.marked_at == pytest.approx(
        next(d.marked_at for d in was["doses"] if d.status == GIVEN and d.due_at is not None)
    )
    entries = await storage.log.all_entries(circle)
    assert [(e.kind, e.at, e.temp_c, e.site, e.symptom, e.note, e.photo) for e in entries] == [
        (e.kind, e.at, e.temp_c, e.site, e.symptom, e.note, None) for e in was["log"] if e.kind != "photo"
    ]
    assert [(c.name, c.value, c.number, c.unit) for c in await storage.counts.list(circle)] == [
        ("platelets", "45", 45.0, "x10^9/L"),
        ("hemoglobin", "9,5", 9.5, "g/dL"),
    ]
    assert {k: f.value for k, f in (await storage.log.facts(circle)).items()} == {
        "allergies": "Penicillin",
        "line": "port",
    }

    # A second tap on the same screen brings nothing twice.
    counts = (len(await storage.log.all_entries(circle)), len(await storage.medicines.all_doses(circle)))
    await other.tap_data(yes, message=summary)
    assert other.answers()[-1].get("text") == s("bring.has_data_short")
    assert (await storage.circles.member(PARENT)) == member
    assert (
        len(await storage.log.all_entries(circle)),
        len(await storage.medicines.all_doses(circle)),
    ) == counts
    assert len(await storage.contacts.list(circle)) == 1

    # The privacy page's promise: what the file holds is kept like the rest, the file itself
    # is not (on SQLite the database's own files hold no trace of its layout).
    if other.settings.database_url is None:
        files = [Path(f"{other.settings.db_path}{end}") for end in ("", "-wal")]
        stored = b"".join(f.read_bytes() for f in files if f.exists())
        assert b"export_format" not in stored and data not in stored


async def test_cancel_saves_nothing(bot: Harness, other: Harness, content: Content) -> None:
    await fill(bot, content)
    await send_file(other, await export_of(bot))
    await other.tap(other.content.strings("bring.no"))
    assert other.html().startswith(other.content.strings("bring.cancelled"))
    assert await nothing_here(other)


async def test_an_account_with_data_is_not_merged(bot: Harness, other: Harness, content: Content) -> None:
    await fill(bot, content)
    data = await export_of(bot)
    await other.storage.users.give_consent(PARENT)
    await other.storage.questions.add_own(who(PARENT), "Mine, here already", limit=200)
    kept = await other.storage.export_user(PARENT)
    await send_file(other, data)
    assert other.html() == other.content.strings("bring.has_data")
    assert other.content.strings("bring.yes") not in dict(other.buttons())
    assert await other.storage.export_user(PARENT) == kept


async def test_someone_in_a_family_here_is_not_merged(bot: Harness, other: Harness, content: Content) -> None:
    """Nothing saved yet, but others share their family here: still no."""
    await fill(bot, content)
    data = await export_of(bot)
    storage = other.storage
    await storage.users.give_consent(PARENT)
    await storage.users.give_consent(2002)
    invite = await storage.circles.invite_user(who(PARENT), "helper", 2002, time.time() + 3600)
    assert await storage.circles.take(invite, 2002, time.time())
    assert await storage.circles.join(2002, invite, frozenset()) is not None
    await send_file(other, data)
    assert other.html() == other.content.strings("bring.has_data")


async def test_a_parent_who_agreed_already_gets_it_in_their_family_of_one(
    bot: Harness, other: Harness, content: Content
) -> None:
    """Consent and settings here, but nothing saved: the file's settings take their place."""
    await fill(bot, content)
    data = await export_of(bot)
    await other.storage.users.give_consent(PARENT)
    await other.storage.circles.set_timezone(who(PARENT), "America/Chicago")
    await send_file(other, data)
    await other.tap(other.content.strings("bring.yes"))
    assert other.html().startswith(other.content.strings("bring.done"))
    assert await other.storage.circles.timezone(PARENT) == ZONE
    assert len(await other.storage.log.all_entries(PARENT)) == 3


# ---- what is refused, calmly, with nothing saved -------------------------------------------
def mutations() -> list[tuple[str, Callable[[dict[str, Any]], None]]]:
    def family(d: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = d["circle"]
        return found

    return [
        ("a newer format", lambda d: d.update(export_format=4)),
        ("no format", lambda d: d.pop("export_format")),
        ("an unknown key", lambda d: d.update(extra="x")),
        ("an unknown key deep down", lambda d: family(d)["log"][0].update(mood="calm")),
        ("a missing key", lambda d: family(d).pop("log")),
        ("a page as text", lambda d: d["bookmarks"][0].update(page="0")),
        ("a temperature out of range", lambda d: family(d)["log"][0].update(temp_c=45.5)),
        ("a fever number out of range", lambda d: family(d)["child_settings"].update(fever_number_c=41.0)),
        ("an unknown zone", lambda d: family(d)["child_settings"].update(time_zone="Mars/Base")),
        ("an unknown symptom", lambda d: family(d)["log"][1].update(symptom="hiccups")),
        (
            "a broken schedule",
            lambda d: family(d)["medicines"][0].update(schedule='{"every": "day", "times": ["25:00"]}'),
        ),
        ("a dose of no medicine", lambda d: family(d)["doses"][0].update(medicine_id=999_999)),
        ("a user id as text", lambda d: d.update(user_id=str(PARENT))),
        ("a count that is no number", lambda d: family(d)["blood_counts"][0].update(value="many")),
        ("a card line of no choice", lambda d: family(d)["emergency_card"]["line"].update(value="a tube")),
        ("a boolean as a number", lambda d: d["settings"].update(reminders_off=0)),
        ("a time as text", lambda d: family(d)["log"][0].update(at="yesterday")),
        (
            "a UTC time beside no time",
            lambda d: family(d)["questions"][0].update(asked_at_utc="2024-05-01T10:00:00+00:00"),
        ),
        ("a list for an object", lambda d: d.update(settings=[])),
        ("a NUL in a note", lambda d: family(d)["log"][2].update(note="a\x00b")),
        (
            "eleven appointments to come",
            lambda d: family(d)["appointments"].extend(
                [{**family(d)["appointments"][-1], "id": 100 + n} for n in range(11)]
            ),
        ),
    ]


@pytest.mark.parametrize(("why", "change"), mutations(), ids=[m[0] for m in mutations()])
async def test_a_changed_file_is_refused_calmly(
    bot: Harness, other: Harness, content: Content, why: str, change: Callable[[dict[str, Any]], None]
) -> None:
    await fill(bot, content)
    raw = json.loads(await export_of(bot))
    change(raw)
    await send_file(other, json.dumps(raw).encode())
    assert other.html() == other.content.strings("bring.unreadable"), why
    assert await nothing_here(other)


@pytest.mark.parametrize(
    "data",
    [b"{not json", b"\xff\xfe\x00", b"[]", b'{"export_format": NaN}', b"[" * 100_000, b"", b"null"],
    ids=["broken", "not utf-8", "a list", "NaN", "deep", "empty", "null"],
)
async def test_a_broken_file_is_refused_calmly(other: Harness, data: bytes) -> None:
    await send_file(other, data)
    assert other.html() == other.content.strings("bring.unreadable")
    assert await nothing_here(other)


async def test_a_file_over_the_limit_is_not_even_fetched(other: Harness) -> None:
    await send_file(other, b" " * (MAX_FILE_BYTES + 1))
    assert other.html() == other.content.strings("bring.too_big")
    assert "getFile" not in other.api.methods() and "file" not in other.api.methods()
    assert await nothing_here(other)


async def test_a_file_whose_size_telegram_did_not_say_is_measured(other: Harness) -> None:
    document = other.api.upload(b"{" + b" " * MAX_FILE_BYTES + b"}", EXPORT_FILENAME)
    document.pop("file_size")
    await other.feed(other.user(PARENT).document(document))
    assert other.html() == other.content.strings("bring.too_big")


async def test_another_kind_of_file_gets_the_calm_line_and_the_urgent_one(other: Harness) -> None:
    s = other.content.strings
    await send_file(other, b"%PDF-1.4", "lab-report.pdf", mime_type="application/pdf")
    text = other.html()
    assert text.startswith(s("bring.not_mydata"))
    assert s("redflags.unreadable") in text and s("redflags.unseen") in text
    assert "getFile" not in other.api.methods()


async def test_someone_elses_file_is_not_brought(bot: Harness, other: Harness, content: Content) -> None:
    await fill(bot, content)
    data = await export_of(bot)
    await send_file(other, data, user_id=2002)
    assert other.html(2002) == other.content.strings("bring.not_yours")
    assert await nothing_here(other, 2002)


async def test_a_file_with_nothing_stored_has_nothing_to_bring(bot: Harness, other: Harness) -> None:
    await send_file(other, await export_of(bot))
    assert other.html() == other.content.strings("bring.nothing")


async def test_a_red_flag_in_the_caption_is_answered_first(
    bot: Harness, other: Harness, content: Content
) -> None:
    await fill(bot, content)
    document = other.api.upload(await export_of(bot), EXPORT_FILENAME)
    await other.feed(other.user(PARENT).document(document, caption="She has trouble breathing"))
    sent = [str(c.params["text"]) for c in other.api.of("sendMessage")]
    assert sent[0].startswith(other.content.strings("redflags.title"))
    assert sent[-1].startswith(other.content.strings("bring.title"))


async def test_a_tap_without_the_file_asks_for_it_again(other: Harness) -> None:
    await other.send("/start")
    await other.tap_data(make("ia"))
    assert other.answers()[-1].get("text") == other.content.strings("bring.gone")
    assert await nothing_here(other)


# ---- all or nothing ---------------------------------------------------------------------------
async def test_a_write_that_fails_midway_leaves_nothing(
    bot: Harness, other: Harness, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(bot, content)
    data = await export_of(bot)
    storage = other.storage
    assert isinstance(storage, Store)
    await storage.users.set_language(PARENT, "en")  # what they chose before stays theirs

    async def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(storage.counts, "add", broken)  # the last kind written
    await send_file(other, data)
    await other.tap(other.content.strings("bring.yes"))
    assert other.html() == other.content.strings("bring.failed")
    assert not await storage.users.has_consent(PARENT)
    assert await storage.circles.member(PARENT) is None
    assert await storage.bookmarks.list(PARENT) == []
    assert await storage.users.language(PARENT) == "en"
    exported = await storage.export_user(PARENT)
    assert exported["circle"] is None and exported["bookmarks"] == []


async def test_a_failure_puts_back_what_an_agreed_parent_had(
    bot: Harness, other: Harness, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(bot, content)
    data = await export_of(bot)
    storage = other.storage
    await storage.users.give_consent(PARENT)
    await storage.circles.set_timezone(who(PARENT), "America/Chicago")
    await storage.circles.set_name(PARENT, "Dad")

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the connection dropped")

    monkeypatch.setattr(storage.log, "set_fact", broken)
    await send_file(other, data)
    await other.tap(other.content.strings("bring.yes"))
    assert other.html() == other.content.strings("bring.failed")
    member = await storage.circles.member(PARENT)
    assert member is not None and member.name == "Dad"
    assert await storage.users.has_consent(PARENT)
    assert await storage.circles.timezone(member.circle) == "America/Chicago"
    assert await storage.medicines.listed(member.circle, stopped=True) == []
    assert await storage.log.all_entries(member.circle) == []
    assert await storage.contacts.list(member.circle) == []


# ---- reading, directly ------------------------------------------------------------------------
async def test_what_a_copy_without_medicines_leaves_out(bot: Harness, content: Content) -> None:
    """A hospital that turned a part off gets none of its rows (nobody could see them here)."""
    await fill(bot, content)
    export = read_export(await export_of(bot))
    plan = plan_of(export, content, ("en",), time.time(), lambda c: False, None, lambda f: f != "medicines")
    assert plan.medicines == [] and plan.doses == []
    assert plan.off == [("medicines", 3)]
    assert len(plan.log) == 3 and plan.photos == 1


async def test_a_locked_fever_number_stays_the_hospitals(bot: Harness, content: Content) -> None:
    await fill(bot, content)
    export = read_export(await export_of(bot))
    plan = plan_of(export, content, ("en",), time.time(), lambda c: c > 37.8, None)
    assert plan.fever_c is None and plan.fever_locked == 38.0


async def test_medicines_to_remind_need_a_time_zone(bot: Harness, content: Content) -> None:
    await fill(bot, content)
    raw = json.loads(await export_of(bot))
    raw["circle"]["child_settings"]["time_zone"] = None
    export = read_export(json.dumps(raw).encode())
    with pytest.raises(Unreadable):
        plan_of(export, content, ("en",), time.time(), lambda c: False, None)
    plan = plan_of(export, content, ("en",), time.time(), lambda c: False, "America/Chicago")
    assert len(plan.medicines) == 3  # the zone already here reminds them


def test_the_export_of_nothing_reads() -> None:
    export = read_export(json.dumps(NOTHING_STORED).encode())
    assert (export.user_id, export.stored, export.family) == (PARENT, False, None)
    with pytest.raises(Unreadable):
        read_export(json.dumps({**NOTHING_STORED, "stored": True}).encode())
