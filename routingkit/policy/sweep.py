"""Scenario sweeps: every queue's required staffing under every scenario, at any scale.

A sweep crosses a typical week (the input of ``required_staffing``) with a table of scenarios,
one row each: multipliers of volume, handle time, patience and concurrency, a service goal for
every queue, and staffing options (shrinkage, caps). The work is partitioned by queue x
scenario, a queue being one queue id and media type as in every staffing table; each partition
is staffed by the one pipeline (``required_staffing``, then ``add_simulation``) and answers the
same wherever it runs: the formulas are pure functions of the partition's rows, and the
simulation of each (queue, scenario) draws its replications from random streams derived, with
``numpy.random.SeedSequence``, from ``seed``, the queue id, the media type and the scenario
name (never from the order of the work), each replication and day its own stream.

It runs in this process by default; on a LocalCluster or an existing Dask scheduler when asked
(``routingkit.policy.cluster``): in-process, on a LocalCluster and on a remote scheduler the
tables are identical to the last bit.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ..capacity.staffing import scheduled_agents
from .cluster import SchedulerError, dask_client
from .goals import ServiceGoal
from .requirements import (
    KEYS,
    MODELS,
    StaffingOptions,
    check_week,
    required_staffing,
    requirement_summary,
    scale_week,
    with_goals,
)
from .simulated import add_simulation

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = [
    "SCENARIO_COLUMNS",
    "Scenario",
    "SchedulerError",
    "SweepError",
    "read_scenarios",
    "scenario_grid",
    "simulation_seed",
    "sweep",
    "what_ifs",
]

FACTORS = ("volume", "aht", "patience", "concurrency")
OPTION_COLUMNS = ("shrinkage", "max_abandon", "max_occupancy", "max_asa_seconds")
SCENARIO_COLUMNS = ("scenario", *FACTORS, "goal", *OPTION_COLUMNS)
# Voice is one call at a time in Genesys Cloud (its utilization capacity is fixed at 1).
ONE_AT_A_TIME_MEDIA = frozenset({"voice", "call"})
Detail = Literal["queue", "interval"]


class SweepError(RuntimeError):
    """A sweep could not finish; the message names the scenarios and queues that were lost."""


@dataclass(frozen=True)
class Scenario:
    """One what-if: multipliers of the typical week, a goal for every queue, staffing options.

    ``volume``, ``aht``, ``patience``: factors on arrival rates, handle times and patience
    (1.0: unchanged). ``concurrency``: factor on the interactions an agent works at once, per
    media type other than voice, rounded down to whole interactions and at least 1. ``goal``:
    every queue's service goal in this scenario (None: each queue's own). ``options``: the
    sweep's options with this scenario's shrinkage and caps.
    """

    name: str
    options: StaffingOptions
    volume: float = 1.0
    aht: float = 1.0
    patience: float = 1.0
    concurrency: float = 1.0
    goal: ServiceGoal | None = None


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _default_name(row: Mapping[str, Any]) -> str:
    parts = [
        f"{label} x{float(row[column]):g}"
        for column, label in (
            ("volume", "volume"),
            ("aht", "AHT"),
            ("patience", "patience"),
            ("concurrency", "concurrency"),
        )
        if not _missing(row.get(column)) and float(row[column]) != 1.0
    ]
    if not _missing(row.get("goal")):
        parts.append(f"goal {ServiceGoal.parse(row['goal'])}")
    parts += [
        f"{column} {float(row[column]):g}"
        for column in OPTION_COLUMNS
        if not _missing(row.get(column))
    ]
    return ", ".join(parts) or "base"


def read_scenarios(
    scenarios: pd.DataFrame | Iterable[Mapping[str, Any]] | None,
    options: StaffingOptions | None = None,
) -> list[Scenario]:
    """The rows of a scenario table, checked, as :class:`Scenario` objects.

    Columns (all optional): ``scenario`` (a unique name; default: made from the row's values,
    ``"base"`` when it changes nothing), ``volume``, ``aht``, ``patience``, ``concurrency``
    (factors > 0), ``goal`` (``"90% in 10s"``), ``shrinkage``, ``max_abandon``,
    ``max_occupancy``, ``max_asa_seconds`` (as in :class:`StaffingOptions`). An empty cell
    keeps the sweep's value. None: the base case only. Errors name the row and the column.
    """
    options = options or StaffingOptions()
    if scenarios is None:
        return [Scenario(name="base", options=options)]
    table = scenarios if isinstance(scenarios, pd.DataFrame) else pd.DataFrame(list(scenarios))
    unknown = [str(c) for c in table.columns if c not in SCENARIO_COLUMNS]
    if unknown:
        raise ValueError(
            f"the scenario table has column(s) {', '.join(unknown)}, which a sweep does not "
            f"know; use {', '.join(SCENARIO_COLUMNS)}"
        )
    if table.empty:
        raise ValueError("the scenario table has no rows; give at least one scenario")
    records: list[dict[Any, Any]] = table.to_dict(orient="records")
    result: list[Scenario] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(records, start=1):
        name = str(row["scenario"]).strip() if not _missing(row.get("scenario")) else ""
        where = f"scenario row {number}" + (f" ({name!r})" if name else "")
        factors: dict[str, float] = {}
        for column in FACTORS:
            value = row.get(column)
            if _missing(value):
                continue
            try:
                factor = float(str(value))
            except (TypeError, ValueError):
                factor = math.nan
            if not (math.isfinite(factor) and factor > 0):
                raise ValueError(
                    f"{where}: {column} is {value!r}; give a factor > 0 (1.0 = unchanged)"
                )
            factors[column] = factor
        goal = None
        if not _missing(row.get("goal")):
            try:
                goal = ServiceGoal.parse(row["goal"])
            except (ValueError, ValidationError) as exc:
                raise ValueError(f"{where}: goal: {_first_line(exc)}") from None
        changes = {c: row[c] for c in OPTION_COLUMNS if not _missing(row.get(c))}
        try:
            chosen = StaffingOptions.model_validate({**options.model_dump(), **changes})
        except ValidationError as exc:
            error = exc.errors()[0]
            raise ValueError(
                f"{where}: {error['loc'][0]} is {error.get('input')!r}: {error['msg']}"
            ) from None
        name = name or _default_name(row)
        if name in seen:
            raise ValueError(
                f"scenario rows {seen[name]} and {number} are both named {name!r}; give each "
                "scenario its own name (it keys the results and the random streams)"
            )
        seen[name] = number
        result.append(Scenario(name=name, options=chosen, goal=goal, **factors))
    return result


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def what_ifs(*, volume_change: float, aht_change: float, patience_factor: float) -> pd.DataFrame:
    """The staffing notebook's scenario table: the base case and three one-factor what-ifs."""
    table: pd.DataFrame = pd.DataFrame(
        {
            "scenario": [
                "base",
                f"volume {volume_change:+.0%}",
                f"AHT {aht_change:+.0%}",
                f"patience x{patience_factor:g}",
            ],
            "volume": [1.0, 1.0 + volume_change, 1.0, 1.0],
            "aht": [1.0, 1.0, 1.0 + aht_change, 1.0],
            "patience": [1.0, 1.0, 1.0, patience_factor],
        }
    )
    return table


