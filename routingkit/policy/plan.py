"""The deployment plan: what a policy would change in the org, and what that does to service.

``build_plan`` reads the org once (a snapshot), compiles the policy on top of it, and records
per queue the field-level diff of the full queue object (including what a full-replace PUT
would clear), the members to add and remove, ring changes, the org utilization changes, and,
with a capacity plan, the predicted service level, ASA, abandon rate and occupancy at the peak
interval and over the week, before and after: by Erlang A/C per queue, and, where bullseye
rings, conditional routing, preferred-agent rules or shared agents matter, by the routing-network
simulation as well (``network_impact``). It warns where a changed queue's service level
disagrees with the goal WFM schedules it to (``wfm_goal_check``). A plan is immutable: its id is
a hash of the org, the base it was computed from and the changes (not of the predictions), so
the id a reviewer saw is the plan applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from ..genesys import GenesysClient, GenesysError
from ..genesys.models import Queue, Utilization
from ..vocabulary.queue_fields import service_level_setting
from .capacity_plan import CapacityPlan, OrgRef
from .compile import Finding, compile_queue, compile_utilization
from .diff import FieldChange, diff, queue_json
from .members import MemberChanges, plan_members
from .network_impact import (
    DEFAULT_REPLICATIONS,
    SEED,
    NetworkFigures,
    NetworkImpact,
    linked_queue_ids,
    predict_network,
)
from .network_impact import assumptions as network_assumptions
from .requirements import predicted_service
from .snapshot import OrgSnapshot, take_snapshot
from .spec import Policy, QueuePolicy
from .validation_errors import PolicyFileError, explain
from .wfm_forecast import ForecastChange, plan_forecast
from .wfm_goal_check import wfm_disagreements, wfm_goals
from .wfm_templates import TemplateChange, WfmState, read_wfm_state, template_changes

PLAN_SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FindingModel(_Frozen):
    path: str
    message: str
    severity: Literal["error", "warning"]


class Change(_Frozen):
    path: str
    kind: Literal["added", "changed", "removed"]
    before: Any = None
    after: Any = None


class ServiceFigures(_Frozen):
    service_level: float
    asa_seconds: float | None
    abandon_rate: float
    occupancy: float


class Impact(_Frozen):
    """Predicted service of one queue and media type, before and after the change."""

    media_type: str
    goal_before: str
    goal_after: str
    goal_service_level_after: float
    members_before: int
    members_after: int
    peak_before: ServiceFigures
    peak_after: ServiceFigures
    week_before: ServiceFigures
    week_after: ServiceFigures
    # the routing-network simulation, where it matters (None: not simulated; plans made
    # before it existed have none)
    network: NetworkImpact | None = None

    @property
    def misses_goal_after(self) -> bool:
        return self.week_after.service_level < self.goal_service_level_after


class QueuePlan(_Frozen):
    queue_name: str
    queue_id: str | None
    action: Literal["create", "update", "unchanged"]
    changes: list[Change] = []
    base: dict[str, Any] | None = None  # the queue as read (full API JSON)
    desired: dict[str, Any] | None = None  # the full object to write
    base_members: list[dict[str, Any]] = []  # {id, ringNumber, memberBy}
    members_add: list[str] = []
    members_remove: list[str] = []
    ring_changes: dict[str, int] = {}
    members_wanted: int | None = None
    members_eligible: int | None = None
    impact: list[Impact] = []

    @property
    def has_changes(self) -> bool:
        return bool(
            self.action != "unchanged"
            or self.members_add
            or self.members_remove
            or self.ring_changes
        )


class UtilizationPlan(_Frozen):
    changes: list[Change] = []
    base: dict[str, Any]
    desired: dict[str, Any]


class Plan(_Frozen):
    """An immutable deployment plan for one org (see the module docstring)."""

    schema_version: Literal[1] = 1
    id: str
    created_at: dt.datetime
    org: OrgRef
    queues: list[QueuePlan]
    utilization: UtilizationPlan | None = None
    wfm_templates: list[TemplateChange] = []  # WFM goals that follow the queues' new ones
    wfm_forecast: ForecastChange | None = None  # the capacity plan's week, imported into WFM
    findings: list[FindingModel] = []
    assumptions: list[str] = []
    capacity_plan_created_at: dt.datetime | None = None
    on_queue_fraction: float | None = None
    # queues outside the policy that conditional-routing rules link to its queues, as the
    # routing-network simulation predicts them
    network_linked: list[NetworkImpact] = []

    @property
    def has_changes(self) -> bool:
        return (
            any(q.has_changes for q in self.queues)
            or bool(self.utilization and self.utilization.changes)
            or bool(self.wfm_templates)
            or self.wfm_forecast is not None
        )

    @property
    def changed_queues(self) -> list[QueuePlan]:
        return [q for q in self.queues if q.has_changes]

    # -- rendering ---------------------------------------------------------------------
    def summary(self) -> str:
        queues = self.changed_queues
        added = sum(len(q.members_add) for q in self.queues)
        removed = sum(len(q.members_remove) for q in self.queues)
        parts = [
            f"Plan {self.id} for org {self.org.name or ''} ({self.org.id}): "
            + (
                f"{len(queues)} queue(s) to change, {added} member(s) to add, {removed} to remove"
                if self.has_changes
                else "no changes"
            )
        ]
        if self.utilization and self.utilization.changes:
            parts.append(f"org utilization: {len(self.utilization.changes)} field(s) change")
        if self.wfm_templates:
            parts.append(f"WFM: {len(self.wfm_templates)} service goal template(s) follow")
        if self.wfm_forecast is not None:
            parts.append(f"WFM: forecast of the week of {self.wfm_forecast.week_date} imported")
        missing = [
            f"{q.queue_name} / {i.media_type}" for q in self.queues for i in q.impact
            if i.misses_goal_after
        ]  # fmt: skip
        if missing:
            parts.append("still predicted to miss their goal: " + ", ".join(missing))
        return "; ".join(parts)

    def headlines(self) -> list[str]:
        """What the plan does and predicts, in a few lines (the deploy report's headlines)."""
        first = self.summary().split("; still predicted to miss their goal")[0]
        lines = [first.replace(f" for org {self.org.name or ''} ({self.org.id})", "")]
        impacts = [(q.queue_name, i) for q in self.changed_queues for i in q.impact]
        missing = [f"{name} / {i.media_type}" for name, i in impacts if i.misses_goal_after]
        if missing:
            lines.append("Still predicted to miss the goal after the change: " + ", ".join(missing))
        elif impacts:
            lines.append(
                f"After the change, all {len(impacts)} changed queue and media type(s) are "
                "predicted to meet their goal over the week"
            )
        simulated = [
            (name, i.network)
            for name, i in impacts
            if i.network is not None and i.network.day_before and i.network.day_after
        ]
        if simulated:
            lines.append(
                "Routing-network simulation, service level over the peak day: "
                + "; ".join(
                    f"{name} {n.day_before.service_level:.1%} -> {n.day_after.service_level:.1%}"
                    for name, n in simulated[:4]
                    if n.day_before and n.day_after
                )
            )
        warnings = [f for f in self.findings if f.severity == "warning"]
        if warnings:
            shown = ", ".join(f.path for f in warnings[:3])
            more = f" and {len(warnings) - 3} more" if len(warnings) > 3 else ""
            lines.append(f"{len(warnings)} warning(s) to read before applying: {shown}{more}")
        return lines

    def review_text(self, width: int = 100) -> str:
        """The summary, then the findings, wrapped to ``width``: what a reviewer reads first."""
        import textwrap

        summary = textwrap.fill(self.summary(), width, subsequent_indent="  ")
        return "\n".join(part for part in (summary, self.findings_text(width)) if part)

    def findings_text(self, width: int = 100) -> str:
        """Every finding as ``severity: path``, then its message wrapped to ``width``."""
        import textwrap

        return "\n".join(
            f"{f.severity}: {f.path}\n"
            + textwrap.fill(f.message, width, initial_indent="  ", subsequent_indent="  ")
            for f in self.findings
        )

    def to_text(self) -> str:
        lines = [self.summary(), ""]
        for finding in self.findings:
            lines.append(f"{finding.severity}: {finding.path}: {finding.message}")
        for queue in self.queues:
            if not queue.has_changes:
                continue
            lines.append(f"{queue.action} queue {queue.queue_name}")
            lines.extend(
                f"  {FieldChange(c.path, c.kind, c.before, c.after)}" for c in queue.changes
            )
            if queue.members_add or queue.members_remove:
                lines.append(
                    f"  members: +{len(queue.members_add)} -{len(queue.members_remove)} "
                    f"(wanted {queue.members_wanted}, eligible {queue.members_eligible})"
                )
            if queue.ring_changes:
                lines.append(f"  ring numbers: {len(queue.ring_changes)} member(s) move")
            for impact in queue.impact:
                lines.append(f"  {_impact_line(impact)}")
                if impact.network is not None:
                    lines.append(f"    {_network_line(impact.network)}")
        others = self._network_elsewhere()
        if others:
            lines.append("predicted effect on queues this plan does not change")
            lines.extend(f"  {n.queue_name}: {_network_line(n)}" for n in others)
        if self.utilization and self.utilization.changes:
            lines.append("org utilization")
            lines.extend(
                f"  {FieldChange(c.path, c.kind, c.before, c.after)}"
                for c in self.utilization.changes
            )
        for template in self.wfm_templates:
            lines.append(f"WFM service goal template {template.template_name}")
            lines.append(
                f"  service level {template.goal_before} -> {template.goal_after} (for "
                f"{', '.join(template.queues)}; written with version {template.version})"
            )
        if self.wfm_forecast is not None:
            forecast = self.wfm_forecast
            lines.append(f"WFM short-term forecast for the week of {forecast.week_date}")
            lines.append(
                f"  import {forecast.offered_per_week:,.0f} offered interactions for planning "
                f"group(s) {', '.join(forecast.planning_groups)} ({forecast.description})"
            )
            lines.extend(f"  note: {n}" for n in forecast.notes)
        if self.assumptions:
            lines += ["", "Assumptions:", *(f"- {a}" for a in self.assumptions)]
        return "\n".join(lines)

    def _network_elsewhere(self) -> list[NetworkImpact]:
        """Network predictions of queues the plan does not change: unchanged queues of the
        policy and linked queues outside it."""
        unchanged = [
            i.network
            for q in self.queues
            if not q.has_changes
            for i in q.impact
            if i.network is not None
        ]
        return [*unchanged, *self.network_linked]

    def headline_table(self) -> pd.DataFrame:
        """One row per changed queue (and media type): what changes and what it does; with
        the routing-network simulation's service level where it ran (mean ± half-width)."""
        simulated = any(i.network for q in self.queues for i in q.impact)
        rows = []
        for queue in self.changed_queues:
            # "unchanged" describes the queue object; here only its membership changes
            action = "members only" if queue.action == "unchanged" else queue.action
            base = {
                "queue": queue.queue_name,
                "action": action,
                "fields changed": len(queue.changes),
                "members added": len(queue.members_add),
                "members removed": len(queue.members_remove),
            }
            if not queue.impact:
                rows.append(base)
            for impact in queue.impact:
                rows.append(
                    {
                        **base,
                        "media": impact.media_type,
                        "goal": impact.goal_after,
                        "service level (week)": f"{impact.week_before.service_level:.1%} -> "
                        f"{impact.week_after.service_level:.1%}",
                        "service level (peak)": f"{impact.peak_before.service_level:.1%} -> "
                        f"{impact.peak_after.service_level:.1%}",
                        "ASA (week)": _seconds(impact.week_before.asa_seconds)
                        + " -> "
                        + _seconds(impact.week_after.asa_seconds),
                        "abandoned (week)": f"{impact.week_before.abandon_rate:.1%} -> "
                        f"{impact.week_after.abandon_rate:.1%}",
                        "misses goal after": "yes" if impact.misses_goal_after else "no",
                        **(_network_columns(impact.network) if simulated else {}),
                    }
                )
        table: pd.DataFrame = pd.DataFrame(rows)
        return table

    def diff_table(self) -> pd.DataFrame:
        """Every field-level change: queue, field path, kind, before, after."""
        rows = [
            {
                "queue": queue.queue_name,
                "field": change.path,
                "change": change.kind,
                "before": _cell(change.before),
                "after": _cell(change.after),
            }
            for queue in self.queues
            for change in queue.changes
        ] + [
            {
                "queue": template.label,
                "field": "serviceLevel",
                "change": "changed",
                "before": template.goal_before,
                "after": template.goal_after,
            }
            for template in self.wfm_templates
        ]
        if self.wfm_forecast is not None:
            rows.append(
                {
                    "queue": self.wfm_forecast.label,
                    "field": "shortTermForecast",
                    "change": "added",
                    "before": "",
                    "after": f"{self.wfm_forecast.offered_per_week:,.0f} offered, "
                    f"{len(self.wfm_forecast.planning_groups)} planning group(s)",
                }
            )
        table: pd.DataFrame = pd.DataFrame(
            rows, columns=["queue", "field", "change", "before", "after"]
        )
        return table

    def _repr_html_(self) -> str:
        rows = []
        for queue in self.queues:
            for change in queue.changes:
                rows.append(
                    (queue.queue_name, change.path, change.kind, change.before, change.after)
                )
            if queue.members_add or queue.members_remove:
                rows.append(
                    (queue.queue_name, "members", "changed",
                     f"{len(queue.base_members)} members",
                     f"+{len(queue.members_add)} / -{len(queue.members_remove)}")
                )  # fmt: skip
        for template in self.wfm_templates:
            rows.append(
                (template.label, "serviceLevel", "changed", template.goal_before,
                 template.goal_after)
            )  # fmt: skip
        if self.wfm_forecast is not None:
            rows.append(
                (self.wfm_forecast.label, "shortTermForecast", "added", None,
                 f"{self.wfm_forecast.offered_per_week:,.0f} offered, "
                 f"{len(self.wfm_forecast.planning_groups)} planning group(s)")
            )  # fmt: skip
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
            for row in rows
        )
        impacts = "".join(
            f"<li>{html.escape(q.queue_name)}: {html.escape(_impact_line(i))}"
            + (f"<br>{html.escape(_network_line(i.network))}" if i.network else "")
            + "</li>"
            for q in self.queues
            for i in q.impact
        ) + "".join(
            f"<li>{html.escape(n.queue_name)} (not changed): {html.escape(_network_line(n))}</li>"
            for n in self.network_linked
        )
        return (
            f"<p><b>{html.escape(self.summary())}</b></p>"
            + (
                "<table><thead><tr><th>queue</th><th>field</th><th>change</th><th>before</th>"
                f"<th>after</th></tr></thead><tbody>{cells}</tbody></table>"
                if rows
                else ""
            )
            + (f"<p>Predicted effect</p><ul>{impacts}</ul>" if impacts else "")
        )

    def __str__(self) -> str:
        return self.to_text()

    # -- files -------------------------------------------------------------------------
    def save(self, path: Path | str) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.model_dump_json(indent=1), encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: Path | str) -> Plan:
        source = Path(path)
        try:
            raw = json.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PolicyFileError(
                f"{source} does not exist; make one with 'routingkit plan'"
            ) from None
        except json.JSONDecodeError as exc:
            raise PolicyFileError(f"{source} is not JSON ({exc.msg}, line {exc.lineno})") from None
        try:
            plan = cls.model_validate(raw)
        except ValidationError as exc:
            raise PolicyFileError(explain(exc, str(source), raw, what="plan")) from None
        if plan.id != plan_id(
            plan.org, plan.queues, plan.utilization, plan.wfm_templates, plan.wfm_forecast
        ):
            raise PolicyFileError(
                f"{source}: the plan's content does not match its id {plan.id}: it was edited "
                "after it was made; make a new plan with 'routingkit plan'"
            )
        return plan


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.1f} s"
    total = round(value)
    return f"{total // 60}:{total % 60:02d}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)[:80]


