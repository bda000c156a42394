"""The routing policy: queue configuration in analyst terms, read from YAML or JSON.

One file describes one or many queues (identity, media settings with service goals, routing
method, after-call work, wrap-up codes, the members wanted and the pool they come from) and,
optionally, the org's per-media utilization. Names stand for ids everywhere (skills, groups,
queues, wrap-up codes, divisions); ``compile`` resolves them against the org.

A field left out (``None``) is not managed: the queue keeps whatever it has. ``routingkit
policy export`` writes every field the policy models, so export then plan is an empty plan.

Offline validation is the model itself: the schema, the platform's enums and its documented
limits (``GENESYS_API.md``: 2-6 bullseye rings, 1-5 conditional-routing rules with the first
naming no queue, at most 6 preferred-agent rules, utilization 0-25, ACW timeout 1 s - 60 min).
Errors name the field path (``queues[2].routing.bullseye.rings[0].expansion_timeout_seconds``)
and, for enums, the allowed values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .goals import ServiceGoal
from .validation_errors import PolicyFileError, explain

SCHEMA_VERSION = 1
MediaKey = Literal["call", "callback", "chat", "email", "message"]
GroupType = Literal["GROUP", "TEAM", "SKILLGROUP"]
Metric = Literal["EstimatedWaitTime", "ServiceLevel"]
Operator = Literal["GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo"]
WrapupPrompt = Literal[
    "MANDATORY", "OPTIONAL", "MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED"
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def goal_text(level: float, seconds: float) -> str:
    """``"80% in 20 s"``, exact enough that parsing it gives back the same numbers."""
    percent = format(round(level * 100, 9), "f").rstrip("0").rstrip(".")
    return f"{percent}% in {format(round(seconds, 3), 'f').rstrip('0').rstrip('.')} s"


class MediaPolicy(_Spec):
    """One media type of a queue (``mediaSettings.<media>``)."""

    alerting_timeout_seconds: int | None = Field(default=None, ge=7, le=86_400)
    service_level: str | None = None
    auto_answer: bool | None = None
    auto_answer_alert_tone_seconds: float | None = Field(default=None, ge=0, le=60)
    manual_answer_alert_tone_seconds: float | None = Field(default=None, ge=0, le=60)
    # callback only
    mode: Literal["AgentFirst", "CustomerFirst"] | None = None
    max_retry_count: int | None = Field(default=None, ge=0, le=10)
    retry_delay_seconds: int | None = Field(default=None, ge=0, le=86_400)

    @field_validator("service_level")
    @classmethod
    def _goal(cls, value: str | None) -> str | None:
        if value is None:
            return None
        goal = ServiceGoal.parse(value)
        if goal.target_seconds < 1:
            raise ValueError("the service-level duration must be at least 1 s (durationMs >= 1000)")
        return goal_text(goal.service_level, goal.target_seconds)

    @property
    def goal(self) -> ServiceGoal | None:
        return ServiceGoal.parse(self.service_level) if self.service_level else None


class GroupRef(_Spec):
    """A member group by name: a group, a team or a skill group."""

    name: str = Field(min_length=1)
    type: GroupType = "GROUP"


class RingPolicy(_Spec):
    """A bullseye ring: how long an interaction stays before widening, and what widens."""

    expansion_timeout_seconds: float | None = Field(default=None, gt=0, le=86_400)
    skills_to_remove: list[str] = []
    member_groups: list[GroupRef] = []


class BullseyePolicy(_Spec):
    rings: list[RingPolicy] = Field(min_length=2, max_length=6)

    @model_validator(mode="after")
    def _timeouts(self) -> BullseyePolicy:
        for index, ring in enumerate(self.rings[:-1]):
            if ring.expansion_timeout_seconds is None:
                raise ValueError(
                    f"rings[{index}] needs expansion_timeout_seconds: every ring but the last "
                    "(the default ring) says when to widen"
                )
        return self


class ConditionalRule(_Spec):
    """A conditional group routing rule: when ``queue``'s KPI crosses the value, its named
    groups join this queue's pool (the interaction stays in this queue)."""

    queue: str | None = None  # None: this queue (the first rule always is)
    metric: Metric = "EstimatedWaitTime"
    operator: Operator = "GreaterThan"
    condition_value: float = Field(ge=0)
    wait_seconds: int = Field(default=2, ge=0, le=259_200)
    groups: list[GroupRef] = Field(min_length=1)

    @model_validator(mode="after")
    def _level_is_a_fraction(self) -> ConditionalRule:
        if self.metric == "ServiceLevel" and self.condition_value > 1:
            raise ValueError(
                f"condition_value {self.condition_value} is not a fraction; a ServiceLevel "
                "condition is 0..1 (0.8 = 80 %)"
            )
        return self


