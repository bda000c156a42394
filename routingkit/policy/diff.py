"""Field-level differences between two API objects, as a PUT would change them.

Objects are compared as the JSON the API exchanges (``Resource.to_api()``), read-only fields
left out. A field present before and absent after is ``removed``: on a queue that is exactly
what a full-replace PUT would clear, so the plan shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..genesys.models import Queue

# Fields the platform sets and ignores on writes; never part of a change (one list, shared
# with the client and the sandbox).
from ..vocabulary.queue_fields import READ_ONLY_QUEUE_FIELDS as READ_ONLY_QUEUE_FIELDS
from ..vocabulary.queue_fields import writable_queue

ChangeKind = Literal["added", "changed", "removed"]


@dataclass(frozen=True)
class FieldChange:
    path: str  # e.g. mediaSettings.call.serviceLevel.percentage
    kind: ChangeKind
    before: Any = None
    after: Any = None

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {_short(self.after)}"
        if self.kind == "removed":
            return f"- {self.path}: {_short(self.before)} (cleared by the PUT)"
        return f"~ {self.path}: {_short(self.before)} -> {_short(self.after)}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "before": self.before, "after": self.after}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def queue_json(queue: Queue) -> dict[str, Any]:
    """A queue as compared: API JSON without read-only fields, rule 1's queue left out (the
    platform fills it in on GET and refuses it on PUT), the division by id only."""
    return {k: _references_by_id(v) for k, v in writable_queue(queue.to_api()).items()}


def _references_by_id(value: Any) -> Any:
    """References (skills, queues, groups, division) compared by id and type only: the
    platform fills in names and selfUris on GET, which a write need not send."""
    if isinstance(value, dict):
        if "id" in value:
            return {k: value[k] for k in ("id", "type") if k in value}
        return {k: _references_by_id(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_references_by_id(v) for v in value]
    return value


def diff(before: Any, after: Any, path: str = "") -> list[FieldChange]:
    """Every leaf that differs between two JSON values, depth first, in a stable order."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[FieldChange] = []
        for key in [*before, *(k for k in after if k not in before)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                changes.append(FieldChange(where, "removed", before=before[key]))
            elif key not in before:
                changes.append(FieldChange(where, "added", after=after[key]))
            else:
                changes.extend(diff(before[key], after[key], where))
        return changes
    if isinstance(before, list) and isinstance(after, list):
        changes = []
        for i in range(max(len(before), len(after))):
            where = f"{path}[{i}]"
            if i >= len(after):
                changes.append(FieldChange(where, "removed", before=before[i]))
            elif i >= len(before):
                changes.append(FieldChange(where, "added", after=after[i]))
            else:
                changes.extend(diff(before[i], after[i], where))
        return changes
    if _same(before, after):
        return []
    return [FieldChange(path or "(value)", "changed", before=before, after=after)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    return bool(a == b)