def scenario_grid(**values: Sequence[Any]) -> pd.DataFrame:
    """Every combination of the given columns' values, one scenario each, named by its values.

    ``scenario_grid(volume=[0.9, 1.0, 1.1], aht=[1.0, 1.1], shrinkage=[0.3, 0.35])`` is 12
    scenarios; the columns are those of :func:`read_scenarios`.
    """
    unknown = [c for c in values if c not in SCENARIO_COLUMNS or c == "scenario"]
    if unknown:
        raise ValueError(
            f"scenario_grid takes {', '.join(SCENARIO_COLUMNS[1:])}; not {', '.join(unknown)}"
        )
    rows = [dict(zip(values, combo, strict=True)) for combo in itertools.product(*values.values())]
    table: pd.DataFrame = pd.DataFrame(rows, columns=list(values))
    table.insert(0, "scenario", [case.name for case in read_scenarios(table)])
    return table


def _key_words(text: str) -> list[int]:
    # A digest per key, so that ("ab", "c") and ("a", "bc") are different streams, and stable
    # across processes and machines (unlike hash(), which is salted per process).
    digest = hashlib.sha256(text.encode("utf-8")).digest()[:16]
    return [int(w) for w in np.frombuffer(digest, dtype="<u4")]


def simulation_seed(seed: int, queue_id: str, media_type: str, scenario: str) -> int:
    """The seed of one (queue, scenario) simulation: a 128-bit number from its keys alone.

    ``simulate_queue`` spawns replication ``r`` of day ``d`` from it as
    ``SeedSequence(seed, spawn_key=(d, r))``: every replication has its own stream, whatever
    else is swept and in whatever order.
    """
    entropy = [int(seed), *_key_words(queue_id), *_key_words(media_type), *_key_words(scenario)]
    words = np.random.SeedSequence(entropy).generate_state(4, dtype=np.uint32)
    return int.from_bytes(words.astype("<u4").tobytes(), "little")


