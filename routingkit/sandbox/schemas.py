"""The request bodies the sandbox accepts, as pydantic models, and the 400 a mismatch earns.

Every body is validated in pydantic's strict JSON mode before a handler touches the store: a
number sent as a string, an object where an id belongs, a string where a list belongs are each
a 400 naming the field's path (``mediaSettings.call.alertingTimeoutSeconds``, ``[1].id``), not
a comparison or an SQLite binding that fails later. Queues reuse the client's resource models
(:mod:`routingkit.genesys.models`); the other bodies follow the official SDK's request models
(``UserSearchRequest``, ``AuditQueryRequest``, ``UtilizationRequest``...). A queue keeps the
fields its model does not know (as the client's model does, for read-modify-write); the other
bodies ignore them. Value ranges with their own wording stay in the handlers.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError
from pydantic.alias_generators import to_camel

from ..genesys.models import EntityRef, Queue, enum_violations
from ..vocabulary.media import MediaKey
from .errors import ApiError, field_path

T = TypeVar("T")

# Neither the official SDK's model docstrings nor the Terraform provider's queue schema state a
# length for these: the sandbox's own choices (unconfirmed on the platform), generous for real use.
MAX_ID_LENGTH = 200  # platform ids are 36-character UUIDs
MAX_NAME_LENGTH = 200  # queue, skill and wrap-up code names
MAX_DESCRIPTION_LENGTH = 4000
MAX_SEARCH_TERM_LENGTH = 1000

Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH)]
Name = Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_LENGTH)]
SearchTerm = Annotated[str, StringConstraints(max_length=MAX_SEARCH_TERM_LENGTH)]
State = Literal["active", "inactive", "deleted"]


class _Body(BaseModel):
    """A request body: camelCase JSON, unknown fields ignored, immutable once read."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


# --- queues ------------------------------------------------------------------------------------


class QueueBody(Queue):
    """A queue as POST and PUT send it: the client's model, with the sandbox's length caps."""

    name: Name | None = None
    description: Description | None = None


class QueueCreateBody(QueueBody):
    source_queue_id: Id | None = None


class EntityIdRef(_Body):
    """``{"id": ...}``: a queue member to add or remove, a wrap-up code to attach."""

    id: Id


class MemberJoin(_Body):
    """One entry of the bulk join/unjoin PATCH."""

    id: Id
    joined: bool | None = None


class MemberChange(_Body):
    """PATCH of one member: ring number and/or joined."""

    ring_number: int | None = None
    joined: bool | None = None


# --- skills ------------------------------------------------------------------------------------


class SkillBody(_Body):
    name: Name
    division: EntityRef | None = None
    state: State | None = None


class UserSkillPost(_Body):
    """``UserRoutingSkillPost``: add a skill to a user (or, in bulk, set its proficiency)."""

    id: Id
    proficiency: float = 0.0
    state: State | None = None


class UserSkillPut(_Body):
    """``UserRoutingSkill`` for PUT .../routingskills/{skillId}: the id comes from the path."""

    id: Id | None = None
    proficiency: float = 0.0
    state: State | None = None


# --- people search -----------------------------------------------------------------------------


class SearchCriterion(_Body):
    """``UserSearchCriteria``."""

    type: str = "EXACT"
    fields: list[Name] | None = None
    value: SearchTerm | None = None
    values: list[SearchTerm] | None = None
    start_value: SearchTerm | None = None
    end_value: SearchTerm | None = None
    date_format: str | None = None
    operator: Literal["AND", "OR", "NOT"] | None = None
    group: list[SearchCriterion] | None = None


class UserSearchBody(_Body):
    """``UserSearchRequest``."""

    query: list[SearchCriterion] = Field(default_factory=list)
    page_size: int = 25
    page_number: int = 1
    sort_order: Literal["ASC", "DESC", "SCORE"] | None = None
    sort_by: str | None = None
    expand: list[str] = Field(default_factory=list)
    enforce_permissions: bool | None = None


# --- utilization -------------------------------------------------------------------------------


class MediaCapacity(_Body):
    """``MediaUtilization``: how many of one media type an agent handles at once."""

    maximum_capacity: int
    interruptable_media_types: list[MediaKey] = Field(default_factory=list)
    include_non_acd: bool = False


class LabelCapacity(_Body):
    """``LabelUtilizationRequest``."""

    maximum_capacity: int | None = None
    interrupting_label_ids: list[Id] | None = None


