"""Spanish: how the language is chosen, switching it, what stays the same across languages
(bookmarks, links, saved questions), search and glossary in Spanish, Spanish dates in the
PDF, and the content check's parity between languages. (The flows of the guide, checklist,
questions, prompts, safety and privacy run in both languages in their own modules.)"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot import render
from bot.app import reserved_commands
from bot.content import Content, ContentError, load_catalog
from handlers.guide import page_payload
from handlers.search import build_index
from tests.harness import ROOT, Harness, make, who

PARENT = 1001


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("es", "es"),
        ("es-419", "es"),
        ("es-MX", "es"),
        ("ES", "es"),
        ("es_ES", "es"),
        ("en", "en"),
        ("pt-BR", "en"),
        ("zz", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
async def test_the_language_comes_from_telegram(
    bot: Harness, catalog: dict[str, Content], code: str | None, expected: str
) -> None:
    user = bot.user(PARENT)
    if code is None:
        user.user.pop("language_code")
    else:
        user.user["language_code"] = code
    await bot.send("/start")
    assert bot.html().startswith(catalog[expected].strings("start.greeting"))


async def test_switching_language_is_stored_without_consent(
    bot: Harness, catalog: dict[str, Content]
) -> None:
    en, es = catalog["en"], catalog["es"]
    await bot.send("/language")
    assert bot.html() == en.strings("language.ask")
    await bot.tap(es.strings("language.name"))
    assert bot.html().startswith(es.strings("language.saved"))
    assert not await bot.storage.users.has_consent(PARENT)
    assert (await bot.storage.export_user(PARENT))["settings"]["language"] == "es"
    await bot.send("/ayuda")
    assert es.strings("help.title") in bot.html()
    # /deletemydata erases the choice too.
    await bot.send("/borrarmisdatos")
    await bot.tap(es.strings("privacy.delete.confirm"))
    assert (await bot.storage.export_user(PARENT))["stored"] is False


async def test_switching_in_the_middle_of_a_prompt_never_misfiles(
    consented: Harness, catalog: dict[str, Content]
) -> None:
    bot = consented
    await bot.send("/myquestions")
    await bot.tap_data(make("mn"))
    await bot.send("/idioma")
    await bot.tap(catalog["es"].strings("language.name"))
    await bot.send("¿Mi hija puede ir a la guardería? ñ ¡sí! 🙂")
    assert await bot.storage.questions.list(PARENT) == []  # the prompt ended with the tap
    es = catalog["es"].strings
    assert any(es(key) in bot.html() for key in ("search.results", "search.nothing", "search.greeting"))


async def test_a_bookmark_and_a_link_made_in_english_open_in_spanish(
    consented: Harness, catalog: dict[str, Content]
) -> None:
    bot = consented
    en, es = catalog["en"], catalog["es"]
    section = en.section("diagnosis")
    assert section is not None
    await bot.tap_data(make("b", sid="diagnosis", part="", page=2, on=True), message=await _menu(bot))
    payload = page_payload(section, section.parts[0], 2)
    await bot.tap_data(make("ls", code="es"), message=await _menu(bot))
    await bot.send("/marcadores")
    await bot.tap_data(make("s", sid="diagnosis", part="", page=2))
    es_section = es.section("diagnosis")
    assert es_section is not None
    assert bot.html() == render.section_page(es.strings, es_section, es_section.parts[0], 2)
    await bot.send(f"/start {payload}")
    assert bot.html() == render.section_page(es.strings, es_section, es_section.parts[0], 2)


async def _menu(bot: Harness) -> dict[str, object]:
    await bot.send("/start")
    return bot.last_message()


async def test_a_saved_guide_question_shows_in_the_current_language_own_text_never(
    consented: Harness, catalog: dict[str, Content]
) -> None:
    bot = consented
    en, es = catalog["en"], catalog["es"]
    question = en.question("leukemia_type")
    assert question is not None
    await bot.send("/questions")
    await bot.tap_data(make("qg", group=question.group))
    await bot.tap_data(make("qs", item=question.id, on=True))
    own = "¿Puede ir al colegio? — ñandú ¿¡ 🙂 <b>&"
    await bot.storage.questions.add_own(who(PARENT), own, limit=200)
    await bot.tap_data(make("ls", code="es"), message=await _menu(bot))
    await bot.send("/mispreguntas")
    spanish = es.question("leukemia_type")
    assert spanish is not None
    html = bot.html()
    assert render.esc(own) in html  # as typed, escaped, never translated
    assert render.esc(spanish.text) in html and render.esc(question.text) not in html
    await bot.send("/ajustes")
    assert (es.strings("privacy.settings.language"), make("lg")) in bot.buttons()


async def test_spanish_pdf_dates_and_accents(consented: Harness, catalog: dict[str, Content]) -> None:
    bot = consented
    await bot.tap_data(make("ls", code="es"), message=await _menu(bot))
    await bot.storage.questions.add_own(who(PARENT), "¿Cuándo termina la inducción? ñ", limit=200)
    await bot.send("/mispreguntas")
    await bot.tap_data(make("mp"))
    sent = bot.api.files[-1]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(sent.data)).pages)
    assert "¿Cuándo termina la inducción? ñ" in text.replace("\n", " ")
    months = catalog["es"].strings("dates.month_names").split()
    assert any(month in text.lower() for month in months)


async def test_spanish_search_accents_typos_and_urgent_words(
    bot: Harness, catalog: dict[str, Content]
) -> None:
    es = catalog["es"]
    index = build_index(es)
    for typed, wanted in [
        ("sintomas", "s:symptoms::0"),
        ("puncion lumbar", "s:diagnosis::3"),
        ("quimio", "s:treatment:chemotherapy:0"),
        ("remision", "s:treatment:remission:0"),
        ("leucemai", "gt:leukemia"),
    ]:
        _, hits = index.search(typed, limit=10)
        keys = list(dict.fromkeys(h.document.key for h in hits))[:5]
        assert wanted in keys, (typed, keys)
    for text in ("mi hija tiene fiebre", "no puede respirar", "sangrado que no para", "tuvo una convulsión"):
        assert es.red_flags is not None and es.red_flags.check(text), text
    bot.users.clear()
    bot.language = "es"
    await bot.send("mi hijo tiene fiebre de 39, ¿qué hago?")
    assert bot.html().startswith(es.strings("redflags.title"))


async def test_spanish_glossary(bot: Harness, catalog: dict[str, Content]) -> None:
    es = catalog["es"]
    bot.language = "es"
    await bot.send("/glosario")
    assert bot.html() == es.strings("glossary.title", count=len(es.glossary))
    term = es.glossary[0]
    await bot.tap_data(make("gt", term=term.id))
    assert render.esc(term.definition) in bot.html()


def test_every_id_has_its_counterpart(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    (root / "es" / "sections" / "09-latest_research.yaml").unlink()
    with pytest.raises(ContentError, match="latest_research"):
        load_catalog(root, reserved_commands())


def test_the_languages_have_the_same_ids(catalog: dict[str, Content]) -> None:
    en, es = catalog["en"], catalog["es"]
    assert [s.id for s in en.sections] == [s.id for s in es.sections]
    assert set(en.strings.keys()) == set(es.strings.keys())
    for a, b in zip(en.sections, es.sections, strict=True):
        for pa, pb in zip(a.parts, b.parts, strict=True):
            assert pa.anchors == pb.anchors  # links work in every language


async def test_a_spanish_parents_reminder_is_in_spanish(settings, catalog) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from handlers.appointments import REMINDER_JOB, TIMEZONES
    from tests.harness import Clock

    es = catalog["es"]
    now = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Madrid")).timestamp()
    clock = Clock(start=now)
    async with Harness(settings, catalog["en"], clock=clock, language="es") as bot:
        await bot.storage.users.give_consent(PARENT)
        await bot.send("/cita")
        await bot.tap_data(make("at", n=TIMEZONES.index("Europe/Madrid")))
        await bot.tap_data(make("am", appt=0, year=2026, month=12, day=2, hour=9, minute=0))
        clock.advance(8 * 3600)
        (job,) = bot.app.job_queue.get_jobs_by_name(REMINDER_JOB)  # type: ignore[union-attr]
        await job.run(bot.app)
        assert (
            bot.api.of("sendMessage")[-1].params["text"].startswith(es.strings("appointments.reminder_title"))
        )
