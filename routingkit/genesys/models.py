"""Typed Genesys Cloud resources: one definition each, shared by the client and the sandbox.

Field names follow the Platform API's JSON (camelCase aliases; Python attributes in
snake_case). Unknown fields are kept (``extra="allow"``) so that a read-modify-write of a queue
never drops configuration routingkit does not model. Enum fields are ``Literal[...] | str``: the
``Literal`` lists the values the official SDK knows, and the ``str`` lets a value the platform
adds later be read (and written back) instead of breaking every listing. :func:`enum_violations`
reports values outside the known ones, for code that must refuse them (the sandbox does).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# The media vocabulary lives in routingkit.vocabulary (usable without an HTTP client); these
# names stay importable from here.
from ..vocabulary.media import MEDIA_KEYS as MEDIA_KEYS
from ..vocabulary.media import MediaKey as MediaKey
from ..vocabulary.media import analytics_media_type as analytics_media_type
from ..vocabulary.media import queue_media_key as queue_media_key


class Resource(BaseModel):
    """Base: camelCase JSON, unknown fields kept, populate by either name."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        ser_json_timedelta="float",
    )

    def to_api(self) -> dict[str, Any]:
        """The JSON body the API expects: aliases, no unset/None fields, extras kept."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class EntityRef(Resource):
    id: str | None = None
    name: str | None = None
    self_uri: str | None = None


class Division(EntityRef):
    pass


class ServiceLevel(Resource):
    percentage: float | None = Field(default=None, description="fraction 0..1")
    duration_ms: int | None = None


class MediaSetting(Resource):
    alerting_timeout_seconds: int | None = None
    service_level: ServiceLevel | None = None
    enable_auto_answer: bool | None = None
    auto_answer_alert_tone_seconds: float | None = None
    manual_answer_alert_tone_seconds: float | None = None


class CallbackMediaSetting(MediaSetting):
    mode: Literal["AgentFirst", "CustomerFirst"] | str | None = None
    max_retry_count: int | None = None
    retry_delay_seconds: int | None = None


class MediaSettings(Resource):
    call: MediaSetting | None = None
    callback: CallbackMediaSetting | None = None
    chat: MediaSetting | None = None
    email: MediaSetting | None = None
    message: MediaSetting | None = None


class RoutingRule(Resource):
    operator: Literal["MEETS_THRESHOLD", "ANY"] | str | None = None
    threshold: int | None = None
    wait_seconds: float | None = None


class MemberGroup(Resource):
    id: str | None = None
    name: str | None = None
    type: Literal["TEAM", "GROUP", "SKILLGROUP"] | str | None = None
    member_count: int | None = None
    self_uri: str | None = None


class ExpansionCriterion(Resource):
    type: Literal["TIMEOUT_SECONDS"] | str | None = None
    threshold: float | None = None


class RingActions(Resource):
    skills_to_remove: list[EntityRef] | None = None


class Ring(Resource):
    expansion_criteria: list[ExpansionCriterion] | None = None
    actions: RingActions | None = None
    member_groups: list[MemberGroup] | None = None


class Bullseye(Resource):
    rings: list[Ring] | None = None


class ConditionalGroupRoutingRule(Resource):
    queue: EntityRef | None = None
    metric: Literal["EstimatedWaitTime", "ServiceLevel"] | str | None = None
    operator: (
        Literal["GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo"] | str | None
    ) = None
    condition_value: float | None = None
    groups: list[MemberGroup] | None = None
    wait_seconds: int | None = None


class ConditionalGroupRouting(Resource):
    rules: list[ConditionalGroupRoutingRule] | None = None


class AcwSettings(Resource):
    wrapup_prompt: (
        Literal[
            "MANDATORY",
            "OPTIONAL",
            "MANDATORY_TIMEOUT",
            "MANDATORY_FORCED_TIMEOUT",
            "AGENT_REQUESTED",
        ]
        | str
        | None
    ) = None
    timeout_ms: int | None = None


class Queue(Resource):
    """A routing queue. PUT replaces the whole object: read, modify, write it back whole."""

    id: str | None = None
    name: str | None = None
    division: Division | None = None
    description: str | None = None
    date_created: datetime | None = None
    date_modified: datetime | None = None
    modified_by: str | None = None
    created_by: str | None = None
    member_count: int | None = None
    user_member_count: int | None = None
    joined_member_count: int | None = None
    media_settings: MediaSettings | None = None
    routing_rules: list[RoutingRule] | None = None
    conditional_group_routing: ConditionalGroupRouting | None = None
    bullseye: Bullseye | None = None
    scoring_method: Literal["TimestampAndPriority", "PriorityOnly"] | str | None = None
    last_agent_routing_mode: Literal["Disabled", "QueueMembersOnly", "AnyAgent"] | str | None = None
    acw_settings: AcwSettings | None = None
    skill_evaluation_method: Literal["NONE", "BEST", "ALL"] | str | None = None
    member_groups: list[MemberGroup] | None = None
    queue_flow: EntityRef | None = None
    email_in_queue_flow: EntityRef | None = None
    message_in_queue_flow: EntityRef | None = None
    whisper_prompt: EntityRef | None = None
    on_hold_prompt: EntityRef | None = None
    auto_answer_only: bool | None = None
    enable_transcription: bool | None = None
    enable_audio_monitoring: bool | None = None
    enable_manual_assignment: bool | None = None
    suppress_in_queue_call_recording: bool | None = None
    calling_party_name: str | None = None
    calling_party_number: str | None = None
    default_scripts: dict[str, Any] | None = None
    outbound_email_address: dict[str, Any] | None = None
    outbound_messaging_addresses: dict[str, Any] | None = None
    agent_owned_routing: dict[str, Any] | None = None
    direct_routing: dict[str, Any] | None = None
    peer_id: str | None = None
    self_uri: str | None = None


class RoutingStatus(Resource):
    user_id: str | None = None
    status: (
        Literal["OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING"] | str | None
    ) = None
    start_time: datetime | None = None


class QueueMember(Resource):
    id: str | None = None
    name: str | None = None
    user: EntityRef | None = None
    ring_number: int | None = None
    joined: bool | None = None
    member_by: Literal["user", "group"] | str | None = None
    routing_status: RoutingStatus | None = None
    self_uri: str | None = None


class RoutingSkill(Resource):
    id: str | None = None
    name: str | None = None
    date_modified: datetime | None = None
    state: Literal["active", "inactive", "deleted"] | str | None = None
    version: str | None = None
    self_uri: str | None = None


class UserRoutingSkill(Resource):
    id: str | None = None
    name: str | None = None
    proficiency: float | None = None
    state: Literal["active", "inactive", "deleted"] | str | None = None
    skill_uri: str | None = None
    self_uri: str | None = None


class User(Resource):
    id: str | None = None
    name: str | None = None
    division: Division | None = None
    email: str | None = None
    state: Literal["active", "inactive", "deleted"] | str | None = None
    username: str | None = None
    department: str | None = None
    title: str | None = None
    version: int | None = None
    self_uri: str | None = None


class Group(Resource):
    id: str | None = None
    name: str | None = None
    description: str | None = None
    type: Literal["official", "social"] | str | None = None
    member_count: int | None = None
    state: Literal["active", "inactive", "deleted"] | str | None = None
    version: int | None = None
    visibility: Literal["public", "owners", "members"] | str | None = None
    self_uri: str | None = None


class Team(Resource):
    """A team (GET /api/v2/teams): a member-group type of its own, distinct from groups."""

    id: str | None = None
    name: str | None = None
    division: Division | None = None
    description: str | None = None
    date_created: datetime | None = None
    date_modified: datetime | None = None
    member_count: int | None = None
    self_uri: str | None = None


class SkillGroup(Resource):
    """A skill group (GET /api/v2/routing/skillgroups): members are the agents whose skills meet
    its ``skillConditions``. Listings carry the definition only (no status, no conditions)."""

    id: str | None = None
    name: str | None = None
    division: Division | None = None
    description: str | None = None
    member_count: int | None = None
    date_modified: datetime | None = None
    date_created: datetime | None = None
    status: Literal["InProgress", "Complete"] | str | None = None
    skill_conditions: list[dict[str, Any]] | None = None
    self_uri: str | None = None


class WrapupCode(Resource):
    id: str | None = None
    name: str | None = None
    division: Division | None = None
    date_created: datetime | None = None
    created_by: str | None = None
    self_uri: str | None = None


class MediaUtilization(Resource):
    maximum_capacity: int | None = None
    interruptable_media_types: list[str] | None = None
    include_non_acd: bool | None = None


class Utilization(Resource):
    """Per-agent concurrency per media type. PUT resets every omitted media type."""

    utilization: dict[str, MediaUtilization] | None = None
    label_utilizations: dict[str, Any] | None = None
    max_inbound_calls: int | None = None
    level: str | None = None


class Organization(Resource):
    """The caller's org (GET /api/v2/organizations/me)."""

    id: str | None = None
    name: str | None = None
    default_language: str | None = None
    default_country_code: str | None = None
    third_party_org_name: str | None = None
    third_party_uri: str | None = Field(default=None, alias="thirdPartyURI")
    domain: str | None = None
    features: dict[str, bool] | None = None
    version: int | None = None
    state: Literal["active", "inactive", "deleted"] | str | None = None
    default_site_id: str | None = None
    support_uri: str | None = Field(default=None, alias="supportURI")
    voicemail_enabled: bool | None = None
    product_platform: (
        Literal[
            "GenesysCloud",
            "PureCloud",
            "PureEngage",
            "PureEngageCloud",
            "PureConnect",
            "PureConnectCloud",
            "Unknown",
        ]
        | str
        | None
    ) = None
    self_uri: str | None = None


def enum_violations(model: BaseModel, path: str = "") -> list[tuple[str, str, tuple[str, ...]]]:
    """(field path, value, known values) for every enum field holding an unknown value."""
    import types
    import typing

    found: list[tuple[str, str, tuple[str, ...]]] = []

    def known_values(annotation: object) -> tuple[str, ...]:
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Literal:
            return tuple(str(a) for a in args)
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            for arg in args:
                values = known_values(arg)
                if values:
                    return values
        return ()

    def visit(value: object, where: str, annotation: object) -> None:
        if isinstance(value, BaseModel):
            found.extend(enum_violations(value, where))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                visit(item, f"{where}.{i}", None)
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{where}.{key}", None)
        elif isinstance(value, str) and annotation is not None:
            allowed = known_values(annotation)
            if allowed and value not in allowed:
                found.append((where, value, allowed))

    for name, field in type(model).model_fields.items():
        alias = field.alias or name
        visit(getattr(model, name), f"{path}.{alias}" if path else alias, field.annotation)
    return found
