"""A hospital's site folder (bot.site): the example loads and shows what families see; each
kind of bad input is one line naming the file and the field, `site-check` exits 2, and the
bot refuses to start on a broken folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.__main__ import main
from bot.site import FILE, known_of, load, problems, problems_of
from bot.storage import Member
from tests.harness import ROOT

EXAMPLE = ROOT / "deploy" / "example-site"
LANGUAGES = ("en", "es")


def example() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load((EXAMPLE / FILE).read_text(encoding="utf-8"))
    return raw


def test_the_example_site_loads() -> None:
    site = load(EXAMPLE, LANGUAGES)
    assert site.name.startswith("Riverside") and site.country == "US"
    assert [n.number for n in site.numbers] == ["+12025550101", "+12025550102"]
    assert site.fever is not None and site.fever.number_c == 38.0 and site.fever.locked
    assert site.emergency_number == "911" and all(site.features.values())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(fevr=1), "site.yaml: fevr: unknown key"),
        (
            lambda d: d.update(updated="soon"),
            "site.yaml: updated: 'soon'; the day the hospital last checked it",
        ),
        (
            lambda d: d["numbers"][0].update(number="+1 555"),
            "site.yaml: numbers[0].number: '+1 555' is not a possible",
        ),
        (
            lambda d: d["numbers"][1].update(number="call us"),
            "site.yaml: numbers[1].number: 'call us' is not a phone",
        ),
        (
            lambda d: d["fever"].update(number_c=39.5),
            "site.yaml: fever.number_c: 39.5; a number from 37.5 to 38.5",
        ),
        (lambda d: d["numbers"][0]["label"].pop("es"), "site.yaml: numbers[0].label.es: missing"),
        (
            lambda d: d["fever"]["rule"].update(fr="Appelez"),
            "site.yaml: fever.rule.fr: not a language this bot offers",
        ),
        (lambda d: d.update(name="x" * 81), "site.yaml: name: 81 characters; at most 80"),
        (lambda d: d.update(country="Narnia"), "site.yaml: country: 'Narnia' is not a country code"),
        (lambda d: d.update(numbers=[]), "site.yaml: numbers: at least one"),
        (lambda d: d["features"].update(chat=True), "site.yaml: features.chat: unknown feature"),
        (
            lambda d: d.update(emergency_number="12"),
            "site.yaml: emergency_number: '12' is not an emergency number",
        ),
    ],
)
def test_each_kind_of_bad_input_names_the_file_and_field(change: Any, expected: str) -> None:
    raw = example()
    change(raw)
    site, found = problems_of(raw, LANGUAGES)
    assert site is None
    assert any(p.startswith(expected) for p in found), found


def test_a_missing_or_malformed_file(tmp_path: Path) -> None:
    assert problems(tmp_path, LANGUAGES)[1] == ["site.yaml: missing in " + str(tmp_path)]
    (tmp_path / FILE).write_text("name: [unclosed\n", encoding="utf-8")
    (found,) = problems(tmp_path, LANGUAGES)[1]
    assert found.startswith("site.yaml: line ") and "not valid YAML" in found


def test_site_check_prints_what_families_see_or_exits_2(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "site-check", str(EXAMPLE)], capture_output=True, text=True, cwd=ROOT
    )
    assert ok.returncode == 0 and "Oncology ward, day and night: +1 202-555-0101 — 24 hours" in ok.stdout
    assert "Planta de oncología, día y noche" in ok.stdout
    (tmp_path / FILE).write_text("name: Broken\nfevr: 1\n", encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "site-check", str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert bad.returncode == 2 and "site.yaml: fevr: unknown key" in bad.stderr


def test_the_bot_refuses_to_start_on_a_broken_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / FILE).write_text("name: Broken\n", encoding="utf-8")
    monkeypatch.setenv("SITE_DIR", str(tmp_path))
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "SITE_DIR: site.yaml: numbers: at least one" in capsys.readouterr().err


# ---- what families see, through the Application ----------------------------------------------
@pytest.fixture
async def hospital(tmp_path: Path, catalog: Any, language: str) -> Any:
    from tests.harness import Harness, make_settings

    settings = make_settings(tmp_path, SITE_DIR=str(EXAMPLE))
    async with Harness(settings, catalog["en"], language=language) as bot:
        yield bot


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_card_carries_the_hospitals_numbers_and_rule(hospital: Any, language: str) -> None:
    bot = hospital
    s = bot.content.strings
    await bot.send("/urgent")
    card = sent(bot)  # the card, and the hospital's block apart when both do not fit in one
    title = s("privacy.urgent.site_title", name="Riverside Children's Hospital (example)", date="2026-12-01")
    assert title in card.replace("&#x27;", "'")  # marked as the hospital's, with its date
    label = "Oncology ward, day and night" if language == "en" else "Planta de oncología, día y noche"
    assert f"📞 <b>{label}</b>: +1 202-555-0101" in card
    assert "Mon-Fri 8 am-5 pm" in card or "lun-vie 8-17 h" in card
    assert s("privacy.urgent.site_rule", number="38.0 °C (100.4 °F)", rule="")[:20] in card


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_lower_of_the_hospitals_and_the_familys_number_counts(hospital: Any, language: str) -> None:
    bot = hospital
    await bot.storage.users.give_consent(1001)
    await bot.storage.circles.set_fever_c(Member(1001, 1001), 38.5)
    await bot.send("38.2")  # under the family's 38.5, at or over the hospital's 38.0
    assert bot.answer().startswith(bot.content.strings("redflags.title"))
    assert "+1 202-555-0101" in bot.answer()  # the hospital's numbers in the alert too


async def test_without_a_site_the_familys_number_counts(bot: Any) -> None:
    await bot.storage.users.give_consent(1001)
    await bot.storage.circles.set_fever_c(Member(1001, 1001), 38.5)
    await bot.send("38.2")
    assert not bot.answer().startswith(bot.content.strings("redflags.title"))


# ---- the whole folder, through the Application ---------------------------------------------
NEW_YORK = ZoneInfo("America/New_York")
WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=NEW_YORK).timestamp()
SATURDAY_10 = datetime(2026, 12, 5, 10, 0, tzinfo=NEW_YORK).timestamp()


def site_copy(tmp_path: Path, change: Any = None) -> Path:
    """A copy of the example folder, its site.yaml changed by `change(raw)`."""
    folder = tmp_path / "site"
    shutil.copytree(EXAMPLE, folder)
    if change is not None:
        raw = example()
        change(raw)
        (folder / FILE).write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return folder


@asynccontextmanager
async def running(
    tmp_path: Path, catalog: Any, folder: Path = EXAMPLE, language: str = "en", at: float | None = None
) -> AsyncIterator[Any]:
    from tests.harness import Clock, Harness, make_settings

    settings = make_settings(tmp_path, SITE_DIR=str(folder))
    async with Harness(settings, catalog["en"], language=language, clock=Clock(at)) as bot:
        yield bot


def sent(bot: Any) -> str:
    """Every message sent, in order (HTML as sent)."""
    return "\n".join(str(c.params.get("text", "")) for c in bot.api.of("sendMessage"))


def approved_now(catalog: Any) -> dict[str, str]:
    return known_of(catalog).fingerprints


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_number_for_now_is_marked_and_none_is_hidden(
    tmp_path: Path, catalog: Any, language: str
) -> None:
    for at, now_label in ((WEDNESDAY_10, 1), (SATURDAY_10, 0)):  # the day clinic in its hours; else the ward
        async with running(tmp_path / str(at), catalog, language=language, at=at) as bot:
            site = bot.app.bot_data["services"].site
            await bot.send("/urgent")
            card = sent(bot)
            for n, number in enumerate(site.numbers):
                line = f"📞 <b>{number.label[language]}</b>: {number.shown}"
                assert line in card  # every number shown, whatever the hour
                marked = bot.content.strings("site_card.now", line=line)
                assert (marked.split(" — ")[0] in card) == (n == now_label), (at, n)


async def test_both_fever_numbers_when_they_differ_and_the_lower_counts(tmp_path: Path, catalog: Any) -> None:
    async with running(tmp_path, catalog) as bot:
        s = bot.content.strings
        await bot.storage.users.give_consent(1001)
        await bot.storage.circles.set_fever_c(Member(1001, 1001), 37.8)
        await bot.send("/urgent")
        differs = s(
            "site_card.differs",
            own="37.8 °C (100.0 °F)",
            hospital="38.0 °C (100.4 °F)",
            lower="37.8 °C (100.0 °F)",
        )
        assert differs in bot.html()
        await bot.storage.circles.set_fever_c(Member(1001, 1001), 38.0)
        await bot.send("/urgent")
        assert s("site_card.differs", own="", hospital="", lower="")[:30] not in bot.html()
        await bot.send("37.9")  # under the hospital's 38.0: no alert
        assert not bot.answer().startswith(s("redflags.title"))


async def test_a_locked_fever_number_cannot_be_raised(tmp_path: Path, catalog: Any) -> None:
    from handlers.privacy import SetFever

    async with running(tmp_path, catalog) as bot:
        s = bot.content.strings
        await bot.storage.users.give_consent(1001)
        await bot.send("/settings")
        await bot.tap_data(SetFever(385).pack())
        locked = s(
            "site_card.locked",
            name="Riverside Children's Hospital (example)",
            number="38.0 °C (100.4 °F)",
        )
        assert locked in bot.text()
        assert await bot.storage.circles.fever_c(1001) is None
        await bot.tap_data(SetFever(375).pack())  # a lower one is the family's to set
        assert await bot.storage.circles.fever_c(1001) == 37.5


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_card_awaits_the_hospitals_review_until_it_approves_this_version(
    tmp_path: Path, catalog: Any, language: str
) -> None:
    current = approved_now(catalog)
    async with running(
        tmp_path / "none", catalog, language=language
    ) as bot:  # the example records no approval
        s = bot.content.strings
        await bot.send("/urgent")
        items = [s(f"site_card.approval.{k}") for k in ("urgent_card", "red_flag_words", "medicine_lines")]
        what = f"{items[0]}, {items[1]}{s('site_card.and')}{items[2]}"
        name = "Riverside Children's Hospital (example)"
        assert s("site_card.not_reviewed", name=name, what=what) in sent(bot)  # never approved
        assert s("site_card.awaiting", name=name, what=what) not in sent(bot)
    folder = site_copy(tmp_path / "all", lambda raw: raw.update(approved=dict(current)))
    async with running(tmp_path / "all", catalog, folder, language=language) as bot:
        await bot.send("/urgent")
        assert "⏳" not in bot.html()
    # An upgrade changed the card's words: the recorded fingerprint no longer matches.
    old = dict(current, urgent_card="0123456789abcdef")
    folder = site_copy(tmp_path / "old", lambda raw: raw.update(approved=old))
    async with running(tmp_path / "old", catalog, folder, language=language) as bot:
        s = bot.content.strings
        await bot.send("/urgent")
        card = bot.html()
        name = "Riverside Children's Hospital (example)"
        assert s("site_card.awaiting", name=name, what=s("site_card.approval.urgent_card")) in card
        assert s("site_card.approval.medicine_lines") not in card  # still the version approved
        await bot.send("my child has a fever of 39" if language == "en" else "mi hijo tiene fiebre de 39")
        assert s("site_card.approval.urgent_card") in bot.answer()


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_hospitals_pages_in_the_contents_with_their_source_line(
    tmp_path: Path, catalog: Any, language: str
) -> None:
    from handlers.guide import HospitalPages

    async with running(tmp_path, catalog, language=language, at=WEDNESDAY_10) as bot:
        s = bot.content.strings
        name = "Riverside Children's Hospital (example)"
        await bot.send("/menu")
        assert (s("site.contents_button", name=name), HospitalPages().pack()) in bot.buttons()
        await bot.tap(s("site.contents_button", name=name))
        titles = [label for label, _ in bot.buttons()]
        port = "Your child's port" if language == "en" else "El port de su hijo"
        assert port in titles
        rows = (bot.last_message().get("reply_markup") or {}).get("inline_keyboard", [])
        assert any(b.get("url") == "https://riverside-hospital.example/families" for row in rows for b in row)
        await bot.tap(port)
        page = bot.html().replace("&#x27;", "'")
        section = bot.content.section("h_port")
        assert section is not None and section.local is not None
        source = s(
            "site.page_source",
            name=name,
            role=section.local.reviewed_by,
            date=section.local.reviewed,
            until=section.local.review_by,
        )
        assert source in page
        assert s("page.general") not in page  # the guide's line is never on the hospital's page
        assert s("page.in_short") not in page
        # ...and the guide's own pages never carry the hospital's name
        await bot.send("/intro")
        assert name not in bot.html().replace("&#x27;", "'")


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_hospitals_pages_are_found_and_hidden_once_their_review_runs_out(
    tmp_path: Path, catalog: Any, language: str
) -> None:
    question = "what is a port" if language == "en" else "qué es un port"
    async with running(tmp_path / "now", catalog, language=language, at=WEDNESDAY_10) as bot:
        title = bot.content.section("h_port").title
        await bot.send(question)
        assert f"🏥 {title}" in bot.html().replace("&#x27;", "'")
    late = datetime(2027, 5, 21, 12, 0, tzinfo=NEW_YORK).timestamp()  # the day after review_by
    async with running(tmp_path / "late", catalog, language=language, at=late) as bot:
        s = bot.content.strings
        await bot.send(question)
        assert "🏥" not in bot.html()
        from handlers.guide import ShowPage

        await bot.send("/menu")
        await bot.tap(s("site.contents_button", name="Riverside Children's Hospital (example)"))
        assert s("site.under_review_button", title=title) in [label for label, _ in bot.buttons()]
        await bot.tap_data(ShowPage("h_port", "", 0).pack())  # an old button to it
        name = "Riverside Children's Hospital (example)"
        assert bot.text() == s("site.under_review", title=title, name=name, date=date(2027, 5, 20))


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_hospitals_words_for_a_card_item_bring_the_card(
    tmp_path: Path, catalog: Any, language: str
) -> None:
    text = "the groshong looks red tonight" if language == "en" else "el groshong está rojo"
    async with running(tmp_path, catalog, language=language) as bot:
        await bot.send(text)
        assert bot.answer().startswith(bot.content.strings("redflags.title"))
    from tests.harness import Harness, make_settings

    async with Harness(make_settings(tmp_path / "plain"), catalog["en"], language=language) as plain:
        await plain.send(text)  # the word is the hospital's own: the general bot does not know it
        assert not plain.answer().startswith(plain.content.strings("redflags.title"))


async def test_the_hospitals_phase_names(tmp_path: Path, catalog: Any) -> None:
    from handlers.phase import SetPhase

    async with running(tmp_path, catalog) as bot:
        await bot.storage.users.give_consent(1001)
        await bot.send("/start")
        await bot.tap_data(SetPhase("maintenance").pack())
        assert "Maintenance (long-term care)" in bot.text()


async def test_a_feature_the_hospital_turned_off_is_gone_everywhere(tmp_path: Path, catalog: Any) -> None:
    folder = site_copy(tmp_path, lambda raw: raw["features"].update(medicines=False))
    async with running(tmp_path, catalog, folder) as bot:
        s = bot.content.strings
        await bot.send("/start")
        assert s("menu.medicines") not in [label for label, _ in bot.buttons()]
        await bot.send("/appointment")
        assert not any(data.startswith("da") for _, data in bot.buttons())
        await bot.send("/medicines")  # no such command in this copy: not the medicines screen
        assert s("medicines.title") not in bot.html()
        commands = bot.app.bot_data["services"].commands
        assert "medicines" not in [c.name for c in commands]


def test_site_check_warns_of_review_dates_and_approvals(tmp_path: Path) -> None:
    folder = site_copy(tmp_path)
    page = folder / "pages" / "en" / "port.yaml"
    for page in (folder / "pages" / "en" / "port.yaml", folder / "pages" / "es" / "port.yaml"):
        text = page.read_text(encoding="utf-8").replace("2027-05-20", "2026-01-02")
        page.write_text(text.replace("reviewed: 2026-11-20", "reviewed: 2025-06-01"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "site-check", str(folder)], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0
    assert "pages/*/port.yaml: review_by: 2026-01-02 has passed" in run.stderr
    assert "approved.urgent_card: not recorded" in run.stderr
    assert "urgent_card: " in run.stdout  # the fingerprints to record


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: (f / "pages" / "es" / "port.yaml").unlink(), "pages/es/port.yaml: missing"),
        (
            lambda f: _edit(
                f / "pages" / "en" / "port.yaml", "reviewed_by: Oncology nurse educator (example)\n", ""
            ),
            "pages/en/port.yaml: reviewed_by: missing",
        ),
        (
            lambda f: _edit(
                f / "pages" / "en" / "port.yaml", "review_by: 2027-05-20", "review_by: 2026-01-01"
            ),
            "pages/en/port.yaml: review_by: 2026-01-01 is not after reviewed",
        ),
        (
            lambda f: _edit(f / "pages" / "en" / "port.yaml", "pages:\n", "colour: red\npages:\n"),
            "pages/en/port.yaml: colour: unknown key",
        ),
        (
            lambda f: _edit(
                f / "pages" / "en" / "port.yaml", "  - |\n", "  - |\n" + "    " + "x" * 3001 + "\n"
            ),
            "pages/en/port.yaml: pages[0]: ",
        ),
        (lambda f: (f / "pages" / "fr").mkdir(), "pages/fr: not a language this bot offers"),
        (
            lambda f: _edit(f / FILE, 'open: "mon-fri 08:00-17:00"', 'open: "weekdays 8-5"'),
            "site.yaml: numbers[1].open: 'weekdays 8-5'",
        ),
        (
            lambda f: _edit(f / FILE, "America/New_York", "Riverside/Town"),
            "site.yaml: timezone: 'Riverside/Town'",
        ),
        (lambda f: _edit(f / FILE, "contact: ", "contakt: "), "site.yaml: run_by.contakt: unknown key"),
        (
            lambda f: _edit(f / FILE, "{line: [", "{lines: ["),
            "site.yaml: red_flag_words.en.lines: no such card item",
        ),
        (lambda f: _edit(f / FILE, "  maintenance:", "  upkeep:"), "site.yaml: phases.upkeep: no such phase"),
        (
            lambda f: _edit(f / FILE, "approved: {}", "approved: {urgent_card: yes}"),
            "site.yaml: approved.urgent_card",
        ),
        (
            lambda f: _edit(f / FILE, "url: https://riverside-hospital.example/families", "url: ftp://x"),
            "site.yaml: resources[0].url: 'ftp://x' is not an https:// address",
        ),
    ],
)
def test_each_kind_of_bad_folder_names_the_file_and_field(
    tmp_path: Path, catalog: Any, change: Any, expected: str
) -> None:
    folder = site_copy(tmp_path)
    change(folder)
    site, found = problems(folder, LANGUAGES, known_of(catalog))
    assert site is None
    assert any(p.startswith(expected) for p in found), found


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_compose_file_shows_how_to_mount_a_site_folder() -> None:
    """Uncommenting the compose file's two site lines mounts a folder that exists and points
    SITE_DIR at it (it stays off by default)."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "SITE_DIR" not in yaml.safe_load(text)["x-bot"]["environment"]
    on = text.replace("    # SITE_DIR: /site", "    SITE_DIR: /site").replace(
        "  # volumes:\n  #   - ./deploy/example-site:/site:ro",
        "  volumes:\n    - ./deploy/example-site:/site:ro",
    )
    bot = yaml.safe_load(on)["x-bot"]
    assert bot["environment"]["SITE_DIR"] == "/site"
    (mount,) = bot["volumes"]
    source, target, mode = mount.split(":")
    assert target == "/site" and mode == "ro" and (ROOT / source / FILE).is_file()


