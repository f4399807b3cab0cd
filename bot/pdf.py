"""Pure PDF rendering of a parent's saved questions: questions + strings + date -> bytes.

The font is DejaVu Sans, shipped in bot/fonts with its licence, so the PDF shows Latin,
Greek, Cyrillic, Hebrew, Arabic and most symbols. Characters it has no glyph for (emoji,
many Asian scripts) are drawn as a visible placeholder instead of failing. Text shaping
(HarfBuzz) is not used, so this works offline; right-to-left lines are put into visual
order with fpdf2's own pure-Python bidi algorithm, line by line after wrapping.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Mapping, Sequence
from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.bidi import BidiParagraph, auto_detect_base_direction
from fpdf.enums import Align, TextDirection, XPos, YPos
from fpdf.fonts import TTFFont

from bot.content import Strings
from bot.storage import SavedQuestion

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
FAMILY = "dejavu"
# Drawn for a character the font cannot draw; DejaVu has this glyph.
PLACEHOLDER = "□"

_ZWJ = 0x200D
_PAIRS = "()[]{}<>«»‹›"
_MIRROR = {a: b for a, b in zip(_PAIRS[::2], _PAIRS[1::2], strict=True)} | {
    b: a for a, b in zip(_PAIRS[::2], _PAIRS[1::2], strict=True)
}
_LINE = 7.0  # mm per line of text
_RULE = 8.5  # mm between the ruled writing lines
_NUMBER_W = 10.0  # mm for the "12." column
_RULES_OPEN = 3  # writing lines under a question without an answer
_RULES_ANSWERED = 1  # one more line for notes under an answered one


def _attaches(cp: int) -> bool:
    """Code points that only modify the emoji before them (skin tones, variation, tags)."""
    return (
        0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
        or cp == 0x20E3
    )


def drawable(text: str, glyphs: Container[int]) -> str:
    """Text the font can draw: one placeholder per missing symbol (a whole emoji sequence)."""
    out: list[str] = []
    missing_before = False  # the last visible thing was a placeholder
    join_next = False  # a zero-width joiner glued the next character to that emoji
    regional = False  # a flag is two regional-indicator letters: one placeholder
    for ch in text:
        cp = ord(ch)
        if ch == "\n":
            out.append(ch)
            missing_before = join_next = regional = False
            continue
        if ch.isspace():
            out.append(" ")
            missing_before = join_next = regional = False
            continue
        if join_next:
            join_next = False
            continue
        if missing_before and cp == _ZWJ:
            join_next = True
            continue
        if missing_before and _attaches(cp):
            continue
        if 0x1F1E6 <= cp <= 0x1F1FF and cp not in glyphs:
            if regional:
                regional = False
                continue
            regional = True
            out.append(PLACEHOLDER)
            missing_before = True
            continue
        regional = False
        if cp in glyphs:
            out.append(ch)
            missing_before = False
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Mn", "Me"):
            continue  # invisible or combining marks the font lacks: nothing to show
        out.append(PLACEHOLDER)
        missing_before = True
    return "".join(out)


def visual_line(line: str, rtl: bool) -> str:
    """One wrapped line in the order it is drawn (right-to-left runs reversed)."""
    if not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in line):
        return line
    direction = TextDirection.RTL if rtl else TextDirection.LTR
    chars = BidiParagraph(line, base_direction=direction).get_reordered_characters()
    # Inside a right-to-left run an opening bracket is drawn as a closing one, and so on.
    return "".join(
        _MIRROR.get(c.character, c.character) if c.embedding_level % 2 else c.character for c in chars
    )


class _Sheet(FPDF):
    """A4 pages with a numbered footer."""

    def __init__(self, strings: Strings) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._strings = strings
        self.glyphs: dict[str, Container[int]] = {}
        self.widths: dict[tuple[str, float], dict[str, float]] = {}

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(90, 90, 90)
        text = drawable(self._strings("questions.pdf_footer", page=self.page_no()), self.glyphs[""])
        self.cell(0, 6, text, align=Align.C)
        self.set_text_color(0, 0, 0)


def _font_glyphs(pdf: FPDF, key: str) -> Container[int]:
    font = pdf.fonts[key]
    return font.cmap if isinstance(font, TTFFont) else set()


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap in one pass (fpdf2's own is quadratic on long words); \n kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_w = "", 0.0
        for token in re.findall(r"\S+|\s+", paragraph):
            token_w = measure(token)
            if line_w + token_w <= width:
                line, line_w = line + token, line_w + token_w
                continue
            if token.isspace():
                lines.append(line)
                line, line_w = "", 0.0
                continue
            if line.strip():
                lines.append(line.rstrip())
            line, line_w = "", 0.0
            for ch in token:  # a word wider than the line is cut where it must be
                ch_w = measure(ch)
                if line and line_w + ch_w > width:
                    lines.append(line)
                    line, line_w = "", 0.0
                line, line_w = line + ch, line_w + ch_w
        lines.append(line.rstrip())
    return lines


def _lines(pdf: _Sheet, text: str, width: float, style: str, size: float) -> list[str]:
    pdf.set_font(FAMILY, style, size)
    # get_string_width copies the graphics state on every call: measure each character once.
    widths = pdf.widths.setdefault((style, size), {})

    def measure(token: str) -> float:
        total = 0.0
        for ch in token:
            if ch not in widths:
                widths[ch] = pdf.get_string_width(ch)
            total += widths[ch]
        return total

    return wrap(drawable(text, pdf.glyphs[style]), width, measure)


def _paragraph(pdf: _Sheet, text: str, x: float, width: float, style: str = "", size: float = 11) -> None:
    """Wrap text into lines, then draw each line in visual order (right-aligned if RTL)."""
    lines = _lines(pdf, text, width, style, size)
    rtl = auto_detect_base_direction(text) == TextDirection.RTL
    for line in lines:
        pdf.set_x(x)
        pdf.cell(
            width,
            _LINE,
            visual_line(line, rtl),
            align=Align.R if rtl else Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def _rules(pdf: _Sheet, count: int, x: float, width: float) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    for _ in range(count):
        if pdf.get_y() + _RULE > pdf.page_break_trigger:
            pdf.add_page()
        pdf.set_y(pdf.get_y() + _RULE)
        pdf.line(x, pdf.get_y(), x + width, pdf.get_y())
    pdf.set_y(pdf.get_y() + 2)


def _new_sheet(strings: Strings, title: str, language: str) -> _Sheet:
    """An A4 sheet with the fonts loaded, titled, on its first page."""
    pdf = _Sheet(strings)
    # "{nb}" in a parent's text must stay literal, not become the page count. fpdf2
    # documents None as "off" but types the attribute as str.
    pdf.str_alias_nb_pages = None  # type: ignore[assignment]
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(18, 18, 18)
    pdf.add_font(FAMILY, "", str(REGULAR))
    pdf.add_font(FAMILY, "B", str(BOLD))
    pdf.glyphs = {"": _font_glyphs(pdf, FAMILY), "B": _font_glyphs(pdf, FAMILY + "B")}
    pdf.set_title(title)
    pdf.set_lang(language)
    pdf.add_page()
    return pdf


def build_pdf(
    questions: Sequence[SavedQuestion],
    strings: Strings,
    today: date,
    explains: Mapping[int, str] | None = None,
    language: str = "en",
) -> bytes:
    """The printable list: title, date, then each question (with what its hard words mean,
    from `explains` by question id) and its answer or lines to write on."""
    explains = explains or {}
    title = strings("questions.pdf_title")
    pdf = _new_sheet(strings, title, language)
    left = pdf.l_margin
    full = pdf.w - pdf.l_margin - pdf.r_margin
    _paragraph(pdf, title, left, full, "B", 16)
    _paragraph(pdf, strings("questions.pdf_date", date=today), left, full, "", 11)
    pdf.ln(1)
    _paragraph(pdf, strings("questions.pdf_intro"), left, full, "", 10)
    pdf.ln(4)

    text_x = left + _NUMBER_W
    text_w = full - _NUMBER_W
    for number, question in enumerate(questions, start=1):
        # Keep a question and the start of its answer space on one page where it fits.
        needed = _LINE * len(_lines(pdf, question.text, text_w, "", 11)) + 2 * _RULE
        if pdf.get_y() + needed > pdf.page_break_trigger and pdf.get_y() > pdf.t_margin + 1:
            pdf.add_page()
        top = pdf.get_y()
        pdf.set_font(FAMILY, "B", 11)
        pdf.set_xy(left, top)
        pdf.cell(_NUMBER_W, _LINE, f"{number}.")
        pdf.set_xy(text_x, top)
        _paragraph(pdf, question.text, text_x, text_w, "", 11)
        if explains.get(question.id):
            _paragraph(pdf, explains[question.id], text_x, text_w, "", 9)
        if question.answer:
            pdf.set_x(text_x)
            _paragraph(pdf, strings("questions.pdf_answer"), text_x, text_w, "B", 10)
            _paragraph(pdf, question.answer, text_x, text_w, "", 10)
            _paragraph(pdf, strings("questions.pdf_notes"), text_x, text_w, "", 9)
            _rules(pdf, _RULES_ANSWERED, text_x, text_w)
        else:
            if question.asked_at is not None:
                _paragraph(pdf, strings("questions.pdf_asked"), text_x, text_w, "B", 10)
            _rules(pdf, _RULES_OPEN, text_x, text_w)
        pdf.ln(3)
    return bytes(pdf.output())


def build_list_pdf(
    strings: Strings, title: str, intro: Sequence[str], items: Sequence[Sequence[str]], language: str = "en"
) -> bytes:
    """A printable list (the medication list): title, intro lines, then each item's lines
    (the first in bold), with space beside each to note what the nurse or pharmacist says.
    Plain text in: what a family typed is drawn as typed."""
    pdf = _new_sheet(strings, title, language)
    left = pdf.l_margin
    full = pdf.w - pdf.l_margin - pdf.r_margin
    _paragraph(pdf, title, left, full, "B", 16)
    for line in intro:
        _paragraph(pdf, line, left, full, "", 10)
    pdf.ln(4)
    for item in items:
        needed = _LINE * (len(item) + 1) + 2 * _RULE
        if pdf.get_y() + needed > pdf.page_break_trigger and pdf.get_y() > pdf.t_margin + 1:
            pdf.add_page()
        for n, line in enumerate(item):
            _paragraph(pdf, line, left, full, "B" if n == 0 else "", 12 if n == 0 else 10)
        _rules(pdf, 2, left, full)
        pdf.ln(3)
    return bytes(pdf.output())


# ---- a sheet of titled sections (the card for the emergency department, a visit summary) ----------
class _OwnFooter(Strings):
    """A sheet's strings with its own page footer (`key`, given `page`) instead of the
    questions list's. Only called, never read as a table."""

    def __init__(self, strings: Strings, key: str) -> None:
        self._inner = strings
        self._key = key

    def __call__(self, key: str, **fields: object) -> str:
        return self._inner(self._key if key == "questions.pdf_footer" else key, **fields)


