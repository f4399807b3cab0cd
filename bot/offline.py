"""A Bot API stand-in that answers locally: the console chat and the tests share it.

It keeps each chat's messages, answers with Telegram-shaped JSON, raises Telegram's real
error descriptions (checked against the Bot API reference), and records every call.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.render import utf16_len
from bot.telegram_html import MAX_TEXT, visible_text

BOT_ID = 7000000001
BOT_USERNAME = "all_guide_offline_bot"
# Telegram counts message length in UTF-16 code units.
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # sendPhoto's limit for an uploaded photo
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile's limit: a bot downloads files up to 20 MB
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class SentFile:
    chat_id: int
    filename: str
    data: bytes
    caption: str | None


@dataclass
class LostReply:
    """A fault for the hook to return: the call is applied, then `error` is raised instead of
    the answer (a timeout after Telegram already delivered the message)."""

    error: BaseException


# Returns None (no fault), an ApiError (Telegram refuses the call; nothing is applied), any
# other exception (raised before the call reaches Telegram, e.g. telegram.error.TimedOut),
# or a LostReply.
FaultHook = Callable[[str, dict[str, Any]], ApiError | BaseException | LostReply | None]


class OfflineBotAPI(BaseRequest):
    """A `BaseRequest` that is its own Bot API server, in memory.

    `delay` simulates the network round trip of every call. `fault` may return an
    ApiError to inject for a call (rate limits, server errors) before it is applied, an
    exception to raise instead of sending it, or a LostReply (see FaultHook).
    """

    def __init__(self, delay: float = 0.0, fault: FaultHook | None = None, record: bool = True):
        self.delay = delay
        self.fault = fault
        self.record = record
        self.calls: list[Call] = []
        self.files: list[SentFile] = []
        # Files parents sent the bot (`upload`), by file_id: (file_path, bytes). getFile gives
        # the file_path, then a GET on <base_file_url><token>/<file_path> gives the bytes, as
        # Telegram's file server does.
        self.stored: dict[str, tuple[str, bytes]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        # What the parents sent (fed to the Application by the caller, see `received`): a
        # reply to one of them carries it, as Telegram's does.
        self.incoming: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.answered: set[str] = set()
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}
        self._next_id: dict[int, itertools.count[int]] = {}
        self.updates: asyncio.Queue[dict[str, Any]] | None = None

    # ---- BaseRequest -------------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        return 10.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if method == "GET" and "/file/bot" in url:
            return self._download(url)
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data else {}
        if self.delay:
            await asyncio.sleep(self.delay)
        return await self.handle(api_method, params, files)

    async def handle(
        self, api_method: str, params: dict[str, Any], files: dict[str, Any] | None = None
    ) -> tuple[int, bytes]:
        """Answer one Bot API call: HTTP status and JSON body (also what tests/fakeapi serves)."""
        if self.record:
            self.calls.append(Call(api_method, params))
        lost: LostReply | None = None
        try:
            if self.fault is not None:
                injected = self.fault(api_method, params)
                if isinstance(injected, LostReply):
                    lost = injected
                elif injected is not None:
                    raise injected
            result = await self._dispatch(api_method, params, files or {})
        except ApiError as err:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": err.code,
                "description": err.description,
            }
            if err.parameters:
                body["parameters"] = err.parameters
            return err.code, json.dumps(body).encode()
        if lost is not None:
            raise lost.error
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # ---- helpers for tests and the console ---------------------------------------------
    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def last(self, method: str) -> Call:
        for call in reversed(self.calls):
            if call.method == method:
                return call
        raise AssertionError(f"no {method} call recorded; calls: {self.methods()}")

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        self.calls.clear()

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return self.messages[(chat_id, message_id)]

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    def upload(
        self, data: bytes, file_name: str, mime_type: str | None = "application/json"
    ) -> dict[str, Any]:
        """A file a parent sends the bot: kept for getFile, and returned as the Document a
        message carries (UpdateFactory.document)."""
        number = len(self.stored) + 1
        file_id = f"BQACAgIAAxkBAAIB{number:04d}"
        suffix = file_name[file_name.rfind(".") :] if "." in file_name else ""
        self.stored[file_id] = (f"documents/file_{number}{suffix}", data)
        doc: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": f"AgADB{number:04d}",
            "file_name": file_name,
            "file_size": len(data),
        }
        if mime_type:
            doc["mime_type"] = mime_type
        return doc

    def _download(self, url: str) -> tuple[int, bytes]:
        """GET <base_file_url><token>/<file_path>: the file's bytes, or Telegram's 404."""
        path = url.split("/file/bot", 1)[1].partition("/")[2]
        if self.record:
            self.calls.append(Call("file", {"file_path": path}))
        for file_path, data in self.stored.values():
            if path == file_path:
                return 200, data
        return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()

    def forget(self, chat_id: int, message_id: int) -> None:
        """Make a message uneditable, as if it were deleted or too old."""
        self.messages.pop((chat_id, message_id), None)

    # ---- the API -----------------------------------------------------------------------
    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "ALL Guide",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def received(self, update: dict[str, Any]) -> None:
        """An update about to be fed to the Application: a parent's message is kept, so a
        reply to it can carry it (`reply_to_message`)."""
        message = update.get("message")
        if isinstance(message, dict) and "chat" in message:
            self.incoming[(int(message["chat"]["id"]), int(message["message_id"]))] = message

    def _replied(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        """`reply_to_message` for a message sent with `reply_parameters`; refused as Telegram
        refuses it when the message is not in the chat (unless sent without it allowed)."""
        given = params.get("reply_parameters")
        if given is None:
            return {}
        if isinstance(given, str):
            given = json.loads(given)
        key = (int(given.get("chat_id") or chat_id), int(given["message_id"]))
        found = self.incoming.get(key) or self.messages.get(key)
        if found is None:
            if given.get("allow_sending_without_reply"):
                return {}
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {"reply_to_message": self._public(found)}

    def _new_message(self, chat_id: int, extra: dict[str, Any]) -> dict[str, Any]:
        counter = self._next_id.setdefault(chat_id, itertools.count(1))
        msg_id = next(counter)
        message = {
            "message_id": msg_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "first_name": "Parent"},
            "from": self._bot_user(),
            **extra,
        }
        self.messages[(chat_id, msg_id)] = message
        return message

    @staticmethod
    def _caption(params: dict[str, Any]) -> Any:
        """A file's caption, refused past Telegram's limit (of what shows, as for text)."""
        caption = params.get("caption")
        if (
            caption is not None
            and utf16_len(visible_text(str(caption), params.get("parse_mode"))) > MAX_CAPTION
        ):
            raise ApiError(400, "Bad Request: message caption is too long")
        return caption

    @staticmethod
    def _chat_id(params: dict[str, Any]) -> int:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return dict(markup)  # reply keyboards and force_reply pass through unchecked
        if len(rows) > 100 or sum(len(r) for r in rows) > 100:
            raise ApiError(400, "Bad Request: reply markup is too long")
        for row in rows:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                actions = [k for k in button if k != "text" and k != "style"]
                if len(actions) != 1:
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        "exactly one of the optional fields must be used",
                    )
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    def _text(self, params: dict[str, Any], key: str = "text", limit: int = MAX_TEXT) -> str:
        text = params.get(key)
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        try:
            shown = visible_text(str(text), params.get("parse_mode"))
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        if not shown.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(shown) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        return str(text)

    def _find(self, params: dict[str, Any], action: str) -> tuple[int, int, dict[str, Any]]:
        chat_id = self._chat_id(params)
        try:
            msg_id = int(params.get("message_id", 0))
        except (TypeError, ValueError):
            msg_id = 0
        message = self.messages.get((chat_id, msg_id))
        if message is None:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return chat_id, msg_id, message

    async def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        if method == "getMe":
            return self._bot_user()
        if method in (
            "deleteWebhook",
            "setWebhook",
            "close",
            "logOut",
            "setChatMenuButton",
            "setMyDescription",
            "setMyShortDescription",
            "sendChatAction",
        ):
            return True
        if method == "getUpdates":
            if self.updates is None:
                await asyncio.sleep(min(float(params.get("timeout", 0) or 0), 0.05))
                return []
            first = await self.updates.get()
            batch = [first]
            while not self.updates.empty() and len(batch) < 100:
                batch.append(self.updates.get_nowait())
            return batch
        if method == "setMyCommands":
            commands = params.get("commands")
            if isinstance(commands, str):
                commands = json.loads(commands)
            if not isinstance(commands, list) or len(commands) > 100:
                raise ApiError(400, "Bad Request: too many commands")
            for cmd in commands:
                name, desc = str(cmd.get("command", "")), str(cmd.get("description", ""))
                if not (1 <= len(name) <= 32) or not all(
                    ch.islower() or ch.isdigit() or ch == "_" for ch in name
                ):
                    raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
                if not 1 <= len(desc) <= 256:
                    raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            self.commands = commands
            return True
        if method == "getMyCommands":
            return self.commands
        if method == "sendMessage":
            chat_id = self._chat_id(params)
            text = self._text(params)
            extra: dict[str, Any] = {"text": html.unescape(text)}
            markup = self._markup(params)
            if markup is not None and "inline_keyboard" in markup:
                extra["reply_markup"] = markup
            elif markup is not None:
                # A keyboard below the chat (or its removal): Telegram's Message carries only
                # inline keyboards, so it is kept apart, for tests to read.
                if not isinstance(markup.get("keyboard", []), list) or not (
                    "keyboard" in markup or markup.get("remove_keyboard") is True or "force_reply" in markup
                ):
                    raise ApiError(400, "Bad Request: can't parse reply keyboard markup")
                extra["_reply_keyboard"] = markup
            extra["_raw"] = {"text": text, "parse_mode": params.get("parse_mode")}
            extra.update(self._replied(chat_id, params))
            return self._public(self._new_message(chat_id, extra))
        if method == "editMessageText":
            _, _, message = self._find(params, "edit")
            text = self._text(params)
            markup = self._markup(params)
            raw = {"text": text, "parse_mode": params.get("parse_mode")}
            if message.get("_raw") == raw and message.get("reply_markup") == markup:
                raise ApiError(400, NOT_MODIFIED)
            message["_raw"] = raw
            message["text"] = html.unescape(text)
            message["edit_date"] = int(time.time())
            if markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = markup
            return self._public(message)
        if method == "editMessageReplyMarkup":
            _, _, message = self._find(params, "edit")
            markup = self._markup(params)
            if message.get("reply_markup") == markup:
                raise ApiError(400, NOT_MODIFIED)
            if markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = markup
            return self._public(message)
        if method == "deleteMessage":
            chat_id, msg_id, _ = self._find(params, "delete")
            del self.messages[(chat_id, msg_id)]
            return True
        if method == "answerCallbackQuery":
            query_id = str(params.get("callback_query_id", ""))
            if not query_id or query_id in self.answered:
                raise ApiError(
                    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
                )
            if utf16_len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            self.answered.add(query_id)
            return True
        if method == "answerInlineQuery":
            return self._answer_inline(params)
        if method == "getFile":
            file_id = str(params.get("file_id") or "")
            found = self.stored.get(file_id)
            if found is None:
                raise ApiError(400, "Bad Request: invalid file_id")
            file_path, data = found
            if len(data) > MAX_DOWNLOAD_BYTES:
                raise ApiError(400, "Bad Request: file is too big")
            return {
                "file_id": file_id,
                "file_unique_id": f"AgADB{file_id[-4:]}",
                "file_size": len(data),
                "file_path": file_path,
            }
        if method == "sendDocument":
            chat_id = self._chat_id(params)
            caption = self._caption(params)
            upload = files.get("document")
            if upload is None:
                raise ApiError(400, "Bad Request: there is no document in the request")
            filename, content = str(upload[0]), upload[1]
            data = content if isinstance(content, bytes) else content.read()
            self.files.append(SentFile(chat_id, filename, data, caption))
            doc = {
                "file_id": f"doc{len(self.files)}",
                "file_unique_id": f"u{len(self.files)}",
                "file_name": filename,
                "mime_type": upload[2] if len(upload) > 2 else None,
                "file_size": len(data),
            }
            extra = {"document": doc}
            if caption:
                extra["caption"] = caption
            return self._public(self._new_message(chat_id, extra))
        if method == "sendPhoto":
            chat_id = self._chat_id(params)
            caption = self._caption(params)
            upload = files.get("photo")
            if upload is None and isinstance(params.get("photo"), str):
                # Sent again by its file id: one Telegram gave in a parent's message here.
                known = {size["file_id"] for m in self.incoming.values() for size in m.get("photo", ())}
                if params["photo"] not in known:
                    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
                upload = (f"{params['photo']}.jpg", b"")
            if upload is None:
                raise ApiError(400, "Bad Request: there is no photo in the request")
            data = upload[1] if isinstance(upload[1], bytes) else upload[1].read()
            if len(data) > MAX_PHOTO_BYTES:
                raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
            self.files.append(SentFile(chat_id, str(upload[0]), data, caption))
            size = {"file_id": f"ph{len(self.files)}", "file_unique_id": f"u{len(self.files)}"}
            photo = [{**size, "width": 320, "height": 320, "file_size": len(data)}]
            sent: dict[str, Any] = {"photo": photo}
            if caption:
                sent["caption"] = caption
            return self._public(self._new_message(chat_id, sent))
        raise ApiError(404, "Not Found")

    def _answer_inline(self, params: dict[str, Any]) -> bool:
        """answerInlineQuery as the Bot API describes it: at most 50 results, each with a
        unique id of 1-64 bytes; articles need a title and message content Telegram accepts."""
        query_id = str(params.get("inline_query_id") or "")
        if not query_id or query_id in self.inline_answers:
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        raw = params.get("results")
        results = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            rid = str(result.get("id", ""))
            if not 1 <= len(rid.encode()) <= 64 or rid in seen:
                raise ApiError(
                    400,
                    "Bad Request: RESULT_ID_INVALID"
                    if rid not in seen
                    else "Bad Request: RESULT_ID_DUPLICATE",
                )
            seen.add(rid)
            if result.get("type") != "article":
                raise ApiError(400, "Bad Request: unsupported result type in the stand-in")
            if not str(result.get("title") or "").strip():
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            self._text(content, "message_text")
            if result.get("reply_markup") is not None:
                self._markup({"reply_markup": result["reply_markup"]})
        offset = str(params.get("next_offset") or "")
        if len(offset.encode()) > 64:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        self.inline_answers[query_id] = results
        return True

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if not k.startswith("_")}


class UpdateFactory:
    """Builds Telegram-shaped update dicts for a private chat with one user."""

    _ids = itertools.count(1)

    def __init__(self, user_id: int = 1001, first_name: str = "Sam", language: str = "en"):
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language}
        self._msg_ids = itertools.count(10_000)

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.user["id"], "type": "private", "first_name": self.user["first_name"]}

    def text(self, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._msg_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._ids), "message": message}

    def photo(self, file_id: str = "AgACAgIAAxkBAAIBphoto", caption: str | None = None) -> dict[str, Any]:
        """A photo the user sends (Telegram gives several sizes; the bot keeps the largest's id)."""
        sizes = [
            {"file_id": f"{file_id}-s", "file_unique_id": f"{file_id}-us", "width": 90, "height": 90},
            {"file_id": file_id, "file_unique_id": f"{file_id}-u", "width": 1280, "height": 960},
        ]
        message: dict[str, Any] = {
            "message_id": next(self._msg_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            "photo": sizes,
        }
        if caption is not None:
            message["caption"] = caption
        return {"update_id": next(self._ids), "message": message}

    def document(self, document: dict[str, Any], caption: str | None = None) -> dict[str, Any]:
        """A file the user sends (OfflineBotAPI.upload gives `document` and keeps its bytes)."""
        message: dict[str, Any] = {
            "message_id": next(self._msg_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            "document": document,
        }
        if caption is not None:
            message["caption"] = caption
        return {"update_id": next(self._ids), "message": message}

    def shared_user(self, request_id: int, user_id: int, first_name: str = "") -> dict[str, Any]:
        """The user's answer to a `request_users` keyboard button: the person they chose."""
        chosen: dict[str, Any] = {"user_id": user_id}
        if first_name:
            chosen["first_name"] = first_name
        message = {
            "message_id": next(self._msg_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            "users_shared": {"request_id": request_id, "users": [chosen]},
        }
        return {"update_id": next(self._ids), "message": message}

    def inline(self, query: str) -> dict[str, Any]:
        """The user typing `@bot <query>` in any chat."""
        return {
            "update_id": next(self._ids),
            "inline_query": {"id": f"iq{next(self._ids)}", "from": self.user, "query": query, "offset": ""},
        }

    def tap(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": f"q{next(self._ids)}",
                "from": self.user,
                "chat_instance": "ci",
                "message": message,
                "data": data,
            },
        }
