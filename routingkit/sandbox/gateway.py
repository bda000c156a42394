"""What sits in front of every endpoint, as the real platform does it.

OAuth client-credentials tokens, the bearer check, per-token rate limiting with the
``inin-ratelimit-*`` headers, ``ININ-Correlation-Id`` on every response, and deterministic fault
injection. Implemented as one ASGI middleware so that faults can drop a connection mid-response.
The sandbox's own guards sit here too: the Host check against DNS rebinding, and the admin
secret that alone opens /sandbox/admin/*.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fnmatch
import hashlib
import ipaddress
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import (
    ADMIN_SECRET_HEADER,
    FAULT_KINDS,
    MAX_FAULT_DELAY_MS,
    MAX_RETRY_AFTER_SECONDS,
    FaultRule,
    SandboxConfig,
    is_loopback,
)
from .errors import DEFAULT_CODES, error_body

# The rate limiter's bucket for admin requests; no token can collide with it (tokens are
# URL-safe base64, without a colon).
_ADMIN_BUCKET = ":admin"


@dataclass
class Token:
    client_id: str
    expires_at: float


class TokenIssuer:
    """Client-credentials tokens held in memory, as opaque random strings."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def issue(self, client_id: str) -> tuple[str, int]:
        token = secrets.token_urlsafe(48)
        ttl = int(self.config.token_ttl_seconds)
        with self._lock:
            now = time.monotonic()
            # forget expired tokens so memory stays bounded
            for key in [k for k, t in self._tokens.items() if t.expires_at <= now]:
                del self._tokens[key]
            self._tokens[token] = Token(client_id, now + ttl)
        return token, ttl

    def check(self, token: str) -> Token | None:
        with self._lock:
            found = self._tokens.get(token)
        if found is None or found.expires_at <= time.monotonic():
            return None
        return found

    def expire_all(self) -> int:
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
        return count


class RateLimiter:
    """Fixed windows (a minute by default) per token, like the platform's request budget."""

    def __init__(self, per_minute: int, window_seconds: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window_seconds
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, token: str) -> tuple[bool, int, int]:
        """(allowed, count in window, seconds until the window resets)."""
        now = time.monotonic()
        with self._lock:
            if len(self._windows) > 10_000:  # forget windows that have long ended
                self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window}
            start, count = self._windows.get(token, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self._windows[token] = (start, count)
        reset = max(1, int(self.window - (now - start) + 0.999))
        return count <= self.per_minute, count, reset


class FaultInjector:
    """Decides, deterministically from the seed and the request's ordinal, which requests fail."""

    def __init__(self, seed: int, rules: list[FaultRule]) -> None:
        self._lock = threading.Lock()
        self.configure(seed, rules)

    def configure(self, seed: int, rules: list[FaultRule]) -> None:
        for rule in rules:
            unknown = [k for k in rule.kinds if k not in FAULT_KINDS]
            if unknown or not rule.kinds:
                known = ", ".join(FAULT_KINDS)
                raise ValueError(
                    f"fault kinds {unknown or '[]'} not understood; use some of {known}"
                )
            if not 0.0 <= rule.rate <= 1.0:
                raise ValueError(f"fault rate {rule.rate} must lie in [0, 1]")
            if not 0 <= rule.delay_ms <= MAX_FAULT_DELAY_MS:
                raise ValueError(
                    f"fault delay_ms {rule.delay_ms} must lie in [0, {MAX_FAULT_DELAY_MS}] "
                    "(at most a minute)"
                )
            if not 0 <= rule.retry_after_seconds <= MAX_RETRY_AFTER_SECONDS:
                raise ValueError(
                    f"fault retry_after_seconds {rule.retry_after_seconds} must lie in "
                    f"[0, {MAX_RETRY_AFTER_SECONDS}]"
                )
        with self._lock:
            self.seed = seed
            self.rules = list(rules)
            self._counters = [0] * len(rules)
            self.injected = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "injected": self.injected,
            "rules": [
                {
                    "pattern": r.pattern,
                    "rate": r.rate,
                    "kinds": list(r.kinds),
                    "delayMs": r.delay_ms,
                    "retryAfterSeconds": r.retry_after_seconds,
                }
                for r in self.rules
            ],
        }

    def decide(self, method: str, path: str) -> tuple[str, FaultRule] | None:
        target = f"{method} {path}"
        with self._lock:
            for i, rule in enumerate(self.rules):
                if rule.rate <= 0 or not (
                    fnmatch.fnmatchcase(path, rule.pattern)
                    or fnmatch.fnmatchcase(target, rule.pattern)
                ):
                    continue
                ordinal = self._counters[i]
                self._counters[i] += 1
                digest = hashlib.blake2b(
                    f"{self.seed}/{i}/{ordinal}".encode(), digest_size=16
                ).digest()
                u = int.from_bytes(digest[:8], "big") / 2**64
                if u >= rule.rate:
                    return None
                kind = rule.kinds[int.from_bytes(digest[8:], "big") % len(rule.kinds)]
                self.injected += 1
                return kind, rule
        return None


