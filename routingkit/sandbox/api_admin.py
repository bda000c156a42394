"""Sandbox-only administration, outside /api/v2 (still behind a valid token).

GET/PUT /sandbox/admin/faults      fault injection rules, changeable at run time
GET     /sandbox/admin/ground-truth the parameters the history was drawn from
POST    /sandbox/admin/tokens/expire  expire every token now (to exercise renewal)
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .config import FaultRule
from .errors import ApiError
from .web import json_body, ok, sandbox


def parse_fault_rules(items: Any) -> list[FaultRule]:
    if not isinstance(items, list):
        raise ApiError(400, "rules must be a list of {pattern, rate, kinds, delayMs}")
    rules = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiError(400, f"rules[{i}] must be an object")
        try:
            rules.append(
                FaultRule(
                    pattern=str(item.get("pattern", "/api/v2/*")),
                    rate=float(item.get("rate", 0.0)),
                    kinds=tuple(str(k) for k in item.get("kinds", FaultRule().kinds)),
                    delay_ms=int(item.get("delayMs", 1500)),
                    retry_after_seconds=int(item.get("retryAfterSeconds", 1)),
                )
            )
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"rules[{i}]: {exc}") from None
    return rules


async def faults(request: Request) -> Response:
    box = sandbox(request)
    if request.method == "PUT":
        body = await json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, 'Send {"seed": int, "rules": [...]}')
        rules = parse_fault_rules(body.get("rules", []))
        try:
            box.faults.configure(int(body.get("seed", box.faults.seed)), rules)
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
