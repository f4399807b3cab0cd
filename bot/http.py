"""The bot's Bot API calls over aiohttp (PTB's `BaseRequest` extension point).

With many calls in flight, PTB's default client (httpx) spends most of the bot's CPU in
its connection-pool bookkeeping: httpcore rescans the queued requests against its
connections on every request (50-70% of the CPU in a profile). On `scripts/bench.py --http`
(100 ms round trip, loopback) this bot used 15 ms of CPU per update with httpx and 5.4 ms
with this class, and handled 67 against 166 updates/s. Long polling keeps PTB's
HTTPXRequest: it is one request at a time.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Sends Bot API calls with one aiohttp session; timeouts and errors mapped as PTB's own.

    Timeouts: `connect` and `read` as in HTTPXRequest; `pool` is how long a call may wait
    for a free connection (then TimedOut, and the call was not sent); aiohttp has no
    separate write timeout, so an upload is bounded by `media_timeout` overall.
    """

    def __init__(
        self,
        pool_size: int = 256,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_timeout: float | None = 20.0,
    ):
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_timeout = media_timeout
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # limit=0: the semaphore below is the pool limit, so waiting for a connection
            # has a timeout of its own (aiohttp would queue the call without one).
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
            # Not trust_env: aiohttp then reads the proxy settings and ~/.netrc again, in a
            # thread, on every request. The proxy is looked up once per host instead.
            self._session = aiohttp.ClientSession(connector=connector)
            self._slots = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

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
        session, slots = self._session, self._slots
        if session is None or session.closed or slots is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = _seconds(read_timeout, self._read_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        total = self._media_timeout if files else None
        write = _seconds(write_timeout, None)
        if write is not None and files:
            total = write + (read or 0)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        # The same encoding as PTB's HTTPXRequest: a form, multipart when there are files.
        fields = request_data.json_parameters if request_data else {}
        body: aiohttp.FormData | dict[str, str] = fields
        if files:
            body = aiohttp.FormData(quote_fields=False)
            for name, value in fields.items():
                body.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                data = content if isinstance(content, bytes) else content.read()
                body.add_field(name, data, filename=filename, content_type=mimetype)

        if not slots.locked():
            await slots.acquire()  # no wait_for (and its task) when a connection is free
        else:
            try:
                await asyncio.wait_for(slots.acquire(), pool)
            except TimeoutError:
                raise TimedOut(
                    "Pool timeout: all connections are busy; the request was not sent to Telegram"
                ) from None
        try:
            async with session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                proxy=self._proxy(url),
                headers={"User-Agent": self.USER_AGENT},
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # The class name helps when the message is empty (e.g. a dropped connection).
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        finally:
            slots.release()

    def _proxy(self, url: str) -> str | None:
        """HTTPS_PROXY / HTTP_PROXY unless NO_PROXY covers the host, as PTB's default client."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxy = getproxies().get(parts.scheme)
            self._proxies[key] = None if not proxy or proxy_bypass(key[1]) else proxy
        return self._proxies[key]


# PTB passes BaseRequest.DEFAULT_NONE (or another of its default markers) when the caller
# set no timeout; its class is not public, so it is recognised through the public constant.
_DEFAULT = type(BaseRequest.DEFAULT_NONE)


def _seconds(value: object, default: float | None) -> float | None:
    """A timeout PTB passed: the request's own default when the caller set none."""
    if isinstance(value, _DEFAULT):
        return default
    return float(value) if isinstance(value, int | float) else None
