"""Content checks beyond the loader: rendered page sizes and reading ease per section."""

from __future__ import annotations

from collections.abc import Mapping

from bot.content import Content, Section
from bot.readability import FORMULAS, counts
from bot.render import section_page, utf16_len
from bot.telegram_html import MAX_TEXT, visible_text


def section_text(section: Section) -> str:
    return "\n".join([*section.key_points, *(p for part in section.parts for p in part.pages)])


def report(content: Content) -> tuple[list[str], list[str]]:
    """(problems, lines to print): rendered pages must fit; reading ease must meet the bar
    the language's profile sets (English: Flesch-Kincaid grade at most 9 per section and 8
    overall; Spanish: INFLESZ at least 55 and 65)."""
    rule = content.profile.reading_ease
    formula = FORMULAS[rule.formula]
    rules = content.profile.syllables
    width = max(6, len(formula.label) + 1)

    def fails(score: float, bar: float) -> str | None:
        if formula.higher_is_easier:
            return f"{formula.label} {score:.1f} is under {bar}" if score < bar else None
        return f"reading {formula.label} {score:.1f} is over {bar}" if score > bar else None

    problems = _page_sizes(content)
    lines = [f"{'section':<20} {'words':>6} {formula.label:>{width}}"]
    total = (0, 0, 0)
    for section in content.sections:
        c = counts(section_text(section), rules)
        total = (total[0] + c[0], total[1] + c[1], total[2] + c[2])
        score = formula.score(*c)
        lines.append(f"{section.id:<20} {c[1]:>6} {score:>{width}.1f}")
        if problem := fails(score, rule.section):
            problems.append(f"section {section.id}: {problem}")
    overall = formula.score(*total)
    lines.append(f"{'whole guide':<20} {total[1]:>6} {overall:>{width}.1f}")
    if problem := fails(overall, rule.guide):
        problems.append(f"whole guide: {problem}")
    lines.append(
        f"{len(content.sections)} sections, {len(content.checklist.items)} checklist "
        f"items, {sum(len(g.questions) for g in content.question_groups)} questions, "
        f"{len(content.glossary)} glossary terms: content OK"
        if not problems
        else "content has problems"
    )
    return problems, lines


def _page_sizes(content: Content) -> list[str]:
    problems = []
    for section in content.sections:
        for part in section.parts:
            for number in range(len(part.pages)):
                shown = visible_text(section_page(content.strings, section, part, number), "HTML")
                if utf16_len(shown) > MAX_TEXT:
                    problems.append(
                        f"section {section.id} part {part.id or '-'} page "
                        f"{number + 1}: renders to {utf16_len(shown)} characters; "
                        f"the limit is {MAX_TEXT}"
                    )
    return problems


def red_flag_table(contents: Mapping[str, Content]) -> str:
    """The urgent card's items with the words parents type for them, one row per item, in
    every language (Markdown): what a clinician reviews together (the README carries it)."""
    first = next(iter(contents.values()))
    languages = list(contents)

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    head = ["Group", "Item", f"Card line ({languages[0]})", *(f"Words ({code})" for code in languages)]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for sign in first.urgent.signs:
        words = []
        for content in contents.values():
            own = content.urgent.sign(sign.id)
            words.append("; ".join(f"`{cell(w)}`" for w in own.words) if own else "")
        rows.append("| " + " | ".join([sign.group, f"`{sign.id}`", cell(sign.text), *words]) + " |")
    sets = []
    for code, content in contents.items():
        for name, members in content.urgent.sets.items():
            sets.append(f"| {code} | `${name}` | {cell(', '.join(members))} |")
    return "\n".join([*rows, "", "| Language | Set | Words |", "|---|---|---|", *sets])


def site_pages_report(contents: Mapping[str, Content]) -> tuple[list[str], list[str]]:
    """A hospital's pages (`contents` with the site laid over them, bot.site.apply) checked
    as the guide's are: (errors: a page that renders past Telegram's limit; warnings: a page
    harder to read than the language's bar), each naming the page's file."""
    from dataclasses import replace

    errors: list[str] = []
    warnings: list[str] = []
    for language, content in contents.items():
        local = tuple(s for s in content.sections if s.local is not None)
        if not local:
            continue
        found, _ = report(replace(content, sections=local, _by_id={}, _questions={}))
        for problem in found:
            if not problem.startswith("section h_"):
                continue  # "whole guide": the guide's own bar, not a hospital page's
            head, _, rest = problem.partition(": ")
            words = head.split()  # "section h_port" or "section h_port part - page 2"
            where = f"pages/{language}/{words[1][2:]}.yaml"
            if "renders to" in rest:
                errors.append(f"{where}: pages[{int(words[-1]) - 1}]: {rest}")
            else:
                warnings.append(f"{where}: {rest}")
    return errors, warnings