class _Reply(Protocol):
    async def __call__(
        self, status: int, code: str, message: str, more: list[tuple[bytes, bytes]] | None = None
    ) -> None: ...


def _json_response_parts(
    status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> tuple[Message, Message]:
    payload = json.dumps(body).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            *headers,
        ],
    }
    return start, {"type": "http.response.body", "body": payload}


class Gateway:
    """ASGI middleware: Host check, correlation id, token endpoint, bearer or admin-secret check,
    rate limit, faults.

    ``begin_shutdown()`` (called on the server's event loop when it starts to stop) ends every
    injected delay at once, so that a stopping server never waits one out.
    """

    def __init__(
        self,
        app: ASGIApp,
        config: SandboxConfig,
        tokens: TokenIssuer,
        limiter: RateLimiter,
        faults: FaultInjector,
    ) -> None:
        self.app = app
        self.config = config
        self.tokens = tokens
        self.limiter = limiter
        self.faults = faults
        self._stopping = asyncio.Event()

    def begin_shutdown(self) -> None:
        """Release every request held by a delay fault (call on the server's event loop)."""
        self._stopping.set()

    async def _hold(self, seconds: float) -> bool:
        """Wait ``seconds``, or less if the server starts to stop; True if cut short."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = str(uuid.uuid4())
        extra: list[tuple[bytes, bytes]] = [(b"inin-correlation-id", correlation.encode())]
        path: str = scope["path"]
        method: str = scope["method"]

        async def reply(
            status: int, code: str, message: str, more: list[tuple[bytes, bytes]] | None = None
        ) -> None:
            start, body = _json_response_parts(
                status, error_body(status, code, message, correlation), extra + (more or [])
            )
            await send(start)
            await send(body)

        host = _header(scope, b"host")
        if not host_allowed(host, self.config):
            # A browser page whose name was re-pointed at 127.0.0.1 (DNS rebinding) would
            # otherwise log in with the public default secret and read or change the org.
            await reply(
                421,
                "misdirected.request",
                f"This sandbox does not serve the host {host!r}: address it as localhost, a "
                f"loopback address or {self.config.host}, or start it with --allowed-host NAME "
                "(SandboxConfig.allowed_hosts) to serve another name",
            )
            return

        if path == "/oauth/token":
            await self._token(scope, receive, send, correlation, extra)
            return

        if not (path.startswith("/api/v2/") or path.startswith("/sandbox/")):
            await reply(404, "not.found", f"No resource at {path}")
            return

        token = _bearer(scope)
        if path.startswith("/sandbox/"):
            await self._admin(scope, receive, send, token, reply, extra, correlation)
            return

        granted = self.tokens.check(token) if token is not None else None
        if token is None or granted is None:
            code = "authentication.required" if token is None else "bad.credentials"
            message = (
                "Authentication required: send Authorization: Bearer <token> from POST /oauth/token"
                if token is None
                else "Invalid login credentials: the token is unknown or has expired"
            )
            await reply(401, code, message)
            return

        if not await self._within_rate_limit(token, reply, extra):
            return
        fault = self.faults.decide(method, path)
        if fault is not None:
            kind, rule = fault
            if kind == "delay":
                if await self._hold(rule.delay_ms / 1000.0):
                    await reply(
                        503,
                        "service.unavailable",
                        "The sandbox is shutting down; retry against a running org",
                    )
                    return
            elif kind == "drop":
                await self._drop(send, extra)
                return
            elif kind == "drop_after":
                scope.setdefault("state", {})
                scope["state"]["correlation_id"] = correlation
                scope["state"]["client_id"] = granted.client_id

                async def swallow(message: Message) -> None:
                    return None

                await self.app(scope, receive, swallow)
                await self._drop(send, extra)
                return
            else:
                status = int(kind)
                more = []
                if status == 429:
                    more = [(b"retry-after", str(rule.retry_after_seconds).encode())]
                messages = {
                    429: "Rate limit exceeded (injected fault); retry after the given seconds",
                    500: "The server encountered an unexpected error (injected fault)",
                    503: "Service unavailable (injected fault)",
                    504: "The request timed out (injected fault)",
                }
                await reply(status, DEFAULT_CODES[status], messages[status], more)
                return

        await self._forward(scope, receive, send, extra, correlation, granted.client_id)

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        extra: list[tuple[bytes, bytes]],
        correlation: str,
        client_id: str,
    ) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        scope.setdefault("state", {})
        scope["state"]["correlation_id"] = correlation
        scope["state"]["client_id"] = client_id
        await self.app(scope, receive, send_with_headers)

    async def _within_rate_limit(
        self, bucket: str, reply: _Reply, extra: list[tuple[bytes, bytes]]
    ) -> bool:
        """Count the request in ``bucket``'s window; answer 429 and return False past the limit."""
        allowed, count, reset = self.limiter.hit(bucket)
        extra += [
            (b"inin-ratelimit-allowed", str(self.limiter.per_minute).encode()),
            (b"inin-ratelimit-count", str(count).encode()),
            (b"inin-ratelimit-reset", str(reset).encode()),
        ]
        if not allowed:
            await reply(
                429,
                "too.many.requests.retry.after",
                f"Rate limit exceeded the maximum of {self.limiter.per_minute} requests "
                f"per minute; retry after {reset} seconds",
                [(b"retry-after", str(reset).encode())],
            )
        return allowed

    async def _admin(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        token: str | None,
        reply: _Reply,
        extra: list[tuple[bytes, bytes]],
        correlation: str,
    ) -> None:
        """/sandbox/admin/*: the admin secret, never an API token, and a rate limit of its own."""
        offered = _header(scope, ADMIN_SECRET_HEADER.lower().encode())
        if offered is None:
            where = (
                f"send the sandbox's admin secret in the {ADMIN_SECRET_HEADER} header "
                "(in Python: SandboxServer.admin(); `routingkit sandbox serve` names the file "
                "that holds it)"
            )
            if token is not None and self.tokens.check(token) is not None:
                await reply(
                    403,
                    "missing.permissions",
                    f"An API token cannot use the sandbox's admin endpoints: {where}",
                )
            else:
                await reply(401, "authentication.required", f"Authentication required: {where}")
            return
        if not secrets.compare_digest(offered.encode(), self.config.admin_secret.encode()):
            await reply(
                401,
                "bad.credentials",
                f"The {ADMIN_SECRET_HEADER} header does not hold this sandbox's admin secret",
            )
            return
        if not await self._within_rate_limit(_ADMIN_BUCKET, reply, extra):
            return
        await self._forward(scope, receive, send, extra, correlation, "sandbox-admin")

    async def _drop(self, send: Send, extra: list[tuple[bytes, bytes]]) -> None:
        """Start a response and close the connection before the promised body arrives."""
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"4096"),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b'{"entities": [', "more_body": True})
        raise ConnectionAbortedError("sandbox fault injection: connection dropped mid-response")

    async def _token(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        correlation: str,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break

        async def answer(status: int, payload: dict[str, Any]) -> None:
            start, msg = _json_response_parts(status, payload, extra)
            await send(start)
            await send(msg)

        if scope["method"] != "POST":
            await answer(405, error_body(405, "method.not.allowed", "Use POST", correlation))
            return
        form = {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()}
        client_id, secret = _basic(scope)
        if client_id is None:  # the form may carry credentials instead of Basic auth
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if form.get("grant_type") != "client_credentials":
            await answer(
                400,
                {
                    "error": "unsupported_grant_type",
                    "description": "grant_type must be client_credentials",
                    "error_description": "grant_type must be client_credentials",
                },
            )
            return
        if not (
            client_id is not None
            and secret is not None
            and secrets.compare_digest(client_id.encode(), self.config.client_id.encode())
            and secrets.compare_digest(secret.encode(), self.config.client_secret.encode())
        ):
            await answer(
                400,
                {
                    "error": "invalid_client",
                    "description": "client not found",
                    "error_description": "client not found",
                },
            )
            return
        token, ttl = self.tokens.issue(client_id)
        await answer(200, {"access_token": token, "token_type": "bearer", "expires_in": ttl})


def host_allowed(host: str | None, config: SandboxConfig) -> bool:
    """Whether a request's Host header names this sandbox.

    Loopback names and addresses, ``config.host`` and ``config.allowed_hosts`` are; a bare IP
    address is too when the sandbox listens on every interface (``0.0.0.0``, ``::``), since an
    address, unlike a name, cannot be re-pointed by DNS. A missing Host is not.
    """
    name = _host_name(host or "")
    if not name:
        return False
    if is_loopback(name) or name == _host_name(config.host):
        return True
    if name in {_host_name(h) for h in config.allowed_hosts}:
        return True
    return _address(_host_name(config.host)) in _EVERY_INTERFACE and _address(name) is not None


def _host_name(value: str) -> str:
    """The name or address in a Host header (or a configured host), without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end > 0 else ""
    if value.count(":") > 1:  # a bare IPv6 address, as in a configured host
        return value
    return value.partition(":")[0].rstrip(".")


_EVERY_INTERFACE = (ipaddress.ip_address("0.0.0.0"), ipaddress.ip_address("::"))


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _basic(scope: Scope) -> tuple[str | None, str | None]:
    value = _header(scope, b"authorization")
    if not value:
        return None, None
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else (None, None)
