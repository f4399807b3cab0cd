"""The offline chat: the real handlers in a terminal, through the offline Bot API layer.

Bot messages print as text, inline buttons print numbered, typing a number taps that
button on the last message that has buttons, anything else is sent as a message.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from telegram import Update

from bot.app import build_application, start_app, stop_app
from bot.config import Settings
from bot.content import Content
from bot.offline import OfflineBotAPI, UpdateFactory

_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a href="([^"]*)">([^<]*)</a>')


def plain(text: str) -> str:
    """Telegram HTML -> terminal text: links as 'text (url)', tags dropped, entities unescaped."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text)
    return html.unescape(_TAG.sub("", text))


class Console:
    def __init__(self, api: OfflineBotAPI, out: TextIO, files_dir: Path):
        self.api = api
        self.out = out
        self.files_dir = files_dir
        self.seen = 0
        self.buttons: list[tuple[dict[str, Any], str]] = []  # (message, callback_data)
        self.shown: set[tuple[int, int]] = set()  # (chat, message id) already printed

    def print_new(self) -> None:
        for call in self.api.calls[self.seen :]:
            self._print_call(call.method, call.params)
        self.seen = len(self.api.calls)

    def _print_call(self, method: str, params: dict[str, Any]) -> None:
        if method == "answerCallbackQuery" and params.get("text"):
            print(f"  ({params['text']})", file=self.out)
        elif method in ("sendMessage", "editMessageText"):
            chat_id = int(params["chat_id"])
            message = self._find_message(chat_id, params)
            print("", file=self.out)
            print(plain(str(params["text"])), file=self.out)
            if message is not None:
                self.shown.add((chat_id, int(message["message_id"])))
                self._print_buttons(message)
                keyboard = (message.get("_reply_keyboard") or {}).get("keyboard")
                if keyboard:  # a button below the chat: its label is sent as text
                    labels = ", ".join(b["text"] for row in keyboard for b in row)
                    print(f"(below the chat: {labels}; type it to press it)", file=self.out)
        elif method == "sendDocument":
            sent = self.api.files[-1]
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(sent.filename).name
            path.write_bytes(sent.data)
            caption = f" {plain(sent.caption)}" if sent.caption else ""
            print(f"\n[file saved: {path}]{caption}", file=self.out)

    def _find_message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        """The message a call showed: an edit names it; a send made the first message of the
        chat not printed yet (an update may send several: each gets its own buttons)."""
        if "message_id" in params:
            return self.api.messages.get((chat_id, int(params["message_id"])))
        return next(
            (
                m
                for m in self.api.chat_messages(chat_id)
                if "text" in m and (chat_id, int(m["message_id"])) not in self.shown
            ),
            None,
        )

    def _print_buttons(self, message: dict[str, Any]) -> None:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard")
        if not rows:
            return
        self.buttons = []
        for row in rows:
            labels = []
            for button in row:
                self.buttons.append((message, str(button.get("callback_data", ""))))
                labels.append(f"[{len(self.buttons)}] {button['text']}")
            print("   ".join(labels), file=self.out)


async def run_console(
    settings: Settings,
    content: Content,
    announce: bool = True,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    api = OfflineBotAPI()
    app = build_application(settings, request=api, content=content, overall_rate=None)
    console = Console(api, out, settings.db_path.parent / "console-files")
    factory = UpdateFactory(user_id=1, first_name="You")
    await start_app(app)
    try:
        if announce:
            print(content.strings("start.offline_note"), file=out)
        console.seen = len(api.calls)
        while True:
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.strip().isdigit() and console.buttons:
                index = int(line.strip()) - 1
                if not 0 <= index < len(console.buttons):
                    print(f"  (no button {line.strip()}; choose 1-{len(console.buttons)})", file=out)
                    continue
                message, data = console.buttons[index]
                public = {k: v for k, v in message.items() if not k.startswith("_")}
                raw = factory.tap(public, data)
            else:
                raw = factory.text(line)
            api.received(raw)
            await app.process_update(Update.de_json(raw, app.bot))
            console.print_new()
            out.flush()
    finally:
        await stop_app(app)
    return 0
