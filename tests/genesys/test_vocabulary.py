"""One home for the Genesys vocabulary, importable without the HTTP client, used by all."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest

from routingkit import vocabulary
from routingkit.genesys import GenesysClient, models
from routingkit.genesys.models import ConditionalGroupRouting, ConditionalGroupRoutingRule, Queue
from routingkit.vocabulary import (
    MEDIA_KEYS,
    QUEUE_FIELDS,
    READ_ONLY_QUEUE_FIELDS,
    analytics_media_type,
    queue_media_key,
    wfm_media_type,
    writable_queue,
)


def test_importing_the_vocabulary_imports_no_http_client() -> None:
    probe = (
        "import json, sys\n"
        "import routingkit.vocabulary\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'pydantic', 'starlette', 'uvicorn') or m.startswith('routingkit.genesys'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("name", "queue", "analytics", "wfm"),
    [
        ("call", "call", "voice", "Voice"),
        ("voice", "call", "voice", "Voice"),
        ("Voice", "call", "voice", "Voice"),
        ("chat", "chat", "chat", "Chat"),
        ("Callback", "callback", "callback", "Callback"),
        ("email", "email", "email", "Email"),
        ("Message", "message", "message", "Message"),
    ],
)
def test_a_media_type_converts_from_any_vocabulary_to_each(
    name: str, queue: str, analytics: str, wfm: str
) -> None:
    assert queue_media_key(name) == queue
    assert analytics_media_type(name) == analytics
    assert wfm_media_type(name) == wfm


def test_names_outside_the_five_pass_through_in_the_targets_case() -> None:
    assert analytics_media_type("Workitem") == "workitem"
    assert wfm_media_type("cobrowse") == "Cobrowse"


def test_the_old_import_paths_give_the_vocabularys_names() -> None:
    assert models.queue_media_key is vocabulary.queue_media_key
    assert models.analytics_media_type is vocabulary.analytics_media_type
    assert (
        models.MEDIA_KEYS
        is vocabulary.MEDIA_KEYS
        == ("call", "callback", "chat", "email", "message")
    )


def test_one_list_of_read_only_queue_fields_serves_client_sandbox_and_policy() -> None:
    from routingkit.policy import diff
    from routingkit.sandbox import service, validation

    assert diff.READ_ONLY_QUEUE_FIELDS is READ_ONLY_QUEUE_FIELDS
    assert validation.READ_ONLY_QUEUE_FIELDS is READ_ONLY_QUEUE_FIELDS
    assert service.READ_ONLY_QUEUE_FIELDS is READ_ONLY_QUEUE_FIELDS
    assert not hasattr(validation, "SCALAR_DEFAULTS")


def test_queue_fields_are_the_official_sdks_and_cover_the_client_model() -> None:
    sdk = pytest.importorskip("PureCloudPlatformClientV2")
    assert set(sdk.Queue().attribute_map.values()) == QUEUE_FIELDS
    assert set(sdk.QueueRequest().attribute_map.values()) == QUEUE_FIELDS
    aliases = {f.alias or name for name, f in Queue.model_fields.items()}
    assert aliases <= QUEUE_FIELDS
    assert READ_ONLY_QUEUE_FIELDS <= QUEUE_FIELDS
    assert "capacity" not in QUEUE_FIELDS and "version" not in QUEUE_FIELDS
    assert set(sdk.QueueMediaSettings().attribute_map.values()) == set(MEDIA_KEYS)


def test_writable_queue_drops_read_only_fields_and_rule_one_queue() -> None:
    body = {
        "id": "q1",
        "name": "Sales",
        "memberCount": 3,
        "dateCreated": "2026-01-01T00:00:00.000Z",
        "conditionalGroupRouting": {
            "rules": [{"queue": {"id": "q1"}, "metric": "ServiceLevel"}, {"queue": {"id": "q2"}}]
        },
    }
    out = writable_queue(body)
    assert out == {
        "name": "Sales",
        "conditionalGroupRouting": {"rules": [{"metric": "ServiceLevel"}, {"queue": {"id": "q2"}}]},
    }
    assert body["conditionalGroupRouting"]["rules"][0]["queue"] == {"id": "q1"}  # untouched


def _recording_client(sent: list[dict[str, Any]]) -> GenesysClient:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        return httpx.Response(200, json={**body, "id": "q1"})

    return GenesysClient(
        "https://api.example.test",
        httpx.BasicAuth("u", "p"),
        transport=httpx.MockTransport(handler),
    )


def test_the_client_never_puts_rule_one_queue_or_read_only_fields() -> None:
    """A read-modify-write sends back what a GET gave: the client drops what a PUT refuses."""
    sent: list[dict[str, Any]] = []
    queue = Queue(
        id="q1",
        name="Sales",
        member_count=12,
        date_created="2026-01-01T00:00:00Z",
        created_by="someone",
        conditional_group_routing=ConditionalGroupRouting(
            rules=[
                ConditionalGroupRoutingRule.model_validate(
                    {"queue": {"id": "q1"}, "metric": "EstimatedWaitTime", "groups": []}
                ),
                ConditionalGroupRoutingRule.model_validate(
                    {"queue": {"id": "q2"}, "metric": "ServiceLevel", "groups": []}
                ),
            ]
        ),
    )
    with _recording_client(sent) as client:
        client.queues.update(queue)
    (body,) = sent
    assert not READ_ONLY_QUEUE_FIELDS & set(body)
    rules = body["conditionalGroupRouting"]["rules"]
    assert "queue" not in rules[0] and rules[1]["queue"] == {"id": "q2"}
