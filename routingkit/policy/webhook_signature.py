"""Signing webhook deliveries, and checking a delivery's signature (for receivers).

Each delivery carries one header, :data:`SIGNATURE_HEADER`::

    Routingkit-Signature: t=1767225600,v1=5257a869e7ec...8d8bd  (64 hex digits)

``t`` is when the delivery was signed (Unix seconds) and ``v1`` the hex HMAC-SHA256, keyed
with the shared secret, of ``f"{t}."`` followed by the exact body bytes. Signing the timestamp
with the body lets a receiver refuse replays of an old delivery (:func:`verify_signature`'s
``tolerance``); several ``v1`` entries are accepted, so a secret can be rotated by signing with
both for a while. The secret is never part of an error or a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "Routingkit-Signature"
DEFAULT_TOLERANCE_SECONDS = 300.0


class SignatureError(ValueError):
    """A delivery whose signature does not verify; the message says why (never the secret)."""


def _key(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        raise ValueError("the webhook secret is empty; set a long random secret")
    return key


def signature(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}."`` + ``body`` under ``secret``."""
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def signature_header(
    secret: str | bytes | list[str | bytes], body: bytes, *, timestamp: int | None = None
) -> str:
    """The header value for ``body``, signed now (or at ``timestamp``) with each secret."""
    moment = int(time.time()) if timestamp is None else int(timestamp)
    keys = secret if isinstance(secret, list) else [secret]
    return ",".join([f"t={moment}", *(f"v1={signature(k, moment, body)}" for k in keys)])


def verify_signature(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> int:
    """Check a delivery: returns its signing time (Unix seconds), or raises SignatureError.

    ``headers`` is the request's headers (any letter case); ``body`` the raw bytes received,
    before any JSON parsing. Refused: no or malformed header, a timestamp more than
    ``tolerance`` seconds from ``now`` (either way), no ``v1`` matching the body.
    """
    value = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
    if value is None:
        raise SignatureError(f"no {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in value.split(","):
        name, _, item = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(item)
            except ValueError:
                raise SignatureError(f"{SIGNATURE_HEADER}: t={item[:20]!r} is not a time") from None
        elif name == "v1":
            candidates.append(item)
    if timestamp is None or not candidates:
        raise SignatureError(f"{SIGNATURE_HEADER} needs t=<unix seconds> and v1=<hex HMAC>")
    clock = time.time() if now is None else now
    if abs(clock - timestamp) > tolerance:
        raise SignatureError(
            f"the delivery was signed {clock - timestamp:.0f} s from now, outside the "
            f"{tolerance:g} s tolerance (a replay, or a clock out of step)"
        )
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("no signature matches the body (tampered, or another secret)")
    return timestamp
