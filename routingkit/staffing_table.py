"""A staffing table for a workload CSV, by Erlang C and Erlang A (`routingkit staffing`).

Reads a CSV of intervals (queue, interval_start, offered, aht_seconds, patience_seconds), such as
``data/sample_workload.csv``, and prints agents per interval and rostered heads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .capacity import erlang_a, required_agents, scheduled_agents, service_level

SAMPLE_WORKLOAD = Path(__file__).resolve().parent.parent / "data" / "sample_workload.csv"
REQUIRED_COLUMNS = ("queue", "interval_start", "offered", "aht_seconds", "patience_seconds")


def load_workload(path: Path) -> pd.DataFrame:
    """Read a workload CSV, naming the missing column or bad row when it cannot be used."""
    if not path.exists():
        raise FileNotFoundError(f"workload file {path} does not exist; pass --workload PATH")
    frame = pd.read_csv(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        expected = ", ".join(REQUIRED_COLUMNS)
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; expected {expected}")
    for column in ("offered", "aht_seconds", "patience_seconds"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | (values < 0) | ((values == 0) & (column != "offered"))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"{path}: row {row + 2} has {column}={frame[column].iloc[row]}; "
                f"{column} must be a number {'>= 0' if column == 'offered' else '> 0'}"
            )
        frame[column] = values
    return frame


def staffing_table(
    workload: pd.DataFrame,
    *,
    interval_seconds: float = 1800.0,
    target_seconds: float = 20.0,
    service_level_goal: float = 0.8,
    shrinkage: float = 0.3,
) -> pd.DataFrame:
    """Required agents per interval by Erlang C and Erlang A, with rostered heads."""
    arrival_rate = workload["offered"].to_numpy(float) / interval_seconds
    aht = workload["aht_seconds"].to_numpy(float)
    patience = workload["patience_seconds"].to_numpy(float)
    traffic = arrival_rate * aht
    n_c = required_agents(traffic, aht, target_seconds, service_level_goal)
    n_a = required_agents(
        traffic, aht, target_seconds, service_level_goal, model="erlang_a", patience=patience
    )
    model_a = erlang_a(n_a, arrival_rate, aht, patience)
    table: pd.DataFrame = pd.DataFrame(
        {
            "queue": workload["queue"],
            "interval": workload["interval_start"],
            "offered": workload["offered"],
            "traffic_erlangs": traffic.round(2),
            "agents_erlang_c": n_c,
            "sl_erlang_c": service_level(n_c, traffic, aht, target_seconds).round(3),
            "agents_erlang_a": n_a,
            "sl_erlang_a": model_a.service_level(target_seconds).round(3),
            "abandon_erlang_a": np.asarray(model_a.p_abandon).round(3),
            "rostered": scheduled_agents(n_a, shrinkage),
        }
    )
    return table


def render(workload_path: Path | None = None) -> str:
    workload = load_workload(workload_path or SAMPLE_WORKLOAD)
    table = staffing_table(workload)
    summary = table.groupby("queue", sort=False)[
        ["offered", "agents_erlang_c", "agents_erlang_a", "rostered"]
    ].agg({"offered": "sum", "agents_erlang_c": "max", "agents_erlang_a": "max", "rostered": "max"})
    lines = [
        "Staffing for 80% of calls answered in 20 s, 30% shrinkage",
        "",
        table.to_string(index=False),
        "",
        "Peak requirement per queue:",
        summary.to_string(),
    ]
    return "\n".join(lines)
