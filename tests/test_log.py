"""📝 Log through the real Application, in both languages and on both backends: a temperature
by tap (both units, both decimal marks, refused out of range), a symptom with its severity,
the card line first for a temperature at or above the rule, a low one and a mapped symptom
(never for the rest), the notice to the other full members, a plain temperature typed
outside any prompt ("log it?" after the card line), times that prefer the past, the last 7
days paged with names, the charts with their texts, and deleting."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import temperature
from bot.content import Content
from bot.storage import Member
from handlers.log.flow import card_item, symptoms, temperature_item
from tests.harness import Clock, Harness, make
from tests.test_family import consent, join_by_link

pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]

A, B, C = 1001, 2002, 3003
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 12, 2, 23, 0, tzinfo=MADRID).timestamp()  # Wednesday 2 Dec, 11 pm


@pytest.fixture
async def bot(settings: Any, catalog: dict[str, Content], language: str) -> Any:
    async with Harness(settings, catalog["en"], language=language, clock=Clock(start=NOW)) as harness:
        yield harness


def s(bot: Harness, key: str, **fields: Any) -> str:
    return bot.content.strings(key, **fields)


async def family(bot: Harness, *, others: bool = False) -> None:
    await consent(bot, A)
    for user in (A, B, C):  # what is sent unasked goes in their language
        await bot.storage.users.set_language(user, bot.language)
    await bot.storage.circles.set_timezone(Member(A, A), "Europe/Madrid")
    if others:
        await join_by_link(bot, B)  # full
        await join_by_link(bot, C, role=2)  # helper


async def log_temperature(bot: Harness, typed: str, site: str = "mouth", user: int = A) -> None:
    await bot.send("/log", user)
    await bot.tap(s(bot, "log.temperature"), user)
    await bot.tap(s(bot, f"log.sites.{site}"), user)
    await bot.send(typed, user)


def sent_texts(bot: Harness, user: int) -> list[str]:
    return [str(c.params["text"]) for c in bot.api.of("sendMessage") if int(c.params["chat_id"]) == user]


def card_line(bot: Harness, item: str) -> str:
    return next(sign.text for sign in bot.content.urgent.signs if sign.id == item)


# ---- pure: what content maps, and the temperature reader ---------------------------------------
def test_every_symptom_has_a_label_and_its_card_item_exists(catalog: dict[str, Content]) -> None:
    for content in catalog.values():
        items = {sign.id for sign in content.urgent.signs}
        for symptom in symptoms():
            assert content.strings(f"log.symptoms.{symptom['id']}")
            assert symptom.get("card") is None or symptom["card"] in items, symptom
    assert card_item("vomiting", "severe") == "vomiting" and card_item("vomiting", "moderate") is None
    assert card_item("bleeding", "mild") == "bleeding" and card_item("nausea", "severe") is None
    assert temperature_item(38.0, None) == "fever" and temperature_item(37.9, None) is None
    assert temperature_item(37.6, 37.5) == "fever" and temperature_item(35.5, None) == "low_temperature"


@pytest.mark.parametrize(
    ("typed", "celsius", "fahrenheit"),
    [
        ("38.4", 38.4, False),
        ("38,4", 38.4, False),
        ("101.2F", 38.4, True),
        ("101,2 °F", 38.4, True),
        ("36", 36.0, False),
    ],
)
def test_a_temperature_is_read_in_the_unit_its_value_shows(
    typed: str, celsius: float, fahrenheit: bool
) -> None:
    found = temperature.read(typed)
    assert isinstance(found, temperature.Reading)
    assert (found.celsius, found.fahrenheit) == (celsius, fahrenheit)


@pytest.mark.parametrize("typed", ["29.9", "44.1", "112F", "85F"])
def test_impossible_temperatures_are_refused(typed: str) -> None:
    assert temperature.read(typed) == temperature.OUT_OF_RANGE


# ---- through the Application -------------------------------------------------------------------
async def test_a_temperature_by_tap_in_either_unit_and_mark(bot: Harness) -> None:
    await family(bot)
    await log_temperature(bot, "37,2")
    assert "37.2 °C (99.0 °F)" in bot.html(A) and s(bot, "log.site_words.mouth") in bot.html(A)
    await log_temperature(bot, "99.5F", site="armpit")
    assert "99.5 °F (37.5 °C)" in bot.html(A)
    entries = await bot.storage.log.all_entries(A)
    assert [(e.temp_c, e.temp_typed, e.site) for e in entries] == [
        (37.2, "37,2 °C", "mouth"),
        (37.5, "99.5 °F", "armpit"),
    ]
    assert not any(s(bot, "redflags.title") in t for t in sent_texts(bot, A))  # below the rule: no line


async def test_out_of_range_and_unreadable_are_refused_calmly(bot: Harness) -> None:
    await family(bot)
    await log_temperature(bot, "45")
    assert bot.html(A) == s(bot, "log.temp_out_of_range")
    await bot.send("hot", A)
    assert bot.html(A) == s(bot, "log.temp_not_read")
    await bot.send("38.1", A)  # the prompt was still open
    assert len(await bot.storage.log.all_entries(A)) == 1
    # Words typed where a temperature was asked are never lost: kept as a note.
    await log_temperature(bot, "slept badly woke twice")
    assert bot.html(A).startswith(s(bot, "log.kept_as_note", when="")[:20])
    assert [e.note for e in await bot.storage.log.all_entries(A)][-1] == "slept badly woke twice"


async def test_a_fever_brings_the_card_line_first_and_tells_the_full_members(bot: Harness) -> None:
    await family(bot, others=True)
    before = len(sent_texts(bot, A))
    await log_temperature(bot, "38.6")
    after = sent_texts(bot, A)[before:]
    alert_at = next(i for i, t in enumerate(after) if t.startswith(s(bot, "redflags.title")))
    logged_at = next(i for i, t in enumerate(after) if "38.6 °C" in t and s(bot, "redflags.title") not in t)
    assert alert_at < logged_at and card_line(bot, "fever") in after[alert_at]
    told_b = sent_texts(bot, B)[-1]
    assert "38.6 °C" in told_b and card_line(bot, "fever") in told_b
    assert not any("38.6 °C" in t for t in sent_texts(bot, C))  # a helper is not told


async def test_a_low_temperature_brings_the_low_line(bot: Harness) -> None:
    await family(bot)
    await log_temperature(bot, "35.4")
    assert any(card_line(bot, "low_temperature") in t for t in sent_texts(bot, A))


async def test_a_symptom_maps_to_its_card_line_only_at_its_severity(bot: Harness) -> None:
    await family(bot, others=True)
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.symptom"), A)
    await bot.tap(s(bot, "log.symptoms.vomiting"), A)
    await bot.tap(s(bot, "log.severity.moderate"), A)
    assert not any(s(bot, "redflags.title") in t for t in sent_texts(bot, A))
    assert s(bot, "log.symptoms.vomiting") in bot.html(A)
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.symptom"), A)
    await bot.tap(s(bot, "log.symptoms.vomiting"), A)
    await bot.tap(s(bot, "log.severity.severe"), A)
    edits = [c.params["text"] for c in bot.api.of("editMessageText") if int(c.params["chat_id"]) == A]
    assert str(edits[-1]).startswith(s(bot, "redflags.title")) and card_line(bot, "vomiting") in str(
        edits[-1]
    )
    assert s(bot, "log.symptoms.vomiting") in sent_texts(bot, A)[-1]  # "logged" comes below it
    assert card_line(bot, "vomiting") in sent_texts(bot, B)[-1]
    # Turned off: not told again.
    await bot.send("/log", B)
    await bot.tap(s(bot, "log.notices_on"), B)
    told = len(sent_texts(bot, B))
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.symptom"), A)
    await bot.tap(s(bot, "log.symptoms.bleeding"), A)
    await bot.tap(s(bot, "log.severity.mild"), A)
    assert not any(card_line(bot, "bleeding") in t for t in sent_texts(bot, B)[told:])


async def test_a_plain_temperature_typed_anywhere_offers_to_log_it_after_the_card(bot: Harness) -> None:
    await family(bot)
    before = len(sent_texts(bot, A))
    await bot.send("101.5F", A)
    after = sent_texts(bot, A)[before:]
    assert after[0].startswith(s(bot, "redflags.title"))  # the card line first, never instead
    assert after[1].startswith(s(bot, "log.looks_like", temp="101.5 °F (38.6 °C)"))
    bot.clock.advance(600)
    await bot.tap(s(bot, "log.log_it", site=s(bot, "log.site_words.ear")), A)
    (entry,) = await bot.storage.log.all_entries(A)
    assert (entry.temp_c, entry.site, entry.at) == (38.6, "ear", float(int(NOW // 60) * 60))


async def test_times_prefer_the_past_and_a_time_to_come_is_refused(bot: Harness) -> None:
    await family(bot)
    await log_temperature(bot, "37.0")
    await bot.tap(s(bot, "log.change_time"), A)
    await bot.send("2am", A)  # at 11 pm: last night, not tomorrow
    (entry,) = await bot.storage.log.all_entries(A)
    assert datetime.fromtimestamp(entry.at, MADRID) == datetime(2026, 12, 2, 2, 0, tzinfo=MADRID)
    assert bot.content.profile.dates is None or "2" in bot.html(A)
    await bot.tap(s(bot, "log.change_time"), A)
    await bot.send("tomorrow 9am" if bot.language == "en" else "mañana a las 9 de la mañana", A)
    assert bot.html(A) == s(bot, "log.time_future")


async def test_the_last_seven_days_are_paged_with_who_logged(bot: Harness) -> None:
    await family(bot, others=True)
    for n in range(20):
        await bot.storage.log.add(
            Member(A if n % 2 else B, A), "note", NOW - n * 3600, limit=100, note=f"n{n}"
        )
    await bot.storage.log.add(Member(A, A), "note", NOW - 8 * 86400, limit=100, note="too old")
    await bot.storage.circles.set_name(B, "Luis")
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.days"), A)
    first = bot.html(A)
    assert s(bot, "log.days_title", page=1, pages=2) in first and "n0" in first and "Luis" in first
    await bot.tap(s(bot, "log.older"), A)
    second = bot.html(A)
    assert "n19" in second and "too old" not in second and "n0" not in second


async def test_the_charts_are_pictures_with_their_text(bot: Harness) -> None:
    await family(bot)
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.temp_chart"), A)
    assert bot.html(A) == s(bot, "log.temp_chart_none")
    for n, value in enumerate((37.1, 38.2, 36.8)):
        await bot.storage.log.add(
            Member(A, A), "temperature", NOW - n * 7200, limit=100, temp_c=value, site="mouth"
        )
    await bot.storage.log.add(Member(A, A), "symptom", NOW - 100, limit=100, symptom="pain", severity="mild")
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.temp_chart"), A)
    photo = bot.api.of("sendPhoto")[-1]
    assert str(photo.params["caption"]).startswith(
        s(bot, "log.temp_chart_caption_no_rule", count=3, high="38.2 °C (100.8 °F)", low="36.8 °C (98.2 °F)")[
            :20
        ]
    )
    assert bot.api.files[-1].data.startswith(b"\x89PNG")
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.symptom_chart"), A)
    assert s(bot, "log.symptoms.pain") in str(bot.api.of("sendPhoto")[-1].params["caption"])


async def test_deleting_is_for_the_author_or_a_full_member(bot: Harness) -> None:
    await family(bot, others=True)
    entry = await bot.storage.log.add(Member(B, A), "note", NOW - 60, limit=100, note="by B")
    await bot.send("/start", C)
    await bot.tap_data(make("lk", entry=entry, sure=1), C)  # a helper, not the author
    assert await bot.storage.log.get(A, entry) is not None
    await bot.send("/start", A)
    await bot.tap_data(make("lk", entry=entry, sure=1), A)  # a full member
    assert await bot.storage.log.get(A, entry) is None
    await bot.tap_data(make("lk", entry=entry, sure=1), A)
    assert bot.answers()[-1]["text"] == s(bot, "log.gone")


# ---- photos ---------------------------------------------------------------------------------
async def test_a_photo_in_the_log_is_kept_as_its_file_id_and_asks_what_it_shows(bot: Harness) -> None:
    await family(bot)
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.photo"), A)
    await bot.send("what now", A)  # text while a photo is awaited: a calm line, still waiting
    assert bot.html(A) == s(bot, "log.photo_waiting")
    await bot.feed(bot.user(A).photo("AgAC-rash-1"))
    (entry,) = await bot.storage.log.all_entries(A)
    assert (entry.kind, entry.photo, entry.note) == ("photo", "AgAC-rash-1", "")
    assert s(bot, "log.photo_what") in bot.html(A)
    await bot.send("rash on the arm", A)
    (entry,) = await bot.storage.log.all_entries(A)
    assert entry.note == "rash on the arm"
    await bot.send("/log", A)
    await bot.tap(s(bot, "log.days"), A)
    await bot.tap("📷", A)
    assert bot.api.of("sendPhoto")[-1].params["photo"] == "AgAC-rash-1"


async def test_a_photo_sent_anywhere_gets_the_calm_line_and_an_offer(bot: Harness) -> None:
    await family(bot)
    await bot.feed(bot.user(A).photo("AgAC-spots-2", caption="new bruises on her legs"))
    texts = sent_texts(bot, A)
    assert card_line(bot, "bruising") in texts[-2]  # the caption named a card sign: its line first
    assert texts[-1] == s(bot, "log.photo_offer")
    assert await bot.storage.log.all_entries(A) == []  # nothing kept before the parent says yes
    await bot.tap(s(bot, "log.photo_offer_yes"), A)
    (entry,) = await bot.storage.log.all_entries(A)
    assert (entry.photo, entry.note) == ("AgAC-spots-2", "new bruises on her legs")
