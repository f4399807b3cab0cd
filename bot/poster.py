"""A printable one-page poster a hospital hands families at diagnosis: its name, one line on
what the bot is and is not, and a big QR code of the bot's link (with the link written under it).
Pure: a site, a language's content, a link and a paper size in, PDF bytes out.

    build_poster(site, content, "https://t.me/SomeGuideBot?start=site", "A4")

Decisions:
- Every word a parent reads comes from the content strings (`poster.*`); only the hospital's
  name comes from the site folder, as families know it.
- fpdf2 (which brings numpy) is imported inside the function, so it stays out of the bot's
  start-up, as with bot/pdf.py's importers; the fonts and the text helpers are bot/pdf.py's.
- The code is drawn as a PNG (segno) with its 4-module quiet zone, at least 10 cm wide with
  it, and always on one page: the name shrinks to fit, never the code below that size.
"""

from __future__ import annotations

from collections.abc import Container
from io import BytesIO
from typing import TYPE_CHECKING

import segno

if TYPE_CHECKING:
    from bot.content import Content
    from bot.site import Site

PAPERS = ("A4", "Letter")
MARGIN = 20.0  # mm on every side
QR_MIN, QR_MAX = 100.0, 135.0  # mm: the code's side with its quiet zone
QR_BORDER = 4  # modules of quiet zone, as the QR standard asks
QR_SCALE = 32  # pixels per module: ~300 dpi or more at the printed size
_MM_PER_PT = 25.4 / 72
_LEADING = 1.3  # line height / font size
_NAME_SIZES = (28, 26, 24, 22, 20, 18)  # pt: the largest that keeps the name to 2 lines


def _qr_png(link: str) -> BytesIO:
    code = segno.make(link, error="m")
    out = BytesIO()
    code.save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    out.seek(0)
    return out


def build_poster(site: Site, content: Content, link: str, paper: str) -> bytes:
    """One page in `paper` ("A4" or "Letter"), in the content's language."""
    from fpdf import FPDF
    from fpdf.bidi import auto_detect_base_direction
    from fpdf.enums import Align, TextDirection
    from fpdf.fonts import TTFFont

    from bot.pdf import BOLD, FAMILY, REGULAR, drawable, visual_line, wrap

    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    s = content.strings
    pdf = FPDF(orientation="portrait", unit="mm", format=paper)
    # "{nb}" in a hospital's name must stay literal (see bot/pdf.py's _new_sheet).
    pdf.str_alias_nb_pages = None  # type: ignore[assignment]
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FAMILY, "", str(REGULAR))
    pdf.add_font(FAMILY, "B", str(BOLD))
    glyphs: dict[str, Container[int]] = {}
    for style in ("", "B"):
        font = pdf.fonts[FAMILY + style]
        glyphs[style] = font.cmap if isinstance(font, TTFFont) else set()
    pdf.set_title(s("poster.pdf_title", name=site.name))
    pdf.set_lang(content.language)
    pdf.add_page()
    width = pdf.w - 2 * MARGIN

    def lines(text: str, style: str, size: float) -> list[str]:
        pdf.set_font(FAMILY, style, size)
        return wrap(drawable(text, glyphs[style]), width, pdf.get_string_width)

    def height(count: int, size: float) -> float:
        return count * size * _MM_PER_PT * _LEADING

    def draw(y: float, text: str, style: str, size: float, target: str = "") -> float:
        """The text's wrapped lines, centred, from y; the y under them."""
        rtl = auto_detect_base_direction(text) == TextDirection.RTL
        line_h = height(1, size)
        for line in lines(text, style, size):
            pdf.set_xy(MARGIN, y)
            pdf.cell(width, line_h, visual_line(line, rtl), align=Align.C, link=target)
            y += line_h
        return y

    not_care_team = (
        s("poster.not_care_team_number", number=site.emergency_number)
        if site.emergency_number
        else s("poster.not_care_team")
    )
    name_size = next((n for n in _NAME_SIZES if len(lines(site.name, "B", n)) <= 2), _NAME_SIZES[-1])
    # The link on one line: a long username makes the type smaller, not a broken link.
    pdf.set_font(FAMILY, "B", 16)
    link_size = min(16.0, 16.0 * width / max(pdf.get_string_width(link), 1.0))
    header = [(site.name, "B", name_size), (s("poster.what"), "", 16), (not_care_team, "B", 14)]
    below = [(s("poster.app"), "", 12)]
    scan = (s("poster.scan"), "", 14)
    header_h = sum(height(len(lines(t, st, sz)), sz) for t, st, sz in header) + 5 + 3
    block_text_h = (
        height(len(lines(*scan)), scan[2])
        + height(1, link_size)
        + sum(height(len(lines(t, st, sz)), sz) for t, st, sz in below)
    )
    gaps = 12 + 2 + 1 + 4  # header|block, scan|code, code|link, link|app line
    room = pdf.h - 2 * MARGIN - header_h - block_text_h - gaps
    side = max(QR_MIN, min(QR_MAX, room, width))
    spare = max(0.0, room - side)

    y = MARGIN + spare / 4  # what is left: a quarter above, half between, a quarter below
    y = draw(y, site.name, "B", name_size) + 5
    y = draw(y, s("poster.what"), "", 16) + 3
    y = draw(y, not_care_team, "B", 14)  # the line that matters most after the name
    y += 12 + spare / 2
    y = draw(y, *scan) + 2
    pdf.image(_qr_png(link), x=(pdf.w - side) / 2, y=y, w=side, h=side, link=link, alt_text=link)
    y += side + 1
    y = draw(y, link, "B", link_size, target=link) + 4
    for text, style, size in below:
        y = draw(y, text, style, size)
    return bytes(pdf.output())
