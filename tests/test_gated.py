"""Hard pages ask first everywhere, through the real Application, in every language.

A page that asks first (a part or section marked sensitive, or a page in `sensitive_pages`)
shows none of its lines before the parent says yes: not in a search reply (its result is a
neutral label whose button opens the gate), not in an inline answer or a Share card, not in
"Words on this page". The hard pages are read from the loaded content, so a page marked hard
later is walked too. A parent who turned "ask before hard pages" off gets the words again.
Hopeful questions ("will my child survive", "se va a curar") open with the survival figures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest

from bot import render
from bot.content import Content, Part, Section
from bot.telegram_html import visible_text
from handlers.glossary import Glossary, hard_terms
from handlers.guide import page_payload
from handlers.search import SURVIVAL_SECTION, neutral_title
from tests.harness import Harness, make

pytestmark = pytest.mark.every_language

WINDOW = 6  # a line is checked whole, and by every run of this many of its words
QUERIES_PER_PAGE = 12
QUERY_WORDS = 10  # a query made from a line: its first words

HOPEFUL = {
    "en": [
        "will my child survive",
        "is it curable",
        "will she die",
        "is leukemia curable",
        "will my son be cured",
        "can leukemia be cured",
        "is ALL curable",
        "what are the chances my child survives",
        "survival rate",
        "what are her odds",
        "how many kids survive leukemia",
        "will he live",
        "cure rate",
    ],
    "es": [
        "se va a curar mi hijo",
        "mi hijo va a sobrevivir",
        "tasa de supervivencia",
        "se cura la leucemia",
        "es curable",
        "tiene cura la leucemia",
        "se puede curar",
        "mi hija se va a morir",
        "va a vivir mi hijo",
        "cuántos niños sobreviven",
    ],
}
# Everyday questions whose results once printed a hard page's lines (parents' test, item 3).
EVERYDAY = {
    "en": [
        "what is leukemia",
        "what is ALL",
        "hospice",
        "palliative care at home",
        "second cancer",
        "fertility",
        "late effects heart",
        "how long is treatment",
    ],
    "es": [
        "qué es la leucemia",
        "qué es la LLA",
        "cuidados paliativos en casa",
        "segundo cáncer",
        "fertilidad",
        "efectos tardíos corazón",
    ],
}


# ---- the hard pages and their words, from the content -------------------------------------------
def words(text: str) -> str:
    """Text as a run of lower-case words (so a line matches whatever the markup around it)."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return " ".join(re.findall(r"\w+(?:'\w+)*", text))


def clean(line: str) -> str:
    return line.strip().removeprefix("## ").removeprefix("• ").strip()


def pages(content: Content) -> Iterator[tuple[Section, Part, int]]:
    for section in content.sections:
        for part in section.parts:
            for page in range(len(part.pages)):
                yield section, part, page


def asks_first(section: Section, part: Part, page: int) -> bool:
    return section.sensitive or part.asks_first(page)


def first_of_section(section: Section, part: Part, page: int) -> bool:
    return page == 0 and part is section.parts[0]


def gated_pages(content: Content) -> list[tuple[Section, Part, int]]:
    found = [p for p in pages(content) if asks_first(*p)]
    assert found, "the guide has no page that asks first"
    return found


def page_lines(section: Section, part: Part, page: int) -> list[str]:
    """What the page itself shows: its lines, and on a plain section's first page, the
    section's key points (a section with parts shows them on its parts menu too)."""
    lines = [clean(line) for line in part.pages[page].splitlines() if line.strip()]
    if first_of_section(section, part, page) and not section.has_parts:
        lines += section.key_points
    return [line for line in lines if line]


def open_text(content: Content) -> str:
    """Everything a parent can read without a gate: plain pages, key points, titles, the
    glossary, the checklist, the questions, the urgent card, every interface string."""
    chunks: list[str] = []
    for section in content.sections:
        chunks += [
            section.title,
            section.description,
            section.source.name,
            visible_text(render.source_footer(content.strings, section), "HTML"),
        ]
        if section.has_parts or not asks_first(section, section.parts[0], 0):
            chunks += section.key_points
        for part in section.parts:
            if not (part.sensitive and section.has_parts):
                chunks.append(part.title)
    for section, part, page in pages(content):
        if not asks_first(section, part, page):
            chunks += page_lines(section, part, page)
    for term in content.glossary:
        chunks += [term.term, term.definition, *term.forms]
    checklist = content.checklist
    chunks += [checklist.title, checklist.intro, *checklist.advice]
    chunks += [text for item in checklist.items for text in (item.label, item.explain)]
    for group in content.question_groups:
        chunks.append(group.title)
        chunks += [text for q in group.questions for text in (q.text, q.explain)]
    for urgent in content.urgent.groups:
        chunks.append(urgent.title)
        chunks += [sign.text for sign in urgent.signs]
    chunks.append(content.urgent.title)
    chunks += [
        visible_text(content.strings._values[key], "HTML")  # templates as written
        for key in content.strings.keys()  # noqa: SIM118 (Strings is no dict)
    ]
    return "\n".join(f" {words(chunk)} " for chunk in chunks)


class HardWords:
    """The runs of words that belong to hard pages only: each line of each hard page, whole
    and by every WINDOW words, unless a parent can read the same words without a gate; and
    the titles of hard parts, which speak of what they hold."""

    def __init__(self, content: Content):
        plain = open_text(content)
        self.units: dict[str, str] = {}  # run of words -> the page it comes from
        self.titles: dict[str, str] = {}
        for section, part, page in gated_pages(content):
            where = page_payload(section, part, page)
            for line in page_lines(section, part, page):
                runs = words(line).split()
                found = {" ".join(runs)}
                found |= {" ".join(runs[i : i + WINDOW]) for i in range(len(runs) - WINDOW + 1)}
                for unit in found:
                    if unit and f" {unit} " not in plain:
                        self.units.setdefault(unit, where)
            if section.has_parts and part.sensitive:
                pages_text = "\n".join(
                    f" {words(line)} "
                    for s, p, n in pages(content)
                    if not asks_first(s, p, n)
                    for line in page_lines(s, p, n)
                )
                if f" {words(part.title)} " not in pages_text:
                    self.titles[words(part.title)] = where
        assert len(self.units) > 50, "too few hard lines to be a real check"

    def leaks(self, text: str, titles: bool = True) -> list[tuple[str, str]]:
        seen = " ¶ ".join(f" {words(line)} " for line in text.splitlines())  # line by line
        found = [(unit, where) for unit, where in self.units.items() if f" {unit} " in seen]
        if titles:
            found += [(t, where) for t, where in self.titles.items() if f" {t} " in seen]
        return found


def queries_from(content: Content, section: Section, part: Part, page: int) -> list[str]:
    """What a parent might type that leads to this page: its title, headings and the first
    words of its lines."""
    found = [section.title, part.title] if section.has_parts else [section.title]
    for line in page_lines(section, part, page):
        found.append(" ".join(line.split()[:QUERY_WORDS]))
    return list(dict.fromkeys(found))[:QUERIES_PER_PAGE]


# ---- what the parent sees ---------------------------------------------------------------------
def reply_text(bot: Harness, user_id: int = 1001) -> str:
    """The last reply as seen, with its buttons' labels."""
    labels = " | ".join(label for label, _ in bot.buttons(user_id))
    return f"{visible_text(bot.html(user_id), 'HTML')}\n{labels}"


def inline_text(results: list[dict[str, Any]]) -> str:
    parts = []
    for result in results:
        content = result.get("input_message_content") or {}
        parts += [
            str(result.get("title", "")),
            str(result.get("description", "")),
            visible_text(str(content.get("message_text", "")), "HTML"),
        ]
    return "\n".join(parts)


async def inline(bot: Harness, text: str, user_id: int = 3003) -> list[dict[str, Any]]:
    await bot.feed(bot.user(user_id).inline(text))
    return list(bot.api.inline_answers.values())[-1]


def page_key(section: Section, part: Part, page: int) -> str:
    return make("s", sid=section.id, part=part.id, page=page)


def result_buttons(bot: Harness) -> list[tuple[str, str]]:
    return [(label, data) for label, data in bot.buttons() if label[:1].isdigit()]


def survival_page(content: Content) -> tuple[Section, Part, int]:
    section = content.section(SURVIVAL_SECTION)
    assert section is not None
    return section, section.parts[0], 0


async def turn_gates_off(bot: Harness) -> None:
    await bot.storage.users.give_consent(1001)
    await bot.send("/settings")
    await bot.tap_data(make("sh", on=False))
    assert await bot.storage.users.skips_gates(1001)


# ---- the walk --------------------------------------------------------------------------------------
async def test_no_hard_line_shows_before_the_parent_says_yes(bot: Harness) -> None:
    content = bot.content
    hard = HardWords(content)
    queries = [q for page in gated_pages(content) for q in queries_from(content, *page)]
    queries += HOPEFUL[content.language] + EVERYDAY[content.language]
    leaks: list[tuple[str, str, str]] = []
    gated_results = 0
    for text in dict.fromkeys(queries):
        await bot.send(text)
        leaks += [(f"search {text!r}", *leak) for leak in hard.leaks(reply_text(bot))]
        gated_results += sum(
            1
            for label, _ in result_buttons(bot)
            if content.strings("search.asks_first_button", title="") in label
        )
        leaks += [(f"inline {text!r}", *leak) for leak in hard.leaks(inline_text(await inline(bot, text)))]
    assert gated_results > 0, "no query found a hard page: the walk checked nothing"
    # The contents list, and a section's id typed (release 0.1's links).
    leaks += [("inline ''", *leak) for leak in hard.leaks(inline_text(await inline(bot, "")))]
    for section in content.sections:
        leaks += [
            (f"inline {section.id!r}", *leak)
            for leak in hard.leaks(inline_text(await inline(bot, section.id)))
        ]
    assert not leaks, leaks[:20]


async def test_share_cards_start_with_the_page_and_offer_no_hard_page(bot: Harness) -> None:
    content = bot.content
    s = content.strings
    hard = HardWords(content)
    for section, part, page in pages(content):
        payload = page_payload(section, part, page)
        results = await inline(bot, payload)
        assert [r["id"] for r in results] == [payload], payload  # that card alone
        assert not hard.leaks(inline_text(results)), (payload, hard.leaks(inline_text(results)))
        card = results[0]
        button = card["reply_markup"]["inline_keyboard"][0][0]
        assert button["url"].endswith(f"?start={payload}")
        if asks_first(section, part, page):
            # Its neutral card; the answer is personal (it depends on the parent's setting).
            assert card["title"] == s("share.asks_first_title", title=neutral_title(section, part, page))
            assert card["description"] == s("share.asks_first_description")
            assert bot.api.last("answerInlineQuery").params.get("is_personal")
            # Its button opens the page's gate, as the page's link always did.
            await bot.send(f"/start {payload}")
            assert bot.html() == render.gate(s, section, part)
        else:
            assert render.source_footer(s, section) in card["input_message_content"]["message_text"]


async def test_words_on_this_page_never_show_a_hard_line(bot: Harness) -> None:
    content = bot.content
    s = content.strings
    hard = HardWords(content)
    glossary = Glossary(content)
    glossary.hard = hard_terms([glossary])
    shown = 0
    await bot.send("/start")
    for section, part, page in pages(content):
        if asks_first(section, part, page):
            # A plain words button on a hard page (an old one) asks first, like the page.
            await bot.tap_data(make("w", sid=section.id, part=part.id, page=page))
            assert bot.html() == render.gate(s, section, part), (section.id, part.id, page)
            continue
        await bot.tap_data(page_key(section, part, page))
        data = make("w", sid=section.id, part=part.id, page=page)
        if data not in [d for _, d in bot.buttons()]:
            continue
        await bot.tap_data(data)
        shown += 1
        text = reply_text(bot)
        assert not hard.leaks(text), (section.id, part.id, page, hard.leaks(text))
        for term in glossary.on_page(section.id, part.id, page):
            if term.id in glossary.hard:  # a hard page's word is not listed on a plain page
                assert make("gt", term=term.id) not in [d for _, d in bot.buttons()]
    assert shown > 10


async def test_hard_pages_words_button_passes_its_gate(bot: Harness) -> None:
    """On a hard page (after yes) the words button is its own kind, which does not ask again."""
    content = bot.content
    s = content.strings
    await bot.send("/start")
    for section, part, page in gated_pages(content):
        await bot.tap_data(make("r", sid=section.id, part=part.id, page=page))
        assert bot.html() == render.section_page(s, section, part, page)
        data = make("wr", sid=section.id, part=part.id, page=page)
        if data in [d for _, d in bot.buttons()]:
            await bot.tap_data(data)
            assert bot.html().startswith(s("glossary.on_page_title", title=render.page_title(section, part)))
            assert (
                s("glossary.back_page"),
                make("r", sid=section.id, part=part.id, page=page),
            ) in bot.buttons()


# ---- hopeful questions ----------------------------------------------------------------------------
async def test_hopeful_questions_open_with_the_survival_figures(bot: Harness) -> None:
    content = bot.content
    s = content.strings
    section, part, page = survival_page(content)
    figures = render.section_page(s, section, part, page)
    assert "91" in figures  # the page with the survival figure
    hard = HardWords(content)
    for text in HOPEFUL[content.language]:
        await bot.send(text)
        results = result_buttons(bot)
        assert results and results[0][1] == page_key(section, part, page), (text, results)
        html = bot.html()
        assert s("search.hopeful") in html, text  # the caveat: it depends on several things
        assert html.index(s("search.hopeful")) < html.index(s("search.results"))
        if asks_first(section, part, page):
            assert s("search.asks_first", title=render.esc(section.title)) in html
            assert not hard.leaks(reply_text(bot)), (text, hard.leaks(reply_text(bot)))
    # The first result's button opens the gate; yes shows the figures.
    await bot.tap_data(page_key(section, part, page))
    if asks_first(section, part, page):
        assert bot.html() == render.gate(s, section, part)
        await bot.tap(s("page.gate_yes"))
    assert bot.html() == figures


async def test_ordinary_questions_are_not_hopeful(bot: Harness) -> None:
    s = bot.content.strings
    for text in {
        "en": ["what does remission mean", "spinal tap", "chemo side effects"],
        "es": ["qué significa remisión", "punción lumbar", "labios morados"],
    }[bot.content.language]:
        await bot.send(text)
        assert s("search.hopeful") not in bot.html(), text


# ---- a parent who chose not to be asked ------------------------------------------------------
async def test_without_asking_the_snippets_and_cards_come_back(bot: Harness) -> None:
    content = bot.content
    s = content.strings
    hard = HardWords(content)
    await turn_gates_off(bot)
    section, part, page = survival_page(content)
    await bot.send(HOPEFUL[content.language][0])
    assert result_buttons(bot)[0][1] == page_key(section, part, page)
    html = bot.html()
    assert s("search.asks_first_hint") not in html
    if asks_first(section, part, page):
        assert hard.leaks(reply_text(bot), titles=False)  # its own words, as before
    shown = 0
    for gated in gated_pages(content):
        for text in queries_from(content, *gated)[1:3]:
            await bot.send(text)
            shown += bool(hard.leaks(reply_text(bot), titles=False))
    assert shown, "no hard page's words came back with asking off"
    # Its own Share button gives the real card, personally; a search still offers none.
    target = gated_pages(content)[0]
    payload = page_payload(*target)
    await bot.feed(bot.user(1001).inline(payload))
    (card,) = list(bot.api.inline_answers.values())[-1]
    assert card["id"] == payload
    assert card["input_message_content"]["message_text"].startswith(render.page_title(target[0], target[1]))
    assert bot.api.last("answerInlineQuery").params.get("is_personal")
    for text in queries_from(content, *target)[1:3]:
        await bot.feed(bot.user(1001).inline(text))
        results = list(bot.api.inline_answers.values())[-1]
        assert not hard.leaks(inline_text(results)), text
    # An old plain words button on a hard page shows the words without asking.
    await bot.tap_data(make("w", sid=target[0].id, part=target[1].id, page=target[2]))
    assert bot.html() != render.gate(s, target[0], target[1])


# ---- old buttons ----------------------------------------------------------------------------------
async def test_a_hard_result_keeps_the_page_buttons_format(bot: Harness) -> None:
    """A hard page's result is the page's usual button (`s:<section>:<part>:<page>`, as old
    messages hold it), which asks first as it always did."""
    content = bot.content
    s = content.strings
    checked = 0
    for section, part, page in gated_pages(content):
        key = page_key(section, part, page)
        for text in queries_from(content, section, part, page)[1:]:
            await bot.send(text)
            buttons = {d: label for label, d in result_buttons(bot)}
            if key in buttons:
                break
        else:
            continue
        checked += 1
        assert re.fullmatch(r"s:[a-z_]+:[a-z_]*:\d+", key)
        assert s("search.asks_first_button", title="").strip() in buttons[key]
        await bot.tap_data(key)
        assert bot.html() == render.gate(s, section, part)
        await bot.tap(s("page.gate_yes"))
        assert bot.html() == render.section_page(s, section, part, page)
    assert checked
    # Release 0.1's page buttons and the gate's own still open the same way.
    section, part, page = gated_pages(content)[0]
    await bot.tap_data(f"s:{section.id}:{part.id}:{page}")
    assert bot.html() == render.gate(s, section, part)
    await bot.tap_data(make("r", sid=section.id, part=part.id, page=page))
    assert bot.html() == render.section_page(s, section, part, page)


# ---- the glossary's words of hard pages ----------------------------------------------------
async def test_hard_pages_glossary_words_wait_for_yes(bot: Harness, catalog: dict[str, Content]) -> None:
    """A glossary word used only on hard pages ("Advanced leukemia: leukemia that cannot be
    cured") is not a search result until the parent chooses not to be asked."""
    content = bot.content
    hard = hard_terms(Glossary(c) for c in catalog.values())
    terms = [t for t in content.glossary if t.id in hard]
    assert terms
    for term in terms:
        await bot.send(term.term)
        assert make("gt", term=term.id) not in [d for _, d in result_buttons(bot)], term.id
    await turn_gates_off(bot)
    found = 0
    for term in terms:
        await bot.send(term.term)
        found += make("gt", term=term.id) in [d for _, d in result_buttons(bot)]
    assert found