def _impact_line(impact: Impact) -> str:
    def pct(x: float) -> str:
        return f"{x:.1%}"

    return (
        f"{impact.media_type}: service level over the week {pct(impact.week_before.service_level)}"
        f" -> {pct(impact.week_after.service_level)} (goal {impact.goal_after}); at the peak "
        f"{pct(impact.peak_before.service_level)} -> {pct(impact.peak_after.service_level)}; "
        f"abandoned {pct(impact.week_before.abandon_rate)} -> {pct(impact.week_after.abandon_rate)}"
        f"; members {impact.members_before} -> {impact.members_after}"
    )


def _level(figures: NetworkFigures | None) -> str:
    if figures is None:
        return "-"
    half = figures.service_level_half_width
    return f"{figures.service_level:.1%}" + (f" ± {half:.1%}" if half is not None else "")


def _abandoned(figures: NetworkFigures | None) -> str:
    return "-" if figures is None else f"{figures.abandon_rate:.1%}"


def _network_line(network: NetworkImpact) -> str:
    """The routing-network simulation's prediction in one line."""
    parts = [
        f"at the peak ({network.interval_label}) {_level(network.peak_before)} -> "
        f"{_level(network.peak_after)}, abandoned {_abandoned(network.peak_before)} -> "
        f"{_abandoned(network.peak_after)}"
    ]
    if network.whole_day:
        parts.append(
            f"over {network.day_label} {_level(network.day_before)} -> "
            f"{_level(network.day_after)}, abandoned {_abandoned(network.day_before)} -> "
            f"{_abandoned(network.day_after)}"
        )
    together = f", with {', '.join(network.simulated_with)}" if network.simulated_with else ""
    return (
        f"network simulation ({network.replications} replications{together}): service level "
        + "; ".join(parts)
    )


