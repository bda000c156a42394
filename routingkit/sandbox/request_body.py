"""Reading a request's JSON body: bounded in size and time, decoded strictly.

Every endpoint that takes a body reads it here, first, before it looks at the store: so a
malformed document is a 4xx by construction, and a client that stalls mid-body holds nothing
(no transaction is open while the body arrives). What is refused, and with what:

- a content type other than JSON: 415 ``unsupported.media.type`` (a missing type is read as
  JSON, as curl and the SDKs' bodiless calls send none);
- more than :data:`MAX_BODY_BYTES`: 413 ``request.entity.too.large``;
- a body that has not arrived within :data:`BODY_TIMEOUT_SECONDS`: 408 ``request.timeout``;
- bytes that are not UTF-8, text that is not one JSON document, NaN or infinite numbers, lone
  surrogates, integers outside Java's ``long``, nesting deeper than :data:`MAX_DEPTH`: 400
  ``bad.request`` naming where.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from pydantic_core import from_json
from starlette.requests import ClientDisconnect, Request

from .errors import ApiError, bad_request, field_path

# The sandbox's choice: the platform's exact limit is unconfirmed. 1 MiB holds the largest real
# bodies (a queue with every setting, 100 members, a 100-predicate analytics filter) many times.
MAX_BODY_BYTES = 1_048_576
# A whole body must arrive within this; on loopback a 1 MiB body takes milliseconds.
BODY_TIMEOUT_SECONDS = 5.0
# The deepest real bodies (a bullseye ring's skillsToRemove, an analytics clause) nest 7 levels.
MAX_DEPTH = 32
# After answering 413, read and discard at most this much more, so the client sees the answer
# instead of a connection reset (closing a socket with unread data sends RST).
_DRAIN_BYTES = 64 * MAX_BODY_BYTES
_LONG = 2**63  # the platform binds JSON integers to Java's long

_JSON_TYPES = ("application/json",)


def _too_large(size: int | None) -> ApiError:
    got = f" ({size:,} bytes)" if size is not None else ""
    return ApiError(
        413,
        f"The request body is larger than the sandbox's limit of {MAX_BODY_BYTES:,} bytes{got}",
        "request.entity.too.large",
    )


def _check_content_type(request: Request) -> None:
    raw = request.headers.get("content-type")
    if raw is None:
        return
    mime, _, params = raw.partition(";")
    mime = mime.strip().lower()
    if mime not in _JSON_TYPES and not (mime.startswith("application/") and mime.endswith("+json")):
        raise ApiError(
            415,
            f"Content-Type {raw!r} is not supported; send the body as application/json",
            "unsupported.media.type",
        )
    for param in params.split(";"):
        key, _, value = param.partition("=")
        charset = value.strip().strip('"').lower()
        if key.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise ApiError(
                415,
                f"charset {value.strip()!r} is not supported; send the body as UTF-8",
                "unsupported.media.type",
            )


class _Body:
    """The request's body stream, read chunk by chunk against one deadline."""

    def __init__(self, request: Request) -> None:
        self._chunks = request.stream().__aiter__()
        self._loop = asyncio.get_running_loop()
        self._deadline = self._loop.time() + BODY_TIMEOUT_SECONDS

    async def next(self) -> bytes | None:
        """The next chunk; None at the end. 408 past the deadline, 400 if the client left."""
        try:
            return await asyncio.wait_for(
                self._chunks.__anext__(), max(0.0, self._deadline - self._loop.time())
            )
        except StopAsyncIteration:
            return None
        except asyncio.TimeoutError:
            raise ApiError(
                408,
                f"The request body did not arrive within {BODY_TIMEOUT_SECONDS:g} seconds",
                "request.timeout",
            ) from None
        except ClientDisconnect:
            raise ApiError(
                400, "The client closed the connection before sending the body"
            ) from None

    async def discard_rest(self) -> None:
        """Read and drop what is left (bounded), so the client gets to read our answer."""
        drained = 0
        try:
            while drained < _DRAIN_BYTES:
                chunk = await self.next()
                if chunk is None:
                    return
                drained += len(chunk)
        except ApiError:
            return


async def read_bytes(request: Request) -> bytes:
    """The raw body, at most :data:`MAX_BODY_BYTES`, within :data:`BODY_TIMEOUT_SECONDS`."""
    body = _Body(request)
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, f"Content-Length {declared[:40]!r} is not a number of bytes")
        if int(declared) > MAX_BODY_BYTES:
            await body.discard_rest()
            raise _too_large(int(declared))
    chunks: list[bytes] = []
    size = 0
    while (chunk := await body.next()) is not None:
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            await body.discard_rest()
            raise _too_large(None)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_values(document: Any) -> None:
    """Depth, integer range and finite numbers, walked without recursion."""
    stack: list[tuple[Any, list[str | int]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise ApiError(
                400, f"The request body nests deeper than {MAX_DEPTH} levels at {field_path(path)}"
            )
        if isinstance(value, dict):
            stack.extend((v, [*path, k]) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, [*path, i]) for i, v in enumerate(value))
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        elif isinstance(value, int) and not -_LONG <= value < _LONG:
            where = field_path(path)
            raise bad_request(f"{where}: the number is too large for a 64-bit integer", where)
        elif isinstance(value, float) and not math.isfinite(value):
            where = field_path(path)
            raise bad_request(f"{where}: the number is too large for a double", where)


def decode_json(raw: bytes) -> Any:
    """One JSON document from UTF-8 bytes, or a 400 saying what is wrong and where."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400,
            f"The request body is not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}",
        ) from None
    try:
        document = from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None
    _check_values(document)
    return document


async def read_json(request: Request, *, allow_empty: bool = False) -> Any:
    """The body as decoded JSON; ``None`` for an empty body only when ``allow_empty``."""
    _check_content_type(request)
    raw = await read_bytes(request)
    if not raw.strip() or raw.strip() == b"null":
        if allow_empty:
            return None
        raise ApiError(400, "The request body is missing; send a JSON document")
    return decode_json(raw)
