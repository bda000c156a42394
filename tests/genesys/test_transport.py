"""OAuth renewal, retries, pacing, typed errors and paging against a real sandbox org."""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from pathlib import Path

import httpx
import pytest
from client_helpers import client_for

from routingkit.genesys import (
    AuthenticationError,
    ConflictError,
    GenesysClient,
    NotFoundError,
    RateLimitedError,
    TransportError,
    ValidationError,
    connect,
)
from routingkit.genesys.models import Queue
from routingkit.sandbox import FaultRule, SandboxServer, running_sandbox


def _expire_tokens(server: SandboxServer) -> None:
    answer = server.admin("POST", "tokens/expire")
    assert answer.status_code == 200 and answer.json()["expired"] >= 1


def test_one_token_serves_many_requests(client: GenesysClient) -> None:
    for _ in range(5):
        client.people.skills()
    assert client.auth.tokens_fetched == 1  # type: ignore[attr-defined]


def test_a_revoked_token_is_renewed_once_on_401(org: SandboxServer, client: GenesysClient) -> None:
    client.people.skills()
    _expire_tokens(org)
    assert len(client.people.skills()) == 10  # the caller never sees the 401
    assert client.auth.tokens_fetched == 2  # type: ignore[attr-defined]


def test_token_renewed_before_it_expires(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "org.sqlite3", days=1, token_ttl_seconds=1) as server:
        client = client_for(server)
        deadline = time.monotonic() + 10
        while client.auth.tokens_fetched < 3:  # type: ignore[attr-defined]
            assert client.people.skills()
            assert time.monotonic() < deadline
        # renewal happened ahead of expiry: no request was ever refused
        assert client.retries == 0


def test_concurrent_requests_share_one_token(client: GenesysClient) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.people.groups()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert client.auth.tokens_fetched == 1  # type: ignore[attr-defined]


