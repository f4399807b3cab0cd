"""A third language is data only: a folder `content/<code>/` with the same ids as English and
a profile (`language.yaml`). "xx" is made here from a copy of the English content and the
profile in tests/data/language_xx/, with its own command names, section command names,
cross-reference phrase, hyphenation dictionary, words, greeting and red-flag word; the real
Application is then built on that folder, and nothing in bot/ or handlers/ knows "xx"."""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import bot_commands, reserved_commands
from bot.checks import report, section_text
from bot.content import Content, ContentError, cross_references, load_catalog, load_content
from bot.context import services_of
from bot.readability import counts
from tests.harness import ROOT, Harness, make, make_settings

FIXTURE = ROOT / "tests" / "data" / "language_xx"
CODE = "xx"
GREETING = "<b>Xx: hello.</b> This is the guide in the third language."
SECTION_NAMES = {"symptoms": "symptome", "treatment": "behandlung"}
XX_WORD = "zorblat"  # a red-flag word only xx's urgent card has (for the breathing sign)
XX_SYNONYM = "blutkrebs"  # a search word only xx has: it leads to "leukemia"


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def add_third_language(root: Path) -> Path:
    """content/xx/: the English files (the same ids), the fixture's profile, and a few words
    of its own. Returns the new folder."""
    folder = root / CODE
    shutil.copytree(
        root,
        folder,
        ignore=lambda at, names: [
            n for n in names if at == str(root) and (root / n).is_dir() and n not in ("sections", "strings")
        ],
    )
    (folder / "strings" / "en.yaml").rename(folder / "strings" / f"{CODE}.yaml")
    shutil.copy(FIXTURE / "language.yaml", folder / "language.yaml")

    def strings(data: dict[str, Any]) -> None:
        data["start"]["greeting"] = GREETING
        data["language"]["name"] = "Xx"

    _edit(folder / "strings" / f"{CODE}.yaml", strings)
    _edit(folder / "search.yaml", lambda d: d["synonyms"].update({XX_SYNONYM: "leukemia"}))

    def urgent(data: dict[str, Any]) -> None:
        sign = next(s for g in data["groups"] for s in g["signs"] if s["id"] == "breathing")
        sign["words"].append(XX_WORD)

    _edit(folder / "urgent.yaml", urgent)
    for path in sorted((folder / "sections").glob("*.yaml")):
        # Its pages write "the Classification chapter", as its profile says.
        text = re.sub(
            r"\b([Tt]he [A-Z0-9][\w'’-]*(?: [\w'’-]+){0,5}?) section\b",
            r"\1 chapter",
            path.read_text(encoding="utf-8"),
        )
        sid = yaml.safe_load(text)["id"]
        if sid in SECTION_NAMES:
            text = f"aliases: [{SECTION_NAMES[sid]}]\n" + text
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("third") / "content"
    shutil.copytree(ROOT / "content", root)
    add_third_language(root)
    return root


@pytest.fixture(scope="module")
def contents(root: Path) -> dict[str, Content]:
    return load_catalog(root, reserved_commands())


@pytest.fixture
async def xx_bot(root: Path, contents: dict[str, Content], tmp_path: Path) -> AsyncIterator[Harness]:
    settings = make_settings(tmp_path, BOT_CONTENT_DIR=str(root))
    async with Harness(settings, contents["en"], language=CODE) as harness:
        yield harness


def test_it_loads_beside_the_others_with_the_same_ids(contents: dict[str, Content]) -> None:
    assert list(contents) == ["en", "es", CODE]
    en, xx = contents["en"], contents[CODE]
    assert xx.language == CODE
    assert [s.id for s in xx.sections] == [s.id for s in en.sections]
    assert set(xx.strings.keys()) == set(en.strings.keys())
    assert xx.strings("start.greeting") == GREETING
    for a, b in zip(en.sections, xx.sections, strict=True):
        for pa, pb in zip(a.parts, b.parts, strict=True):
            assert pa.anchors == pb.anchors