def _network_columns(network: NetworkImpact | None) -> dict[str, str]:
    if network is None:
        return {"service level (peak, network)": "-", "service level (day, network)": "-"}
    day = (
        f"{_level(network.day_before)} -> {_level(network.day_after)}" if network.whole_day else "-"
    )
    return {
        "service level (peak, network)": f"{_level(network.peak_before)} -> "
        f"{_level(network.peak_after)} ({network.interval_label})",
        "service level (day, network)": day,
    }


def plan_id(
    org: OrgRef,
    queues: list[QueuePlan],
    utilization: UtilizationPlan | None,
    wfm_templates: list[TemplateChange] | None = None,
    wfm_forecast: ForecastChange | None = None,
) -> str:
    """A stable hash of the org, the base snapshot and the changes (not the time of planning).

    WFM template changes enter the hash only when there are some, so that plans without any
    keep the ids they had before templates were planned."""
    content: dict[str, Any] = {
        "org": org.id,
        "queues": [q.model_dump(mode="json", exclude={"impact"}) for q in queues],
        "utilization": utilization.model_dump(mode="json") if utilization else None,
    }
    if wfm_templates:
        content["wfm_templates"] = [t.model_dump(mode="json") for t in wfm_templates]
    if wfm_forecast is not None:
        content["wfm_forecast"] = wfm_forecast.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


