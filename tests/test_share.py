"""Deep links to every page, the Share button, and inline mode, through the real Application."""

from __future__ import annotations

import json

import pytest

from bot import render
from bot.content import Content, page_anchors
from handlers.guide import page_payload
from handlers.share import LINE, clip_line
from tests.harness import ROOT, Harness, who

pytestmark = pytest.mark.every_backend

# The Bot API reference's InlineQueryResultArticle (10.1), carried into the project so the
# check always runs: field names and which are required.
REFERENCE = ROOT / "tests" / "data" / "bot_api_inline_article.json"
PAYLOAD_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def every_page(content: Content):
    for section in content.sections:
        for part in section.parts:
            for page in range(len(part.pages)):
                yield section, part, page


async def test_a_deep_link_opens_every_page(bot: Harness, content: Content) -> None:
    s = content.strings
    count = 0
    for section, part, page in every_page(content):
        payload = page_payload(section, part, page)
        assert len(payload) <= 64 and set(payload) <= PAYLOAD_CHARS, payload
        await bot.send(f"/start {payload}")
        count += 1
        if section.sensitive or part.asks_first(page):
            assert bot.html() == render.gate(s, section, part)  # its gate first
            await bot.tap(s("page.gate_yes"))
        assert bot.html() == render.section_page(s, section, part, page), payload
    assert count == sum(len(p.pages) for sec in content.sections for p in sec.parts)


def test_page_anchors_survive_a_re_split() -> None:
    pages = ("## Blood tests\nA CBC counts the cells.", "## Lumbar puncture\nA needle...")
    anchors = page_anchors(pages)
    # The same pages, split differently (a new page before them): the same anchors.
    moved = page_anchors(("## Why doctors do tests\nTests find ALL.", *pages))
    assert moved[1:] == anchors and len(set(moved)) == 3


async def test_every_page_has_a_share_button(bot: Harness, content: Content) -> None:
    section, part, page = next(iter(every_page(content)))
    await bot.send(f"/{section.command}")
    markup = bot.last_message()["reply_markup"]["inline_keyboard"]
    shares = [b for row in markup for b in row if "switch_inline_query_chosen_chat" in b]
    assert len(shares) == 1 and shares[0]["text"] == content.strings("page.share")
    chosen = shares[0]["switch_inline_query_chosen_chat"]
    assert chosen["query"] == page_payload(section, part, page)
    assert chosen["allow_user_chats"] and chosen["allow_group_chats"]
    assert not chosen.get("allow_bot_chats") and not chosen.get("allow_channel_chats")


def check_against_reference(results: list[dict[str, object]]) -> None:
    """The result fields are ones the Bot API defines for the type, required ones present."""
    article = json.loads(REFERENCE.read_text(encoding="utf-8"))["fields"]
    known = {f["name"] for f in article}
    required = {f["name"] for f in article if f.get("required")}
    for result in results:
        assert set(result) <= known, set(result) - known
        assert required <= set(result), required - set(result)


async def test_inline_query_cards(bot: Harness, content: Content) -> None:
    user = bot.user(3003)
    await bot.feed(user.inline(""))
    (empty,) = bot.api.inline_answers.values()
    assert [r["id"] for r in empty] == [page_payload(s, s.parts[0], 0) for s in content.sections]
    check_against_reference(empty)

    await bot.feed(user.inline("lumbar puncture"))
    results = list(bot.api.inline_answers.values())[-1]
    assert 1 <= len(results) <= 10
    check_against_reference(results)
    diagnosis = content.section("diagnosis")
    assert diagnosis is not None
    target = page_payload(diagnosis, diagnosis.parts[0], 3)
    assert target in [r["id"] for r in results]
    card = next(r for r in results if r["id"] == target)
    button = card["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == content.strings("share.open")
    assert button["url"] == f"https://t.me/{bot.app.bot.username}?start={target}"
    assert render.source_footer(content.strings, diagnosis) in card["input_message_content"]["message_text"]

    # A Share button's query gives that page's card, alone: nothing one mis-tap away.
    await bot.feed(user.inline(target))
    assert [r["id"] for r in list(bot.api.inline_answers.values())[-1]] == [target]


async def test_a_share_query_is_not_read_for_urgent_words(bot: Harness, content: Content) -> None:
    """A payload is the bot's own id, not a parent's words: its card comes first, alone, even
    when the red-flag check would read it (the Introduction's anchor held "44", read as a
    temperature of 44 °C, which put the urgent card first)."""
    user = bot.user(3005)
    for section, part, page in every_page(content):
        payload = page_payload(section, part, page)
        await bot.feed(user.inline(payload))
        results = list(bot.api.inline_answers.values())[-1]
        assert [r["id"] for r in results] == [payload]


def test_a_long_card_line_ends_at_a_sentence() -> None:
    line = " ".join(["The fluid is checked for cells."] * 12)
    clipped = clip_line(line)
    assert len(clipped) <= LINE and clipped.endswith("cells.") and line.startswith(clipped)
    long_word = "x" * 300
    assert clip_line(long_word).endswith("…") and len(clip_line(long_word)) <= LINE
    words = "word " * 39 + "Chemo is most often given"  # no sentence ends in the limit
    clipped = clip_line(words).removesuffix("…")
    assert len(clipped) < LINE and words.startswith(clipped)
    assert words[len(clipped)] == " "  # cut between words, never inside one
    assert clip_line("Short.") == "Short."


async def test_inline_answers_hold_no_parents_data(consented: Harness, content: Content) -> None:
    bot = consented
    await bot.storage.questions.add_own(who(1001), "SECRET-QUESTION-about lumbar puncture", limit=5)
    await bot.storage.contacts.add(who(1001), "SECRET-LABEL", "0123 999", limit=5)
    await bot.feed(bot.user(1001).inline("lumbar puncture"))
    answered = json.dumps(list(bot.api.inline_answers.values())[-1])
    assert "SECRET" not in answered and "0123 999" not in answered


async def test_bad_inline_queries_get_answers(bot: Harness) -> None:
    user = bot.user(3004)
    for text in ["x" * 256, "🙂", "../..", "diagnosis-_-zzzzzzzz", "<b>&"]:
        await bot.feed(user.inline(text))
    assert len(bot.api.inline_answers) == 5
