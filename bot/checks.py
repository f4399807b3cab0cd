"""Content checks beyond the loader: rendered page sizes and reading grade per section."""

from __future__ import annotations

from collections.abc import Mapping

from bot.content import Content, Section
from bot.readability import counts, counts_es, grade_of, inflesz_of
from bot.render import section_page, utf16_len
from bot.telegram_html import MAX_TEXT, visible_text

MAX_SECTION_GRADE = 9.0
MAX_GUIDE_GRADE = 8.0
# Spanish: the INFLESZ scale (Szigriszt-Pazos); "normal" from 55, "bastante fácil" from 65.
MIN_SECTION_INFLESZ = 55.0
MIN_GUIDE_INFLESZ = 65.0


def section_text(section: Section) -> str:
    return "\n".join([*section.key_points, *(p for part in section.parts for p in part.pages)])


def report(content: Content) -> tuple[list[str], list[str]]:
    """(problems, lines to print): rendered pages must fit; reading ease must meet the bar
    (Flesch-Kincaid grade in English, INFLESZ in Spanish)."""
    if content.language == "es":
        return _report_es(content)
    problems = _page_sizes(content)
    lines = [f"{'section':<20} {'words':>6} {'grade':>6}"]
    total = (0, 0, 0)
    for section in content.sections:
        c = counts(section_text(section))
        total = (total[0] + c[0], total[1] + c[1], total[2] + c[2])
        grade = grade_of(*c)
        lines.append(f"{section.id:<20} {c[1]:>6} {grade:>6.1f}")
        if grade > MAX_SECTION_GRADE:
            problems.append(f"section {section.id}: reading grade {grade:.1f} is over "
                            f"{MAX_SECTION_GRADE}")
    overall = grade_of(*total)
    lines.append(f"{'whole guide':<20} {total[1]:>6} {overall:>6.1f}")
    if overall > MAX_GUIDE_GRADE:
        problems.append(f"whole guide: reading grade {overall:.1f} is over {MAX_GUIDE_GRADE}")
    lines.append(f"{len(content.sections)} sections, {len(content.checklist.items)} checklist "
                 f"items, {sum(len(g.questions) for g in content.question_groups)} questions, "
                 f"{len(content.glossary)} glossary terms: content OK"
                 if not problems else "content has problems")
    return problems, lines


def _report_es(content: Content) -> tuple[list[str], list[str]]:
    problems = _page_sizes(content)
    lines = [f"{'section':<20} {'words':>6} {'INFLESZ':>8}"]
    total = (0, 0, 0)
    for section in content.sections:
        c = counts_es(section_text(section))
        total = (total[0] + c[0], total[1] + c[1], total[2] + c[2])
        ease = inflesz_of(*c)
        lines.append(f"{section.id:<20} {c[1]:>6} {ease:>8.1f}")
        if ease < MIN_SECTION_INFLESZ:
            problems.append(f"section {section.id}: INFLESZ {ease:.1f} is under "
                            f"{MIN_SECTION_INFLESZ}")
    overall = inflesz_of(*total)
    lines.append(f"{'whole guide':<20} {total[1]:>6} {overall:>8.1f}")
    if overall < MIN_GUIDE_INFLESZ:
        problems.append(f"whole guide: INFLESZ {overall:.1f} is under {MIN_GUIDE_INFLESZ}")
    lines.append(f"{len(content.sections)} sections, {len(content.checklist.items)} checklist "
                 f"items, {len(content.glossary)} glossary terms: content OK"
                 if not problems else "content has problems")
    return problems, lines


def _page_sizes(content: Content) -> list[str]:
    problems = []
    for section in content.sections:
        for part in section.parts:
            for number in range(len(part.pages)):
                shown = visible_text(section_page(content.strings, section, part, number), "HTML")
                if utf16_len(shown) > MAX_TEXT:
                    problems.append(f"section {section.id} part {part.id or '-'} page "
                                    f"{number + 1}: renders to {utf16_len(shown)} characters; "
                                    f"the limit is {MAX_TEXT}")
    return problems


def red_flag_table(contents: Mapping[str, Content]) -> str:
    """The urgent card's items with the words parents type for them, one row per item, in
    every language (Markdown): what a clinician reviews together (the README carries it)."""
    first = next(iter(contents.values()))
    languages = list(contents)

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    head = ["Group", "Item", f"Card line ({languages[0]})",
            *(f"Words ({code})" for code in languages)]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for sign in first.urgent.signs:
        words = []
        for content in contents.values():
            own = content.urgent.sign(sign.id)
            words.append("; ".join(f"`{cell(w)}`" for w in own.words) if own else "")
        rows.append("| " + " | ".join([sign.group, f"`{sign.id}`", cell(sign.text), *words])
                    + " |")
    sets = []
    for code, content in contents.items():
        for name, members in content.urgent.sets.items():
            sets.append(f"| {code} | `${name}` | {cell(', '.join(members))} |")
    return "\n".join([*rows, "", "| Language | Set | Words |", "|---|---|---|", *sets])
