"""Routing policy and its life cycle: from chosen capacities to a deployable, checked change.

Staffing (one pipeline for the CLI, the notebooks and the deployment):

- ``goals``: :class:`ServiceGoal` and :func:`resolve_goals` (override, WFM, org, default);
- ``requirements``: :func:`required_staffing` (Erlang C and A), predicted service,
  scenarios and sensitivity; ``simulated``: :func:`add_simulation`;
- ``capacity_plan``: the typed, versioned :class:`CapacityPlan` hand-off to deployment;
- ``org_inputs``: what the pipeline reads from an org; ``workload_csv``: workload files;
  ``staffed``: agents actually on queue, from a table the caller supplies.
"""

from .capacity_plan import (
    CapacityPlan,
    CapacityPlanError,
    HistoryWindow,
    OrgRef,
    build_capacity_plan,
)
from .goals import DEFAULT_GOAL, GoalOverrides, ServiceGoal, resolve_goals
from .requirements import StaffingOptions, model_notes, predicted_service, required_staffing
from .simulated import add_simulation
from .sweep import sweep
from .workload_csv import WorkloadFileError, read_workload, write_workload

__all__ = [
    "DEFAULT_GOAL",
    "CapacityPlan",
    "CapacityPlanError",
    "GoalOverrides",
    "HistoryWindow",
    "OrgRef",
    "ServiceGoal",
    "StaffingOptions",
    "WorkloadFileError",
    "add_simulation",
    "build_capacity_plan",
    "model_notes",
    "predicted_service",
    "read_workload",
    "required_staffing",
    "resolve_goals",
    "sweep",
    "write_workload",
]
