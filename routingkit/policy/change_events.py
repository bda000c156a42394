"""Change events for other systems: what an apply changed, as CloudEvents 1.0 JSON.

Built from an apply's journal (``policy.journal``), one event per step the org acknowledged
(``done`` or ``verified``), after the apply: nothing the apply did not do is announced, and a
step that failed announces nothing. Event ids are stable (a UUID of the apply id and the step
number), so building the events again, or delivering one twice, yields the same id: receivers
deduplicate by it. Put them in the outbox (``policy.event_outbox``) to deliver them.

Types (``type``):

- ``com.routingkit.queue.created`` and ``com.routingkit.queue.settings.changed``: a queue's
  configuration (``data.changes``: the fields, before and after; ``data.goals``: the service
  level per media type it now has);
- ``com.routingkit.queue.capacity.changed``: its members (``data.members``: added, removed,
  ring numbers moved; ``data.capacities``: the agents the plan staffs it with);
- ``com.routingkit.utilization.changed``: the org's interactions per agent per media type
  (``data.capacities``).

Every event's ``data`` names the queue, its media types, a one-line ``summary``, the plan id,
the apply id and the org; a rollback's events say ``"kind": "rollback"`` and which apply it
undid.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..genesys.models import Queue
from ..vocabulary.media import analytics_media_type
from .diff import diff, queue_json
from .event_outbox import DeliveryReport, Outbox, WebhookTarget, targets_from_environment
from .journal import DONE_STATES, Journal, Step, opened
from .plan import Plan

SPEC_VERSION = "1.0"
_NAMESPACE = uuid.UUID("5b7f3d4e-7a53-4f0e-9d1c-2f1b6a0c8e11")  # routingkit change events
MAX_CHANGES = 50  # field changes listed in one event (the summary counts them all)

EVENT_TYPES: dict[str, str] = {
    "queue_create": "com.routingkit.queue.created",
    "queue_update": "com.routingkit.queue.settings.changed",
    "members_add": "com.routingkit.queue.capacity.changed",
    "members_remove": "com.routingkit.queue.capacity.changed",
    "rings": "com.routingkit.queue.capacity.changed",
    "utilization": "com.routingkit.utilization.changed",
}


def event_id(apply_id: str, seq: int) -> str:
    """The stable id of the event for step ``seq`` of ``apply_id``."""
    return str(uuid.uuid5(_NAMESPACE, f"{apply_id}/{seq}"))


def _goals(body: Any) -> dict[str, Any]:
    """{analytics media type: {serviceLevel, targetSeconds}} from a queue body's media settings."""
    out: dict[str, Any] = {}
    settings = (body or {}).get("mediaSettings") or {}
    for key, setting in settings.items():
        level = (setting or {}).get("serviceLevel") or {}
        if level.get("percentage") is not None and level.get("durationMs") is not None:
            out[analytics_media_type(key)] = {
                "serviceLevel": level["percentage"],
                "targetSeconds": level["durationMs"] / 1000.0,
            }
    return out


def _field_changes(step: Step) -> list[dict[str, Any]]:
    before = queue_json(Queue.model_validate(step.before)) if step.before else {}
    after = queue_json(Queue.model_validate(step.request or {}))
    return [c.as_dict() for c in diff(before, after)]


def _capacities(plan: Plan | None, queue_name: str) -> dict[str, Any]:
    queue = next((q for q in plan.queues if q.queue_name == queue_name), None) if plan else None
    if queue is None:
        return {}
    out: dict[str, Any] = {"membersWanted": queue.members_wanted}
    for impact in queue.impact:
        out[impact.media_type] = {"members": impact.members_after, "goal": impact.goal_after}
    return out


def _media(plan: Plan | None, queue_name: str, goals: dict[str, Any]) -> list[str]:
    queue = next((q for q in plan.queues if q.queue_name == queue_name), None) if plan else None
    planned = [i.media_type for i in queue.impact] if queue is not None else []
    return sorted(set(planned) | set(goals))


