"""The checks the platform makes on a queue before it stores it, with its kind of 400."""

from __future__ import annotations

from typing import Any

from ..genesys.models import MEDIA_KEYS, MediaSetting, MemberGroup
from .errors import ApiError
from .schemas import QueueBody, validated, without_unknown_enums
from .store import Store

# Fields the server owns: ignored when a client sends them back in a PUT.
READ_ONLY_QUEUE_FIELDS = (
    "id",
    "dateCreated",
    "dateModified",
    "modifiedBy",
    "createdBy",
    "memberCount",
    "userMemberCount",
    "joinedMemberCount",
    "selfUri",
)

SCALAR_DEFAULTS: dict[str, Any] = {
    "scoringMethod": "TimestampAndPriority",
    "lastAgentRoutingMode": "Disabled",
    "skillEvaluationMethod": "ALL",
    "autoAnswerOnly": False,
    "enableTranscription": False,
    "enableAudioMonitoring": False,
    "enableManualAssignment": False,
    "suppressInQueueCallRecording": True,
}


def _bad(field: str, message: str) -> ApiError:
    return ApiError(
        400,
        f"{field}: {message}",
        "bad.request",
        details=[{"errorCode": "invalid.value", "fieldName": field, "entityName": message}],
    )


def parse_queue(body: Any) -> tuple[QueueBody, dict[str, Any]]:
    """Check a POST/PUT body on its own; return its model and the fields a queue stores.

    Raises the platform's 400 for wrong types and unknown enum values (via the strict body
    model) and for out-of-range settings. Needs no store: run it before any transaction.
    """
    model = validated(QueueBody, body, "queue")
    without_unknown_enums(model, "queue")
    _check_settings(model, body)
    data = {
        k: v for k, v in body.items() if k not in READ_ONLY_QUEUE_FIELDS and k != "sourceQueueId"
    }
    return model, data


def _check_settings(model: QueueBody, body: dict[str, Any]) -> None:
    if model.name is None or not model.name.strip():
        raise _bad("name", "a queue needs a non-empty name")

    for key in body.get("mediaSettings") or {}:
        if key not in MEDIA_KEYS:
            raise _bad(f"mediaSettings.{key}", f"unknown media type; use {', '.join(MEDIA_KEYS)}")
    media = model.media_settings
    for key in MEDIA_KEYS:
        setting: MediaSetting | None = getattr(media, key) if media is not None else None
        if setting is None:
            continue
        where = f"mediaSettings.{key}"
        timeout = setting.alerting_timeout_seconds
        if timeout is not None and not 7 <= timeout <= 86400:
            raise _bad(f"{where}.alertingTimeoutSeconds", f"{timeout} is outside 7..86400 seconds")
        level = setting.service_level
        if level is not None:
            pct = level.percentage
            if pct is not None and not 0.0 <= pct <= 1.0:
                raise _bad(
                    f"{where}.serviceLevel.percentage",
                    f"{pct} is outside 0..1 (a fraction, 0.8 for 80%)",
                )
            dur = level.duration_ms
            if dur is not None and dur < 1000:
                raise _bad(
                    f"{where}.serviceLevel.durationMs", f"{dur} is below the minimum of 1000 ms"
                )

    methods = [k for k in ("routingRules", "bullseye", "conditionalGroupRouting") if body.get(k)]
    if len(methods) > 1:
        raise _bad(
            methods[1], f"a queue uses one routing method; {' and '.join(methods)} were both given"
        )

    rules = model.routing_rules or []
    if len(rules) > 6:
        raise _bad("routingRules", f"{len(rules)} rules given; at most 6 are allowed")
    for i, rule in enumerate(rules):
        if rule.operator is None:
            raise _bad(f"routingRules[{i}].operator", "is required (MEETS_THRESHOLD or ANY)")
        if rule.threshold is not None and not 1 <= rule.threshold <= 9:
            raise _bad(f"routingRules[{i}].threshold", f"{rule.threshold} is outside 1..9")

    if model.bullseye is not None:
        rings = model.bullseye.rings or []
        if not 2 <= len(rings) <= 6:
            raise _bad("bullseye.rings", f"{len(rings)} rings given; a bullseye needs 2 to 6")
        for i, ring in enumerate(rings):
            criteria = ring.expansion_criteria or []
            if i < len(rings) - 1 and not criteria:
                raise _bad(
                    f"bullseye.rings[{i}].expansionCriteria",
                    "every ring but the last needs a TIMEOUT_SECONDS criterion",
                )
            # Each ring's timeout is how long an interaction stays in that ring, so later rings
            # may wait less than earlier ones (orgs run 90 s then 5 s).
            for criterion in criteria:
                if criterion.threshold is None or criterion.threshold <= 0:
                    raise _bad(
                        f"bullseye.rings[{i}].expansionCriteria",
                        f"a ring timeout must be a positive number of seconds "
                        f"(got {criterion.threshold})",
                    )

    if model.conditional_group_routing is not None:
        cgr = model.conditional_group_routing.rules or []
        if not 1 <= len(cgr) <= 5:
            raise _bad(
                "conditionalGroupRouting.rules",
                f"{len(cgr)} rules given; conditional group routing needs 1 to 5",
            )
        for i, cgr_rule in enumerate(cgr):
            where = f"conditionalGroupRouting.rules[{i}]"
            if (
                cgr_rule.metric is None
                or cgr_rule.operator is None
                or cgr_rule.condition_value is None
            ):
                raise _bad(where, "metric, operator and conditionValue are required")
            if cgr_rule.metric == "ServiceLevel" and not 0.0 <= cgr_rule.condition_value <= 1.0:
                raise _bad(f"{where}.conditionValue", "a ServiceLevel condition is a fraction 0..1")
            if not cgr_rule.groups:
                raise _bad(f"{where}.groups", "each rule needs at least one group")
            if cgr_rule.wait_seconds is not None and not 0 <= cgr_rule.wait_seconds <= 259200:
                raise _bad(f"{where}.waitSeconds", f"{cgr_rule.wait_seconds} is outside 0..259200")

    acw = model.acw_settings
    if acw is not None and acw.timeout_ms is not None and not 1000 <= acw.timeout_ms <= 3_600_000:
        raise _bad("acwSettings.timeoutMs", f"{acw.timeout_ms} is outside 1000..3600000 ms")


