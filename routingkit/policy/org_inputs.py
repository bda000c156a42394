"""What the staffing pipeline reads from the org: the one place it makes API calls.

The org's identity (recorded in every capacity plan), each queue's configured service goal
(``mediaSettings.<media>.serviceLevel``), the goal WFM schedules it to (its planning group's
service goal template) and the interactions one agent works at once per media type (org
utilization). Everything else in the pipeline is a pure function on tables.
"""

from __future__ import annotations

import pandas as pd

from ..genesys import ForbiddenError, GenesysClient, NotFoundError
from ..genesys.models import Queue, analytics_media_type, queue_media_key
from .capacity_plan import OrgRef
from .goals import GoalKey, ServiceGoal
from .wfm_sync import goals_from_planning_groups


def org_reference(client: GenesysClient) -> OrgRef:
    """The org the client is connected to, as a capacity plan records it."""
    org = client.organization.me()
    if not org.id:
        raise ValueError("the org answered GET /api/v2/organizations/me without an id")
    return OrgRef(id=org.id, name=org.name or "", api_url=client.api_url)


def org_goals(client: GenesysClient, queues: pd.DataFrame) -> dict[GoalKey, ServiceGoal]:
    """The service goal each queue of ``queues`` (queue_id, media_type rows) has configured.

    Read from the queue's media settings for that media type; a queue without a configured
    service level is left out (the default then applies, and says so).
    """
    wanted: dict[str, set[str]] = {}
    for qid, media in queues[["queue_id", "media_type"]].drop_duplicates().itertuples(index=False):
        wanted.setdefault(str(qid), set()).add(str(media))
    goals: dict[GoalKey, ServiceGoal] = {}
    for queue in _queues(client, wanted):
        if queue.id is None or queue.media_settings is None:
            continue
        for media in wanted.get(queue.id, ()):
            setting = getattr(queue.media_settings, queue_media_key(media), None)
            level = setting.service_level if setting is not None else None
            if level is None or level.percentage is None or level.duration_ms is None:
                continue
            goals[(queue.id, media)] = ServiceGoal(
                service_level=float(level.percentage),
                target_seconds=level.duration_ms / 1000.0,
                source="org",
            )
    return goals


def wfm_goals(client: GenesysClient, queues: pd.DataFrame) -> dict[GoalKey, ServiceGoal]:
    """The goal WFM schedules each queue of ``queues`` (queue_id, media_type rows) to.

    From the service goal template of the planning group each queue and media type is routed
    to, in every business unit (source ``wfm``; ``resolve_goals`` prefers it to the queue's
    own setting and notes where they disagree). A queue in no planning group, or whose
    template includes no service level, is left out. An org without WFM, or a client without
    its permissions, has no WFM goals: empty, not an error.
    """
    wanted = {
        (str(qid), str(media))
        for qid, media in queues[["queue_id", "media_type"]]
        .drop_duplicates()
        .itertuples(index=False)
    }
    goals: dict[GoalKey, ServiceGoal] = {}
    try:
        units = client.wfm.business_units()
        for unit in units:
            if not unit.id:
                continue
            found = goals_from_planning_groups(
                client.wfm.planning_groups(unit.id),
                client.wfm.service_goal_templates(unit.id),
                wanted=wanted,
            )
            for key, goal in found.items():
                goals.setdefault(key, goal)
    except (ForbiddenError, NotFoundError):
        return {}
    return goals


def _queues(client: GenesysClient, wanted: dict[str, set[str]]) -> list[Queue]:
    if len(wanted) <= 20:
        return [client.queues.get(qid) for qid in wanted]
    return [q for q in client.queues.list() if q.id in wanted]


def media_concurrency(client: GenesysClient) -> dict[str, int]:
    """Interactions one agent works at once, per analytics media type (org utilization)."""
    settings = client.utilization.org().utilization or {}
    out: dict[str, int] = {}
    for key, media in settings.items():
        if media.maximum_capacity:
            out[analytics_media_type(key)] = int(media.maximum_capacity)
    return out
