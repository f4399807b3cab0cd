"""The only code that packs and parses callback_data.

Button data is untrusted input: it is parsed against the allowlist below (kind, field
count, field shapes) and never carries a user id; handlers act for the user who tapped.
Plain strings, not PTB's arbitrary callback data, so buttons keep working after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback_data
MAX_NUMBER = 100_000_000
_ID = re.compile(r"^[a-z0-9_]{0,24}$")

# kind -> the names of its fields. Field shapes: "id" an id or empty, "n" a number,
# "on" 0/1, "cb" nested callback data (the action a consent prompt will carry out).
SPECS: dict[str, tuple[tuple[str, str], ...]] = {
    "h": (),                                        # home menu
    "c": (),                                        # contents
    "x": (),                                        # does nothing (page counter)
    "s": (("sid", "id"), ("part", "id"), ("page", "n")),   # show a section page
    "r": (("sid", "id"), ("part", "id"), ("page", "n")),  # a sensitive page, gate passed
    "b": (("sid", "id"), ("part", "id"), ("page", "n"), ("on", "on")),  # set a bookmark
    "bl": (),                                       # list bookmarks
    "bx": (("sid", "id"), ("part", "id"), ("page", "n")),  # remove a bookmark (from the list)
    "k": (),                                        # symptom checklist
    "kt": (("item", "id"), ("on", "on")),           # tick / untick one symptom
    "ki": (("item", "id"),),                        # explain one symptom
    "ks": (),                                       # summary note for the doctor
    "kc": (),                                       # clear all: ask first
    "ky": (),                                       # clear all: confirmed
    "q": (),                                        # question groups
    "qg": (("group", "id"),),                       # one group's questions
    "qs": (("item", "id"), ("on", "on")),           # save / unsave a guide question (in its group)
    "qa": (("sid", "id"),),                         # questions about a section
    "qt": (("sid", "id"), ("item", "id"), ("on", "on")),  # save / unsave from that view
    "m": (("page", "n"),),                          # my questions, a page of the list
    "mo": (("num", "n"),),                          # one saved question
    "mk": (("num", "n"), ("on", "on")),             # mark as asked / not asked
    "ma": (("num", "n"),),                          # write down the answer (next text)
    "mr": (("num", "n"),),                          # remove
    "mu": (("num", "n"),),                          # undo a removal
    "mn": (),                                       # add my own question (next text)
    "mx": (),                                       # cancel waiting for text
    "mp": (),                                       # send the list as a PDF
    "mt": (),                                       # send the list as plain text
    "u": (),                                        # urgent card
    "st": (),                                       # settings
    "sp": (),                                       # set the care team phone (next text)
    "sr": (),                                       # remove the care team phone
    "pv": (),                                       # privacy
    "dd": (),                                       # delete my data: ask first
    "dy": (),                                       # delete my data: confirmed
    "y": (("then", "cb"),),                         # consent given, then do this
    "n": (),                                        # consent declined
}


class CallbackDataError(ValueError):
    """Raised when building data that would not fit or does not match the allowlist."""


@dataclass(frozen=True)
class Callback:
    kind: str
    sid: str = ""
    part: str = ""
    page: int = 0
    on: bool = False
    item: str = ""
    group: str = ""
    num: int = 0
    then: str = ""

    def pack(self) -> str:
        return pack(self)


def pack(cb: Callback) -> str:
    spec = SPECS.get(cb.kind)
    if spec is None:
        raise CallbackDataError(f"unknown kind {cb.kind!r}")
    fields = [cb.kind]
    for name, shape in spec:
        value = getattr(cb, name)
        if shape == "on":
            fields.append("1" if value else "0")
        elif shape == "n":
            if not 0 <= int(value) < MAX_NUMBER:
                raise CallbackDataError(f"{name}={value} out of range")
            fields.append(str(int(value)))
        elif shape == "cb":
            if parse(str(value)) is None:
                raise CallbackDataError("nested data does not parse")
            fields.append(str(value))
        else:
            if not _ID.match(str(value)):
                raise CallbackDataError(f"{name}={value!r} is not an id")
            fields.append(str(value))
    data = ":".join(fields)
    if len(data.encode()) > MAX_BYTES:
        raise CallbackDataError(f"{data!r} is over {MAX_BYTES} bytes")
    return data


def make(kind: str, **fields: str | int | bool) -> str:
    """Build button data, checked against the allowlist and the 64-byte limit."""
    return pack(Callback(kind, **fields))  # type: ignore[arg-type]


def parse(data: object) -> Callback | None:
    """Parse untrusted button data; None for anything not exactly in the allowlist."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    kind, _, rest = data.partition(":")
    spec = SPECS.get(kind)
    if spec is None:
        return None
    if spec and spec[-1][1] == "cb":
        parts = rest.split(":", len(spec) - 1) if rest else []
    else:
        parts = rest.split(":") if rest else []
        if not spec and data != kind:
            return None
    if len(parts) != len(spec):
        return None
    values: dict[str, str | int | bool] = {}
    for (name, shape), raw in zip(spec, parts, strict=True):
        if shape == "id":
            if not _ID.match(raw):
                return None
            values[name] = raw
        elif shape == "n":
            if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
                return None
            number = int(raw)
            if number >= MAX_NUMBER:
                return None
            values[name] = number
        elif shape == "on":
            if raw not in ("0", "1"):
                return None
            values[name] = raw == "1"
        else:  # nested action for after consent; never another consent prompt
            inner = parse(raw)
            if inner is None or inner.kind in ("y", "n"):
                return None
            values[name] = raw
    return Callback(kind, **values)  # type: ignore[arg-type]


def matches(*kinds: str) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern accepting only well-formed data of these kinds."""
    wanted = frozenset(kinds)

    def check(data: object) -> bool:
        cb = parse(data)
        return cb is not None and cb.kind in wanted

    return check
