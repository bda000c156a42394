"""Scheduled and staffed agents read through the API against the staffing the sandbox's
history was simulated with (``staffing_truth``), and the view and command built on them.

Why the checks are bounds and sums, not per-queue equality: neither a schedule nor a routing
status names a queue, and the sandbox's agents belong to several queues (teams are shared), so
which queue a shared agent worked is a convention (``policy.workforce``). What must hold:

- every queue and interval: agents exclusive to the queue <= truth <= agents available to it
  ("exclusive" and "each" attributions), and equality where the two bounds meet;
- every interval: agents on queue summed over queues (split or shared by need) = truth summed
  over queues;
- staffed = scheduled (the sandbox's agents keep to their schedules).

Tolerance: the sandbox's teams are fixed by the seed, and at Monday's e-mail peak Back Office's
12 agents cannot fill the 13 seats the history was simulated with; so in at most
``SHORT_INTERVALS`` intervals of the week the API shows one agent fewer than the truth (and
nowhere more).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from wfm_helpers import TODAY, queue_ids

from routingkit.cli import main
from routingkit.genesys import GenesysClient, connect
from routingkit.policy.org_inputs import org_workforce_view, workforce_inputs
from routingkit.policy.wfm_sync import WfmSyncError
from routingkit.policy.workforce import WorkforceInputs, workforce_view
from routingkit.sandbox import SandboxServer, staffing_truth

HISTORY_WEEK = TODAY - dt.timedelta(days=7)  # Monday 9 November 2026, inside the history
SHORT_INTERVALS = 2  # intervals where the teams cannot staff what the history was run with
KEYS = ["queue_id", "weekday", "slot_minute"]


@pytest.fixture(scope="module")
def inputs(wfm_org: SandboxServer) -> Iterator[WorkforceInputs]:
    with connect(wfm_org.config.client_id, wfm_org.config.client_secret, wfm_org.url) as made:
        yield workforce_inputs(made, HISTORY_WEEK)


@pytest.fixture(scope="module")
def compared(inputs: WorkforceInputs, wfm_org: SandboxServer) -> pd.DataFrame:
    """Per queue and interval: the truth and the scheduled agents under every attribution."""
    truth = staffing_truth(wfm_org.config.db_path).rename(columns={"agents": "truth"})
    table = truth[[*KEYS, "truth"]]
    for attribution in ("split", "each", "exclusive"):
        view = workforce_view(inputs, attribution=attribution).per_queue
        got = view[[*KEYS, "scheduled", "staffed"]].rename(
            columns={"scheduled": attribution, "staffed": f"{attribution}_staffed"}
        )
        table = table.merge(got, on=KEYS, how="left")
    return table


def test_every_queue_and_interval_of_the_week_is_read(compared: pd.DataFrame) -> None:
    assert len(compared) == 12 * 7 * 96
    assert compared[["split", "each", "exclusive", "split_staffed"]].notna().all().all()


def test_the_truth_lies_between_the_exclusive_and_the_available_agents(
    compared: pd.DataFrame,
) -> None:
    assert (compared["exclusive"] <= compared["truth"] + 1e-9).all()
    short = compared["truth"] - compared["each"]
    assert short.max() <= 1 + 1e-9
    assert (short > 1e-9).sum() <= SHORT_INTERVALS
    assert (compared["exclusive"] <= compared["split"] + 1e-9).all()
    assert (compared["split"] <= compared["each"] + 1e-9).all()


def test_where_no_agent_is_shared_the_scheduled_agents_are_the_truth(
    compared: pd.DataFrame, truth: dict[str, Any]
) -> None:
    alone = np.isclose(compared["exclusive"], compared["each"])
    exact = compared[alone]
    assert np.allclose(exact["split"], exact["truth"])
    ids = queue_ids(truth)
    for name in ("Sales - Voice", "Sales - Overflow", "VIP - Voice", "Billing - Voice"):
        assert alone[compared["queue_id"] == ids[name]].all(), name
    assert alone.mean() > 0.5  # most queue-intervals are unambiguous


def test_agents_on_queue_add_up_to_the_truth_in_every_interval(compared: pd.DataFrame) -> None:
    sums = compared.groupby(["weekday", "slot_minute"])[["truth", "split", "split_staffed"]].sum()
    for column in ("split", "split_staffed"):
        gap = sums["truth"] - sums[column]
        assert gap.min() >= -1e-9 and gap.max() <= 1 + 1e-9, column
        assert (gap > 1e-9).sum() <= SHORT_INTERVALS, column
    assert sums["truth"].sum() > 4000  # agents x intervals: a real week, not an empty one


def test_the_staffed_agents_are_the_scheduled_ones(compared: pd.DataFrame) -> None:
    for attribution in ("split", "each", "exclusive"):
        assert np.allclose(compared[attribution], compared[f"{attribution}_staffed"]), attribution


def test_sharing_by_need_lands_closer_to_the_truth_than_sharing_equally(
    inputs: WorkforceInputs, wfm_org: SandboxServer
) -> None:
    # What each queue needs: the truth itself, half-hourly (the plan's grid is not WFM's)
    truth = staffing_truth(wfm_org.config.db_path)
    media = {q: "" for q in truth["queue_id"]}
    half = truth.assign(slot_minute=truth["slot_minute"] // 30 * 30)
    plan = (
        half.groupby(KEYS, as_index=False)["agents"]
        .mean()
        .assign(media_type=lambda t: t["queue_id"].map(media), interval_seconds=1800)
        .rename(columns={"agents": "required_agents"})
    )
    errors = {}
    for attribution in ("need", "split"):
        view = workforce_view(inputs, plan, attribution=attribution).per_queue
        merged = view.merge(truth, on=KEYS)
        errors[attribution] = float((merged["scheduled"] - merged["agents"]).abs().sum())
    assert errors["need"] < 0.5 * errors["split"]


def test_a_week_in_the_future_is_scheduled_but_not_staffed(client: GenesysClient) -> None:
    view, said = org_workforce_view(client, None, end=TODAY, week_start=TODAY)
    assert view is not None and "week of 2026-11-16" in said
    assert view.per_queue["scheduled"].sum() > 1000
    assert view.per_queue["staffed"].isna().all()
    assert any("staffed is unknown" in note for note in view.notes)


def test_the_default_week_is_the_last_complete_one_before_the_history_ends(
    client: GenesysClient,
) -> None:
    view, _ = org_workforce_view(client, None, end=TODAY + dt.timedelta(days=2))
    assert view is not None and view.week_start == HISTORY_WEEK


def test_a_week_not_starting_on_the_units_day_is_refused_naming_both(
    client: GenesysClient,
) -> None:
    with pytest.raises(WfmSyncError, match=r"is a Tuesday.*start on Monday"):
        workforce_inputs(client, HISTORY_WEEK + dt.timedelta(days=1))


def test_an_unknown_business_unit_is_refused_naming_it(client: GenesysClient) -> None:
    with pytest.raises(WfmSyncError, match="no business unit 'no-such-unit'"):
        workforce_inputs(client, HISTORY_WEEK, business_unit_id="no-such-unit")


def test_the_staffing_command_prints_required_scheduled_staffed_and_wfm_per_queue(
    org_environment: None,
    capsys: pytest.CaptureFixture[str],
    truth: dict[str, Any],
    wfm_org: SandboxServer,
) -> None:
    week = HISTORY_WEEK.isoformat()
    history = ["--days", "7", "--end", TODAY.isoformat()]
    assert main(["wfm", "push-forecast", "--week", week, *history]) == 0
    capsys.readouterr()
    assert main(["wfm", "staffing", "--week", week, *history]) == 0
    out = capsys.readouterr().out
    for queue in truth["queues"]:
        assert f"{queue['queue_name']} / {queue['media_type']}" in out
    assert "WFM requires" in out and "more agent-hours than routingkit for Support Voice" in out
    line = next(x for x in out.splitlines() if x.startswith("Sales - Voice / voice"))
    required, scheduled, staffed, wfm = (float(v.replace(",", "")) for v in line.split()[-4:])
    # Sales - Voice shares no agent: its agent-hours are the truth's (printed whole)
    staffing = staffing_truth(wfm_org.config.db_path)
    sales = staffing[staffing["queue_id"] == queue_ids(truth)["Sales - Voice"]]
    hours = float((sales["agents"] * sales["interval_seconds"]).sum()) / 3600
    assert hours > 100  # a real week of a real queue
    assert scheduled == staffed == pytest.approx(hours, abs=0.5)
    assert required > 0 and wfm > 0


def test_the_staffing_command_refuses_a_bad_week(
    org_environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["wfm", "staffing", "--week", "2026-11-10"]) == 1
    assert "2026-11-10 is a Tuesday" in capsys.readouterr().err
    assert main(["wfm", "staffing", "--week", "10/11/2026"]) == 2
    assert "not YYYY-MM-DD" in capsys.readouterr().err
    assert main(["wfm", "staffing", "--week", "2026-11-09", "--business-unit", "nope"]) == 1
    assert "no business unit 'nope'" in capsys.readouterr().err
