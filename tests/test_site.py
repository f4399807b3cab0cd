"""A hospital's site folder (bot.site): the example loads and shows what families see; each
kind of bad input is one line naming the file and the field, `site-check` exits 2, and the
bot refuses to start on a broken folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.__main__ import main
from bot.site import FILE, load, problems, problems_of
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
    card = bot.html()
    title = s("privacy.urgent.site_title", name="Riverside Children's Hospital (example)", date="2026-12-01")
    assert title in card.replace("&#x27;", "'")  # marked as the hospital's, with its date
    label = "Oncology ward, day and night" if language == "en" else "Planta de oncología, día y noche"
    assert f"📞 <b>{label}</b>: +1 202-555-0101" in card
    assert "Mon-Fri 8 am-5 pm" in card or "lun-vie 8-17 h" in card
    assert s("privacy.urgent.site_rule", number="38.0 °C (100.4 °F)", rule="")[:20] in card


async def test_the_lower_of_the_hospitals_and_the_familys_number_counts(hospital: Any) -> None:
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
