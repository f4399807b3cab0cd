"""The family feature's button types (prefix f*). Data never carries a user id or an
invitation's token: a member is named by their place in the list and a check of who is
there, an invitation by its row id, and each tap is authorised against the tapper's own
membership."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from bot.callbacks import MAX_NUMBER, CallbackData
from handlers.common import ShowFamily

__all__ = ["ShowFamily"]

ROLE_CODES = {1: "full", 2: "helper"}  # the role as it travels in button data


def check_of(user_id: int) -> int:
    """A short check that the member at a list position is still the one the button named."""
    return zlib.crc32(str(user_id).encode()) % MAX_NUMBER


@dataclass(frozen=True)
class SetNotices(CallbackData, prefix="fn"):
    on: bool


@dataclass(frozen=True)
class AskName(CallbackData, prefix="fa"):
    """Type my name in the family."""


@dataclass(frozen=True)
class ChooseRole(CallbackData, prefix="fi"):
    """Invite someone: full member or helper first (role 0: the question)."""

    role: int = 0


@dataclass(frozen=True)
class MakeLink(CallbackData, prefix="fl"):
    role: int


@dataclass(frozen=True)
class PickPerson(CallbackData, prefix="fp"):
    role: int


@dataclass(frozen=True)
class StopLink(CallbackData, prefix="fr"):
    invite: int


@dataclass(frozen=True)
class Decide(CallbackData, prefix="fy"):
    """A full member lets the person who opened the link in (yes) or not."""

    invite: int
    yes: bool


@dataclass(frozen=True)
class Answer(CallbackData, prefix="fj"):
    """The invited person: join (yes) or no thanks."""

    invite: int
    yes: bool


@dataclass(frozen=True)
class Bring(CallbackData, prefix="fb"):
    """What to bring when joining: bits 1 questions, 2 appointments, 4 numbers; `go` joins."""

    invite: int
    mask: int
    go: bool = False


@dataclass(frozen=True)
class OpenMember(CallbackData, prefix="fo"):
    n: int
    check: int


@dataclass(frozen=True)
class SetRole(CallbackData, prefix="fs"):
    n: int
    check: int
    role: int


@dataclass(frozen=True)
class RemoveMember(CallbackData, prefix="fx"):
    n: int
    check: int
    sure: bool = False


@dataclass(frozen=True)
class Leave(CallbackData, prefix="fq"):
    sure: bool = False


@dataclass(frozen=True)
class Erase(CallbackData, prefix="fe"):
    """Erase the shared record: ask (sure 0), agree (sure 1)."""

    sure: bool = False


@dataclass(frozen=True)
class KeepRecord(CallbackData, prefix="fu"):
    """Undo a pending erase."""