# -- building ----------------------------------------------------------------------------


def _changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    return [
        Change(path=c.path, kind=c.kind, before=c.before, after=c.after)
        for c in diff(before or {}, after)
    ]


def _fallback_targets(queue: Queue, snapshot: OrgSnapshot) -> set[str]:
    """Queues (case-folded names) whose KPIs or agents this queue falls back on."""
    targets: set[str] = set()
    rules = queue.conditional_group_routing.rules if queue.conditional_group_routing else None
    for rule in rules or []:
        if rule.queue is not None:
            name = rule.queue.name or snapshot.index.name_of("queues", rule.queue.id)
            if name:
                targets.add(name.casefold())
    backup = (queue.direct_routing or {}).get("backupQueueId")
    other = snapshot.index.name_of("queues", backup) if backup else None
    if other:
        targets.add(other.casefold())
    return targets


def _fallback_cycles(
    policy: Policy, snapshot: OrgSnapshot, desired: dict[str, Queue]
) -> list[Finding]:
    """Conditional-routing and backup-queue chains that come back to where they started."""
    edges = {
        key: _fallback_targets(queue, snapshot) for key, queue in snapshot.index.queues.items()
    }
    for name, queue in desired.items():
        edges[name.casefold()] = _fallback_targets(queue, snapshot)
    findings = []
    for index, queue_policy in enumerate(policy.queues):
        start = queue_policy.name.casefold()
        stack: list[tuple[str, list[str]]] = [(start, [queue_policy.name])]
        seen: set[str] = set()
        cycle: list[str] | None = None
        while stack and cycle is None:
            node, trail = stack.pop()
            for following in sorted(edges.get(node, set()) - {node}):
                if following == start:
                    cycle = [*trail, queue_policy.name]
                    break
                if following not in seen:
                    seen.add(following)
                    stack.append((following, [*trail, following]))
        if cycle:
            findings.append(
                Finding(
                    f"queues[{index}].routing",
                    "the fallback chain comes back to this queue: "
                    + " -> ".join(cycle)
                    + "; break the cycle",
                )
            )
    return findings


