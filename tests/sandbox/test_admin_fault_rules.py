"""PUT /sandbox/admin/faults refuses rules it cannot honour, naming the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from routingkit.sandbox import FaultRule, SandboxServer
from routingkit.sandbox.gateway import FaultInjector

BAD_RULES = [
    ({"retryAfterSeconds": -5}, "rules[0].retryAfterSeconds"),
    ({"retryAfterSeconds": 10**9}, "rules[0].retryAfterSeconds"),
    ({"retryAfterSeconds": 1.5}, "rules[0].retryAfterSeconds"),
    ({"delayMs": 1e12}, "rules[0].delayMs"),
    ({"delayMs": -1}, "rules[0].delayMs"),
    ({"delayMs": "slow"}, "rules[0].delayMs"),
    ({"delayMs": None}, "rules[0].delayMs"),
    ({"rate": "often"}, "rules[0].rate"),
    ({"rate": "0.5"}, "rules[0].rate"),
    ({"rate": True}, "rules[0].rate"),
    ({"rate": 1.5}, "rules[0].rate"),
    ({"pattern": 5}, "rules[0].pattern"),
    ({"pattern": ""}, "rules[0].pattern"),
    ({"kinds": "429"}, "rules[0].kinds"),
    ({"kinds": []}, "rules[0].kinds"),
    ({"kinds": [429]}, "rules[0].kinds[0]"),
    ({"kinds": ["418"]}, "rules[0].kinds[0]"),
    ({"delay_ms": 10}, "rules[0].delay_ms"),
]


@pytest.mark.parametrize(("rule", "field"), BAD_RULES)
def test_a_bad_rule_is_a_400_naming_the_field(
    small_org: SandboxServer, rule: dict[str, Any], field: str
) -> None:
    body = {"rules": [{"pattern": "/api/v2/*", "rate": 1.0, "kinds": ["delay"], **rule}]}
    answer = small_org.admin("PUT", "faults", json=body)
    assert answer.status_code == 400, answer.text
    assert field in answer.json()["message"]
    assert answer.json()["details"][0]["fieldName"] == field
    assert small_org.admin("GET", "faults").json()["rules"] == []  # nothing was changed


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seed": "x", "rules": []}, "seed"),
        ({"seed": True, "rules": []}, "seed"),
        ({"rules": {"rate": 1.0}}, "rules"),
        ({"rules": ["all"]}, "rules[0]"),
        ({"rules": [], "ruels": []}, "ruels"),
        ({"rules": [{"rate": 0.1}] * 101}, "rules"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(
    small_org: SandboxServer, body: dict[str, Any], field: str
) -> None:
    answer = small_org.admin("PUT", "faults", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["details"][0]["fieldName"] == field


def test_a_nan_rate_is_refused(small_org: SandboxServer) -> None:
    answer = httpx.put(  # Python's json reads NaN; a client cannot send it through json=
        f"{small_org.url}/sandbox/admin/faults",
        headers={**small_org.admin_headers, "Content-Type": "application/json"},
        content=b'{"rules": [{"rate": NaN, "kinds": ["delay"]}]}',
    )
    assert answer.status_code == 400
    assert small_org.admin("GET", "faults").json()["rules"] == []


def test_the_documented_bounds_are_accepted_and_named(small_org: SandboxServer) -> None:
    rule = {"rate": 0.0, "kinds": ["delay", "429"], "delayMs": 60_000, "retryAfterSeconds": 0}
    answer = small_org.admin("PUT", "faults", json={"seed": 7, "rules": [rule]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rules"][0]["delayMs"] == 60_000
    too_long = small_org.admin("PUT", "faults", json={"rules": [{**rule, "delayMs": 60_001}]})
    assert "60000" in too_long.json()["message"]  # says what is allowed


def test_rules_given_in_python_are_bounded_too() -> None:
    with pytest.raises(ValueError, match="delay_ms"):
        FaultInjector(0, [FaultRule(kinds=("delay",), delay_ms=10**12)])
    with pytest.raises(ValueError, match="retry_after_seconds"):
        FaultInjector(0, [FaultRule(kinds=("429",), retry_after_seconds=-5)])