def check_references(model: QueueBody, store: Store, *, queue_id: str | None) -> None:
    """The checks against the org: a free name (else 409), and divisions, queues, skills and
    groups that exist (else 400). Run inside the transaction that writes the queue."""
    name = (model.name or "").strip()
    other = store.find_by_name("queue", name)
    if other is not None and other["id"] != queue_id:
        raise ApiError(
            409, f"A queue named {name!r} already exists (id {other['id']})", "general.conflict"
        )

    division_id = model.division.id if model.division is not None else None
    if division_id is not None and store.get("division", division_id) is None:
        raise _bad("division.id", f"division {division_id} does not exist")

    skills = store.ids("skill")
    groups = store.ids("group")
    queues = store.ids("queue")

    def check_groups(where: str, member_groups: list[MemberGroup] | None) -> None:
        for j, group in enumerate(member_groups or []):
            if group.id is None:
                raise _bad(f"{where}[{j}].id", "is required")
            if group.type == "SKILLGROUP" or group.id not in groups:
                raise _bad(f"{where}[{j}].id", f"group {group.id} does not exist")

    if model.bullseye is not None:
        for i, ring in enumerate(model.bullseye.rings or []):
            if ring.actions and ring.actions.skills_to_remove:
                for j, skill in enumerate(ring.actions.skills_to_remove):
                    if skill.id not in skills:
                        raise _bad(
                            f"bullseye.rings[{i}].actions.skillsToRemove[{j}].id",
                            f"skill {skill.id} does not exist",
                        )
            check_groups(f"bullseye.rings[{i}].memberGroups", ring.member_groups)

    if model.conditional_group_routing is not None:
        for i, cgr_rule in enumerate(model.conditional_group_routing.rules or []):
            where = f"conditionalGroupRouting.rules[{i}]"
            named = cgr_rule.queue.id if cgr_rule.queue is not None else None
            if i == 0 and named not in (None, queue_id):
                raise _bad(
                    f"{where}.queue",
                    "the first rule always evaluates this queue and must not name one",
                )
            if i > 0 and named is not None and named not in queues:
                raise _bad(f"{where}.queue.id", f"queue {named} does not exist")
            check_groups(f"{where}.groups", cgr_rule.groups)

    check_groups("memberGroups", model.member_groups)