async def test_the_hospitals_pages_are_shared_with_their_own_source_until_their_review_runs_out(
    tmp_path: Path, catalog: Any
) -> None:
    from tests.test_gated import inline, inline_text

    async with running(tmp_path / "now", catalog, at=WEDNESDAY_10) as bot:
        shown = inline_text(await inline(bot, "port")).replace("&#x27;", "'")
        assert "Your child's port" in shown
        assert "Reviewed by Oncology nurse educator (example)" in shown
        listed = inline_text(await inline(bot, "")).replace("&#x27;", "'")
        assert "Your child's port" in listed
    late = datetime(2027, 5, 21, 12, 0, tzinfo=NEW_YORK).timestamp()
    async with running(tmp_path / "late", catalog, at=late) as bot:
        assert "Your child's port" not in inline_text(await inline(bot, "port")).replace("&#x27;", "'")
        assert "Your child's port" not in inline_text(await inline(bot, "")).replace("&#x27;", "'")


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_emergency_department_card_carries_the_hospitals_line_and_numbers(
    tmp_path: Path, catalog: Any, language: str
) -> None:
    async with running(tmp_path, catalog, language=language) as bot:
        site = bot.app.bot_data["services"].site
        await bot.storage.users.give_consent(1001)
        await bot.send("/edcard")
        card = bot.html().replace("&#x27;", "'")
        assert site.ed_card_line[language] in card
        assert f"<b>{site.numbers[1].label[language]}:</b> {site.numbers[1].shown}" in card
        assert bot.content.strings("edcard.team_none") in card  # the family's own: none saved


