"""Content: the real guide loads and validates; each rule is proven by a broken fixture."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import build_application, reserved_commands
from bot.checks import report
from bot.content import ContentError, load_content
from bot.render import section_page, utf16_len
from bot.telegram_html import MAX_TEXT, visible_text
from tests.harness import ROOT, make_settings

OVERLAP = ROOT.parent / "shared" / "tools" / "overlap.py"


def test_real_content_is_complete(content) -> None:
    assert len(content.sections) == 14
    assert {s.command for s in content.sections} >= {"symptoms", "treatment"}
    treatment = content.section("treatment")
    assert treatment is not None and treatment.has_parts
    assert [p.id for p in treatment.parts] == [
        "overview",
        "chemotherapy",
        "radiation",
        "transplant",
        "side_effects",
        "remission",
        "not_working",
    ]
    not_working = treatment.part("not_working")
    assert not_working is not None and not_working.sensitive
    assert len(content.checklist.items) == 10
    assert [g.id for g in content.question_groups][:3] == ["after_diagnosis", "treatment", "follow_up"]
    for section in content.sections:
        assert section.source.approved in ("10/2017", "01/2019")
        assert section.source.url.startswith("https://www.cancer.net/")
        assert 2 <= len(section.key_points) <= 4


def test_glossary_has_the_terms_parents_hear(content) -> None:
    terms = " ".join(t.term.lower() for t in content.glossary)
    for word in [
        "lymphocyte",
        "lymphoblast",
        "bone marrow",
        "anemia",
        "platelet",
        "complete blood count",
        "lumbar puncture",
        "cerebrospinal",
        "immunophenotyp",
        "remission",
        "recurr",
        "refractory",
        "induction",
        "consolidation",
        "maintenance",
        "allogeneic",
        "autologous",
        "minimal residual disease",
        "palliative",
        "hospice",
        "clinical trial",
        "informed consent",
        "placebo",
        "late effect",
        "survivorship",
    ]:
        assert word in terms, word


def test_commands_fit_telegram_limits(content) -> None:
    for section in content.sections:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", section.command)
        assert 1 <= len(section.description) <= 256


def test_every_page_renders_under_the_message_limit(content) -> None:
    for section in content.sections:
        for part in section.parts:
            for number in range(len(part.pages)):
                html = section_page(content.strings, section, part, number)
                assert utf16_len(visible_text(html, "HTML")) <= MAX_TEXT


def test_reading_grade_meets_the_bar(content) -> None:
    problems, lines = report(content)
    assert problems == [], problems
    assert lines[-1].endswith("content OK")


@pytest.mark.skipif(not OVERLAP.exists(), reason="shared tools not beside the checkout")
def test_no_sentences_copied_from_the_source() -> None:
    result = subprocess.run(
        [sys.executable, str(OVERLAP), str(ROOT / "content")], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1].startswith("overlap: 0 runs"), result.stdout


# ---- each validation rule, proven by a broken copy of the real content -----------------


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _section_file(root: Path, sid: str) -> Path:
    return next(root.glob(f"sections/*-{sid}.yaml"))


CASES: list[tuple[str, Callable[[Path], object], str]] = [
    (
        "duplicate section id",
        lambda r: _edit(_section_file(r, "diagnosis"), lambda d: d.update(id="statistics")),
        "duplicate id 'statistics'",
    ),
    (
        "missing title",
        lambda r: _edit(_section_file(r, "diagnosis"), lambda d: d.pop("title")),
        "section diagnosis.title: is missing or empty",
    ),
    (
        "broken question reference",
        lambda r: _edit(
            r / "questions.yaml", lambda d: d["groups"][0]["questions"][0].update(section="nowhere")
        ),
        "links to 'nowhere', which is not a section",
    ),
    (
        "page too long",
        lambda r: _edit(_section_file(r, "diagnosis"), lambda d: d["pages"].append("x " * 2000)),
        "the limit is 3000",
    ),
    (
        "invalid command",
        lambda r: _edit(_section_file(r, "diagnosis"), lambda d: d.update(command="Diagnosis!")),
        "is not a Telegram command",
    ),
    (
        "command taken by the bot",
        lambda r: _edit(_section_file(r, "diagnosis"), lambda d: d.update(command="start")),
        "taken by the bot itself",
    ),
    (
        "description too long",
        lambda r: _edit(_section_file(r, "diagnosis"), lambda d: d.update(description="d" * 300)),
        "description: is 300 characters; the limit is 256",
    ),
    (
        "checklist with no items",
        lambda r: _edit(r / "symptoms.yaml", lambda d: d.update(items=[])),
        "checklist.items: must be a non-empty list",
    ),
    (
        "duplicate question id",
        lambda r: _edit(
            r / "questions.yaml",
            lambda d: d["groups"][1]["questions"].append(dict(d["groups"][0]["questions"][0])),
        ),
        "duplicate id",
    ),
    (
        "too many key points",
        lambda r: _edit(_section_file(r, "diagnosis"), lambda d: d.update(key_points=["a"] * 5)),
        "key_points: must have 2-4 items",
    ),
    (
        "missing interface string",
        lambda r: _edit(r / "strings" / "en.yaml", lambda d: d["errors"].pop("stale")),
        "errors.stale: is missing",
    ),
    (
        "bad glossary reference",
        lambda r: _edit(r / "glossary.yaml", lambda d: d["terms"][0].update(section="gone")),
        "which is not a section",
    ),
    (
        "unquoted no key",
        lambda r: (r / "strings" / "en.yaml").write_text(
            (r / "strings" / "en.yaml").read_text(encoding="utf-8").replace('"no":', "no:"), encoding="utf-8"
        ),
        "key must be a string",
    ),
    (
        "not YAML",
        lambda r: (r / "urgent.yaml").write_text("title: [unclosed\n", encoding="utf-8"),
        "urgent.yaml: not valid YAML",
    ),
]


@pytest.mark.parametrize(("name", "breaker", "message"), CASES, ids=[c[0] for c in CASES])
def test_broken_content_is_refused(
    tmp_path: Path, name: str, breaker: Callable[[Path], object], message: str
) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    breaker(root)
    with pytest.raises(ContentError) as info:
        load_content(root, reserved_commands())
    assert message in str(info.value)
    assert ".yaml" in str(info.value) or "sections" in str(info.value)


def test_a_section_may_not_take_a_declared_command(tmp_path: Path) -> None:
    """The reserved names come from the features' declared commands, in the loader and in
    build_application (which may be handed content loaded elsewhere)."""
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    path = root / "sections" / "01-introduction.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("command: intro", "command: myquestions"), encoding="utf-8"
    )
    assert "myquestions" in reserved_commands()
    loaded = load_content(root)  # without the reserved list it loads
    with pytest.raises(ContentError, match="myquestions"):
        build_application(make_settings(tmp_path), content=loaded)


def test_each_languages_common_words_are_wordfreqs_list() -> None:
    """content/common_words.txt and content/<code>/common_words.txt are wordfreq's most used
    words, as scripts/common_words.py writes them: a new wordfreq that changes its list fails
    here until the files are written again."""
    import wordfreq

    from bot.content import COMMON_WORDS_FILE, FREQUENT_WORDS, language_folders

    for language, folder in language_folders(ROOT / "content").items():
        stored = (folder / COMMON_WORDS_FILE).read_text(encoding="utf-8").splitlines()
        assert language in wordfreq.available_languages()
        assert stored == list(wordfreq.top_n_list(language, FREQUENT_WORDS)), language
        assert len(stored) == FREQUENT_WORDS