def _step_data(step: Step, plan: Plan | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "queue": {"id": step.queue_id, "name": step.queue_name},
        "step": step.kind,
    }
    if step.kind in ("queue_create", "queue_update"):
        changes = _field_changes(step)
        goals = _goals(step.request)
        shown = ", ".join(c["path"] for c in changes[:3]) + (" ..." if len(changes) > 3 else "")
        verb = "created" if step.kind == "queue_create" else "updated"
        summary = f"queue {verb}: {len(changes)} field(s) changed"
        data.update(
            summary=f"{summary} ({shown})" if shown else summary,
            changes=changes[:MAX_CHANGES],
            goals=goals,
            media=_media(plan, step.queue_name, goals),
        )
    elif step.kind in ("members_add", "members_remove"):
        count = len(step.request or [])
        added, removed = (count, 0) if step.kind == "members_add" else (0, count)
        data.update(
            summary=f"members: +{added} -{removed}",
            members={"added": added, "removed": removed, "ids": list(step.request or [])},
            capacities=_capacities(plan, step.queue_name),
            media=_media(plan, step.queue_name, {}),
        )
    elif step.kind == "rings":
        rings = dict(step.request or {})
        data.update(
            summary=f"ring numbers: {len(rings)} member(s) moved",
            members={"ringNumbers": rings},
            capacities=_capacities(plan, step.queue_name),
            media=_media(plan, step.queue_name, {}),
        )
    elif step.kind == "utilization":
        after = (step.request or {}).get("utilization") or {}
        before = (step.before or {}).get("utilization") or {}
        capacities = {
            analytics_media_type(k): (v or {}).get("maximumCapacity") for k, v in after.items()
        }
        moved = [
            f"{analytics_media_type(k)} {(before.get(k) or {}).get('maximumCapacity')} -> "
            f"{(v or {}).get('maximumCapacity')}"
            for k, v in after.items()
            if (before.get(k) or {}).get("maximumCapacity") != (v or {}).get("maximumCapacity")
        ]
        data.update(
            queue=None,
            summary="org utilization: " + (", ".join(moved) or "no capacity changed"),
            capacities=capacities,
            media=sorted(capacities),
            changes=[c.as_dict() for c in diff(before, after)][:MAX_CHANGES],
        )
    return data


def events_from_journal(journal: Journal) -> list[dict[str, Any]]:
    """The CloudEvents for every acknowledged step of the journal's apply (or rollback)."""
    info = journal.info
    apply_id = str(info["id"])
    try:
        plan: Plan | None = Plan.model_validate_json(journal.plan_json)
    except ValueError:
        plan = None
    org_id = str(info["org_id"])
    when = info.get("finished_at") or info.get("started_at")
    events = []
    for step in journal.steps():
        if step.state not in DONE_STATES:
            continue
        data = _step_data(step, plan)
        data.update(
            planId=info["plan_id"],
            applyId=apply_id,
            orgId=org_id,
            kind=info["kind"],
        )
        if info.get("rolls_back"):
            data["rollsBack"] = info["rolls_back"]
        event: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": event_id(apply_id, step.seq),
            "source": f"urn:routingkit:org:{org_id}",
            "type": EVENT_TYPES[step.kind],
            "datacontenttype": "application/json",
            "data": data,
        }
        if when:
            event["time"] = when
        subject = step.queue_id or (None if step.kind == "utilization" else step.queue_name)
        if subject:
            event["subject"] = subject
        events.append(event)
    return events


def apply_events(apply_id: str, *, directory: Path | None = None) -> list[dict[str, Any]]:
    """:func:`events_from_journal` for the apply (or rollback) ``apply_id``."""
    with opened(apply_id, directory=directory) as journal:
        return events_from_journal(journal)


def publish_apply(
    apply_id: str,
    *,
    outbox: Outbox | None = None,
    targets: Iterable[WebhookTarget] | None = None,
    directory: Path | None = None,
) -> DeliveryReport:
    """Record an apply's events in the outbox (once: ids are stable), then deliver what is due.

    ``targets`` default to those of the environment (``ROUTINGKIT_WEBHOOK_URLS`` and
    ``ROUTINGKIT_WEBHOOK_SECRET``); with none, the events wait in the outbox.
    """
    events = apply_events(apply_id, directory=directory)
    chosen = list(targets) if targets is not None else targets_from_environment()
    box = outbox if outbox is not None else Outbox()
    try:
        box.add(events)
        return box.deliver(chosen)
    finally:
        if outbox is None:
            box.close()
