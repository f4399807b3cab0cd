"""Telegram's rules for message text: its length limit and what parse_mode=HTML accepts.

Shared by the content check (every rendered page must be accepted) and the offline stand-in
(which refuses what Telegram would refuse).
"""

from __future__ import annotations

from html.parser import HTMLParser

MAX_TEXT = 4096  # characters (UTF-16 code units) in one message

_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


class _EntityParser(HTMLParser):
    """Checks HTML the way Telegram's parse_mode=HTML does and returns the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Unmatched end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user would see; raises ValueError as Telegram would refuse it."""
    if parse_mode is None:
        return text
    if parse_mode != "HTML":
        return text
    # Telegram only accepts &lt; &gt; &amp; &quot; and numeric entities; a bare '<' that does
    # not open a tag is an error, which is what catches unescaped user text.
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser.error is None and parser.stack:
        parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
    if parser.error:
        raise ValueError(f"Bad Request: can't parse entities: {parser.error}")
    return "".join(parser.text)