def test_bad_credentials_fail_clearly_without_the_secret(
    org: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = f"hunter2-{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    client = connect(org.config.client_id, secret, org.url)
    with pytest.raises(AuthenticationError) as failure:
        client.queues.list()
    text = "".join(traceback.format_exception(failure.value))
    assert "refused" in str(failure.value) and "GENESYSCLOUD_OAUTHCLIENT_SECRET" in str(
        failure.value
    )
    for place in (
        text,
        repr(client),
        repr(client.auth),
        caplog.text,
        str(vars(client)),
        str(vars(client.auth)),
        f"{client.auth!s}",
    ):
        assert secret not in place


def test_secret_never_reaches_logs_of_a_working_session(
    org: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_for(org)
    client.queues.list()
    with pytest.raises(NotFoundError) as missing:
        client.queues.get(str(uuid.uuid4()))
    assert org.config.client_secret not in caplog.text
    assert org.config.client_secret not in "".join(traceback.format_exception(missing.value))
    assert org.config.client_secret not in repr(client)


def test_typed_errors_carry_code_and_correlation_id(client: GenesysClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.queues.get(str(uuid.uuid4()))
    assert missing.value.status == 404 and missing.value.code == "not.found"
    assert missing.value.correlation_id and missing.value.correlation_id in str(missing.value)
    with pytest.raises(ValidationError) as invalid:
        client.queues.create(
            Queue(name=f"Bad {uuid.uuid4().hex[:6]}", routing_rules=[{"operator": "ANY"}] * 7)
        )  # type: ignore[list-item]
    assert "at most 6" in invalid.value.message
    with pytest.raises(ConflictError):
        client.queues.create(Queue(name="Support - Voice"))


def test_retries_absorb_injected_faults(tmp_path: Path) -> None:
    rule = FaultRule(
        pattern="GET /api/v2/*",
        rate=0.4,
        kinds=("429", "500", "503", "504", "drop"),
        retry_after_seconds=0,
    )
    with running_sandbox(
        tmp_path / "org.sqlite3", days=1, faults=[rule], fault_seed=5, rate_limit_per_minute=100_000
    ) as server:
        client = client_for(server, backoff_max=0.05)
        for _ in range(10):
            assert len(client.people.skills()) == 10
            assert len(client.queues.list()) == 12
        assert client.retries > 5


def test_a_create_is_not_sent_twice_after_a_dropped_answer(tmp_path: Path) -> None:
    rule = FaultRule(pattern="POST /api/v2/routing/queues", rate=1.0, kinds=("drop_after",))
    with running_sandbox(tmp_path / "org.sqlite3", days=1, faults=[rule]) as server:
        client = client_for(server)
        made = client.queues.create(Queue(name="Exactly once"))
        assert made.id and made.name == "Exactly once"
        assert [q.name for q in client.queues.list(name="Exactly once")] == ["Exactly once"]


def test_a_dropped_create_that_never_landed_is_sent_again(tmp_path: Path) -> None:
    rule = FaultRule(pattern="POST /api/v2/routing/queues", rate=1.0, kinds=("drop",))
    with running_sandbox(tmp_path / "org.sqlite3", days=1, faults=[rule]) as server:
        client = client_for(server)
        with pytest.raises(TransportError):  # the retry is dropped too
            client.queues.create(Queue(name="Never lands"))
        assert client.queues.list(name="Never lands") == []


def test_retry_after_beyond_the_cap_fails_at_once(tmp_path: Path) -> None:
    rule = FaultRule(pattern="/api/v2/*", rate=1.0, kinds=("429",), retry_after_seconds=600)
    with running_sandbox(tmp_path / "org.sqlite3", days=1, faults=[rule]) as server:
        client = client_for(server)
        start = time.monotonic()
        with pytest.raises(RateLimitedError, match="600 s, more than the 180 s"):
            client.people.skills()
        assert time.monotonic() - start < 5


def test_pacing_absorbs_a_429_storm(tmp_path: Path) -> None:
    """40 requests against a budget of 10 per second-long window, from 4 threads."""
    with running_sandbox(
        tmp_path / "org.sqlite3", days=1, rate_limit_per_minute=10, rate_window_seconds=1.0
    ) as server:
        client = client_for(server)
        done: list[int] = []

        def work() -> None:
            for _ in range(10):
                client.people.skills()
                done.append(1)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(done) == 40
        # without pacing, 4 threads would hit the limit constantly; with it, rarely
        assert client.retries <= 8, client.retries


def test_paging_walks_every_page_with_the_filter(client: GenesysClient) -> None:
    prefix = f"Page {uuid.uuid4().hex[:6]}"
    for i in range(7):
        client.queues.create(Queue(name=f"{prefix} {i}"))
    found = list(client.paginate("/api/v2/routing/queues", {"name": f"{prefix}*"}, page_size=2))
    assert sorted(q["name"] for q in found) == [f"{prefix} {i}" for i in range(7)]
    for q in found:
        client.queues.delete(q["id"])


def test_members_page_without_totals(client: GenesysClient) -> None:
    queue = client.queues.create(Queue(name=f"Members {uuid.uuid4().hex[:6]}"))
    users = [u.id for u in client.people.users()]
    assert len(users) == 150
    client.queues.add_members(queue.id, users[:130])  # type: ignore[arg-type]  # two batches
    members = client.queues.members(queue.id)  # type: ignore[arg-type]
    assert len(members) == 130 and len({m.id for m in members}) == 130
    client.queues.set_joined(queue.id, users[:105], False)  # type: ignore[arg-type]
    assert len(client.queues.members(queue.id, joined=True)) == 25  # type: ignore[arg-type]
    client.queues.remove_members(queue.id, users[:130])  # type: ignore[arg-type]
    assert client.queues.get(queue.id).member_count == 0  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="1 to 6"):
        client.queues.set_ring(queue.id, users[0], 7)  # type: ignore[arg-type]


def test_read_modify_write_keeps_fields_routingkit_does_not_model(
    org: SandboxServer, client: GenesysClient
) -> None:
    queue = client.queues.create(Queue(name=f"Unmodelled {uuid.uuid4().hex[:6]}"))
    raw = client.request("GET", f"/api/v2/routing/queues/{queue.id}")
    raw["defaultMediaLanguage"] = "fr-FR"  # a real Queue field the model does not declare
    client.request("PUT", f"/api/v2/routing/queues/{queue.id}", json=raw)
    changed = client.queues.modify(queue.id, lambda q: setattr(q, "description", "new"))  # type: ignore[arg-type]
    assert changed.description == "new"
    assert (
        client.request("GET", f"/api/v2/routing/queues/{queue.id}")["defaultMediaLanguage"]
        == "fr-FR"
    )


def test_transport_errors_when_nothing_listens() -> None:
    client = GenesysClient(
        "http://127.0.0.1:9", httpx.BasicAuth("a", "b"), max_attempts=2, backoff_max=0.01
    )
    with pytest.raises(TransportError, match="ConnectError"):
        client.request("GET", "/api/v2/routing/queues")


def test_an_enum_value_the_platform_adds_later_is_read_not_fatal() -> None:
    """Reading must survive a new platform value; writing it back keeps it."""
    from routingkit.genesys.models import enum_violations

    queue = Queue.model_validate(
        {
            "id": "q",
            "name": "Q",
            "scoringMethod": "NewMode",
            "acwSettings": {"wrapupPrompt": "SOMETHING_NEW"},
        }
    )
    assert queue.scoring_method == "NewMode"
    assert queue.to_api()["acwSettings"]["wrapupPrompt"] == "SOMETHING_NEW"
    problems = {path for path, _, _ in enum_violations(queue)}
    assert problems == {"scoringMethod", "acwSettings.wrapupPrompt"}
