"""The checks the platform makes on a queue before it stores it, with its kind of 400."""

from __future__ import annotations

from typing import Any

from ..genesys.models import MediaSetting, MemberGroup
from ..vocabulary.media import MEDIA_KEYS
from ..vocabulary.queue_fields import (
    CREATE_ONLY_QUEUE_FIELDS,
    MEMBER_GROUP_TYPES,
    READ_ONLY_QUEUE_FIELDS,
    unknown_queue_fields,
)
from .errors import ApiError
from .schemas import QueueBody, validated, without_unknown_enums
from .store import Store

# Where each member-group type's ids live (the store's entity kind) and what it is called.
_MEMBER_GROUP_KINDS = {
    "GROUP": ("group", "group"),
    "TEAM": ("team", "team"),
    "SKILLGROUP": ("skillgroup", "skill group"),
}


def _bad(field: str, message: str) -> ApiError:
    return ApiError(
        400,
        f"{field}: {message}",
        "bad.request",
        details=[{"errorCode": "invalid.value", "fieldName": field, "entityName": message}],
    )


def parse_queue(body: Any, *, create: bool = False) -> tuple[QueueBody, dict[str, Any]]:
    """Check a POST (``create``) or PUT body on its own; return its model and the fields a
    queue stores.

    Raises the platform's 400 for wrong types and unknown enum values (via the strict body
    model), for fields a queue does not have (``capacity``, ``version``...), and for
    out-of-range settings. Needs no store: run it before any transaction.
    """
    model = validated(QueueBody, body, "queue")
    unknown = unknown_queue_fields(body, create=create)
    if unknown:
        raise _bad(
            unknown[0],
            "a queue has no such field; remove it (queue fields are those of the platform's "
            "Queue model: name, mediaSettings, bullseye, conditionalGroupRouting...)",
        )
    without_unknown_enums(model, "queue")
    _check_settings(model, body)
    data = {
        k: v
        for k, v in body.items()
        if k not in READ_ONLY_QUEUE_FIELDS and k not in CREATE_ONLY_QUEUE_FIELDS
    }
    return model, data


# Where each bound below comes from. GENESYS_API.md: routing rules <= 6, bullseye rings 2..6,
# conditional routing rules 1..5, ACW timeout 1 s..60 min, service level a fraction. The Terraform
# provider's queue schema: alerting timeout >= 7 s, service-level duration >= 1000 ms, rule
# waits up to 259200 s. The sandbox's own (unconfirmed): the 86400 s alerting-timeout cap.
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
        # No range on threshold: the SDK and the Terraform provider state none ("generally an
        # agent score"), so the sandbox refuses none.

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
        if cgr and cgr[0].queue is not None:
            raise _bad(
                "conditionalGroupRouting.rules[0].queue",
                "the first rule always evaluates this queue: leave its queue out (a GET fills "
                "it in; clear it before a PUT)",
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
    queues = store.ids("queue")
    known = {kind: store.ids(kind) for kind, _ in _MEMBER_GROUP_KINDS.values()}

    def check_groups(where: str, member_groups: list[MemberGroup] | None) -> None:
        for j, group in enumerate(member_groups or []):
            if group.id is None:
                raise _bad(f"{where}[{j}].id", "is required")
            if group.type not in _MEMBER_GROUP_KINDS:
                raise _bad(f"{where}[{j}].type", f"is required: {', '.join(MEMBER_GROUP_TYPES)}")
            kind, label = _MEMBER_GROUP_KINDS[group.type]
            if group.id not in known[kind]:
                raise _bad(f"{where}[{j}].id", f"{label} {group.id} does not exist")

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
            if named is not None and named not in queues:
                raise _bad(f"{where}.queue.id", f"queue {named} does not exist")
            check_groups(f"{where}.groups", cgr_rule.groups)

    check_groups("memberGroups", model.member_groups)
