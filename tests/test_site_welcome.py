"""The hospital's welcome (handlers/site_welcome.py): the poster's QR code opens
`/start site`, which says who runs this copy of the bot and for which hospital, who to call
about the bot and about the child's care, and that this is a different bot from any other
copy; then everything goes on as a plain /start. The privacy page names who runs the bot.
Through the real Application with the example site folder, in English and in Spanish."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.content import Content
from bot.render import utf16_len
from bot.site import MAX_HOURS, MAX_LABEL, MAX_NAME, MAX_NUMBERS, MAX_RULE, RunBy, Site, load
from bot.telegram_html import MAX_TEXT, visible_text
from handlers.privacy import privacy_keyboard
from handlers.site_welcome import welcome_text
from tests.harness import ROOT, Harness, make, make_settings

pytestmark = pytest.mark.every_language

EXAMPLE = ROOT / "deploy" / "example-site"
PARENT, OTHER = 1001, 2002
RUN_BY = "Riverside Children's Hospital, Family Support Office (example)"
CONTACT = "+1 202 555 0110"
# The "different bot" paragraph, a piece of it in each language.
DIFFERENT = {"en": "this is a different bot", "es": "este es un bot distinto"}
LABELS = {
    "en": ("Oncology ward, day and night", "Day clinic"),
    "es": ("Planta de oncología, día y noche", "Hospital de día"),
}
HOURS = {"en": ("24 hours", "Mon-Fri 8 am-5 pm"), "es": ("24 horas", "lun-vie 8-17 h")}


@pytest.fixture
async def hospital(tmp_path: Path, catalog: dict[str, Content], language: str) -> AsyncIterator[Harness]:
    settings = make_settings(tmp_path, SITE_DIR=str(EXAMPLE))
    async with Harness(settings, catalog["en"], language=language) as bot:
        yield bot


def sent(bot: Harness, user_id: int, since: int = 0) -> list[tuple[str, str, Any]]:
    """What the bot sent or edited in this chat, in order, from call number `since`:
    (method, HTML, keyboard)."""
    return [
        (c.method, str(c.params["text"]), c.params.get("reply_markup"))
        for c in bot.api.calls[since:]
        if c.method in ("sendMessage", "editMessageText") and int(c.params["chat_id"]) == user_id
    ]


def plain(html: str) -> str:
    return visible_text(html, "HTML")


def fits(html: str) -> bool:
    return utf16_len(plain(html)) <= MAX_TEXT


async def test_the_poster_link_opens_the_hospitals_welcome_then_the_plain_start(
    hospital: Harness, language: str
) -> None:
    bot = hospital
    await bot.send("/start site", PARENT)
    await bot.send("/start", OTHER)
    mine, plain_start = sent(bot, PARENT), sent(bot, OTHER)
    assert len(mine) == len(plain_start) + 1
    method, welcome, keyboard = mine[0]
    assert method == "sendMessage" and keyboard is None
    shown = plain(welcome)
    # Who runs this copy, for which hospital, and how to reach them about the bot.
    assert RUN_BY in shown and CONTACT in shown
    assert "Riverside Children's Hospital (example)" in shown
    # For the child's care: the hospital's numbers, with their labels and hours.
    for label, hours in zip(LABELS[language], HOURS[language], strict=True):
        assert label in shown and hours in shown
    assert "+1 202-555-0101" in shown and "+1 202-555-0102" in shown
    # The other bot's data is not here; /mydata there brings it.
    assert DIFFERENT[language] in shown and "/mydata" in shown
    assert fits(welcome)
    # Then exactly what a plain /start gives (the home, with its offers), nothing skipped.
    assert mine[1:] == plain_start
    assert bot.content.strings("start.link_unknown") not in "".join(t for _, t, _ in mine)
    # Nothing is stored for a scan: consent is still asked the first time something is saved.
    assert not await bot.storage.users.has_consent(PARENT)


async def test_a_parent_who_already_uses_this_bot_gets_the_welcome_then_their_home(
    hospital: Harness,
) -> None:
    bot = hospital
    await bot.storage.users.give_consent(PARENT)
    await bot.send("/start", PARENT)
    home = sent(bot, PARENT)[-1]
    since = len(bot.api.calls)
    await bot.send("/start site", PARENT)
    after = sent(bot, PARENT, since)
    assert len(after) == 2
    assert RUN_BY in plain(after[0][1])
    assert after[1] == home


async def test_only_the_exact_payload_is_the_posters(hospital: Harness) -> None:
    bot = hospital
    s = bot.content.strings
    await bot.send("/start sites", PARENT)
    assert bot.html(PARENT).startswith(s("start.link_unknown"))
    assert all(RUN_BY not in plain(t) for _, t, _ in sent(bot, PARENT))
    # No button carries the welcome's data: a made-up tap gets the calm stale answer.
    await bot.send("/start", PARENT)
    await bot.tap_data(make("hw"), PARENT)
    assert bot.answers()[-1].get("text") == s("errors.stale")


async def test_without_a_site_the_poster_link_is_a_plain_start(bot: Harness) -> None:
    await bot.send("/start site", PARENT)
    await bot.send("/start", OTHER)
    assert sent(bot, PARENT) == sent(bot, OTHER)
    assert not bot.html(PARENT).startswith(bot.content.strings("start.link_unknown"))


async def test_the_privacy_page_names_who_runs_the_bot(hospital: Harness, language: str) -> None:
    bot = hospital
    s = bot.content.strings
    page = s("privacy.page", undo_minutes=15, prompt_minutes=30)
    run_by = s("site_welcome.run_by", name=RUN_BY, contact=CONTACT)
    await bot.send("/privacy", PARENT)
    shown = sent(bot, PARENT)
    assert [(m, plain(t)) for m, t, _ in shown] == [("sendMessage", plain(page)), ("sendMessage", run_by)]
    # The page's buttons come on the run-by message, the last one.
    assert shown[0][2] is None and shown[1][2] is not None
    assert bot.buttons(PARENT) == [
        (b.text, b.callback_data) for row in privacy_keyboard(bot.content).inline_keyboard for b in row
    ]
    assert all(fits(t) for _, t, _ in shown)
    # By the button: the page in place, the run-by message below it.
    await bot.send("/start", PARENT)
    since = len(bot.api.calls)
    await bot.tap(s("menu.privacy"), PARENT)
    shown = sent(bot, PARENT, since)
    assert [(m, plain(t)) for m, t, _ in shown] == [
        ("editMessageText", plain(page)),
        ("sendMessage", run_by),
    ]
    assert s("privacy.delete.button") in [label for label, _ in bot.buttons(PARENT)]


async def test_without_a_site_the_privacy_page_says_nothing_new(bot: Harness) -> None:
    s = bot.content.strings
    await bot.send("/privacy", PARENT)
    shown = sent(bot, PARENT)
    assert len(shown) == 1 and shown[0][2] is not None
    assert plain(shown[0][1]) == plain(s("privacy.page", undo_minutes=15, prompt_minutes=30))


def longest_site(languages: tuple[str, ...]) -> Site:
    """The example site with every text as long as site.yaml allows, and the most numbers."""
    site = load(EXAMPLE, languages)
    number = site.numbers[1]
    numbers = tuple(
        replace(
            number,
            label={lang: "L" * MAX_LABEL for lang in languages},
            hours={lang: "H" * MAX_HOURS for lang in languages},
        )
        for _ in range(MAX_NUMBERS)
    )
    assert site.fever is not None
    return replace(
        site,
        name="N" * MAX_NAME,
        run_by=RunBy("R" * MAX_NAME, "https://" + "c" * 240 + ".example/"),
        numbers=numbers,
        fever=replace(site.fever, rule={lang: "F" * MAX_RULE for lang in languages}),
    )


def test_the_longest_welcome_and_run_by_line_fit_a_message(catalog: dict[str, Content]) -> None:
    site = longest_site(tuple(catalog))
    for content in catalog.values():
        assert fits(welcome_text(content, site)), content.language
        assert site.run_by is not None
        line = content.strings("site_welcome.run_by", name=site.run_by.name, contact=site.run_by.contact)
        assert fits(line), content.language