def _members_wanted(
    queue: QueuePolicy, queue_id: str | None, capacity: CapacityPlan | None, path: str,
    findings: list[Finding],
) -> int | None:  # fmt: skip
    if queue.members is None:
        return None
    needed = None
    if capacity is not None and queue_id is not None:
        peaks = [q.peak_rostered_agents for q in capacity.queues if q.queue_id == queue_id]
        needed = max(peaks) if peaks else None
    if queue.members.wanted == "capacity_plan":
        if needed is None:
            findings.append(
                Finding(
                    f"{path}.members.wanted",
                    "wanted is 'capacity_plan' but no capacity plan covering this queue was "
                    "given; pass --capacities capacity_plan.json or give a number",
                )
            )
            return None
        return needed
    wanted = int(queue.members.wanted)
    if needed is not None and wanted < needed:
        findings.append(
            Finding(
                f"{path}.members.wanted",
                f"{wanted} members wanted, below the capacity plan's {needed} rostered agents "
                "at the peak",
                "warning",
            )
        )
    return wanted


def analyse(
    client: GenesysClient,
    policy: Policy,
    *,
    capacity: CapacityPlan | None = None,
    snapshot: OrgSnapshot | None = None,
) -> tuple[OrgSnapshot, list[Finding], list[QueuePlan], UtilizationPlan | None]:
    """Online validation and the changes, from one read of the org."""
    snap = snapshot or take_snapshot(client, [q.name for q in policy.queues])
    findings: list[Finding] = []
    desired: dict[str, Queue] = {}
    plans: list[QueuePlan] = []
    for index, queue_policy in enumerate(policy.queues):
        path = f"queues[{index}]"
        listed = snap.queue_by_name(queue_policy.name)
        base = snap.queues.get(listed.id) if listed is not None and listed.id else None
        compiled = compile_queue(queue_policy, base, snap.index, path=path, findings=findings)
        desired[queue_policy.name] = compiled
        before = queue_json(base) if base is not None else None
        after = queue_json(compiled)
        changes = _changes(before, after)
        members = MemberChanges()
        base_members = snap.members.get(base.id, []) if base is not None and base.id else []
        wanted = _members_wanted(queue_policy, base.id if base else None, capacity, path, findings)
        if queue_policy.members is not None and wanted is not None:
            pool = queue_policy.members.pool
            for j, skill in enumerate(pool.skills):
                if skill.name.strip().casefold() not in snap.index.skills:
                    findings.append(
                        Finding(
                            f"{path}.members.pool.skills[{j}].name",
                            f"no skill named {skill.name!r}",
                        )
                    )
            eligible = snap.pool_candidates(
                client, [(s.name, s.min_proficiency) for s in pool.skills]
            )
            if pool.groups:
                in_groups: set[str] = set()
                for j, ref in enumerate(pool.groups):
                    group = snap.index.groups.get(ref.name.strip().casefold())
                    if group is None or not group.id:
                        findings.append(
                            Finding(
                                f"{path}.members.pool.groups[{j}]", f"no group named {ref.name!r}"
                            )
                        )
                        continue
                    in_groups |= {u.id for u in client.people.group_members(group.id) if u.id}
                eligible = (
                    {u: s for u, s in eligible.items() if u in in_groups}
                    if pool.skills
                    else dict.fromkeys(sorted(in_groups), 0.0)
                )
            rings = (
                len(compiled.bullseye.rings)
                if compiled.bullseye and compiled.bullseye.rings
                else None
            )
            members = plan_members(
                queue_policy.members, base_members, eligible, wanted=wanted, rings=rings,
                path=f"{path}.members", findings=findings,
            )  # fmt: skip
        action: Literal["create", "update", "unchanged"] = (
            "create" if base is None else ("update" if changes else "unchanged")
        )
        plans.append(
            QueuePlan(
                queue_name=queue_policy.name,
                queue_id=base.id if base is not None else None,
                action=action,
                changes=changes if base is not None else [],
                base=base.to_api() if base is not None else None,
                desired=compiled.to_api(),
                base_members=[
                    {"id": m.id, "ringNumber": m.ring_number, "memberBy": m.member_by}
                    for m in base_members
                ],
                members_add=members.add,
                members_remove=members.remove,
                ring_changes=members.rings,
                members_wanted=wanted,
                members_eligible=members.eligible if queue_policy.members else None,
            )
        )
    findings += _fallback_cycles(policy, snap, desired)
    utilization = None
    if policy.utilization is not None:
        base_util = snap.utilization
        wanted_util = compile_utilization(policy.utilization, base_util)
        utilization = UtilizationPlan(
            changes=_changes(_util_json(base_util), _util_json(wanted_util)),
            base=base_util.to_api(),
            desired=wanted_util.to_api(),
        )
    return snap, findings, plans, utilization


