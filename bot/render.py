"""Pure text rendering: content and user data -> Telegram HTML, always escaped, under 4096."""

from __future__ import annotations

from html import escape

from bot.content import Content, Part, Section, Strings


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji can count as two)."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """Escape text for parse_mode=HTML (what a parent typed is shown exactly as typed)."""
    return escape(text, quote=False)


def body(text: str) -> str:
    """Content markup -> HTML: '## ' lines become bold sub-headings, the rest is escaped."""
    lines = []
    for line in text.strip().splitlines():
        stripped = line.strip()
        if stripped.startswith("## "):
            lines.append(f"<b>{esc(stripped[3:])}</b>")
        else:
            lines.append(esc(line.rstrip()))
    return "\n".join(lines)


def source_footer(strings: Strings, section: Section) -> str:
    local = section.local
    if local is not None:  # a hospital's own page: its name, its reviewer, its dates
        src = strings(
            "site.page_source",
            name=esc(local.hospital),
            role=esc(local.reviewed_by),
            date=local.reviewed,
            until=local.review_by,
        )
        if local.url:
            src += f' <a href="{escape(local.url, quote=True)}">{strings("page.source_link")}</a>'
        return f"<i>{src}</i>"
    link = f'<a href="{escape(section.source.url, quote=True)}">{strings("page.source_link")}</a>'
    src = strings(
        "page.source", name=esc(section.source.name), approved=esc(section.source.approved), link=link
    )
    return f"<i>{src}\n{strings('page.general')}</i>"


def page_title(section: Section, part: Part) -> str:
    if section.has_parts:
        return f"<b>{esc(section.title)}</b> · <b>{esc(part.title)}</b>"
    return f"<b>{esc(section.title)}</b>"


def section_page(strings: Strings, section: Section, part: Part, page: int) -> str:
    """One page of a section: title, key points on the first page, text, page n of m, source."""
    chunks = [page_title(section, part)]
    first_of_section = page == 0 and (not section.has_parts or part is section.parts[0])
    if first_of_section and section.key_points:
        points = "\n".join(f"• {esc(p)}" for p in section.key_points)
        chunks.append(f"{strings('page.in_short')}\n{points}")
    chunks.append(body(part.pages[page]))
    if len(part.pages) > 1:
        chunks.append(f"<i>{strings('page.page_of', page=page + 1, pages=len(part.pages))}</i>")
    chunks.append(source_footer(strings, section))
    return "\n\n".join(chunks)


def parts_menu(strings: Strings, section: Section) -> str:
    points = "\n".join(f"• {esc(p)}" for p in section.key_points)
    return "\n\n".join(
        [
            strings("page.parts_title", title=esc(section.title)),
            f"{strings('page.in_short')}\n{points}",
            source_footer(strings, section),
        ]
    )


def gate(strings: Strings, section: Section, part: Part) -> str:
    title = part.title if section.has_parts else section.title
    return strings("page.gate", title=esc(title))


def help_text(content: Content, commands: list[tuple[str, str]]) -> str:
    s = content.strings
    guide = "\n".join(
        f"/{sec.aliases[0] if sec.aliases else sec.command} · {esc(sec.title)}"
        for sec in content.sections
        if sec.local is None
    )
    tools = "\n".join(f"/{name} · {esc(desc)}" for name, desc in commands)
    return "\n\n".join([s("help.title"), s("help.tools"), tools, s("help.sections"), guide, s("help.footer")])


def clip(text: str, limit: int) -> str:
    """Shorten plain text to a limit (for button labels), marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