@dataclass(frozen=True)
class _Settings:
    """What every partition is staffed with, besides its scenario."""

    models: tuple[str, ...]
    replications: int
    seed: int
    concurrency: Mapping[str, int]
    detail: Detail


def _concurrency(base: Mapping[str, int], factor: float, media: Iterable[str]) -> dict[str, int]:
    out = {str(m): int(base.get(str(m), 1)) for m in media}
    if factor == 1.0:
        return out
    return {
        m: k if m in ONE_AT_A_TIME_MEDIA else max(1, math.floor(k * factor + 1e-9))
        for m, k in out.items()
    }


def _scenario_goals(goals: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    if scenario.goal is None:
        return goals
    out: pd.DataFrame = goals.copy()
    out["goal_service_level"] = scenario.goal.service_level
    out["target_seconds"] = scenario.goal.target_seconds
    out["goal_source"] = "override"
    out["goal_note"] = f"scenario {scenario.name}"
    return out


def staff_partition(
    week: pd.DataFrame, goals: pd.DataFrame, scenario: Scenario, settings: _Settings
) -> pd.DataFrame:
    """One block of queues under one scenario: the task every scheduler runs.

    Returns interval rows (the ``required_staffing`` columns, the chosen models, ``shrinkage``
    and ``rostered_<model>``) or, for ``detail="queue"``, their ``requirement_summary``; with
    the ``scenario`` column first either way.
    """
    try:
        case = scale_week(
            week, volume=scenario.volume, aht=scenario.aht, patience=scenario.patience
        )
        per_agent = _concurrency(
            settings.concurrency, scenario.concurrency, case["media_type"].unique()
        )
        plan = required_staffing(
            case, _scenario_goals(goals, scenario), scenario.options, concurrency=per_agent
        )
        if "simulation" in settings.models:
            plan["simulation"] = plan["erlang_a"]
            for key, rows in plan.groupby(KEYS, observed=True, sort=False):
                simulated = add_simulation(
                    rows,
                    scenario.options,
                    replications=settings.replications,
                    seed=simulation_seed(settings.seed, str(key[0]), str(key[2]), scenario.name),
                )
                plan.loc[rows.index, "simulation"] = simulated["simulation"]
            plan["simulation"] = plan["simulation"].astype(np.int64)
    except ValueError as exc:
        raise ValueError(f"scenario {scenario.name!r}: {exc}") from None
    dropped = [m for m in MODELS if m in plan.columns and m not in settings.models]
    if "erlang_a" not in settings.models:
        dropped.append("erlang_a_is_erlang_c")
    plan = plan.drop(columns=dropped)
    plan["shrinkage"] = scenario.options.shrinkage
    rostered = [f"rostered_{m}" for m in settings.models]
    for model, column in zip(settings.models, rostered, strict=True):
        plan[column] = np.asarray(
            scheduled_agents(plan[model].to_numpy(), scenario.options.shrinkage), dtype=np.int64
        )
    if settings.detail == "queue":
        plan = requirement_summary(plan, [*settings.models, *rostered])
    plan.insert(0, "scenario", scenario.name)
    result: pd.DataFrame = plan.reset_index(drop=True)
    return result


@dataclass(frozen=True)
class _Task:
    """One block of queues under one or more scenarios (numbered in the sweep's order)."""

    number: int
    scenarios: tuple[tuple[int, Scenario], ...]
    block: int

    def describe(self, queues: Sequence[pd.DataFrame]) -> str:
        names = queues[self.block]["queue_name"].astype(str).unique()
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        cases = ", ".join(repr(s.name) for _, s in self.scenarios[:3]) + (
            f" and {len(self.scenarios) - 3} more" if len(self.scenarios) > 3 else ""
        )
        return f"scenario {cases} x {shown}"


def _plan_tasks(cases: Sequence[Scenario], blocks: int, per_task: int) -> list[_Task]:
    """Blocks x groups of ``per_task`` consecutive scenarios, scenario-major like the answer."""
    numbered = list(enumerate(cases))
    groups = [tuple(numbered[i : i + per_task]) for i in range(0, len(numbered), per_task)]
    return [
        _Task(number, group, block)
        for number, (group, block) in enumerate(itertools.product(groups, range(blocks)))
    ]


def _scenarios_per_task(cases: int, blocks: int, threads: int) -> int:
    """On a cluster, scenarios grouped so that there are about 16 tasks per worker thread.

    A task costs the scheduler and the client a few milliseconds of CPU whatever its size (on
    a LocalCluster, on the same cores as the workers); 16 per thread keeps that small and
    still balances the load (the last tasks to finish are 1/16 of a thread's share).
    """
    return max(1, min(cases, (cases * blocks) // (16 * max(threads, 1))))


def _staff_group(
    week: pd.DataFrame,
    goals: pd.DataFrame,
    scenarios: tuple[tuple[int, Scenario], ...],
    settings: _Settings,
) -> list[pd.DataFrame]:
    """The task a cluster runs: :func:`staff_partition` for each scenario of the group."""
    return [staff_partition(week, goals, scenario, settings) for _, scenario in scenarios]


def _blocks(week: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    """The week's rows in blocks of ``size`` queues, in the order the queues first appear."""
    queue = week.groupby(KEYS, observed=True, sort=False).ngroup().to_numpy()
    order = np.argsort(queue, kind="stable")
    bounds = np.searchsorted(queue[order], np.arange(0, int(queue.max()) + 1, size))
    parts = np.split(order, bounds[1:])
    return [week.iloc[np.sort(rows)].reset_index(drop=True) for rows in parts]


def _progress(total: int, enabled: bool, what: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=what, unit="task")


def sweep(
    week: pd.DataFrame,
    goals: pd.DataFrame,
    scenarios: pd.DataFrame | Iterable[Mapping[str, Any]] | None = None,
    *,
    options: StaffingOptions | None = None,
    models: Sequence[str] = ("erlang_c", "erlang_a"),
    replications: int = 10,
    seed: int = 0,
    concurrency: Mapping[str, int] | None = None,
    detail: Detail = "queue",
    scheduler: Any = None,
    workers: int | None = None,
    queues_per_task: int | None = None,
    scenarios_per_task: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Required agents for every queue of ``week`` under every scenario, as one tidy table.

    ``week``, ``goals``, ``options``, ``concurrency``: as for ``required_staffing``.
    ``scenarios``: a table as :func:`read_scenarios` reads it (see also :func:`what_ifs` and
    :func:`scenario_grid`). ``models``: any of ``erlang_c``, ``erlang_a``, ``simulation``
    (``add_simulation`` from Erlang A, ``replications`` per queue-day, seeds derived from
    ``seed`` and the keys, see :func:`simulation_seed`).

    ``detail="queue"``: one row per scenario and queue, with the goal, then per model
    ``<model>_peak`` and ``<model>_agent_hours`` (on queue), ``rostered_<model>_peak`` and
    ``rostered_<model>_agent_hours`` (heads after the scenario's shrinkage).
    ``detail="interval"``: one row per scenario and interval: the ``required_staffing`` table,
    each model's agents, ``shrinkage`` and ``rostered_<model>``. Rows come scenario by scenario
    (in the table's order), queues in the week's order.

    ``scheduler``: None (in this process, or ``DASK_SCHEDULER_ADDRESS``), ``"local"`` (a
    LocalCluster of ``workers`` processes), an address or a ``distributed.Client`` (see
    ``routingkit.policy.cluster``); the answer is the same on each. ``queues_per_task``: queues
    in one task (default 250, 10 with simulation); ``scenarios_per_task``: scenarios in one
    task (default 1 in this process; on a cluster, enough for about 16 tasks per worker
    thread, since every task costs the scheduler a few milliseconds). Both change the
    scheduling, never the answer.
    ``progress``: a progress bar of tasks (in the notebook or on stderr).
    """
    options = options or StaffingOptions()
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise ValueError(
            f"models {list(models)!r} are not all known; choose from {', '.join(MODELS)}"
        )
    chosen = tuple(m for m in MODELS if m in models)
    if "simulation" in chosen and replications < 2:
        raise ValueError(f"replications is {replications}; a confidence interval needs >= 2")
    if detail not in ("queue", "interval"):
        raise ValueError(f"detail is {detail!r}; choose 'queue' or 'interval'")
    for name, given in (
        ("queues_per_task", queues_per_task),
        ("scenarios_per_task", scenarios_per_task),
    ):
        if given is not None and given < 1:
            raise ValueError(f"{name} is {given}; give 1 or more")
    cases = read_scenarios(scenarios, options)
    check_week(week)
    with_goals(week, goals)  # every queue has a goal: refused here, before any work starts
    settings = _Settings(chosen, int(replications), int(seed), dict(concurrency or {}), detail)
    size = queues_per_task or (10 if "simulation" in chosen else 250)
    blocks = _blocks(week, size)
    what = f"sweep of {len(cases)} scenario(s) x {len(blocks)} block(s) of queues"
    with dask_client(scheduler, workers=workers) as client:
        if client is None:
            tasks = _plan_tasks(cases, len(blocks), scenarios_per_task or 1)
            parts = _run_here(tasks, blocks, goals, settings, progress, what)
        else:
            threads = sum(client.nthreads().values())
            # no worker yet (a scheduler still booting them): one scenario per task, which
            # balances on any number of workers that join
            per_task = scenarios_per_task or (
                _scenarios_per_task(len(cases), len(blocks), threads) if threads else 1
            )
            tasks = _plan_tasks(cases, len(blocks), per_task)
            parts = _run_on(client, tasks, blocks, goals, settings, progress, what)
    combined: pd.DataFrame = pd.concat(parts, ignore_index=True)
    return combined


def _run_here(
    tasks: list[_Task],
    blocks: list[pd.DataFrame],
    goals: pd.DataFrame,
    settings: _Settings,
    progress: bool,
    what: str,
) -> list[pd.DataFrame]:
    parts: dict[tuple[int, int], pd.DataFrame] = {}
    with _progress(len(tasks), progress, what) as bar:
        for task in tasks:
            tables = _staff_group(blocks[task.block], goals, task.scenarios, settings)
            parts.update(_by_scenario(task, tables))
            bar.update(1)
    return [parts[key] for key in sorted(parts)]


def _by_scenario(task: _Task, tables: list[pd.DataFrame]) -> dict[tuple[int, int], pd.DataFrame]:
    """A task's tables keyed (scenario number, block): the answer's order when sorted."""
    return {
        (number, task.block): table
        for (number, _), table in zip(task.scenarios, tables, strict=True)
    }


def _run_on(
    client: Client,
    tasks: list[_Task],
    blocks: list[pd.DataFrame],
    goals: pd.DataFrame,
    settings: _Settings,
    progress: bool,
    what: str,
) -> list[pd.DataFrame]:
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    run = uuid.uuid4().hex[:8]
    # The inputs enter the graph once each, as tasks rather than scattered data: a worker that
    # dies with them is recomputed from the graph, not lost.
    goals_data = client.submit(_same, goals, key=f"sweep-goals-{run}", pure=False)
    block_data = [
        client.submit(_same, block, key=f"sweep-queues-{run}-{b}", pure=False)
        for b, block in enumerate(blocks)
    ]
    futures: dict[Future, _Task] = {}
    for task in tasks:
        future = client.submit(
            _staff_group,
            block_data[task.block],
            goals_data,
            task.scenarios,
            settings,
            key=f"sweep-{run}-{task.number}",
            pure=False,
        )
        futures[future] = task
    parts: dict[tuple[int, int], pd.DataFrame] = {}
    done: set[int] = set()
    try:
        with _progress(len(tasks), progress, what) as bar:
            # Results fetched in batches of whatever has finished: one round trip each.
            for batch in as_completed(list(futures)).batches():
                try:
                    tables = client.gather(batch)
                except KilledWorker as exc:
                    lost = next((t for f, t in futures.items() if f.key == exc.task), None)
                    unfinished = [t.describe(blocks) for t in tasks if t.number not in done]
                    raise SweepError(
                        f"the sweep lost its workers: {exc.task!r}"
                        + (f" ({lost.describe(blocks)})" if lost else "")
                        + f" had {exc.allowed_failures + 1} worker(s) die while running it (the "
                        "limit is distributed.scheduler.allowed-failures; most often a worker "
                        "runs out of memory); nothing was returned. Unfinished: "
                        f"{'; '.join(unfinished)}. Give the workers more memory or use a "
                        "smaller queues_per_task"
                    ) from None
                for future, table in zip(batch, tables, strict=True):
                    parts.update(_by_scenario(futures[future], table))
                    done.add(futures[future].number)
                    future.release()  # its rows are here now: the worker may drop them
                bar.update(len(batch))
    finally:
        client.cancel([*futures, *block_data, goals_data])
    return [parts[key] for key in sorted(parts)]


def _same(value: pd.DataFrame) -> pd.DataFrame:
    return value
