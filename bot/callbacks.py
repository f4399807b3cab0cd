"""Typed callback data: each feature declares its own button types; this is the codec.

A button type is a frozen dataclass with a short prefix, declared in the feature that owns
it (in the spirit of aiogram's CallbackData):

    @dataclass(frozen=True)
    class ShowPage(CallbackData, prefix="s"):
        sid: str
        part: str
        page: int

`ShowPage("diagnosis", "", 0).pack()` gives "s:diagnosis::0" (checked against the 64-byte
limit); `ShowPage.unpack(data)` parses untrusted data against the field shapes below and
returns None for anything else; `ShowPage.matches` is the `pattern` for PTB's
CallbackQueryHandler. The wire format is the one release 0.1 used, so buttons already in
parents' chats keep working.

Field shapes, by annotation: `str` an id (a-z, 0-9, _; up to 24, may be empty), `int` a
whole number below 100,000,000, `bool` 0 or 1, `Nested` packed data of another type (last
field only). Data never carries a user id: handlers act for the user who tapped. Plain
strings, not PTB's arbitrary callback data, so buttons keep working after a restart.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import Any, ClassVar, NewType, Self, get_type_hints

MAX_BYTES = 64  # Telegram's limit for callback_data
MAX_NUMBER = 100_000_000
SEP = ":"
_ID = re.compile(r"^[a-z0-9_]{0,24}$")
_PREFIX = re.compile(r"^[a-z]{1,3}$")

# Packed callback data of another button type, carried along (a consent prompt's action).
Nested = NewType("Nested", str)


class CallbackDataError(ValueError):
    """Raised when building data that would not fit or does not match its field shapes."""


class CallbackData:
    """Base of every button type. Subclasses are frozen dataclasses with a prefix."""

    prefix: ClassVar[str]
    _shapes: ClassVar[tuple[tuple[str, str], ...]]

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.match(prefix):
            raise TypeError(f"{cls.__name__}: prefix must be 1-3 lowercase letters")
        cls.prefix = prefix

    @classmethod
    def shapes(cls) -> tuple[tuple[str, str], ...]:
        """(field name, shape) in order; computed once, after the dataclass is made."""
        cached = cls.__dict__.get("_shapes")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        hints = get_type_hints(cls)
        out: list[tuple[str, str]] = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            hint = hints[f.name]
            shape = (
                "cb"
                if hint is Nested
                else "on"
                if hint is bool
                else "n"
                if hint is int
                else "id"
                if hint is str
                else ""
            )
            if not shape:
                raise TypeError(f"{cls.__name__}.{f.name}: unsupported field type {hint!r}")
            out.append((f.name, shape))
        if any(shape == "cb" for _, shape in out[:-1]):
            raise TypeError(f"{cls.__name__}: only the last field may be Nested")
        cls._shapes = tuple(out)
        return cls._shapes

    def pack(self) -> str:
        """The callback_data string; raises CallbackDataError if it breaks a rule."""
        fields = [self.prefix]
        for name, shape in self.shapes():
            value = getattr(self, name)
            if shape == "on":
                fields.append("1" if value else "0")
            elif shape == "n":
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_NUMBER:
                    raise CallbackDataError(f"{name}={value!r} out of range")
                fields.append(str(value))
            elif shape == "cb":
                if (
                    not isinstance(value, str)
                    or not value
                    or value.startswith(self.prefix + SEP)
                    or value == self.prefix
                ):
                    raise CallbackDataError(f"{name}: nested data must be another type's data")
                fields.append(value)
            else:
                if not isinstance(value, str) or not _ID.match(value):
                    raise CallbackDataError(f"{name}={value!r} is not an id")
                fields.append(value)
        data = SEP.join(fields)
        if len(data.encode()) > MAX_BYTES:
            raise CallbackDataError(f"{data!r} is over {MAX_BYTES} bytes")
        return data

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        """Parse untrusted data; None unless it is exactly this type's shape."""
        return _unpack(cls, data)  # type: ignore[return-value]

    @classmethod
    def matches(cls, data: object) -> bool:
        """The `pattern` for a CallbackQueryHandler: only well-formed data of this type."""
        return _unpack(cls, data) is not None


@lru_cache(maxsize=8192)
def _unpack_cached(cls: Any, data: str) -> CallbackData | None:
    prefix, sep, rest = data.partition(SEP)
    if prefix != cls.prefix:
        return None
    shapes = cls.shapes()
    if not shapes:
        empty: CallbackData = cls()
        return empty if not sep else None
    if not sep:
        return None
    nested = shapes[-1][1] == "cb"
    parts = rest.split(SEP, len(shapes) - 1) if nested else rest.split(SEP)
    if len(parts) != len(shapes):
        return None
    values: dict[str, object] = {}
    for (name, shape), raw in zip(shapes, parts, strict=True):
        if shape == "id":
            if not _ID.match(raw):
                return None
            values[name] = raw
        elif shape == "n":
            if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) >= MAX_NUMBER:
                return None
            values[name] = int(raw)
        elif shape == "on":
            if raw not in ("0", "1"):
                return None
            values[name] = raw == "1"
        else:  # nested: checked by whoever carries it out (it is dispatched like a tap)
            if not raw or raw.partition(SEP)[0] == cls.prefix:
                return None
            values[name] = Nested(raw)
    made: CallbackData = cls(**values)
    return made


def _unpack(cls: type[CallbackData], data: object) -> CallbackData | None:
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    kind: Any = cls  # classes are hashable; mypy sees the instances' __hash__
    return _unpack_cached(kind, data)
