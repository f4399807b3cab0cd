"""What an operator watches (prometheus-client): updates by kind, handling time, Bot API calls
by method and outcome, 429s, database time. Served at `/metrics` on the webhook server.

Labels are fixed, small sets (update kinds, Bot API method names, outcome classes): never a
chat, a user or any text a parent typed.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from telegram.request import BaseRequest, RequestData

__all__ = ["CONTENT_TYPE", "MeteredRequest", "Metrics", "update_kind"]

_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
)
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


def update_kind(update: object) -> str:
    if isinstance(update, Update):
        for kind in _KINDS:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


class Metrics:
    """One registry per Application (tests build many; the default registry is global)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("bot_updates", "Updates handled, by kind", ["kind"], registry=r)
        self.duplicates = Counter(
            "bot_updates_duplicate", "Webhook re-posts of an update already handled", registry=r
        )
        self.failures = Counter(
            "bot_updates_failed", "Updates whose handling raised past the error handler", registry=r
        )
        self.handling = Histogram(
            "bot_update_seconds",
            "From receiving an update to the end of its handling",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.api_calls = Counter(
            "bot_api_calls", "Bot API calls, by method and outcome", ["method", "outcome"], registry=r
        )
        self.rate_limited = Counter(
            "bot_api_rate_limited", "429 answers from the Bot API, by method", ["method"], registry=r
        )
        self.database = Histogram(
            "bot_database_seconds", "Time of each database call", buckets=_DB_BUCKETS, registry=r
        )
        self.last_update_at = Gauge(
            "bot_last_update_timestamp_seconds", "When the last update was received (Unix time)", registry=r
        )
        self.last_update: float | None = None  # monotonic, for /healthz
        # Labelled children by label values: `labels()` takes a lock and builds a key on
        # every call, and these are counted several times per update.
        self._kinds: dict[str, Any] = {}
        self._calls: dict[tuple[str, str], Any] = {}

    def received(self, update: object) -> None:
        kind = update_kind(update)
        child = self._kinds.get(kind)
        if child is None:
            child = self._kinds[kind] = self.updates.labels(kind)
        child.inc()
        self.last_update = time.monotonic()
        self.last_update_at.set(time.time())

    def seconds_since_update(self) -> float | None:
        return None if self.last_update is None else time.monotonic() - self.last_update

    def api_call(self, method: str, outcome: str) -> None:
        child = self._calls.get((method, outcome))
        if child is None:
            child = self._calls[(method, outcome)] = self.api_calls.labels(method, outcome)
        child.inc()
        if outcome == "429":
            self.rate_limited.labels(method).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _outcome(status: int) -> str:
    if status == 200:
        return "ok"
    if status == 429:
        return "429"
    return f"{status // 100}xx"


class MeteredRequest(BaseRequest):
    """Counts every Bot API call by method and outcome, around any other BaseRequest."""

    def __init__(self, inner: BaseRequest, metrics: Metrics):
        self.inner = inner
        self.metrics = metrics

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1] or "unknown"
        try:
            status, payload = await self.inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except Exception as exc:
            self.metrics.api_call(api_method, exc.__class__.__name__)
            raise
        self.metrics.api_call(api_method, _outcome(status))
        return status, payload
