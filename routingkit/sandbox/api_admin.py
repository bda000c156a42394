"""Sandbox-only administration, outside /api/v2, behind the sandbox's admin secret.

Every request here carries the header ``X-Sandbox-Admin-Secret: <admin secret>``
(``SandboxConfig.admin_secret``; ``SandboxServer.admin()`` sends it for you; ``routingkit sandbox
serve`` writes it to a 0600 file beside the database). An API token gets 403.

GET/PUT /sandbox/admin/faults      fault injection rules, changeable at run time
GET     /sandbox/admin/ground-truth the parameters the history was drawn from
POST    /sandbox/admin/tokens/expire  expire every token now (to exercise renewal)

PUT /sandbox/admin/faults takes ``{"seed": int, "rules": [rule, ...]}`` (at most 100 rules), each
rule ``{"pattern": str, "rate": number in [0, 1], "kinds": [str, ...], "delayMs": int in
[0, 60000], "retryAfterSeconds": int in [0, 3600]}``; a field left out takes ``FaultRule``'s
default, an unknown or out-of-range one is a 400 naming it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .config import (
    FAULT_KINDS,
    MAX_FAULT_DELAY_MS,
    MAX_FAULT_RULES,
    MAX_RETRY_AFTER_SECONDS,
    FaultRule,
)
from .errors import ApiError, bad_request
from .web import json_body, ok, sandbox

_RULE_FIELDS = ("pattern", "rate", "kinds", "delayMs", "retryAfterSeconds")


def _is_number(value: Any) -> bool:
    # JSON true/false arrive as bool, which Python counts as an int: not a number here
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(value: Any, field: str, low: int, high: int, unit: str) -> int:
    whole = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer()  # False for inf and NaN
    )
    if not whole:
        raise bad_request(f"{field} must be a whole number of {unit}, got {value!r}", field)
    if not low <= value <= high:
        raise bad_request(f"{field} must lie in [{low}, {high}] {unit}, got {value!r}", field)
    return int(value)


def parse_fault_rule(item: Any, where: str) -> FaultRule:
    """One rule of a PUT /sandbox/admin/faults body; ``where`` names it in errors (``rules[0]``)."""
    if not isinstance(item, dict):
        raise bad_request(f"{where} must be an object with {', '.join(_RULE_FIELDS)}", where)
    unknown = [key for key in item if key not in _RULE_FIELDS]
    if unknown:
        raise bad_request(
            f"{where}.{unknown[0]} is not a fault rule field; use {', '.join(_RULE_FIELDS)}",
            f"{where}.{unknown[0]}",
        )
    default = FaultRule()
    pattern = item.get("pattern", default.pattern)
    if not isinstance(pattern, str) or not pattern:
        field = f"{where}.pattern"
        raise bad_request(f"{field} must be a non-empty glob, e.g. '/api/v2/*'", field)
    rate = item.get("rate", default.rate)
    if not (_is_number(rate) and 0.0 <= rate <= 1.0):  # NaN fails the comparison too
        field = f"{where}.rate"
        raise bad_request(f"{field} must be a number in [0, 1], got {rate!r}", field)
    kinds = item.get("kinds", list(default.kinds))
    if not isinstance(kinds, list) or not kinds:
        field = f"{where}.kinds"
        raise bad_request(f"{field} must be a non-empty list of {', '.join(FAULT_KINDS)}", field)
    for i, kind in enumerate(kinds):
        if not isinstance(kind, str) or kind not in FAULT_KINDS:
            field = f"{where}.kinds[{i}]"
            raise bad_request(
                f"{field} {kind!r} is not a fault kind; use strings among {', '.join(FAULT_KINDS)}",
                field,
            )
    delay_ms = _whole(
        item.get("delayMs", default.delay_ms),
        f"{where}.delayMs",
        0,
        MAX_FAULT_DELAY_MS,
        "milliseconds",
    )
    retry_after = _whole(
        item.get("retryAfterSeconds", default.retry_after_seconds),
        f"{where}.retryAfterSeconds",
        0,
        MAX_RETRY_AFTER_SECONDS,
        "seconds",
    )
    return FaultRule(
        pattern=pattern,
        rate=float(rate),
        kinds=tuple(kinds),
        delay_ms=delay_ms,
        retry_after_seconds=retry_after,
    )


def parse_fault_rules(items: Any) -> list[FaultRule]:
    if not isinstance(items, list):
        raise bad_request("rules must be a list of {pattern, rate, kinds, delayMs}", "rules")
    if len(items) > MAX_FAULT_RULES:
        raise bad_request(f"rules holds {len(items)} rules; at most {MAX_FAULT_RULES}", "rules")
    return [parse_fault_rule(item, f"rules[{i}]") for i, item in enumerate(items)]


async def faults(request: Request) -> Response:
    box = sandbox(request)
    if request.method == "PUT":
        body = await json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, 'Send {"seed": int, "rules": [...]}')
        unknown = [key for key in body if key not in ("seed", "rules")]
        if unknown:
            raise bad_request(f"{unknown[0]} is not understood; send seed and rules", unknown[0])
        seed = body.get("seed", box.faults.seed)
        if not (isinstance(seed, int) and not isinstance(seed, bool)):
            raise bad_request(f"seed must be an integer, got {seed!r}", "seed")
        rules = parse_fault_rules(body.get("rules", []))
        try:
            box.faults.configure(seed, rules)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
    return ok(box.faults.as_dict())


async def ground_truth(request: Request) -> Response:
    return ok(sandbox(request).ground_truth())


async def expire_tokens(request: Request) -> Response:
    return ok({"expired": sandbox(request).tokens.expire_all()})


routes = [
    Route("/sandbox/admin/faults", faults, methods=["GET", "PUT"]),
    Route("/sandbox/admin/ground-truth", ground_truth, methods=["GET"]),
    Route("/sandbox/admin/tokens/expire", expire_tokens, methods=["POST"]),
]