def test_its_ids_are_checked_like_any_language(root: Path, tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(root, broken)
    (broken / CODE / "sections" / "09-latest_research.yaml").unlink()
    with pytest.raises(ContentError, match=f"{CODE}.*latest_research"):
        load_catalog(broken, reserved_commands())


def test_its_profile_is_read(contents: dict[str, Content]) -> None:
    en, xx = contents["en"], contents[CODE]
    profile = xx.profile
    assert profile.commands["help"] == ("hilfe", "hilfen")
    assert profile.cross_reference == "the {title} chapter"
    assert profile.syllables.hyphenation == "de" and en.profile.syllables.hyphenation == "en_US"
    assert profile.reading_ease.formula == "flesch-kincaid"
    # Syllables are counted with its own dictionary and vowels, not English's.
    text = "\n".join(section_text(s) for s in xx.sections)
    assert counts(text, profile.syllables) != counts(text, en.profile.syllables)
    problems, lines = report(xx)
    assert problems == [], problems
    assert lines[0].split()[-1] == "grade" and lines[-1].endswith("content OK")


def test_its_cross_reference_phrase_is_its_own(
    contents: dict[str, Content], root: Path, tmp_path: Path
) -> None:
    xx = contents[CODE]
    titles = [s.title for s in xx.sections]
    assert cross_references("Read the Diagnosis chapter.", titles, xx.profile.cross_reference) == (
        ["Diagnosis"],
        [],
    )
    assert cross_references("Read the Diagnosis section.", titles, xx.profile.cross_reference) == ([], [])
    broken = tmp_path / "content"
    shutil.copytree(root, broken)
    path = broken / CODE / "sections" / "05-diagnosis.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("## ", "## See the Hair Care chapter.\n    ## ", 1),
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="Hair Care"):
        load_catalog(broken, reserved_commands())


def test_its_red_flag_words_are_loaded(contents: dict[str, Content]) -> None:
    en, xx = contents["en"], contents[CODE]
    assert xx.red_flags is not None and en.red_flags is not None
    assert xx.red_flags.check(f"she is {XX_WORD} now").signs == ("breathing",)
    assert not en.red_flags.check(f"she is {XX_WORD} now")
    assert xx.red_flags.check("she is not breathing")


