"""Feature module: privacy (being built)."""

from __future__ import annotations

from bot.app import BotApp
from handlers.common import Router


def setup(app: BotApp, router: Router) -> None:
    return None
