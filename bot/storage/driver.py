"""What the repositories need from a database, and nothing more: `one`, `all`, `value`,
`write`, and a transaction scoped to one owner (the care circle whose rows it writes, on
behalf of one of its members).

SQL is written once, in what SQLite 3.40 and PostgreSQL 15 both speak, with named
parameters (`:user`, `:now`). Each driver runs it in its own way: SQLite takes the names as
they are; PostgreSQL's are rewritten to `$1, $2…` once per statement and cached
(`positional`). The few words the two spell differently are `{placeholders}` filled per
driver when a statement is first seen (`DIALECT` in each driver): `{seq}` is the insertion
order of a table without an id of its own; `{id}` an id column that numbers itself (used in
migrations); `{lock}` locks the rows read until the transaction ends (PostgreSQL's FOR
UPDATE; SQLite's one writer needs none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from typing import Any, Protocol

from bot.storage.interface import LimitReached, NoConsent


class Row(Protocol):
    def __getitem__(self, key: str | int) -> Any: ...


class Queries(Protocol):
    """Reads and writes; a driver answers them on its own connection or pool, a transaction
    on the connection it holds."""

    async def one(self, sql: str, **params: Any) -> Row | None: ...
    async def all(self, sql: str, **params: Any) -> list[Row]: ...
    async def value(self, sql: str, **params: Any) -> Any:
        """The first column of the first row (None when there is none)."""
        ...

    async def write(self, sql: str, **params: Any) -> int:
        """Rows changed."""
        ...


class Transaction(Queries, Protocol):
    async def script(self, sql: str) -> None:
        """Several statements (a migration), inside this transaction."""
        ...


class Driver(Queries, Protocol):
    name: str  # "sqlite" or "postgres"
    shared: bool  # True when several bot processes may use the database at once
    clock: Callable[[], float]
    latency: Callable[[float], None] | None  # told the seconds of each call (metrics)

    async def returning(self, sql: str, **params: Any) -> list[Row]:
        """One writing statement with RETURNING, committed on its own: the rows it wrote."""
        ...

    async def as_owner(
        self, circle: int, by: int, sql: str, *, consent: bool = True, **params: Any
    ) -> list[Row]:
        """One writing statement with RETURNING (parameters `:circle` and `:by` given) that
        must see no other write to the circle between its checks and its change (a "room
        left?" guard in its WHERE), whichever member makes it: the rows it wrote. SQLite:
        one statement under the process's write lock (one trip; the statement itself must
        check membership, MEMBER); PostgreSQL: in `owner(circle, by, consent=…)` (the
        circle's row locked, NoConsent raised there)."""
        ...

    def migrating(self) -> AbstractAsyncContextManager[Transaction]:
        """A transaction no other process migrates beside (bot.storage.schema)."""
        ...

    async def older_processes(self, tx: Queries, schema: int) -> list[int]:
        """The schema versions of other bot processes using the database whose code is
        older than `schema` (one per connection)."""
        ...

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None:
        """Raises when a write would not be kept (unreachable, the file gone, disk full)."""
        ...

    def owner(
        self, circle: int, by: int, *, consent: bool = True
    ) -> AbstractAsyncContextManager[Transaction]:
        """A transaction holding the circle's write lock (SQLite: the process's write lock
        and BEGIN IMMEDIATE; PostgreSQL: the circles row FOR UPDATE), so two members writing
        at once, in any process, take turns. With `consent`, NoConsent is raised inside
        unless `by` is a member of it (members agreed to storage; a removed one is not).
        Every multi-step write of a circle (a "room left?" check and its insert) runs in one."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A transaction that is nobody's in particular (erasing a user, migrations)."""
        ...

    async def erased(self) -> None:
        """After rows were erased: make sure their text leaves the files too (SQLite pushes
        its write-ahead log back; PostgreSQL's deleted rows are unreadable at once)."""
        ...

    async def integrity(self) -> str:
        """ "ok", or what is wrong."""
        ...


CONSENTED = "SELECT 1 FROM users WHERE user_id=:user AND consent_at IS NOT NULL"
# The guard of every write to a circle's record: `:by` is a member of circle `:circle` now
# (a member agreed to storage; circle 0, nobody's, has none).
MEMBER = "SELECT 1 FROM members WHERE user_id=:by AND circle_id=:circle"


async def limit_or_consent(db: Queries, circle: int, by: int) -> Exception:
    """Why a guarded insert (membership and room left) wrote nothing: NoConsent, else
    LimitReached. Read only then, so the usual save costs one statement."""
    if await db.value(MEMBER, circle=circle, by=by) is None:
        return NoConsent(by)
    return LimitReached(by)


_NAME = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def dialect(sql: str, words: Mapping[str, str]) -> str:
    """The statement with this driver's spelling of `{seq}`, `{id}`… (braces elsewhere are
    not used in our SQL)."""
    return sql.format_map(words) if "{" in sql else sql


@lru_cache(maxsize=1024)
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters as `$1, $2…` (PostgreSQL), and the names in that order; a name
    used twice keeps one number. Statements are the code's own constants, so the cache is
    bounded by the code, never by what a parent types."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _NAME.sub(number, sql), tuple(names)