def _util_json(utilization: Utilization) -> dict[str, Any]:
    body = utilization.to_api()
    body.pop("level", None)
    return body


def build_plan(
    client: GenesysClient,
    policy: Policy,
    *,
    capacity: CapacityPlan | None = None,
    on_queue_fraction: float | None = None,
    network_replications: int = DEFAULT_REPLICATIONS,
    forecast_week: dt.date | None = None,
    scheduler: Any = None,
) -> Plan:
    """Plan ``policy`` against the org ``client`` is connected to (see the module docstring).

    Refuses (``PolicyFileError`` listing them) when online validation finds errors; warnings
    are kept in the plan. ``on_queue_fraction``: the share of members on queue at any time
    (default: 1 - the capacity plan's shrinkage). ``network_replications``: replications of
    the routing-network simulation, with a capacity plan, where routing or shared agents
    matter (0: Erlang A/C only). Besides the snapshot, the plan reads WFM's planning groups and
    templates (for the changed queues' goals) and the members of queues linked to the policy's
    by conditional-routing rules (for the simulation), once, before predicting anything.
    ``forecast_week``: also import the capacity plan's typical week into WFM as the
    short-term forecast of the week starting that day (the business unit's start day).
    ``scheduler``: where the network simulations run, as for ``sweep`` (None: this process,
    or ``DASK_SCHEDULER_ADDRESS``); the plan is the same wherever they run.
    """
    if forecast_week is not None and capacity is None:
        raise PolicyFileError(
            "a forecast for WFM is made from a capacity plan: give one (--capacities) with "
            "the forecast week"
        )
    if (
        isinstance(network_replications, bool)
        or not isinstance(network_replications, int)
        or network_replications < 0
    ):
        raise ValueError(
            f"network_replications is {network_replications!r}; give a whole number >= 0 "
            f"(0 turns the routing-network simulation off; default {DEFAULT_REPLICATIONS})"
        )
    snap, findings, plans, utilization = analyse(client, policy, capacity=capacity)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise PolicyFileError(
            "the policy cannot be planned against this org:\n  "
            + "\n  ".join(str(f) for f in errors)
        )
    if capacity is not None and capacity.org is not None and capacity.org.id != snap.org.id:
        raise PolicyFileError(
            f"the capacity plan was computed for org {capacity.org.id} ({capacity.org.name}), "
            f"not for {snap.org.id} ({snap.org.name}); recompute it on this org"
        )
    # The rest of the plan's one read of the org: WFM goals of the changed queues, and the
    # members of queues linked by conditional-routing rules, for the network simulation.
    changed = [q for q in plans if q.has_changes and q.queue_id]
    state = read_wfm_state(client) if changed or forecast_week else WfmState()
    forecast = (
        plan_forecast(client, capacity, forecast_week, state)
        if forecast_week is not None and capacity is not None
        else None
    )
    # WFM's templates follow the queues' new service levels where that changes nothing else
    templates, kept = template_changes(plans, state, queue_name=lambda qid: _name(client, qid))
    findings += kept
    wfm = wfm_goals(state, [q.queue_id for q in changed if q.queue_id], templates)
    findings += wfm_disagreements(plans, wfm, skip=[f.path for f in kept])
    simulate = capacity is not None and network_replications > 0 and bool(changed)
    linked = (
        {qid: client.queues.members(qid) for qid in linked_queue_ids(plans, snap)}
        if simulate
        else {}
    )
    assumptions: list[str] = [wfm.unavailable] if wfm.unavailable else []
    fraction = 1.0
    network_linked: list[NetworkImpact] = []
    if capacity is not None:
        fraction = (
            on_queue_fraction if on_queue_fraction is not None else 1 - capacity.options.shrinkage
        )
        assumptions += [
            f"{fraction:.0%} of a queue's members are on queue at any time (1 - shrinkage)",
            "agents on queue per interval: the capacity plan's requirement, capped by the "
            "members on queue",
            "workload: the capacity plan's typical week (its arrival rates, handle times and "
            "patience); models: Erlang A where patience is known, else Erlang C",
        ]
        plans = [q.model_copy(update={"impact": _impact(q, capacity, fraction)}) for q in plans]
        if simulate:
            prediction = predict_network(
                plans, snap, capacity, fraction, linked_members=linked, utilization=utilization,
                replications=network_replications, seed=SEED, scheduler=scheduler,
            )  # fmt: skip
            plans = [_with_network(q, prediction.impacts) for q in plans]
            planned = {q.queue_id for q in plans}
            network_linked = [
                n for qid, n in prediction.impacts.items() if qid not in planned
            ]  # fmt: skip
            assumptions += network_assumptions(prediction, network_replications, SEED)
        elif network_replications == 0:
            assumptions += network_assumptions(prediction=None, replications=0)
    identity = plan_id(snap.org, plans, utilization, templates, forecast)
    return Plan(
        id=identity,
        created_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        org=snap.org,
        queues=plans,
        utilization=utilization,
        findings=[
            FindingModel(path=f.path, message=f.message, severity=f.severity) for f in findings
        ],
        assumptions=assumptions,
        capacity_plan_created_at=capacity.created_at if capacity else None,
        on_queue_fraction=fraction if capacity is not None else None,
        network_linked=network_linked,
        wfm_templates=templates,
        wfm_forecast=forecast,
    )


