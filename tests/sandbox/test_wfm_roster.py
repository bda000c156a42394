"""The sandbox's WFM roster: the agents behind the staffing its history was simulated with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import numpy as np
from sandbox_helpers import login
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from routingkit.sandbox import running_sandbox
from routingkit.sandbox.org import build_org
from routingkit.sandbox.seed import seed_org
from routingkit.sandbox.store import Store
from routingkit.sandbox.wfm_roster import build_roster, joined_queues

TODAY = dt.date(2026, 11, 16)
BASE = "/api/v2/workforcemanagement/businessunits"


def test_every_seat_the_members_can_fill_is_filled_by_a_joined_member(tmp_path: Path) -> None:
    org = build_org(42)
    store = Store(tmp_path / "org.sqlite3")
    seed_org(store, org, TODAY, 1)
    joined = joined_queues(store.read(), org)
    roster = build_roster(org, joined)
    staffing = np.stack([q.workload.staffing() for q in org.queues])
    member = np.array([[q.key in joined.get(a, ()) for q in org.queues] for a in roster.agents])
    for weekday in range(7):
        rows = roster.slots[weekday]
        worked = rows >= 0
        # nobody works a queue he is not a joined member of, nor more seats than there are
        agents, slots = np.nonzero(worked)
        assert member[agents, rows[agents, slots]].all()
        for slot in range(96):
            filled = np.bincount(rows[:, slot][worked[:, slot]], minlength=len(org.queues))
            assert (filled <= staffing[:, weekday, slot]).all()
            # as many as the memberships allow: a maximum matching of agents to seats
            seats = np.repeat(np.arange(len(org.queues)), staffing[:, weekday, slot])
            if not seats.size:
                continue
            graph = csr_matrix(member[:, seats].astype(np.int8))
            best = int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())
            assert filled.sum() == best, (weekday, slot)


def test_schedules_survive_membership_changes_and_restarts(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    window = {"startDate": "2026-11-09T06:00:00.000Z", "endDate": "2026-11-10T06:00:00.000Z"}

    def schedules(url: str, token: str, bu: str) -> object:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as api:
            answer = api.post(f"{BASE}/{bu}/agentschedules/search", json=window)
            assert answer.status_code == 200, answer.text
            return answer.json()

    with running_sandbox(db, days=2, today=TODAY) as org:
        token = login(org)
        with httpx.Client(base_url=org.url, headers={"Authorization": f"Bearer {token}"}) as api:
            bu = api.get(BASE).json()["entities"][0]["id"]
            queue = api.get("/api/v2/routing/queues", params={"name": "VIP - Voice"}).json()
            queue_id = queue["entities"][0]["id"]
            members = api.get(f"/api/v2/routing/queues/{queue_id}/members").json()["entities"]
            before = schedules(org.url, token, bu)
            gone = [{"id": m["id"]} for m in members[:3]]
            removed = api.post(
                f"/api/v2/routing/queues/{queue_id}/members", params={"delete": "true"}, json=gone
            )
            assert removed.status_code in (200, 204), removed.text
        assert schedules(org.url, token, bu) == before  # the past is not rewritten
    with running_sandbox(db, days=2, today=TODAY) as again:
        assert schedules(again.url, login(again), bu) == before
