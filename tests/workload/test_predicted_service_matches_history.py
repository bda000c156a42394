"""The service a plan predicts, against the service the sandbox's history measured.

The sandbox simulated its 60 days with known staffing, lognormal handle times and exponential
patience; the plan's engine (Erlang A/C on the typical week, concurrency as extra servers)
staffed with those same agents must reproduce the measured oServiceLevel: within 3 points for
voice queues, within 8 points where agents work several interactions at once or callbacks wait
(the M/M/(N·k) approximation of concurrency is coarse there, and says so in its docstring).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from routingkit.genesys import GenesysClient
from routingkit.policy import predicted_service, required_staffing, resolve_goals
from routingkit.policy.org_inputs import media_concurrency, org_goals
from routingkit.policy.staffed import staffed_agents
from routingkit.sandbox import SandboxServer, staffing_truth
from routingkit.workload import typical_week
from routingkit.workload.coverage import HistoryCoverageWarning


def test_predicted_service_at_the_true_staffing_matches_the_measured_service(
    client: GenesysClient, history_org: SandboxServer, clean_history: pd.DataFrame
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HistoryCoverageWarning)
        week = typical_week(clean_history)
    plan = required_staffing(
        week,
        resolve_goals(week, org=org_goals(client, week)),
        concurrency=media_concurrency(client),
    )
    truth = staffing_truth(history_org.config.db_path)
    agents = np.floor(staffed_agents(week, truth).fillna(0).to_numpy())
    plan["predicted"] = predicted_service(plan, agents)["service_level"].to_numpy()
    checked = 0
    for (queue_id, name, media), rows in plan.groupby(["queue_id", "queue_name", "media_type"]):
        history = clean_history[clean_history["queue_id"] == queue_id]
        measured = (
            history["answered_within_target"].sum() / history["service_level_denominator"].sum()
        )
        predicted = float(np.average(rows["predicted"], weights=rows["arrival_rate"]))
        tolerance = 0.03 if media == "voice" else 0.08
        assert abs(predicted - measured) <= tolerance, (name, predicted, measured)
        checked += 1
    assert checked == 12
