"""The questions feature's rules and formatting: limits, lengths, pages, the list's entries
and the text to forward. Pure functions of content and saved rows, with no Telegram and no
storage calls, so each is tested directly (tests/test_questions.py) and shared by the
views, the taps and the exports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from html import unescape

from bot import render
from bot.content import Content
from bot.render import utf16_len
from bot.storage import SavedQuestion

MAX_QUESTIONS = 200  # saved questions per parent (removed ones waiting for Undo not counted)
MAX_OWN = 500  # characters in a question the parent types
MAX_ANSWER = 1000  # characters in a written-down answer (a view must stay under 4096)
PER_PAGE = 10  # questions on one page of My questions
PAGE_BUDGET = 3300  # UTF-16 units of entries per page, leaving room for title and notes
EXPORT_BUDGET = 4000  # UTF-16 units per forwarded text message (Telegram allows 4096)
LABEL = 40  # characters of a question shown on a button
LIST_ANSWER = 150  # characters of an answer shown in the list (the full one is one tap away)

_TAG = re.compile(r"<[^>]+>")


def visible_len(html: str) -> int:
    """Length of HTML as the parent sees it (tags dropped, entities counted once)."""
    return utf16_len(unescape(_TAG.sub("", html)))


def one_line(text: str) -> str:
    """Button labels are one line: newlines and runs of spaces become one space."""
    return " ".join(text.split())


def localized(content: Content, questions: Sequence[SavedQuestion]) -> list[SavedQuestion]:
    """Saved guide questions in the parent's current language (the guide's own wording of
    the same question id); the parent's own questions exactly as typed."""
    out = []
    for question in questions:
        guide = content.question(question.guide_id) if question.guide_id else None
        out.append(replace(question, text=guide.text) if guide is not None else question)
    return out


def explanation(content: Content, question: SavedQuestion) -> str:
    """What the hard words of a saved guide question mean, as its section explains them."""
    guide = content.question(question.guide_id) if question.guide_id else None
    return guide.explain if guide is not None else ""


def list_entry(content: Content, number: int, question: SavedQuestion) -> str:
    """One question as My questions lists it: number and words, what its hard words mean,
    then the start of its answer, or that it was asked."""
    s = content.strings
    lines = [s("questions.entry", number=number, text=render.esc(question.text))]
    if explain := explanation(content, question):
        lines.append(s("questions.entry_explain", explain=render.esc(explain)))
    if question.answer:
        lines.append(
            s(
                "questions.entry_answer",
                answer=render.esc(render.clip(one_line(question.answer), LIST_ANSWER)),
            )
        )
    elif question.asked_at is not None:
        lines.append(s("questions.entry_asked"))
    return "\n".join(lines)


def paginate(entries: Sequence[str], per_page: int = PER_PAGE, budget: int = PAGE_BUDGET) -> list[range]:
    """Split the list into pages of at most per_page entries that fit the message budget."""
    pages: list[range] = []
    start, used = 0, 0
    for index, entry in enumerate(entries):
        size = visible_len(entry) + 2
        if index > start and (index - start >= per_page or used + size > budget):
            pages.append(range(start, index))
            start, used = index, 0
        used += size
    if entries:
        pages.append(range(start, len(entries)))
    return pages


def page_of(content: Content, questions: Sequence[SavedQuestion], question_id: int) -> int:
    """The page of My questions that shows this question (the first if it is not listed),
    so Back and Undo bring the parent to where the question was."""
    entries = [list_entry(content, n, q) for n, q in enumerate(questions, start=1)]
    for number, span in enumerate(paginate(entries)):
        if any(questions[i].id == question_id for i in span):
            return number
    return 0


def export_messages(
    content: Content, questions: Sequence[SavedQuestion], today: date, budget: int = EXPORT_BUDGET
) -> list[str]:
    """The list as plain text to forward, escaped, split into messages that fit."""
    s = content.strings
    blocks = [s("questions.export_title", date=today)]
    for number, question in enumerate(questions, start=1):
        lines = [s("questions.export_entry", number=number, text=question.text)]
        if explain := explanation(content, question):
            lines.append(s("questions.export_explain", explain=explain))
        if question.answer:
            lines.append(s("questions.export_answer", answer=question.answer))
        elif question.asked_at is not None:
            lines.append(s("questions.export_asked"))
        blocks.append("\n".join(lines))
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _cut(block, budget):
            joined = f"{current}\n\n{piece}" if current else piece
            if utf16_len(joined) <= budget:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    # Split first, escape after: escaping never changes what the parent sees, only the bytes.
    return [render.esc(m) for m in messages]


def _cut(text: str, budget: int) -> list[str]:
    """A block longer than one message, cut into pieces that fit (rare: emoji-heavy text)."""
    pieces, current = [], ""
    for ch in text:
        if utf16_len(current) + utf16_len(ch) > budget:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current]