def _name(client: GenesysClient, queue_id: str) -> str | None:
    """A queue's name for a message, or None when it cannot be read."""
    try:
        return client.queues.get(queue_id).name
    except GenesysError:
        return None


def _with_network(queue: QueuePlan, impacts: dict[str, NetworkImpact]) -> QueuePlan:
    """``queue`` with the network prediction on the impact of its main media type (the
    prediction covers all the queue's media types)."""
    network = impacts.get(queue.queue_id or "")
    if network is None or not queue.impact:
        return queue
    main = network.media_types[0] if network.media_types else None
    impact = [
        i.model_copy(update={"network": network}) if i.media_type == main else i
        for i in queue.impact
    ]
    return queue.model_copy(update={"impact": impact})


def _scenarios(
    queue: QueuePlan, capacity: CapacityPlan, fraction: float
) -> list[tuple[Any, pd.DataFrame, dict[str, tuple[tuple[float, float], pd.DataFrame]]]]:
    """Per capacity-plan media type of the queue: (its plan, the week, {before|after: (goal,
    predicted service per interval)})."""
    from ..genesys.models import queue_media_key

    if queue.queue_id is None:
        return []
    members_before = len(queue.base_members)
    members_after = members_before + len(queue.members_add) - len(queue.members_remove)
    out = []
    for planned in capacity.queues:
        if planned.queue_id != queue.queue_id or not planned.intervals:
            continue
        key = queue_media_key(planned.media_type)
        goal_plan = (planned.goal.service_level, planned.goal.target_seconds)
        before_goal = service_level_setting(queue.base, key) or goal_plan
        after_goal = service_level_setting(queue.desired, key) or before_goal
        frame = pd.DataFrame([i.model_dump() for i in planned.intervals])
        frame["concurrency"] = planned.concurrency
        frame["patience_seconds"] = planned.patience_seconds or math.inf
        frame["aht_seconds"] = frame["aht_seconds"].fillna(1.0)
        required = frame["required_agents"].to_numpy(dtype=float)
        cases = {}
        for label, members, goal in (
            ("before", members_before, before_goal),
            ("after", members_after, after_goal),
        ):
            on_queue = math.floor(members * fraction + 1e-9)
            agents = np.minimum(required, on_queue)
            measured = predicted_service(frame.assign(target_seconds=goal[1]), agents)
            cases[label] = (goal, measured.assign(agents_on_queue=agents, members=members))
        out.append((planned, frame, cases))
    return out