def test_site_check_reads_the_hospitals_pages_as_the_guides_are(tmp_path: Path) -> None:
    """A page harder to read than the language's bar is a warning; one that renders past
    Telegram's limit (emoji count twice) is an error: exit 2, and the bot does not start."""
    folder = site_copy(tmp_path)
    hard = (
        "Immunocompromised individuals experiencing febrile neutropenia necessitate immediate evaluation. "
        * 3
    )
    _edit(folder / "pages" / "en" / "day_clinic.yaml", "  - |\n", "  - |\n    " + hard + "\n")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "site-check", str(folder)], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0 and "warning: pages/en/day_clinic.yaml: reading grade" in run.stderr
    _edit(folder / "pages" / "es" / "port.yaml", "  - |\n", "  - |\n    " + "🩺" * 2500 + "\n")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "site-check", str(folder)], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 2 and "error: pages/es/port.yaml: pages[0]: renders to" in run.stderr
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(SITE_DIR=str(folder), BOT_DB_PATH=str(tmp_path / "bot.sqlite3"))
    start = subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, cwd=ROOT, env=env, input=""
    )
    assert start.returncode == 2 and "SITE_DIR: pages/es/port.yaml: pages[0]: renders to" in start.stderr


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_hospitals_numbers_come_with_what_the_bot_cannot_read_and_the_familys_none_line(
    tmp_path: Path, catalog: Any, language: str
) -> None:
    from tests.test_redflags import answer, media

    async with running(tmp_path, catalog, language=language) as bot:
        s = bot.content.strings
        await bot.feed(media(bot, "voice"))
        text = answer(bot)
        assert text.startswith(s("redflags.unreadable")) and "+1 202-555-0101" in text
        assert s("site_card.no_own_numbers") in text and s("redflags.no_numbers") not in text
        await bot.send("/urgent")
        card = sent(bot)
        assert s("site_card.no_own_numbers") in card and s("privacy.urgent.no_phone") not in card