_SYMBOLS = ("So", "Sk", "Cf", "Mn", "Me")


def without_symbols(text: str, glyphs: Container[int]) -> str:
    """The text without the pictographs (and their joiners and selectors) the font cannot
    draw: on paper a heading's emoji would be an empty box. Letters are never dropped (one the
    font lacks is still drawn as the placeholder)."""
    kept = "".join(
        ch for ch in text if ord(ch) in glyphs or ch == "\n" or unicodedata.category(ch) not in _SYMBOLS
    )
    return re.sub(r"[ \t]{2,}", " ", kept).strip()


def build_sections_pdf(
    strings: Strings,
    title: str,
    intro: Sequence[str],
    sections: Sequence[tuple[str, Sequence[str]]],
    language: str = "en",
    footer_key: str = "questions.pdf_footer",
) -> bytes:
    """A printable sheet of titled sections (the card for the emergency department, the
    summary for a visit): the title, the lines under it, then each section's heading in bold
    (never left alone at the foot of a page) and its lines. Plain text in: what a family typed
    is drawn as typed; `footer_key` is the page footer's string (given `page`)."""
    pdf = _new_sheet(_OwnFooter(strings, footer_key), title, language)
    regular, bold = pdf.glyphs[""], pdf.glyphs["B"]
    left = pdf.l_margin
    full = pdf.w - pdf.l_margin - pdf.r_margin
    _paragraph(pdf, without_symbols(title, bold), left, full, "B", 16)
    for line in intro:
        _paragraph(pdf, without_symbols(line, regular), left, full, "", 10)
    for heading, lines in sections:
        pdf.ln(3)
        if heading:
            if pdf.get_y() + 3 * _LINE > pdf.page_break_trigger:
                pdf.add_page()
            _paragraph(pdf, without_symbols(heading, bold), left, full, "B", 12)
        for line in lines:
            _paragraph(pdf, without_symbols(line, regular), left, full, "", 10)
    return bytes(pdf.output())