def _impact(queue: QueuePlan, capacity: CapacityPlan, fraction: float) -> list[Impact]:
    from .spec import goal_text

    out = []
    for planned, frame, cases in _scenarios(queue, capacity, fraction):
        (before_goal, before), (after_goal, after) = cases["before"], cases["after"]
        peak_before, week_before = _figures(frame, before)
        peak_after, week_after = _figures(frame, after)
        out.append(
            Impact(
                media_type=planned.media_type,
                goal_before=goal_text(*before_goal),
                goal_after=goal_text(*after_goal),
                goal_service_level_after=after_goal[0],
                members_before=int(before["members"].iloc[0]),
                members_after=int(after["members"].iloc[0]),
                peak_before=peak_before,
                peak_after=peak_after,
                week_before=week_before,
                week_after=week_after,
            )
        )
    return out


def impact_series(plan: Plan, capacity: CapacityPlan) -> pd.DataFrame:
    """Predicted service per interval before and after, per changed queue and media type.

    Columns: ``queue_name``, ``media_type``, ``weekday``, ``slot_minute``, ``arrival_rate``,
    ``goal_before``/``goal_after`` (fractions), ``service_level_before``/``_after``,
    ``abandon_rate_before``/``_after``, ``agents_before``/``_after``. Empty without a fraction
    (the plan was made without a capacity plan).
    """
    fraction = plan.on_queue_fraction
    rows = []
    for queue in plan.queues:
        if fraction is None:
            break
        for planned, frame, cases in _scenarios(queue, capacity, fraction):
            (goal_b, before), (goal_a, after) = cases["before"], cases["after"]
            rows.append(
                pd.DataFrame(
                    {
                        "queue_name": queue.queue_name,
                        "media_type": planned.media_type,
                        "weekday": frame["weekday"],
                        "slot_minute": frame["slot_minute"],
                        "arrival_rate": frame["arrival_rate"],
                        "goal_before": goal_b[0],
                        "goal_after": goal_a[0],
                        "service_level_before": before["service_level"],
                        "service_level_after": after["service_level"],
                        "abandon_rate_before": before["abandon_rate"],
                        "abandon_rate_after": after["abandon_rate"],
                        "agents_before": before["agents_on_queue"],
                        "agents_after": after["agents_on_queue"],
                    }
                )
            )
    columns = [
        "queue_name", "media_type", "weekday", "slot_minute", "arrival_rate", "goal_before",
        "goal_after", "service_level_before", "service_level_after", "abandon_rate_before",
        "abandon_rate_after", "agents_before", "agents_after",
    ]  # fmt: skip
    result: pd.DataFrame = (
        pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    )
    return result


def _figures(frame: pd.DataFrame, measured: pd.DataFrame) -> tuple[ServiceFigures, ServiceFigures]:
    """At the peak interval (most arrivals) and over the week (weighted by arrivals)."""
    rate = frame["arrival_rate"].to_numpy(dtype=float)
    peak = int(np.argmax(rate))

    def at(row: pd.Series) -> ServiceFigures:
        asa = float(row["asa_seconds"])
        return ServiceFigures(
            service_level=float(row["service_level"]),
            asa_seconds=asa if math.isfinite(asa) else None,
            abandon_rate=float(row["abandon_rate"]),
            occupancy=float(row["occupancy"]),
        )

    weights = rate / rate.sum() if rate.sum() > 0 else np.full(len(rate), 1 / len(rate))
    asa = measured["asa_seconds"].to_numpy(dtype=float)
    week = ServiceFigures(
        service_level=float(np.dot(weights, measured["service_level"])),
        asa_seconds=float(np.dot(weights, asa)) if np.isfinite(asa[weights > 0]).all() else None,
        abandon_rate=float(np.dot(weights, measured["abandon_rate"])),
        occupancy=float(np.dot(weights, measured["occupancy"])),
    )
    return at(measured.iloc[peak]), week


__all__ = ["Plan", "QueuePlan", "analyse", "build_plan", "plan_id"]
