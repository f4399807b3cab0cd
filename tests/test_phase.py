"""🩺 The treatment phase through the real Application, in both languages and on both
backends: each phase chosen with its day (typed, tapped, skipped), the home's line and pages
following it, the question groups in its order, "not sure" and no answer counting as in
treatment, "relapse" never opening a hard page nor leading with the survival figures, a
helper who cannot change it, a phase changed back and forth, the old in-treatment answers
still read (and never turned into a phase); and the content check that keeps every page a
phase names where a parent's tap will find it."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import reserved_commands
from bot.content import Content, ContentError, Phase, load_content
from bot.render import clip, esc
from bot.storage import Member
from handlers.guide import ShowGatedPage, ShowPage
from handlers.phase import PAGE_LABEL, TODAY, day_text, phase_view
from handlers.privacy import TREATMENT_STATES, in_treatment
from tests.harness import ROOT, Clock, Harness, make
from tests.test_family import consent, join_by_link

pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]

A, B, C = 1001, 2002, 3003
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=MADRID).timestamp()  # Tuesday 10 March 2026
PHASES = ("induction", "cns", "consolidation", "maintenance", "transplant", "relapse", "finished", "unsure")
# What a parent types for a day, in their language.
TYPED = {
    "en": {"date": "2 March", "weekday": "last Monday", "ambiguous": "2/3", "yesterday": "yesterday"},
    "es": {"date": "2 de marzo", "weekday": "el lunes pasado", "ambiguous": "2/3", "yesterday": "ayer"},
}
FUTURE = {"en": "tomorrow", "es": "mañana"}
NO_SUCH = {"en": "31 Feb", "es": "31 de febrero"}
A_QUESTION = {"en": "what does remission mean please", "es": "que significa remision por favor"}


@pytest.fixture
async def bot(settings: Any, catalog: dict[str, Content], language: str) -> Any:
    async with Harness(settings, catalog["en"], language=language, clock=Clock(start=NOW)) as harness:
        yield harness


def s(bot: Harness, key: str, **fields: Any) -> str:
    return bot.content.strings(key, **fields)


def phase(bot: Harness, phase_id: str) -> Phase:
    found = bot.content.phase(phase_id)
    assert found is not None, phase_id
    return found


async def family(bot: Harness) -> None:
    await consent(bot, A)
    for user in (A, B, C):  # what is sent unasked (an invitation's approval) goes in it
        await bot.storage.users.set_language(user, bot.language)
    await bot.storage.circles.set_timezone(Member(A, A), "Europe/Madrid")


async def open_screen(bot: Harness, user: int = A) -> None:
    await bot.send("/settings", user)
    await bot.tap(s(bot, "privacy.treatment.button"), user)


async def choose(bot: Harness, phase_id: str, user: int = A) -> None:
    """Open the phase screen from /settings and tap the phase (the day prompt opens)."""
    await open_screen(bot, user)
    await bot.tap(phase(bot, phase_id).label, user)


async def home(bot: Harness, user: int = A) -> None:
    await bot.send("/start", user)


def page_buttons(bot: Harness, user: int = A) -> list[tuple[str, str]]:
    """The buttons that open guide pages (plain or after the gate)."""
    return [(label, data) for label, data in bot.buttons(user) if data.startswith(("s:", "r:"))]


def expected_pages(bot: Harness, phase_id: str) -> list[tuple[str, str]]:
    return [
        (
            s(bot, "phase.page", title=clip(ref.heading, PAGE_LABEL)),
            ShowPage(ref.section, ref.part, ref.page).pack(),
        )
        for ref in phase(bot, phase_id).pages
    ]


def the_line(bot: Harness, phase_id: str, day: date | None) -> str:
    label = esc(phase(bot, phase_id).label)
    if day is None:
        return s(bot, "phase.home_line_no_date", phase=label)
    return s(bot, "phase.home_line", phase=label, since=day_text(bot.content, day))


# ---- content: every page a phase names exists, in every language, and opens without asking ------
def test_the_phases_are_the_guides_own_and_their_pages_exist(catalog: dict[str, Content]) -> None:
    english = catalog["en"]
    for content in catalog.values():
        assert tuple(p.id for p in content.phases) == PHASES
        for p in content.phases:
            assert p.treatment in TREATMENT_STATES
            assert in_treatment(p.treatment) == (p.id != "finished"), p.id
            assert (p.treatment == "unsure") == (p.id == "unsure")
            for group in p.questions:
                assert content.group(group) is not None
            assert 1 <= len(p.pages) <= 3
            for ref in p.pages:
                section = content.section(ref.section)
                assert section is not None and not section.sensitive
                part = section.part(ref.part)
                assert part is not None and not part.asks_first(ref.page)
                assert f"## {ref.heading}" in part.pages[ref.page]
            # The same pages and groups in every language (the loader's alignment checks it).
            same = english.phase(p.id)
            assert same is not None
            assert [(r.section, r.part, r.page) for r in p.pages] == [
                (r.section, r.part, r.page) for r in same.pages
            ]
            assert p.questions == same.questions
        # The four phases of chemo are named as the guide's Treatment options section names
        # them, on the page that lists them.
        chemo = content.section("treatment")
        induction = content.phase("induction")
        assert chemo is not None and induction is not None
        part = chemo.part("chemotherapy")
        assert part is not None
        four = next(r for r in induction.pages if r.part == "chemotherapy")
        for phase_id in ("induction", "consolidation", "maintenance"):
            named = content.phase(phase_id)
            assert named is not None
            word = named.label.split()[0]
            assert word.lower() in part.pages[four.page].lower(), (content.language, word)
        relapse = content.phase("relapse")
        finished = content.phase("finished")
        assert relapse is not None and finished is not None
        assert all(r.section != "statistics" for r in relapse.pages)
        assert {r.section for r in finished.pages} <= {"follow_up", "survivorship"}
        assert finished.questions[0] == "follow_up"


def _broken(tmp_path: Path, edit: Any) -> Path:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    edit(root)
    return root


def test_a_renamed_or_hard_page_breaks_the_content_check_not_a_tap(tmp_path: Path) -> None:
    def rename(root: Path) -> None:
        path = root / "sections" / "07-treatment.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("## If ALL comes back", "## When ALL comes back"), encoding="utf-8")

    with pytest.raises(ContentError, match=r"phases\.yaml: phase relapse\.pages\[0\]\.heading"):
        load_content(_broken(tmp_path / "a", rename), reserved_commands())

    def hard(root: Path) -> None:
        path = root / "phases.yaml"
        text = path.read_text(encoding="utf-8")
        # A hard page (asks first) may not be suggested: its heading would show before a yes.
        path.write_text(
            text.replace("heading: If ALL comes back", "heading: When leukemia can't be cured").replace(
                "part: remission", "part: not_working"
            ),
            encoding="utf-8",
        )

    with pytest.raises(ContentError, match="asks first"):
        load_content(_broken(tmp_path / "b", hard), reserved_commands())

    def unknown_group(root: Path) -> None:
        path = root / "phases.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("questions: [follow_up]", "questions: [aftercare]"), encoding="utf-8")

    with pytest.raises(ContentError, match="not a question group"):
        load_content(_broken(tmp_path / "c", unknown_group), reserved_commands())


# ---- choosing each phase, with its day --------------------------------------------------------------
async def test_each_phase_with_its_day_and_the_home_following_it(bot: Harness, language: str) -> None:
    typed = TYPED[language]
    today = datetime.fromtimestamp(NOW, MADRID).date()
    # Before consent: the home offers nothing; choosing asks consent first, then carries on.
    await home(bot)
    assert s(bot, "phase.home_ask") not in [label for label, _ in bot.buttons()]
    await choose(bot, "induction")
    assert bot.html() == s(bot, "consent.prompt")
    await bot.tap(s(bot, "consent.ok"))
    assert s(bot, "phase.ask_day") in bot.html()
    assert await bot.storage.circles.phase(A) == ("induction", None)  # saved at once
    await bot.storage.circles.set_timezone(Member(A, A), "Europe/Madrid")
    await bot.send(typed["date"])
    assert await bot.storage.circles.phase(A) == ("induction", "2026-03-02")
    assert await bot.storage.circles.treatment(A) == "treated"
    assert bot.html().startswith(
        s(
            bot,
            "phase.saved_since",
            phase=esc(phase(bot, "induction").label),
            since=day_text(bot.content, date(2026, 3, 2)),
        )
    )

    days: dict[str, date | None] = {"induction": date(2026, 3, 2)}
    # CNS-directed therapy: today, tapped.
    await choose(bot, "cns")
    await bot.tap(s(bot, "phase.today"))
    days["cns"] = today
    # Consolidation: "2/3" reads two ways; the family's country's reading comes first.
    await choose(bot, "consolidation")
    await bot.send(typed["ambiguous"])
    assert s(bot, "phase.which_day", text="2/3") in bot.html()
    picks = [data for _, data in bot.buttons() if data.startswith("tc:") and not data.endswith(f":{TODAY}")]
    assert picks == [
        make("tc", phase="consolidation", day=date(2026, 3, 2).toordinal()),
        make("tc", phase="consolidation", day=date(2026, 2, 3).toordinal()),
    ]
    assert await bot.storage.circles.phase(A) == ("consolidation", None)  # nothing guessed
    await bot.tap_data(picks[1])
    days["consolidation"] = date(2026, 2, 3)
    # Maintenance: the day skipped.
    await choose(bot, "maintenance")
    await bot.tap(s(bot, "phase.skip"))
    days["maintenance"] = None
    # A stem cell transplant: a day to come is refused calmly, the prompt stays open.
    await choose(bot, "transplant")
    await bot.send(FUTURE[language])
    assert bot.html() == s(bot, "phase.date.future")
    await bot.send(NO_SUCH[language])
    assert bot.html() == s(bot, "phase.date.no_such_date")
    await bot.send(typed["yesterday"])
    days["transplant"] = today - timedelta(days=1)
    # Relapse: a weekday, looking back.
    await choose(bot, "relapse")
    await bot.send(typed["weekday"])
    days["relapse"] = date(2026, 3, 9)
    # Treatment finished: a date with its year.
    await choose(bot, "finished")
    await bot.send("2025-06-30")
    days["finished"] = date(2025, 6, 30)
    # Not sure: no day to ask, straight home.
    await choose(bot, "unsure")
    assert s(bot, "phase.ask_day") not in bot.html()
    assert s(bot, "menu.home_title") in bot.html()
    days["unsure"] = None

    for phase_id in PHASES:
        await choose(bot, phase_id)
        day = days[phase_id]
        if phase_id != "unsure":
            if day is None:
                await bot.tap(s(bot, "phase.skip"))
            else:  # another phase than the one before: its day is asked afresh
                assert (await bot.storage.circles.phase(A))[1] is None
                await bot.send(day.isoformat())
        assert await bot.storage.circles.phase(A) == (phase_id, day.isoformat() if day else None)
        assert await bot.storage.circles.treatment(A) == phase(bot, phase_id).treatment
        await home(bot)
        text = bot.html()
        assert text.startswith(f"{s(bot, 'start.greeting')}\n\n{the_line(bot, phase_id, day)}")
        assert s(bot, "menu.home_title") in text
        assert page_buttons(bot)[: len(phase(bot, phase_id).pages)] == expected_pages(bot, phase_id)
        assert s(bot, "phase.home_ask") not in [label for label, _ in bot.buttons()]
        # The Home button shows the same home; each suggested page opens, without a gate.
        await bot.tap_data(make("h"))
        assert the_line(bot, phase_id, day) in bot.html()
        for (label, data), ref in zip(expected_pages(bot, phase_id), phase(bot, phase_id).pages, strict=True):
            await bot.tap_data(make("h"))
            await bot.tap_data(data)
            assert esc(ref.heading) in bot.html(), label
            assert s(bot, "page.gate_yes") not in [lbl for lbl, _ in bot.buttons()]


async def test_the_screen_shows_what_is_saved_and_forgets_it(bot: Harness) -> None:
    await family(bot)
    await open_screen(bot)
    assert s(bot, "phase.now_none", state=s(bot, "privacy.treatment.unanswered")) in bot.html()
    assert s(bot, "phase.safety") in bot.html()
    await choose(bot, "maintenance")
    await bot.send("2026-03-02")
    await open_screen(bot)
    label = esc(phase(bot, "maintenance").label)
    assert s(bot, "phase.now", phase=label, since=day_text(bot.content, date(2026, 3, 2))) in bot.html()
    labels = [lbl for lbl, _ in bot.buttons()]
    assert f"✅ {phase(bot, 'maintenance').label}" in labels
    # The day again: the ✅ phase or "The day it started" asks it, keeping it meanwhile.
    await bot.tap(s(bot, "phase.change_day"))
    assert await bot.storage.circles.phase(A) == ("maintenance", "2026-03-02")
    await bot.tap(s(bot, "phase.skip"))
    assert await bot.storage.circles.phase(A) == ("maintenance", "2026-03-02")
    # Forgotten: the answer stays as it was, and the home offers the question again.
    await open_screen(bot)
    await bot.tap(s(bot, "phase.forget"))
    assert await bot.storage.circles.phase(A) == (None, None)
    assert await bot.storage.circles.treatment(A) == "treated"
    assert bot.html().startswith(s(bot, "phase.forgotten"))
    await home(bot)
    assert s(bot, "phase.home_ask") in [label for label, _ in bot.buttons()]
    await bot.tap(s(bot, "phase.home_ask"))
    assert bot.html().startswith(s(bot, "phase.title"))


async def test_typed_days_that_are_no_day(bot: Harness, language: str) -> None:
    await family(bot)
    await choose(bot, "relapse")
    await bot.send("zzz")
    assert bot.html() == s(bot, "phase.date.not_understood")
    await bot.send("1990-01-01")
    assert bot.html() == s(bot, "phase.date.too_far", years=20)
    assert await bot.storage.circles.phase(A) == ("relapse", None)
    # A question typed here is no day: it goes to the search, and the prompt closes.
    await bot.send(A_QUESTION[language])
    assert bot.searched()
    assert await bot.storage.prompts.get(A) is None
    assert await bot.storage.circles.phase(A) == ("relapse", None)
    # A day button for another phase, or a forged day, changes nothing.
    await bot.tap_data(make("tc", phase="finished", day=TODAY))
    assert bot.html().startswith(s(bot, "phase.gone"))
    await bot.tap_data(make("tc", phase="relapse", day=date(2027, 1, 1).toordinal()))
    assert bot.answers()[-1].get("text") == s(bot, "errors.stale")
    await bot.tap_data(make("tb", phase="remission"))
    assert bot.answers()[-1].get("text") == s(bot, "errors.stale")
    assert await bot.storage.circles.phase(A) == ("relapse", None)


# ---- the home: per family, from the menus kept ready ------------------------------------------------------
async def test_two_families_each_see_their_own_home(bot: Harness) -> None:
    await family(bot)
    await consent(bot, B)
    await choose(bot, "maintenance")
    await bot.tap(s(bot, "phase.skip"))
    await choose(bot, "finished", B)
    await bot.tap(s(bot, "phase.skip"), B)
    for _ in range(2):  # the kept-ready menus never mix two families
        await home(bot, A)
        await home(bot, B)
        await home(bot, C)  # no family yet: the plain menu
        assert page_buttons(bot, A)[:3] == expected_pages(bot, "maintenance")
        assert page_buttons(bot, B)[:3] == expected_pages(bot, "finished")
        assert the_line(bot, "finished", None) in bot.html(B)
        plain = [label for label, _ in bot.buttons(C)]
        assert plain[0] == s(bot, "menu.guide") and s(bot, "phase.home_ask") not in plain


# ---- the question lists -----------------------------------------------------------------------------
async def test_the_phases_question_groups_come_first(bot: Harness) -> None:
    content = bot.content
    await family(bot)
    plain = [g.id for g in content.question_groups]

    async def order() -> list[str]:
        await bot.send({"en": "/questions", "es": "/preguntas"}[bot.language])
        return [data.split(":")[1] for _, data in bot.buttons() if data.startswith("qg:")]

    assert await order() == plain
    for phase_id in PHASES:
        await choose(bot, phase_id)
        first = list(phase(bot, phase_id).questions)
        assert await order() == first + [g for g in plain if g not in first], phase_id
        note = s(bot, "phase.questions_first", phase=esc(phase(bot, phase_id).label))
        assert (note in bot.html()) == bool(first)


# ---- in treatment or not --------------------------------------------------------------------------
async def test_not_sure_and_no_answer_count_as_in_treatment(bot: Harness, language: str) -> None:
    await family(bot)
    command = {"en": "/symptoms", "es": "/sintomas"}[language]

    async def card_first() -> bool:
        await bot.send(command)
        return bot.buttons()[0][0] == s(bot, "symptoms.urgent_button")

    assert await card_first()  # no answer, no phase
    for phase_id, first in (("unsure", True), ("finished", False), ("relapse", True), ("maintenance", True)):
        await choose(bot, phase_id)
        assert await card_first() is first, phase_id
    # The checklist's gentle question goes once answered (a phase answers it).
    await bot.storage.circles.set_phase(Member(A, A), None, None)
    await bot.send(command)
    assert s(bot, "privacy.treatment.ask") not in [label for label, _ in bot.buttons()]


async def test_the_old_answers_are_still_read_and_never_become_a_phase(bot: Harness, language: str) -> None:
    await family(bot)
    command = {"en": "/symptoms", "es": "/sintomas"}[language]
    for state in TREATMENT_STATES:
        await bot.storage.circles.set_treatment(Member(A, A), state)
        await open_screen(bot)
        assert s(bot, "phase.now_none", state=s(bot, f"privacy.treatment.{state}")) in bot.html()
        assert not any(label.startswith("✅") for label, _ in bot.buttons())
        await home(bot)
        assert s(bot, "phase.home_ask") in [label for label, _ in bot.buttons()]
        assert await bot.storage.circles.phase(A) == (None, None)
        await bot.send(command)
        assert (bot.buttons()[0][0] == s(bot, "symptoms.urgent_button")) == (state != "finished")
    # The old screen's buttons still in chats: they set the answer, and forget a phase that
    # says the other thing (in treatment or not); one that agrees is kept.
    await choose(bot, "maintenance")
    await bot.tap_data(make("ts", state="new"))
    assert await bot.storage.circles.phase(A) == ("maintenance", None)
    assert await bot.storage.circles.treatment(A) == "new"
    await bot.tap_data(make("ts", state="finished"))
    assert await bot.storage.circles.phase(A) == (None, None)
    assert await bot.storage.circles.treatment(A) == "finished"
    await choose(bot, "finished")
    await bot.tap_data(make("ts", state="unsure"))
    assert await bot.storage.circles.phase(A) == (None, None)
    await bot.tap_data(make("ts", state="cured"))
    assert await bot.storage.circles.treatment(A) == "unsure"


async def test_a_phase_changed_back_and_forth(bot: Harness) -> None:
    await family(bot)
    await choose(bot, "maintenance")
    await bot.send("2026-03-02")
    await choose(bot, "finished")
    await bot.send("2026-03-09")
    assert await bot.storage.circles.treatment(A) == "finished"
    await home(bot)
    assert the_line(bot, "finished", date(2026, 3, 9)) in bot.html()
    assert page_buttons(bot)[:3] == expected_pages(bot, "finished")
    # Back: the day belonged to the time before; it is asked again, not carried over.
    await choose(bot, "maintenance")
    assert await bot.storage.circles.phase(A) == ("maintenance", None)
    assert await bot.storage.circles.treatment(A) == "treated"
    await bot.tap(s(bot, "phase.skip"))
    await home(bot)
    assert the_line(bot, "maintenance", None) in bot.html()
    assert page_buttons(bot)[:3] == expected_pages(bot, "maintenance")
    assert the_line(bot, "finished", date(2026, 3, 9)) not in bot.html()


# ---- relapse ------------------------------------------------------------------------------------------
async def test_relapse_never_opens_a_hard_page_nor_leads_with_the_figures(bot: Harness) -> None:
    content = bot.content
    await family(bot)
    await choose(bot, "relapse")
    await bot.send("2026-03-09")
    await home(bot)
    text = bot.html()
    relapse = phase(bot, "relapse")
    assert esc(relapse.note) in text
    statistics = content.section("statistics")
    assert statistics is not None
    assert esc(statistics.title) not in text
    assert "%" not in text  # no figure of any kind
    pages = page_buttons(bot)
    assert pages[: len(relapse.pages)] == expected_pages(bot, "relapse")
    assert not any(data.startswith(f"{ShowGatedPage.prefix}:") for _, data in pages)
    assert not any(data.startswith(f"s:{statistics.id}:") for _, data in pages[: len(relapse.pages)])
    # The hard pages of the same section still ask first, whoever opens them.
    await bot.tap_data(make("s", sid="treatment", part="not_working", page=0))
    assert s(bot, "page.gate_yes") in [label for label, _ in bot.buttons()]
    await bot.tap_data(make("s", sid="statistics", part="", page=0))
    assert s(bot, "page.gate_yes") in [label for label, _ in bot.buttons()]
    # The questions start with choosing treatment again, never with the figures.
    await bot.send({"en": "/questions", "es": "/preguntas"}[bot.language])
    assert next(d for _, d in bot.buttons() if d.startswith("qg:")) == make("qg", group="treatment")


# ---- a helper ---------------------------------------------------------------------------------------------
async def test_a_helper_sees_it_but_cannot_change_it(bot: Harness) -> None:
    await family(bot)
    await join_by_link(bot, C, role=2)
    # No phase yet: the offer is for full members only.
    await home(bot, C)
    assert s(bot, "phase.home_ask") not in [label for label, _ in bot.buttons(C)]
    await home(bot, A)
    assert s(bot, "phase.home_ask") in [label for label, _ in bot.buttons(A)]
    await choose(bot, "consolidation")
    await bot.send("2026-03-02")
    # The helper sees the family's phase on the home and the screen...
    await home(bot, C)
    assert the_line(bot, "consolidation", date(2026, 3, 2)) in bot.html(C)
    await open_screen(bot, C)
    assert bot.html(C).startswith(s(bot, "phase.title"))
    # ...and every change is refused calmly, nothing stored.
    for data in (
        make("tb", phase="maintenance"),
        make("tc", phase="consolidation", day=TODAY),
        make("td"),
        make("ts", state="finished"),
    ):
        answered = len(bot.answers())
        await bot.tap_data(data, C)
        assert len(bot.answers()) == answered + 1
        assert bot.answers()[-1].get("text") == s(bot, "family.full_only"), data
    assert await bot.storage.circles.phase(A) == ("consolidation", "2026-03-02")
    assert await bot.storage.circles.treatment(A) == "treated"
    # A day prompt the helper could not open is not theirs to answer either.
    assert await bot.storage.prompts.get(C) is None


# ---- pure -------------------------------------------------------------------------------------------------
def test_the_screen_names_an_unknown_stored_phase_as_none(catalog: dict[str, Content]) -> None:
    for content in catalog.values():
        view = phase_view(content, "gone_phase", "2026-03-02", None)
        s_ = content.strings
        assert s_("phase.now_none", state=s_("privacy.treatment.unanswered")) in view.text
        assert day_text(content, date(2026, 3, 2)) == f"2 {s_('dates.month_abbr').split()[2]} 2026"


async def test_the_survival_figures_never_lead_for_ALL_that_came_back(bot: Harness) -> None:
    """handlers.phase.survival_first: what the search asks before a hopeful question opens
    with the figures (see the report on issue 26, part 5)."""
    from types import SimpleNamespace

    from telegram import Update

    from handlers.phase import survival_first

    await family(bot)

    async def first() -> bool:
        update = Update.de_json(bot.user(A).text("will my child survive"), bot.app.bot)
        return await survival_first(update, SimpleNamespace(member=None, storage=bot.storage))  # type: ignore[arg-type]

    assert await first()  # no phase
    for phase_id in PHASES:
        await bot.storage.circles.set_phase(Member(A, A), phase_id, None)
        assert await first() is (phase_id != "relapse"), phase_id
