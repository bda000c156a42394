"""Validation errors a user can act on: the file, the field path, what was wrong, what to do."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class PolicyFileError(ValueError):
    """A policy file that cannot be used; the message names the file and every bad field."""


_BRANCHES = {"int", "str", "float", "bool", "none", "dict", "list"}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("queues", 2, "routing", "bullseye")`` as ``queues[2].routing.bullseye``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif path and (str(part) in _BRANCHES or "[" in str(part) or "-" in str(part)):
            continue  # pydantic's union-branch markers (int, literal[...]): not a field
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _label(raw: Any, loc: tuple[int | str, ...]) -> str:
    """`` [Support - Voice]`` for a location inside ``queues[i]``."""
    if len(loc) >= 2 and loc[0] == "queues" and isinstance(loc[1], int):
        try:
            queue = raw["queues"][loc[1]]
            name = queue.get("queue_name") or queue.get("name")
            media = queue.get("media_type")
            return f" [{name} / {media}]" if media else f" [{name}]"
        except (KeyError, IndexError, TypeError, AttributeError):
            return ""
    return ""


def explain(exc: ValidationError, source: str, raw: Any, *, what: str) -> str:
    """One line per problem (at most 10): path, queue, message, the value found."""
    lines = []
    for error in exc.errors()[:10]:
        message = str(error["msg"]).removeprefix("Value error, ")
        found = ""
        if error["type"] not in ("missing",) and "input" in error:
            shown = repr(error["input"])
            found = f" (found {shown[:80]}{'...' if len(shown) > 80 else ''})"
        lines.append(f"{field_path(error['loc'])}{_label(raw, error['loc'])}: {message}{found}")
    more = f"\n  ... and {exc.error_count() - 10} more" if exc.error_count() > 10 else ""
    return f"{source} is not a valid {what}:\n  " + "\n  ".join(lines) + more