@pytest.mark.parametrize("language", ["en", "es"])
async def test_settings_say_which_fever_number_the_bot_uses(
    tmp_path: Path, catalog: Any, language: str
) -> None:
    """No number of the family's own: the hospital's, named (not the general card's)."""
    from handlers.privacy import SetFever, ShowFever

    async with running(tmp_path, catalog, language=language) as bot:
        s = bot.content.strings
        name = "Riverside Children's Hospital (example)"
        await bot.send("/settings")
        assert s("site_card.fever_unset", name=name, number="38.0 °C (100.4 °F)") in bot.text()
        assert s("privacy.fever.unset") not in bot.text()
        await bot.storage.users.give_consent(1001)
        await bot.tap_data(SetFever(378).pack())
        await bot.tap_data(ShowFever().pack())
        screen = bot.text()
        assert s("privacy.fever.set", number="37.8 °C (100.0 °F)") in screen
        assert s("site_card.fever_screen", name=name, number="38.0 °C (100.4 °F)") in screen
        assert s("site_card.fever_title", name=name, number="38.0 °C (100.4 °F)") in screen
        assert (s("site_card.fever_clear", number="38.0 °C"), SetFever(0).pack()) in bot.buttons()
        assert s("privacy.fever.clear") not in [label for label, _ in bot.buttons()]


async def test_a_typed_fever_number_above_the_locked_one_is_refused(tmp_path: Path, catalog: Any) -> None:
    from handlers.privacy import AskFeverNumber

    async with running(tmp_path, catalog) as bot:
        s = bot.content.strings
        name = "Riverside Children's Hospital (example)"
        await bot.storage.users.give_consent(1001)
        await bot.send("/settings")
        await bot.tap_data(AskFeverNumber().pack())
        await bot.send("101.1 F")  # 38.4 °C, above the hospital's locked 38.0
        assert s("site_card.locked", name=name, number="38.0 °C (100.4 °F)") in bot.text()
        assert await bot.storage.circles.fever_c(1001) is None
        await bot.send("38.3")  # the prompt has ended: this is a temperature, read as one
        assert bot.answer().startswith(s("redflags.title"))


async def test_the_hospitals_button_in_a_copy_without_one_opens_the_contents(bot: Any) -> None:
    from handlers.guide import HospitalPages

    await bot.send("/menu")
    await bot.tap_data(HospitalPages().pack())
    assert bot.text() == bot.content.strings("menu.contents_title")
