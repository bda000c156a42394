"""Which queues a workload call is about: names, ids, Queue models, or every queue."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeAlias

from routingkit.genesys import GenesysClient, NotFoundError
from routingkit.genesys.models import Queue

# Queue ids are UUIDs; anything else given as a string is taken for a queue name.
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ID_BATCH = 100  # ids per queue listing call, well under URL length limits

QueueArg: TypeAlias = str | Queue
"""A queue name (case-insensitive), a queue id, or a Queue model."""

QueuesArg: TypeAlias = QueueArg | Iterable[QueueArg] | None
"""One queue, several, or None / "all" for every queue in the org."""


@dataclass(frozen=True)
class QueueRef:
    id: str
    name: str


def resolve_queues(client: GenesysClient, queues: QueuesArg) -> list[QueueRef]:
    """The queues meant by ``queues``, in the order given, without duplicates.

    Names are looked up with ``client.queues.get_by_name``, whose NotFoundError names the queue
    and suggests close matches; unknown ids raise NotFoundError too.
    """
    if queues is None or (isinstance(queues, str) and queues.lower() == "all"):
        refs = [QueueRef(q.id, q.name or q.id) for q in client.queues.list() if q.id]
        return _unique(refs)
    items: list[QueueArg] = [queues] if isinstance(queues, str | Queue) else list(queues)
    if not items:
        raise ValueError("queues is empty; name at least one queue, or pass None for all queues")
    found: dict[int, QueueRef] = {}
    by_id: dict[str, list[int]] = {}
    for position, item in enumerate(items):
        if isinstance(item, Queue):
            if not item.id:
                raise ValueError(
                    f"queues[{position}] is a Queue without an id ({item.name!r}); read it from "
                    "the org with client.queues.get_by_name() first"
                )
            if item.name:
                found[position] = QueueRef(item.id, item.name)
            else:
                by_id.setdefault(item.id, []).append(position)
        elif isinstance(item, str):
            if _UUID.match(item):
                by_id.setdefault(item, []).append(position)
            else:
                queue = client.queues.get_by_name(item)
                assert queue.id is not None  # the API always returns ids
                found[position] = QueueRef(queue.id, queue.name or item)
        else:
            raise TypeError(
                f"queues[{position}] is {item!r}; give queue names, ids or Queue models"
            )
    wanted = list(by_id)
    for start in range(0, len(wanted), _ID_BATCH):
        batch = wanted[start : start + _ID_BATCH]
        named = {q.id: q.name for q in client.queues.list(ids=batch) if q.id}
        for queue_id in batch:
            if queue_id not in named:
                raise NotFoundError(
                    404,
                    "not.found",
                    f"no queue has id {queue_id!r}; list them with client.queues.list()",
                    method="GET",
                    path="/api/v2/routing/queues",
                )
            for position in by_id[queue_id]:
                found[position] = QueueRef(queue_id, named[queue_id] or queue_id)
    return _unique([found[p] for p in range(len(items))])


def _unique(refs: Iterable[QueueRef]) -> list[QueueRef]:
    return list({r.id: r for r in refs}.values())
