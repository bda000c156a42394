"""Queues, their members and wrap-up codes."""

from __future__ import annotations

import builtins
import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..vocabulary.queue_fields import writable_queue
from .create_once import create_once
from .errors import NotFoundError
from .models import Queue, QueueMember, WrapupCode

if TYPE_CHECKING:
    from .client import GenesysClient

MEMBER_BATCH = 100  # the platform's cap per member call


def _batches(items: list[str], size: int = MEMBER_BATCH) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class QueuesApi:
    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def list(
        self, *, name: str | None = None, ids: Iterable[str] | None = None, page_size: int = 500
    ) -> list[Queue]:
        """Every queue (``name`` may use ``*`` wildcards)."""
        params = {"name": name, "id": list(ids) if ids is not None else None}
        return [
            Queue.model_validate(q)
            for q in self._client.paginate("/api/v2/routing/queues", params, page_size=page_size)
        ]

    def get(self, queue_id: str) -> Queue:
        return Queue.model_validate(self._client.get(f"/api/v2/routing/queues/{queue_id}"))

    def get_by_name(self, name: str) -> Queue:
        """The queue with exactly this name (case-insensitive), or NotFoundError with hints."""
        matches = [q for q in self.list(name=name) if (q.name or "").lower() == name.lower()]
        if matches:
            return matches[0]
        names = [q.name or "" for q in self.list()]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else ("; list them with client.queues.list()")
        )
        raise NotFoundError(
            404,
            "not.found",
            f"no queue is named {name!r}{hint}",
            method="GET",
            path="/api/v2/routing/queues",
        )

    def create(self, queue: Queue) -> Queue:
        """POST a new queue, at most once: after a lost answer, looks for it by name first.

        Read-only fields and conditional routing rule 1's queue are left out (see ``update``).
        """
        return create_once(
            self._client,
            "/api/v2/routing/queues",
            writable_queue(queue.to_api()),
            name=queue.name,
            parse=Queue.model_validate,
            list_named=lambda name: self.list(name=name),
            name_of=lambda q: q.name,
            what="queue",
        )

    def update(self, queue: Queue) -> Queue:
        """PUT the whole queue. Start from ``get`` so nothing you did not mean to clear is lost.

        The body leaves out the fields the platform owns and conditional group routing rule 1's
        ``queue``: a GET fills it in (it is always this queue) and a PUT that sends it is
        refused, so a read-modify-write must drop it, as the Terraform provider does.
        """
        if not queue.id:
            raise ValueError("queue.id is required to update a queue; read it with get() first")
        body = writable_queue(queue.to_api())
        return Queue.model_validate(
            self._client.request("PUT", f"/api/v2/routing/queues/{queue.id}", json=body)
        )

    def modify(self, queue_id: str, change: Callable[[Queue], Any]) -> Queue:
        """Read, apply ``change`` to the queue in place, write it back whole."""
        queue = self.get(queue_id)
        change(queue)
        return self.update(queue)

    def delete(self, queue_id: str, *, force: bool = False) -> None:
        self._client.request(
            "DELETE",
            f"/api/v2/routing/queues/{queue_id}",
            params={"forceDelete": "true"} if force else None,
        )

    # --- members ----------------------------------------------------------------------------

    def members(
        self,
        queue_id: str,
        *,
        joined: bool | None = None,
        member_by: str | None = None,
        expand: builtins.list[str] | None = None,
    ) -> builtins.list[QueueMember]:
        params = {"joined": joined, "memberBy": member_by, "expand": expand}
        return [
            QueueMember.model_validate(m)
            for m in self._client.paginate_until_empty(
                f"/api/v2/routing/queues/{queue_id}/members",
                _drop_none(params),
                page_size=MEMBER_BATCH,
            )
        ]

    def add_members(self, queue_id: str, user_ids: Iterable[str]) -> None:
        """Add users directly, 100 per call (adding an existing member changes nothing)."""
        for batch in _batches(list(user_ids)):
            self._client.request(
                "POST",
                f"/api/v2/routing/queues/{queue_id}/members",
                json=[{"id": u} for u in batch],
                idempotent=True,
            )

    def remove_members(self, queue_id: str, user_ids: Iterable[str]) -> None:
        for batch in _batches(list(user_ids)):
            self._client.request(
                "POST",
                f"/api/v2/routing/queues/{queue_id}/members",
                params={"delete": "true"},
                json=[{"id": u} for u in batch],
                idempotent=True,
            )

    def set_joined(self, queue_id: str, user_ids: Iterable[str], joined: bool) -> None:
        for batch in _batches(list(user_ids)):
            self._client.request(
                "PATCH",
                f"/api/v2/routing/queues/{queue_id}/members",
                json=[{"id": u, "joined": joined} for u in batch],
                idempotent=True,
            )

    def set_ring(self, queue_id: str, user_id: str, ring_number: int) -> None:
        if not 1 <= ring_number <= 6:
            raise ValueError(f"ring_number is {ring_number}; bullseye rings are numbered 1 to 6")
        self._client.request(
            "PATCH",
            f"/api/v2/routing/queues/{queue_id}/members/{user_id}",
            json={"ringNumber": ring_number},
            idempotent=True,
        )

    def all_wrapup_codes(self) -> builtins.list[WrapupCode]:
        """Every wrap-up code of the org (``GET /api/v2/routing/wrapupcodes``)."""
        return [
            WrapupCode.model_validate(c)
            for c in self._client.paginate("/api/v2/routing/wrapupcodes", page_size=500)
        ]

    def wrapup_codes(self, queue_id: str) -> builtins.list[WrapupCode]:
        return [
            WrapupCode.model_validate(c)
            for c in self._client.paginate(f"/api/v2/routing/queues/{queue_id}/wrapupcodes")
        ]


def _drop_none(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}
