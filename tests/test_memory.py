"""No parent text in any process cache beyond the update that built it: after an erase, a walk
of everything the application and the bot's own modules hold finds none of the erased text.

The walk follows references (gc.get_referents) from the Application (its data, handlers,
services, storage) and from the globals of every bot.* and handlers.* module (every
functools cache hangs there), and stops at what is not the bot's memory: the offline Bot API
(which records what was sent, as Telegram's servers would), the test harness, modules of
other packages, classes, and running frames.
"""

from __future__ import annotations

import gc
import sys
import types
from collections.abc import Iterator
from typing import Any

from tests.harness import Harness, make, who

MARKER = "Zebraquokka"
SKIP_TYPES = (
    types.ModuleType,
    type,
    types.FrameType,
    types.CoroutineType,
    types.GeneratorType,
    types.AsyncGeneratorType,
)


def _ours(name: str) -> bool:
    return name.split(".")[0] in ("bot", "handlers")


def reachable_text(bot: Harness) -> Iterator[str]:
    """Every str and bytes reachable from the application and the bot's modules."""
    foreign = {id(m.__dict__) for name, m in list(sys.modules.items()) if m is not None and not _ours(name)}
    skip = foreign | {id(sys.modules), id(bot), id(bot.api), id(bot.users)}
    roots: list[Any] = [bot.app, bot.app.bot_data, bot.app.user_data, bot.app.chat_data]
    roots += [m.__dict__ for name, m in list(sys.modules.items()) if m is not None and _ours(name)]
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or id(obj) in skip:
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            yield obj
            continue
        if isinstance(obj, bytes | bytearray):
            yield bytes(obj).decode("utf-8", "ignore")
            continue
        if isinstance(obj, SKIP_TYPES):
            continue
        stack.extend(gc.get_referents(obj))


def holds(bot: Harness, marker: str) -> bool:
    """Case folded: a stemmer's cache keeps "zebraquokka", not "Zebraquokka"."""
    return any(marker.casefold() in text.casefold() for text in reachable_text(bot))


async def test_erased_text_is_in_no_process_cache(bot: Harness) -> None:
    s = bot.content.strings
    # The walk can fail: a marker left in the application's data is found.
    bot.app.bot_data["probe"] = f"{MARKER} probe"
    assert holds(bot, MARKER)
    del bot.app.bot_data["probe"]
    assert not holds(bot, MARKER)

    await bot.send("/myquestions")
    await bot.tap(s("questions.add"))
    await bot.tap(s("consent.ok"))
    await bot.send(f"{MARKER} can she swim with her line?")  # a question (with a red flag?)
    await bot.send("/myquestions")  # the list's buttons carry the question's words
    qid = (await bot.storage.questions.list(1001))[0].id
    await bot.tap_data(make("mo", num=qid))
    await bot.tap_data(make("ma", num=qid))
    await bot.send(f"{MARKER}nurse said yes")  # an answer
    await bot.send(f"what is {MARKER}")  # a search for the parent's own word
    await bot.storage.contacts.add(who(1001), f"{MARKER} ward", "0123 456 789", limit=5)
    await bot.send("/settings")  # a keyboard with the contact's name
    assert any(MARKER in label for label, _ in bot.buttons())
    await bot.send("/deletemydata")
    await bot.tap(s("privacy.delete.confirm"))
    assert await bot.storage.users.count() == 0
    gc.collect()
    found = [text[:80] for text in reachable_text(bot) if MARKER.casefold() in text.casefold()]
    assert not found, found
