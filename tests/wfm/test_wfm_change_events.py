"""Signed change events after an apply, through a durable outbox, to a local webhook receiver."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from routingkit.cli import main
from routingkit.genesys import GenesysClient, connect
from routingkit.genesys.auth import Secret
from routingkit.policy.apply import apply_plan
from routingkit.policy.change_events import apply_events, event_id, publish_apply
from routingkit.policy.event_outbox import Outbox, WebhookTarget
from routingkit.policy.export import export_policy
from routingkit.policy.plan import build_plan
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy
from routingkit.policy.webhook_signature import (
    SIGNATURE_HEADER,
    SignatureError,
    signature_header,
    verify_signature,
)
from routingkit.sandbox import SandboxServer

SECRET = "whsec-test-5f1d0c9b2e7a4468"


def test_a_signature_verifies_and_a_tampered_body_or_old_timestamp_fails() -> None:
    body = b'{"id":"1","type":"com.routingkit.queue.settings.changed"}'
    headers = {SIGNATURE_HEADER: signature_header(SECRET, body, timestamp=1_000_000)}
    assert verify_signature(SECRET, headers, body, now=1_000_010) == 1_000_000
    lower = {k.lower(): v for k, v in headers.items()}
    assert verify_signature(SECRET, lower, body, now=1_000_010) == 1_000_000
    with pytest.raises(SignatureError, match="no signature matches"):
        verify_signature(SECRET, headers, body.replace(b'"1"', b'"2"'), now=1_000_010)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify_signature("another secret", headers, body, now=1_000_010)
    with pytest.raises(SignatureError, match="outside the 300 s tolerance"):
        verify_signature(SECRET, headers, body, now=1_000_000 + 301)
    with pytest.raises(SignatureError, match="no Routingkit-Signature header"):
        verify_signature(SECRET, {}, body)
    rotated = {SIGNATURE_HEADER: signature_header(["old", SECRET], body, timestamp=1_000_000)}
    assert verify_signature(SECRET, rotated, body, now=1_000_000) == 1_000_000


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROUTINGKIT_STATE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def applied(wfm_org: SandboxServer, state: Path) -> str:
    """One real apply on the Callbacks queue (in no planning group): a goal and two members."""
    with connect(wfm_org.config.client_id, wfm_org.config.client_secret, wfm_org.url) as client:
        base = export_policy(take_snapshot(client, ["Callbacks"]), utilization=False)
        raw = base.model_dump(mode="json", exclude_none=True)
        queue = raw["queues"][0]
        wanted = len(
            take_snapshot(client, ["Callbacks"]).members[
                client.queues.get_by_name("Callbacks").id or ""
            ]
        )
        queue.update(
            description="Callbacks, 90% in 5 min",
            media={"callback": {"service_level": "90% in 300s"}},
            members={"wanted": wanted + 2, "pool": {"skills": [{"name": "English"}]}},
        )
        plan = build_plan(client, Policy.model_validate(raw))
        result = apply_plan(client, plan, approve=plan.id)
    assert result.status == "applied", result.table()
    return result.apply_id


def test_an_applys_events_say_what_changed(applied: str, client: GenesysClient) -> None:
    events = apply_events(applied)
    assert [e["type"] for e in events] == [
        "com.routingkit.queue.settings.changed",
        "com.routingkit.queue.capacity.changed",
    ]
    settings, capacity = events
    queue = client.queues.get_by_name("Callbacks")
    for event in events:
        assert event["specversion"] == "1.0" and event["datacontenttype"] == "application/json"
        assert event["subject"] == queue.id and event["time"]
        assert event["data"]["applyId"] == applied and event["data"]["planId"]
        assert event["data"]["queue"] == {"id": queue.id, "name": "Callbacks"}
        assert event["source"] == f"urn:routingkit:org:{event['data']['orgId']}"
    assert settings["data"]["goals"]["callback"] == {"serviceLevel": 0.9, "targetSeconds": 300.0}
    paths = {c["path"] for c in settings["data"]["changes"]}
    assert {"description", "mediaSettings.callback.serviceLevel.percentage"} <= paths
    assert "callback" in settings["data"]["media"]
    assert capacity["data"]["members"]["added"] == 2
    assert capacity["data"]["summary"] == "members: +2 -0"
    assert apply_events(applied) == events  # stable: the same ids every time
    assert settings["id"] == event_id(applied, 1)


class Receiver:
    """A webhook receiver on a fixed loopback port that checks every signature."""

    def __init__(self, port: int, secret: str = SECRET) -> None:
        self.port = port
        self.secret = secret
        self.requests: list[tuple[str, bytes]] = []  # (event id, body) of each verified request
        self.refused: list[str] = []  # why a request failed verification
        self.answer: dict[str, list[int]] = {}  # event id -> statuses to answer first
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/routingkit?token=abc"

    def ids(self) -> list[str]:
        return [i for i, _ in self.requests]

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    verify_signature(receiver.secret, dict(self.headers), body)
                except SignatureError as exc:
                    receiver.refused.append(str(exc))
                    self.send_response(401)
                    self.end_headers()
                    return
                event = json.loads(body)
                receiver.requests.append((event["id"], body))
                planned = receiver.answer.get(event["id"]) or []
                self.send_response(planned.pop(0) if planned else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    made = Receiver(_free_port())
    yield made
    made.stop()


def _events(count: int, prefix: str = "e") -> list[dict[str, Any]]:
    return [
        {
            "specversion": "1.0",
            "id": f"{prefix}-{i}",
            "source": "urn:routingkit:test",
            "type": "com.routingkit.queue.capacity.changed",
            "data": {"n": i},
        }
        for i in range(count)
    ]


def _outbox(path: Path) -> Outbox:
    return Outbox(path, max_attempts=10, attempts_per_run=2, backoff_seconds=0.01)


def test_a_receiver_that_was_down_gets_every_event_once_by_id(
    receiver: Receiver, applied: str, tmp_path: Path
) -> None:
    target = WebhookTarget(receiver.url, Secret(SECRET))
    events = apply_events(applied) + _events(5)
    with _outbox(tmp_path / "outbox.sqlite3") as outbox:
        assert outbox.add(events) == len(events)
        assert outbox.add(events) == 0  # recorded twice: still once
        down = outbox.deliver([target])  # nothing listens on the port yet
        assert down.delivered == [] and down.retrying == [events[0]["id"]]
        assert down.waiting == [e["id"] for e in events[1:]]  # in order: none overtakes
        assert outbox.status().pending == {receiver.url.split("?")[0]: len(events)}
    receiver.start()
    time.sleep(0.05)  # past the first backoff
    with _outbox(tmp_path / "outbox.sqlite3") as reopened:  # a restart: only the file remains
        report = reopened.deliver([target])
        assert report.complete and report.delivered == [e["id"] for e in events]
        assert reopened.deliver([target]).attempts == 0  # nothing is sent twice
        assert reopened.status().delivered == {receiver.url.split("?")[0]: len(events)}
    assert receiver.ids() == [e["id"] for e in events]  # each once, in order
    assert receiver.refused == []
    assert [json.loads(body) for _, body in receiver.requests] == events


def test_a_lost_acknowledgement_is_delivered_again_with_the_same_id(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.start()
    events = _events(3, "ack")
    receiver.answer["ack-1"] = [503]  # received, but the answer says it was not
    with _outbox(tmp_path / "outbox.sqlite3") as outbox:
        outbox.add(events)
        report = outbox.deliver([WebhookTarget(receiver.url, Secret(SECRET))])
    assert report.complete
    assert receiver.ids() == ["ack-0", "ack-1", "ack-1", "ack-2"]  # at least once...
    assert sorted(set(receiver.ids())) == ["ack-0", "ack-1", "ack-2"]  # ...one per id
    first, second = [body for i, body in receiver.requests if i == "ack-1"]
    assert first == second


def test_a_refused_event_is_a_dead_letter_until_revived(receiver: Receiver, tmp_path: Path) -> None:
    receiver.start()
    receiver.answer["dead-0"] = [400]
    target = WebhookTarget(receiver.url, Secret(SECRET))
    with _outbox(tmp_path / "outbox.sqlite3") as outbox:
        outbox.add(_events(2, "dead"))
        report = outbox.deliver([target])
        assert report.dead == ["dead-0"] and report.delivered == ["dead-1"]
        status = outbox.status()
        assert [(d.event_id, d.attempts) for d in status.dead] == [("dead-0", 1)]
        assert "HTTP 400: refused by the receiver" in status.to_text()
        assert outbox.deliver([target]).attempts == 0  # dead letters are not retried
        assert outbox.revive() == 1
        assert outbox.deliver([target]).delivered == ["dead-0"]
        assert outbox.status().dead == []


def test_an_unreachable_receiver_becomes_a_dead_letter_after_its_attempts(
    tmp_path: Path,
) -> None:
    target = WebhookTarget(f"http://127.0.0.1:{_free_port()}/", Secret(SECRET))
    with Outbox(
        tmp_path / "o.sqlite3", max_attempts=3, attempts_per_run=1, backoff_seconds=0.0
    ) as outbox:
        outbox.add(_events(1, "gone"))
        outcomes = [outbox.deliver([target], now=time.time() + 3600 * i) for i in range(4)]
    assert [bool(o.retrying) for o in outcomes] == [True, True, False, False]
    assert outcomes[2].dead == ["gone-0"] and outcomes[3].attempts == 0


def test_the_secret_never_appears_in_logs_or_status(
    receiver: Receiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.start()
    receiver.answer["s-0"] = [500, 500, 500]
    target = WebhookTarget(receiver.url, Secret(SECRET))
    with caplog.at_level(logging.DEBUG), _outbox(tmp_path / "o.sqlite3") as outbox:
        outbox.add(_events(1, "s"))
        outbox.deliver([target])
        text = outbox.status().to_text()
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("routingkit"))
    assert "HTTP 500" in ours  # the failure was logged...
    for shown in (ours, text, repr(target)):
        assert "token=abc" not in shown  # ...without the URL's query (httpx's own log has it)
    for shown in (caplog.text, text, repr(target)):
        assert SECRET not in shown


def test_publish_apply_records_and_delivers_from_the_environment(
    receiver: Receiver, applied: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.start()
    monkeypatch.setenv("ROUTINGKIT_WEBHOOK_URLS", receiver.url)
    monkeypatch.setenv("ROUTINGKIT_WEBHOOK_SECRET", SECRET)
    with _outbox(tmp_path / "o.sqlite3") as outbox:
        first = publish_apply(applied, outbox=outbox)
        again = publish_apply(applied, outbox=outbox)
    assert first.complete and len(first.delivered) == 2 and again.attempts == 0
    assert receiver.ids() == [e["id"] for e in apply_events(applied)]


def test_the_events_commands_record_deliver_and_report(
    receiver: Receiver,
    applied: str,
    state: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ROUTINGKIT_WEBHOOK_URLS", receiver.url)
    monkeypatch.setenv("ROUTINGKIT_WEBHOOK_SECRET", SECRET)
    assert main(["wfm", "events", "record", applied]) == 0
    assert "2 event(s)" in capsys.readouterr().out
    assert main(["wfm", "events", "deliver"]) == 1  # the receiver is not up yet
    capsys.readouterr()
    receiver.start()
    assert main(["wfm", "events", "deliver"]) == 1  # backing off: nothing sent yet
    assert "0 delivered, 0 failed and to retry, 2 waiting" in capsys.readouterr().out
    assert main(["wfm", "events", "deliver", "--retry-now"]) == 0
    assert "2 delivered" in capsys.readouterr().out
    assert main(["wfm", "events", "status"]) == 0
    status = capsys.readouterr().out
    assert "2 delivered, 0 pending, 0 dead" in status and SECRET not in status
    assert receiver.ids() == [e["id"] for e in apply_events(applied)]
