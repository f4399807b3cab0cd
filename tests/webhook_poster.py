"""Posting webhooks the way Telegram does, for tests and the replica benchmark.

Telegram posts a chat's next update only after its previous one was answered 200; posts that
fail (connection refused or reset, a timeout, any other status) are posted again, here to the
next replica in turn, as a load balancer would send them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import aiohttp

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Telegram:
    def __init__(self, ports: list[int], secret: str, attempts: int = 20):
        self.ports = ports
        self.secret = secret
        self.attempts = attempts
        self.turn = 0
        self.answered = 0
        self.posts: Counter[int] = Counter()  # update_id -> posts made
        self.answered_by: dict[int, int] = {}  # update_id -> port that answered 200
        self.latency: dict[int, float] = {}  # update_id -> first post to its 200
        self.dead: set[int] = set()
        self.in_flight: Counter[int] = Counter()  # port -> posts not yet answered
        self.in_flight_at_kill = 0

    async def post(self, session: aiohttp.ClientSession, port: int, update: dict[str, Any]) -> int:
        self.posts[update["update_id"]] += 1
        self.in_flight[port] += 1
        try:
            async with session.post(
                f"http://127.0.0.1:{port}/telegram",
                data=json.dumps(update),
                headers={SECRET_HEADER: self.secret, "Content-Type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=60),
            ) as response:
                return response.status
        finally:
            self.in_flight[port] -= 1

    async def deliver(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        started = time.perf_counter()
        for _attempt in range(self.attempts):
            port = self.ports[self.turn % len(self.ports)]
            self.turn += 1
            if port in self.dead:
                continue
            try:
                status = await self.post(session, port, update)
            except (TimeoutError, aiohttp.ClientError):
                status = 0
            if status == 200:
                self.answered_by[update["update_id"]] = port
                self.latency[update["update_id"]] = time.perf_counter() - started
                self.answered += 1
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"update {update['update_id']} was never answered")

    async def chat(self, session: aiohttp.ClientSession, updates: list[dict[str, Any]]) -> None:
        """One chat's updates, each after the last was answered."""
        for update in updates:
            await self.deliver(session, update)

    def kill(self, port: int) -> None:
        """Note that the replica on `port` is gone (posts go to the others)."""
        self.in_flight_at_kill = self.in_flight[port]
        self.dead.add(port)