class ConditionalRouting(_Spec):
    rules: list[ConditionalRule] = Field(min_length=1, max_length=5)

    @model_validator(mode="after")
    def _first_rule_is_this_queue(self) -> ConditionalRouting:
        if self.rules[0].queue is not None:
            raise ValueError(
                f"rules[0].queue is {self.rules[0].queue!r}; the first rule is always this "
                "queue: leave its queue out"
            )
        return self


class PreferredAgentRule(_Spec):
    operator: Literal["MEETS_THRESHOLD", "ANY"] = "MEETS_THRESHOLD"
    threshold: int | None = Field(default=None, ge=0)
    wait_seconds: float = Field(ge=0, le=259_200)


class RoutingPolicy(_Spec):
    """How interactions find agents: one routing method per queue, as the admin UI offers."""

    scoring_method: Literal["TimestampAndPriority", "PriorityOnly"] | None = None
    skill_evaluation_method: Literal["NONE", "BEST", "ALL"] | None = None
    last_agent_routing_mode: Literal["Disabled", "QueueMembersOnly", "AnyAgent"] | None = None
    method: Literal["standard", "bullseye", "conditional", "preferred"] | None = None
    bullseye: BullseyePolicy | None = None
    conditional_routing: ConditionalRouting | None = None
    preferred_agent_rules: list[PreferredAgentRule] | None = Field(default=None, max_length=6)
    backup_queue: str | None = None  # directRouting.backupQueueId, by name

    @model_validator(mode="after")
    def _one_method(self) -> RoutingPolicy:
        given = {
            "bullseye": self.bullseye is not None,
            "conditional": self.conditional_routing is not None,
            "preferred": bool(self.preferred_agent_rules),
        }
        chosen = [name for name, present in given.items() if present]
        if len(chosen) > 1:
            raise ValueError(
                f"{' and '.join(chosen)} are both set; a queue routes one way: keep one "
                "(method: standard, bullseye, conditional or preferred)"
            )
        if self.method is not None and self.method != "standard" and not given[self.method]:
            section = {
                "bullseye": "bullseye",
                "conditional": "conditional_routing",
                "preferred": "preferred_agent_rules",
            }[self.method]
            raise ValueError(f"method is {self.method!r} but {section} is not given")
        if self.method == "standard" and chosen:
            raise ValueError(f"method is 'standard' but {chosen[0]} settings are given")
        return self

    @property
    def effective_method(self) -> str | None:
        """The method this policy sets, or None when it leaves the queue's as it is."""
        if self.bullseye is not None:
            return "bullseye"
        if self.conditional_routing is not None:
            return "conditional"
        if self.preferred_agent_rules:
            return "preferred"
        return self.method


class AcwPolicy(_Spec):
    wrapup_prompt: WrapupPrompt | None = None
    timeout_seconds: float | None = Field(default=None, ge=1, le=3600)


class SkillRequirement(_Spec):
    name: str = Field(min_length=1)
    min_proficiency: float = Field(default=0.0, ge=0, le=5)


