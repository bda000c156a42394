"""Sending conversation aggregate queries: the org's limits, query bodies, bounded concurrency.

Queries run on a thread pool (the client is thread-safe and paces itself from the rate-limit
headers) behind an optional tqdm progress bar. The client retries what is worth retrying (an
aggregate query is a read, so 429, 5xx and dropped connections all are).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from tqdm.auto import tqdm

from routingkit.genesys import ForbiddenError, GenesysClient, NotFoundError
from routingkit.vocabulary.analytics import AggregateQuery, Filter, Predicate, View

from .intervals import Chunk

log = logging.getLogger("routingkit.workload")

T = TypeVar("T")

# What the platform documents when the org's limits cannot be read.
DEFAULT_MAX_INTERVAL_DAYS = 31
DEFAULT_MAX_VIEWS = 10
DEFAULT_MAX_PREDICATES = 100


@dataclass(frozen=True)
class AnalyticsLimits:
    max_interval_days: int
    max_views: int
    max_predicates: int


_limits: WeakKeyDictionary[GenesysClient, AnalyticsLimits] = WeakKeyDictionary()
_limits_lock = threading.Lock()


def analytics_limits(client: GenesysClient) -> AnalyticsLimits:
    """The org's aggregate-query limits, read once per client (they change with a contract,
    not during a session); the documented defaults where the org does not publish them."""
    with _limits_lock:
        known = _limits.get(client)
    if known is not None:
        return known
    try:
        found = client.analytics.limits("analytics")
    except (ForbiddenError, NotFoundError) as exc:
        log.info("could not read the analytics limits (%s); using the defaults", exc)
        found = {}
    limits = AnalyticsLimits(
        max_interval_days=found.get(
            "analytics.aggregates.query.max.interval.days", DEFAULT_MAX_INTERVAL_DAYS
        ),
        max_views=found.get("analytics.aggregates.query.max.views", DEFAULT_MAX_VIEWS),
        max_predicates=found.get("analytics.query.max.filter.predicates", DEFAULT_MAX_PREDICATES),
    )
    with _limits_lock:
        _limits[client] = limits
    return limits


def queue_filter(queue_ids: Sequence[str], media_types: Sequence[str] | None) -> Filter:
    """Any of the queues, and (if given) any of the media types."""
    queues = Filter("or", tuple(Predicate("queueId", "matches", q) for q in queue_ids))
    if not media_types:
        return queues
    media = Filter("or", tuple(Predicate("mediaType", "matches", m) for m in media_types))
    return Filter("and", clauses=(queues, media))


def aggregate_query(
    chunk: Chunk,
    *,
    queue_ids: Sequence[str],
    media_types: Sequence[str] | None,
    metrics: Sequence[str],
    time_zone: str,
    group_by: Sequence[str] = ("queueId", "mediaType"),
    granularity: str | None = None,
    views: Sequence[View | Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A ConversationAggregationQuery body for one chunk (the shared wire model's JSON)."""
    return AggregateQuery(
        interval=chunk.interval,
        metrics=tuple(metrics),
        group_by=tuple(group_by),
        filter=queue_filter(queue_ids, media_types),
        granularity=granularity,
        time_zone=time_zone,
        views=tuple(
            v if isinstance(v, View) else View.from_json(v, f"views[{i}]")
            for i, v in enumerate(views)
        ),
    ).to_json()


def post_aggregates(client: GenesysClient, body: Mapping[str, Any]) -> dict[str, Any]:
    """One aggregate query (retries are the client's job)."""
    return client.analytics.aggregates(body)


def show_progress(progress: bool | None) -> bool:
    """Explicit choice, else only where someone watches: a terminal or a Jupyter notebook."""
    if progress is not None:
        return progress
    stream = sys.stderr
    if stream is not None and stream.isatty():
        return True
    ipython = sys.modules.get("IPython")  # loaded by every Jupyter kernel; never import it here
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def run_tasks(
    tasks: Sequence[tuple[str, Callable[[], T]]],
    *,
    max_workers: int,
    progress: bool,
    description: str,
    already_done: int = 0,
) -> list[T]:
    """Run ``(label, task)`` pairs on at most ``max_workers`` threads; results in task order.

    The first failure cancels what has not started and is raised with the label of its task.
    """
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ValueError(f"max_workers is {max_workers!r}; use a whole number >= 1")
    results: dict[int, T] = {}
    bar = tqdm(
        total=already_done + len(tasks),
        initial=already_done,
        desc=description,
        unit="query",
        disable=not progress,
        leave=False,
    )
    try:
        if not tasks:
            return []
        with ThreadPoolExecutor(
            max_workers=min(max_workers, len(tasks)), thread_name_prefix="routingkit-workload"
        ) as pool:
            futures: dict[Future[T], int] = {pool.submit(t): i for i, (_, t) in enumerate(tasks)}
            pending: set[Future[T]] = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        label = tasks[futures[future]][0]
                        if sys.version_info >= (3, 11):
                            error.add_note(f"while running {label}")
                        log.error("%s failed: %s", label, error)
                        raise error
                    results[futures[future]] = future.result()
                    bar.update(1)
    finally:
        bar.close()
    return [results[i] for i in range(len(tasks))]