class UtilizationBody(_Body):
    """``UtilizationRequest``: omitted media types go back to the default (the org's for an
    agent's PUT)."""

    utilization: dict[MediaKey, MediaCapacity] | None = None
    label_utilizations: dict[Id, LabelCapacity] | None = None
    max_inbound_calls: int | None = None


# --- audits ------------------------------------------------------------------------------------


class AuditFilter(_Body):
    property_: Literal["EntityType", "EntityId", "Action", "UserId"] = Field(alias="property")
    value: Id


class AuditSort(_Body):
    name: Literal["Timestamp"] | None = None
    sort_order: Literal["ascending", "descending"] | None = None


class AuditQueryBody(_Body):
    """``AuditRealtimeQueryRequest``."""

    interval: str
    service_name: Name
    filters: list[AuditFilter] = Field(default_factory=list)
    sort: list[AuditSort] = Field(default_factory=list)
    page_number: int = 1
    page_size: int = 25


# --- validation --------------------------------------------------------------------------------

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(schema: Any) -> TypeAdapter[Any]:
    if schema not in _ADAPTERS:
        _ADAPTERS[schema] = TypeAdapter(schema)
    return _ADAPTERS[schema]


def _located(data: Any, loc: tuple[int | str, ...], missing: bool) -> list[str | int]:
    """The path into ``data`` an error's ``loc`` names, without pydantic's union-member tags."""
    path: list[str | int] = []
    current = data
    for i, part in enumerate(loc):
        if _has(current, part):
            current = current[part]
        elif not (missing and i == len(loc) - 1):
            continue  # a tag such as "str" or "literal['A','B']": not part of the document
        path.append(part)
    return path


def _has(container: Any, key: int | str) -> bool:
    if isinstance(container, dict):
        return isinstance(key, str) and key in container
    if isinstance(container, list):
        return isinstance(key, int) and 0 <= key < len(container)
    return False


def _refusal(exc: ValidationError, data: Any, what: str) -> ApiError:
    by_path: dict[str, list[Any]] = {}
    for error in exc.errors():
        where = field_path(_located(data, error["loc"], error["type"] == "missing"))
        by_path.setdefault(where, []).append(error)
    details = []
    for where, errors in by_path.items():
        # For "Literal | str" fields a string gets the literal's message, anything else the type's.
        chosen = next(
            (e for e in errors if e["type"] == "literal_error" and isinstance(e["input"], str)),
            next((e for e in errors if e["type"] != "literal_error"), errors[0]),
        )
        details.append(
            {"errorCode": "invalid.value", "fieldName": where, "entityName": chosen["msg"]}
        )
    first = details[0]
    if first["fieldName"] == "body":
        message = f"Invalid {what} body: {first['entityName']}"
    else:
        message = f"Invalid value for {what} field {first['fieldName']}: {first['entityName']}"
    return ApiError(400, message, "bad.request", details=details)


def validated(schema: type[T], data: Any, what: str) -> T:
    """``data`` (decoded JSON) as ``schema``, checked strictly; a mismatch is a 400 naming it.

    Strict JSON mode: no string-to-number, number-to-string or number-to-bool coercion, while
    ISO-8601 strings still read as datetimes (as they arrive in a queue sent back by a client).
    """
    try:
        value: T = _adapter(schema).validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        raise _refusal(exc, data, what) from None
    return value


def without_unknown_enums(model: BaseModel, what: str) -> None:
    """400 for an enum value the official SDK does not know (the client's models accept them)."""
    unknown = enum_violations(model)
    if unknown:
        details = [
            {"errorCode": "invalid.value", "fieldName": _indexed(f), "entityName": v}
            for f, v, _ in unknown
        ]
        field, value, allowed = unknown[0]
        raise ApiError(
            400,
            f"Invalid value for {what} field {_indexed(field)}: {value!r} is not one of "
            f"{', '.join(allowed)}",
            "bad.request",
            details=details,
        )


def _indexed(dotted: str) -> str:
    """``routingRules.0.operator`` -> ``routingRules[0].operator``."""
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", dotted)


def unique_ids(ids: list[str], what: str) -> None:
    """400 naming the first entry whose id repeats an earlier one in the same batch."""
    seen: set[str] = set()
    for i, entity_id in enumerate(ids):
        if entity_id in seen:
            raise ApiError(
                400,
                f"Invalid value for {what} field [{i}].id: {entity_id} appears more than once "
                "in one call; send each id once",
                "bad.request",
                details=[
                    {
                        "errorCode": "invalid.value",
                        "fieldName": f"[{i}].id",
                        "entityName": entity_id,
                    }
                ],
            )
        seen.add(entity_id)
