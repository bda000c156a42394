"""The fields of a routing queue: which exist, which the platform owns, what a new queue has.

One list for the client (what a PUT sends), the sandbox (what it refuses or ignores) and the
policy diff (what is compared). :data:`QUEUE_FIELDS` is the official SDK's ``Queue`` model
(``PureCloudPlatformClientV2`` 269, ``models/queue.py``; ``QueueRequest`` has the same fields and
``CreateQueueRequest`` adds ``sourceQueueId``): the platform has no other top-level queue field,
in particular no ``capacity`` and no ``version`` (GENESYS_API.md, "Queues").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

from .media import MEDIA_KEYS

QUEUE_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "name",
        "division",
        "description",
        "dateCreated",
        "dateModified",
        "modifiedBy",
        "createdBy",
        "memberCount",
        "userMemberCount",
        "joinedMemberCount",
        "mediaSettings",
        "routingRules",
        "conditionalGroupRouting",
        "conditionalGroupActivation",
        "bullseye",
        "scoringMethod",
        "lastAgentRoutingMode",
        "acwSettings",
        "skillEvaluationMethod",
        "memberGroups",
        "queueFlow",
        "emailInQueueFlow",
        "messageInQueueFlow",
        "whisperPrompt",
        "onHoldPrompt",
        "autoAnswerOnly",
        "cannedResponseLibraries",
        "enableTranscription",
        "enableAudioMonitoring",
        "enableManualAssignment",
        "agentOwnedRouting",
        "directRouting",
        "callingPartyName",
        "callingPartyNumber",
        "defaultScripts",
        "outboundMessagingAddresses",
        "outboundEmailAddress",
        "peerId",
        "suppressInQueueCallRecording",
        "defaultMediaLanguage",
        "selfUri",
    }
)

# Only a create (POST) may carry these: the queue to copy the configuration from.
CREATE_ONLY_QUEUE_FIELDS: frozenset[str] = frozenset({"sourceQueueId"})

# Set by the platform: a write may send them back (a read-modify-write does) and they are
# ignored; they are never part of a change.
READ_ONLY_QUEUE_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "dateCreated",
        "dateModified",
        "modifiedBy",
        "createdBy",
        "memberCount",
        "userMemberCount",
        "joinedMemberCount",
        "selfUri",
    }
)

MemberGroupType = Literal["GROUP", "TEAM", "SKILLGROUP"]
# A member group's type, and where that kind of group lives: /api/v2/groups, /api/v2/teams,
# /api/v2/routing/skillgroups (GENESYS_API.md, "Read-modify-write pitfalls").
MEMBER_GROUP_TYPES: tuple[MemberGroupType, ...] = ("GROUP", "TEAM", "SKILLGROUP")

# What a queue created without them gets. The platform's exact defaults are unconfirmed; these
# are the values the sandbox serves (and the admin UI shows for a new queue).
_SCALAR_DEFAULTS: dict[str, Any] = {
    "scoringMethod": "TimestampAndPriority",
    "lastAgentRoutingMode": "Disabled",
    "skillEvaluationMethod": "ALL",
    "autoAnswerOnly": False,
    "enableTranscription": False,
    "enableAudioMonitoring": False,
    "enableManualAssignment": False,
    "suppressInQueueCallRecording": True,
}


def queue_defaults() -> dict[str, Any]:
    """The scalar settings a new queue has unless given (a fresh copy)."""
    return dict(_SCALAR_DEFAULTS)


def default_media_settings() -> dict[str, Any]:
    """A new queue's ``mediaSettings``: an alerting timeout of 8 s for calls and callbacks and
    30 s otherwise, 80 % answered in 20 s, no auto-answer (unconfirmed: the sandbox's values)."""
    settings: dict[str, Any] = {}
    for key in MEDIA_KEYS:
        entry: dict[str, Any] = {
            "alertingTimeoutSeconds": 8 if key in ("call", "callback") else 30,
            "serviceLevel": {"percentage": 0.8, "durationMs": 20000},
            "enableAutoAnswer": False,
        }
        if key == "callback":
            entry.update(mode="AgentFirst", maxRetryCount=3, retryDelaySeconds=60)
        settings[key] = entry
    return copy.deepcopy(settings)


def service_level_setting(
    body: Mapping[str, Any] | None, media_key: str
) -> tuple[float, float] | None:
    """A queue JSON's ``mediaSettings.<media_key>.serviceLevel`` as (fraction, seconds), or
    None where it is not set (no percentage, or no duration)."""
    level = (((body or {}).get("mediaSettings") or {}).get(media_key) or {}).get("serviceLevel")
    if not level or level.get("percentage") is None or not level.get("durationMs"):
        return None
    return float(level["percentage"]), float(level["durationMs"]) / 1000.0


def unknown_queue_fields(body: Mapping[str, Any], *, create: bool = False) -> list[str]:
    """The top-level keys of a queue body that the platform's queue does not have, in order."""
    allowed = QUEUE_FIELDS | CREATE_ONLY_QUEUE_FIELDS if create else QUEUE_FIELDS
    return [key for key in body if key not in allowed]


def writable_queue(body: Mapping[str, Any]) -> dict[str, Any]:
    """A queue's JSON fit for a PUT: read-only fields left out, and conditional group routing's
    first rule without its ``queue``.

    The platform fills rule 1's queue in on GET (it is always the queue itself) and refuses a
    PUT that sends it; the Terraform provider clears it before every queue PUT.
    """
    out = {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY_QUEUE_FIELDS}
    cgr = out.get("conditionalGroupRouting")
    if isinstance(cgr, dict) and isinstance(cgr.get("rules"), list) and cgr["rules"]:
        first = cgr["rules"][0]
        if isinstance(first, dict):
            first.pop("queue", None)
    return out
