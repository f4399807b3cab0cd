"""register(app): every feature's handlers, in one documented order.

Order matters to PTB (the first matching handler in a group wins):
1. core commands (/start, /help, /menu, /cancel) and core taps (home, contents, consent);
2. one module per feature, each adding its commands, taps and waiting-for-text kinds;
3. the fallbacks: the callback router (answers unknown taps calmly), typed text routed
   to whatever the bot is waiting for, then calm answers for everything else.
"""

from __future__ import annotations

from bot.app import BotApp
from handlers import core, guide, privacy, questions, symptoms
from handlers.common import Router


def register(app: BotApp) -> None:
    router = Router()
    core.setup(app, router)
    for feature in FEATURES:
        feature.setup(app, router)
    core.setup_fallbacks(app, router)


FEATURES = [guide, symptoms, questions, privacy]