class PoolPolicy(_Spec):
    """Who may be a member: agents holding every skill (at the proficiency), in any group."""

    skills: list[SkillRequirement] = []
    groups: list[GroupRef] = []

    @model_validator(mode="after")
    def _not_empty(self) -> PoolPolicy:
        if not self.skills and not self.groups:
            raise ValueError("a pool needs skills or groups to draw agents from")
        return self


class MembersPolicy(_Spec):
    """The members wanted: a number, or the capacity plan's peak rostered agents."""

    wanted: Annotated[int, Field(ge=0, le=10_000)] | Literal["capacity_plan"]
    pool: PoolPolicy
    remove_surplus: bool = False
    rings_by_proficiency: bool = False


class QueuePolicy(_Spec):
    name: str = Field(min_length=1, max_length=256)
    division: str | None = None
    description: str | None = Field(default=None, max_length=4096)
    media: dict[MediaKey, MediaPolicy] = {}
    routing: RoutingPolicy | None = None
    acw: AcwPolicy | None = None
    wrapup_codes: list[str] | None = None
    members: MembersPolicy | None = None

    @model_validator(mode="after")
    def _rings_need_bullseye(self) -> QueuePolicy:
        if self.members and self.members.rings_by_proficiency:
            method = self.routing.effective_method if self.routing else None
            if method not in (None, "bullseye"):
                raise ValueError(
                    "members.rings_by_proficiency needs bullseye routing (ring numbers only "
                    "matter in a bullseye)"
                )
        for key, media in self.media.items():
            if key != "callback" and (
                media.mode is not None
                or media.max_retry_count is not None
                or media.retry_delay_seconds is not None
            ):
                raise ValueError(
                    f"media.{key}: mode, max_retry_count and retry_delay_seconds are callback "
                    "settings; move them to media.callback"
                )
        return self


class MediaUtilizationPolicy(_Spec):
    maximum_capacity: int = Field(ge=0, le=25)
    interruptible_by: list[MediaKey] = []
    include_non_acd: bool | None = None


class Policy(_Spec):
    """A routing policy file (schema version 1)."""

    schema_version: Literal[1] = 1
    queues: list[QueuePolicy] = []
    utilization: dict[MediaKey, MediaUtilizationPolicy] | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> Policy:
        seen: dict[str, int] = {}
        for index, queue in enumerate(self.queues):
            key = queue.name.casefold()
            if key in seen:
                raise ValueError(
                    f"queues[{index}] repeats the queue {queue.name!r} of queues[{seen[key]}]; "
                    "describe each queue once"
                )
            seen[key] = index
        return self

    def queue(self, name: str) -> QueuePolicy:
        for queue in self.queues:
            if queue.name.casefold() == name.casefold():
                return queue
        raise KeyError(f"the policy has no queue {name!r}")

    # -- files -------------------------------------------------------------------------
    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
        text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        return text

    def save(self, path: Path | str) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".json":
            target.write_text(self.model_dump_json(indent=1, exclude_none=True), encoding="utf-8")
        else:
            target.write_text(self.to_yaml(), encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: Path | str) -> Policy:
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PolicyFileError(
                f"{source} does not exist; write a policy, or start from the org's current "
                "configuration with 'routingkit policy export -o policy.yaml'"
            ) from None
        return cls.parse_text(text, source=str(source))

    @classmethod
    def parse_text(cls, text: str, *, source: str = "the policy") -> Policy:
        try:
            raw = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise PolicyFileError(f"{source} is not valid YAML or JSON: {exc}") from None
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise PolicyFileError(
                f"{source} holds a {type(raw).__name__}; a policy is a mapping with "
                "schema_version and queues"
            )
        version = raw.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise PolicyFileError(
                f"{source}: schema_version {version!r} is not supported (this routingkit reads "
                f"version {SCHEMA_VERSION}); upgrade routingkit or export the policy again"
            )
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise PolicyFileError(explain(exc, source, raw, what="policy")) from None


def as_plain(value: Any) -> Any:
    """A policy model or value as plain JSON-ready data (for diffs and hashes)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return value
