"""Drive the real Application offline: real Update objects, process_update, recorded calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import BotApp, build_application, start_app, stop_app
from bot.config import Settings, load_settings
from bot.content import Content
from bot.offline import OfflineBotAPI, UpdateFactory
from bot.storage import Repository

ROOT = Path(__file__).resolve().parent.parent
# Every text a simulated parent typed in this test, so the log check can look for it.
TYPED: list[str] = []


def make_settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"BOT_DB_PATH": str(tmp_path / "bot.sqlite3"), **env})


class Harness:
    """One running Application with the offline Bot API and a few simulated parents."""

    def __init__(self, settings: Settings, content: Content, api: OfflineBotAPI | None = None,
                 overall_rate: float | None = None):
        self.settings = settings
        self.content = content
        self.api = api or OfflineBotAPI()
        self.app: BotApp = build_application(settings, request=self.api, content=content,
                                             overall_rate=overall_rate)
        self.users: dict[int, UpdateFactory] = {}

    @property
    def repo(self) -> Repository:
        repo: Repository = self.app.bot_data["services"].repo
        return repo

    async def __aenter__(self) -> Harness:
        await start_app(self.app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await stop_app(self.app)

    def user(self, user_id: int = 1001) -> UpdateFactory:
        if user_id not in self.users:
            self.users[user_id] = UpdateFactory(user_id=user_id, first_name=f"P{user_id}")
        return self.users[user_id]

    async def feed(self, raw: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(raw, self.app.bot))

    async def send(self, text: str, user_id: int = 1001) -> None:
        TYPED.append(text)
        await self.feed(self.user(user_id).text(text))

    # ---- what the parent sees ---------------------------------------------------------
    def last_message(self, user_id: int = 1001) -> dict[str, Any]:
        """The chat's message that was sent or edited most recently."""
        chat = [c for c in self.api.calls
                if c.method in ("sendMessage", "editMessageText", "editMessageReplyMarkup")
                and int(c.params["chat_id"]) == user_id]
        assert chat, f"no message for {user_id}; calls: {self.api.methods()}"
        call = chat[-1]
        if "message_id" in call.params:
            return self.api.message(user_id, int(call.params["message_id"]))
        return self.api.chat_messages(user_id)[-1]

    def text(self, user_id: int = 1001) -> str:
        return str(self.last_message(user_id).get("text", ""))

    def buttons(self, user_id: int = 1001) -> list[tuple[str, str]]:
        rows = (self.last_message(user_id).get("reply_markup") or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def button(self, label: str, user_id: int = 1001) -> str:
        """callback_data of the first button whose label contains `label`."""
        for text, data in self.buttons(user_id):
            if label in text:
                return data
        raise AssertionError(f"no button {label!r}; buttons: {self.buttons(user_id)}")

    async def tap_data(self, data: str, user_id: int = 1001,
                       message: dict[str, Any] | None = None) -> None:
        message = message or self.last_message(user_id)
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        await self.feed(self.user(user_id).tap(public, data))

    async def tap(self, label: str, user_id: int = 1001) -> None:
        await self.tap_data(self.button(label, user_id), user_id)

    def answers(self) -> list[dict[str, Any]]:
        return [c.params for c in self.api.of("answerCallbackQuery")]