def test_a_command_name_means_one_thing_in_every_language(root: Path, tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(root, broken)
    _edit(broken / CODE / "language.yaml", lambda d: d["commands"].update(menu="ayuda"))
    with pytest.raises(ContentError, match="'ayuda' is already the name of /help"):
        load_catalog(broken, reserved_commands())
    shutil.copy(FIXTURE / "language.yaml", broken / CODE / "language.yaml")
    _edit(broken / CODE / "language.yaml", lambda d: d["commands"].update(menu="sintomas"))
    with pytest.raises(ContentError, match=r"'sintomas' is taken by the bot itself \(/menu\)"):
        load_catalog(broken, reserved_commands())
    shutil.copy(FIXTURE / "language.yaml", broken / CODE / "language.yaml")
    _edit(broken / CODE / "language.yaml", lambda d: d["commands"].update(nosuch="keine"))
    with pytest.raises(ContentError, match="the bot has no command 'nosuch'"):
        load_catalog(broken, reserved_commands())
    shutil.copy(FIXTURE / "language.yaml", broken / CODE / "language.yaml")
    _edit(broken / CODE / "language.yaml", lambda d: d["commands"].update(menu="Inhalt!"))
    with pytest.raises(ContentError, match="is not a Telegram command"):
        load_catalog(broken, reserved_commands())


async def test_its_slash_menu_shows_its_own_names(xx_bot: Harness) -> None:
    bot = xx_bot
    xx = bot.content
    assert xx.language == CODE
    call = next(c for c in bot.api.of("setMyCommands") if c.params.get("language_code") == CODE)
    registered = [(c["command"], c["description"]) for c in call.params["commands"]]
    assert registered == [(c.command, c.description) for c in bot_commands(xx, services_of(bot.app).commands)]
    names = dict(registered)
    assert {"dringend", "hilfe", "termin", "suche", "abbrechen", "symptome", "behandlung"} <= names.keys()
    assert not {"help", "urgent", "hilfen", "ayuda", "symptoms"} & names.keys()
    assert names["hilfe"] == xx.strings("help.commands.help")
    # The other menus keep their own names.
    menus = {
        c.params.get("language_code"): [x["command"] for x in c.params["commands"]]
        for c in bot.api.of("setMyCommands")
    }
    assert "help" in menus[None] and "ayuda" in menus["es"] and "hilfe" not in menus["es"]


async def test_its_names_work_for_everyone_and_help_lists_them(xx_bot: Harness) -> None:
    bot = xx_bot
    xx = bot.content
    await bot.send("/hilfe")
    assert "/hilfe · " in bot.text() and "/symptome · " in bot.text()
    await bot.send("/hilfen")
    assert xx.strings("help.title") in bot.html()
    await bot.send("/ayuda")  # a Spanish name works in xx too
    assert xx.strings("help.title") in bot.html()
    english = 2002
    bot.user(english).user["language_code"] = "en"
    en = services_of(bot.app).contents["en"]
    await bot.send("/symptome", user_id=english)  # and xx's names work in English
    symptoms = en.section("symptoms")
    assert symptoms is not None and symptoms.title in bot.html(english)
    await bot.send("/hilfe", user_id=english)
    assert "/help · " in bot.text(english) and "/hilfe" not in bot.text(english)


async def test_its_home_menu_search_and_red_flags(xx_bot: Harness) -> None:
    bot = xx_bot
    xx = bot.content
    await bot.send("/beginn")
    assert bot.html().startswith(GREETING)
    await bot.send("/start")
    assert bot.html().startswith(GREETING)
    await bot.send("what does remission mean")
    assert bot.searched()
    await bot.send(XX_SYNONYM)  # a word only xx's search knows: it finds the guide's pages
    assert bot.html().startswith(xx.strings("search.results"))
    english = 2002
    bot.user(english).user["language_code"] = "en"
    await bot.send(XX_SYNONYM, user_id=english)
    assert bot.searched(english) and not bot.html(english).startswith(xx.strings("search.results"))
    await bot.send(f"my daughter is {XX_WORD}")
    assert bot.html().startswith(xx.strings("redflags.title"))


async def test_its_pages_link_sections_with_its_phrase(xx_bot: Harness) -> None:
    bot = xx_bot
    xx = bot.content
    section = xx.section("diagnosis")
    assert section is not None
    part = section.parts[0]
    page = next(i for i, text in enumerate(part.pages) if "the Classification chapter" in text)
    await bot.tap_data(make("s", sid="diagnosis", part="", page=page), message=await _menu(bot))
    labels = [label for label, _ in bot.buttons()]
    assert xx.strings("page.see_section", title="Classification") in labels


async def _menu(bot: Harness) -> dict[str, Any]:
    await bot.send("/start")
    return bot.last_message()


def test_no_code_names_another_language() -> None:
    """Only the first language (English, the content folder itself) may be named in code:
    every other one is data. The editor scripts' Spanish reading-ease helper is the one
    exception (bot/readability.py counts_es, for scripts/inflesz.py)."""
    codes = {p.name for p in (ROOT / "content").iterdir() if (p / "strings" / f"{p.name}.yaml").exists()}
    allowed = {("bot/readability.py", "es")}
    found = []
    for package in ("bot", "handlers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and node.value in codes
                    and (name, node.value) not in allowed
                ):
                    found.append(f"{name}:{node.lineno}: {node.value!r}")
    assert not found, found


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(cross_reference="see {title}, see {title}"), "{title} once"),
        (lambda d: d.update(cross_reference="{title} section"), "must be words, then {title}"),
        (lambda d: d["reading_ease"].update(formula="gunning-fog"), "is not one of"),
        (lambda d: d["reading_ease"].update(formula="inflesz"), "takes min_section"),
        (lambda d: d["syllables"].update(hyphenation="klingon"), "no dictionary 'klingon'"),
        (lambda d: d["syllables"].update(vowels="AEIOU"), "lower-case letters"),
        (lambda d: d["syllables"].update(silent_e="yes"), "true or false"),
        (lambda d: d.update(commands={"help": []}), "a command name or a list"),
        (lambda d: d.update(commands={"help": "menu"}), "already the name of /menu"),
        (
            lambda d: d.update(zones={"names": [{"words": ["mars"], "zones": ["Mars/Base"]}]}),
            "is not a time zone",
        ),
        (
            lambda d: d.update(
                zones={"names": [{"words": ["x"], "zones": ["UTC"]}, {"words": ["X"], "zones": ["UTC"]}]}
            ),
            "named twice",
        ),
        (lambda d: d.update(zones={"abbreviations": []}), "is not a zones key"),
    ],
    ids=[
        "title twice",
        "no opening words",
        "unknown formula",
        "bars of another formula",
        "unknown dictionary",
        "vowels",
        "silent_e",
        "no names",
        "another command's name",
        "unknown zone",
        "zone words twice",
        "unknown zones key",
    ],
)
def test_a_broken_profile_is_refused(tmp_path: Path, change: Any, message: str) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    _edit(root / "language.yaml", change)
    with pytest.raises(ContentError, match=re.escape(message)) as info:
        load_content(root, reserved_commands())
    assert "language.yaml" in str(info.value)


def test_a_profile_is_needed(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    (root / "es" / "language.yaml").unlink()
    with pytest.raises(ContentError, match=r"language\.yaml: file is missing"):
        load_content(root / "es", reserved_commands(), "es")
