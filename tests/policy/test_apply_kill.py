"""Kill -9 at seeded random points of a 30-queue apply: never a mixed queue; resume and
rollback both complete from every kill point (the official SDK reads the org)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import PureCloudPlatformClientV2 as sdk
import pytest

from routingkit.genesys import GenesysClient, connect
from routingkit.genesys.models import Queue
from routingkit.policy.apply import apply_plan, resume, rollback
from routingkit.policy.export import export_policy
from routingkit.policy.journal import latest_apply
from routingkit.policy.plan import build_plan
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy
from routingkit.sandbox import SandboxServer, running_sandbox

QUEUES = 30
TRIALS = 20

APPLIER = """
import sys
from routingkit.genesys import connect
from routingkit.policy.apply import apply_plan
from routingkit.policy.plan import Plan
plan = Plan.load(sys.argv[1])
with connect(sandbox=False) as client:
    client.organization.me()
    print("ready", flush=True)
    apply_plan(client, plan, approve=plan.id, workers=int(sys.argv[2]))
"""


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("kill-org") / "org.sqlite3"
    with running_sandbox(db, days=1, rate_limit_per_minute=1_000_000) as server:
        with connect(server.config.client_id, server.config.client_secret, server.url) as c:
            for i in range(QUEUES - len(c.queues.list())):
                c.queues.create(Queue(name=f"Kill test {i:02d}", description="base"))
        yield server


def marked(policy: Policy, trial: int) -> Policy:
    raw = policy.model_dump(mode="json", exclude_none=True)
    for queue in raw["queues"]:
        queue["description"] = f"trial {trial}"
        queue.setdefault("media", {}).setdefault("call", {})["alerting_timeout_seconds"] = (
            10 + trial
        )
    return Policy.model_validate(raw)


def states(reader: sdk.RoutingApi, trial: int, base: dict[str, tuple[str, int]]) -> dict[str, str]:
    """Per queue: 'new', 'old' or 'mixed', as the SDK reads it."""
    found = {}
    for queue in reader.get_routing_queues(page_size=100).entities:
        pair = (queue.description, queue.media_settings.call.alerting_timeout_seconds)
        if pair == (f"trial {trial}", 10 + trial):
            found[queue.name] = "new"
        elif pair == base[queue.name]:
            found[queue.name] = "old"
        else:
            found[queue.name] = "mixed"
    return found


def test_kill_at_any_point_then_resume_or_rollback(
    org: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("ROUTINGKIT_STATE_DIR", str(state))
    env = {
        **os.environ,
        "ROUTINGKIT_STATE_DIR": str(state),
        "GENESYSCLOUD_OAUTHCLIENT_ID": org.config.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": org.config.client_secret,
        "GENESYSCLOUD_REGION": org.url,
    }
    script = tmp_path / "applier.py"
    script.write_text(APPLIER)
    reader = sdk.RoutingApi(
        sdk.ApiClient(host=org.url).get_client_credentials_token(
            org.config.client_id, org.config.client_secret
        )
    )
    client: GenesysClient = connect(org.config.client_id, org.config.client_secret, org.url)
    base_policy = export_policy(take_snapshot(client), utilization=False)
    base = {
        q.name: (q.description, q.media_settings.call.alerting_timeout_seconds)
        for q in reader.get_routing_queues(page_size=100).entities
    }
    # how long an uninterrupted apply takes, to spread the kill points over it
    # (queue by queue: the parallel apply is killed in the even trials, over the same span)
    probe = build_plan(client, marked(base_policy, 0))
    started = time.monotonic()
    first = apply_plan(client, probe, approve=probe.id, workers=1)
    duration = time.monotonic() - started
    assert first.status == "applied"
    rollback(client, first.apply_id)
    assert set(states(reader, 0, base).values()) == {"old"}

    rng = random.Random(20261128)
    outcomes = {"resumed": 0, "rolled back": 0, "killed mid-apply": 0}
    for trial in range(1, TRIALS + 1):
        plan = build_plan(client, marked(base_policy, trial))
        plan_file = plan.save(tmp_path / f"plan-{trial}.json")
        process = subprocess.Popen(
            [sys.executable, str(script), str(plan_file), "1" if trial % 2 else "4"], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 0.95) * duration)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        seen = states(reader, trial, base)
        assert "mixed" not in seen.values(), (trial, seen)
        if "old" in seen.values() and "new" in seen.values():
            outcomes["killed mid-apply"] += 1
        apply_id = latest_apply(plan_id=plan.id)
        if apply_id is None:  # killed before the journal existed: nothing was written
            assert set(seen.values()) == {"old"}, (trial, seen)
            continue
        if trial % 2:
            result = resume(client, apply_id)
            assert result.status == "applied", (trial, result.outcomes)
            assert set(states(reader, trial, base).values()) == {"new"}
            outcomes["resumed"] += 1
            undo = rollback(client, apply_id)
        else:
            undo = rollback(client, apply_id)
            outcomes["rolled back"] += 1
        assert undo.status == "rolled_back", (trial, undo.outcomes)
        assert set(states(reader, trial, base).values()) == {"old"}, trial
    print("kill trials:", outcomes)
    assert outcomes["killed mid-apply"] >= 5, outcomes  # the kills did land inside applies
    client.close()
