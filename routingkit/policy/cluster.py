"""Where scale-out work runs: in this process, on a LocalCluster, or on an existing scheduler.

One rule for every entry point (``sweep``, ``routingkit report --for-each``): ``scheduler``
None (or ``""``) means the scheduler named by ``DASK_SCHEDULER_ADDRESS`` when that is set, else
this process, with no cluster and no Dask needed; ``"in-process"`` means this process even when
the variable is set; ``"local"`` starts a LocalCluster of worker processes (one thread each) for
the duration of the work; any other text is a scheduler address (``tcp://host:8786``); a
``distributed.Client`` is used as it is. Dask comes with the optional extra
``routingkit[dask]``; asking for a scheduler without it is an error that says how to install it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed import Client

ADDRESS_VARIABLE = "DASK_SCHEDULER_ADDRESS"
INSTALL = "pip install 'routingkit[dask]'"
LOCAL = "local"
IN_PROCESS = "in-process"
# How long a scheduler may have no worker before the work is refused (a cluster still booting
# its first worker is normal; one that never gets any would wait for ever).
WORKER_WAIT_SECONDS = 60.0


class SchedulerError(RuntimeError):
    """The scheduler asked for cannot be used; the message says which, why and what to do."""


def requested(scheduler: Any = None) -> Any:
    """What ``scheduler`` asks for once the environment is read: None is in-process."""
    if scheduler is None or (isinstance(scheduler, str) and not scheduler.strip()):
        scheduler = os.environ.get(ADDRESS_VARIABLE, "").strip() or None
    if isinstance(scheduler, str) and scheduler.strip() == IN_PROCESS:
        return None
    return scheduler.strip() if isinstance(scheduler, str) else scheduler


def _where(scheduler: Any, given: Any) -> str:
    if isinstance(scheduler, str) and scheduler == LOCAL:
        return "a LocalCluster"
    source = (
        f"the {ADDRESS_VARIABLE} variable"
        if given is None or (isinstance(given, str) and not given.strip())
        else "the scheduler argument"
    )
    return f"the Dask scheduler {scheduler!r} (from {source})"


def _import_distributed(what: str) -> Any:
    try:
        import distributed
    except ImportError:
        raise SchedulerError(
            f"{what} needs Dask, which is not installed: {INSTALL} (or leave the scheduler out, "
            f"and unset {ADDRESS_VARIABLE}, to run in this process)"
        ) from None
    return distributed


@contextmanager
def dask_client(scheduler: Any = None, *, workers: int | None = None) -> Iterator[Client | None]:
    """A Dask client for ``scheduler`` (see the module docstring), or None for in-process.

    ``workers``: worker processes of a LocalCluster (default: one per core); ignored for an
    existing scheduler. A cluster or client made here is closed on exit; a Client passed in
    is left open.
    """
    chosen = requested(scheduler)
    if chosen is None:
        yield None
        return
    if not isinstance(chosen, str):  # a Client the caller made and keeps
        yield chosen
        return
    where = _where(chosen, scheduler)
    distributed = _import_distributed(where)
    import dask

    if workers is not None and workers < 1:
        raise SchedulerError(f"workers is {workers}; a LocalCluster needs at least 1 worker")
    if chosen == LOCAL:
        # Processes, one thread each: the work is numpy and numba under the GIL, and a report
        # run changes its process's working directory. Without Dask's MALLOC_TRIM_THRESHOLD_,
        # which makes every large numpy temporary a fresh mmap: sweep tasks of 500 queues ran
        # twice as slow with it, and a task's memory is freed when it ends anyway.
        with (
            dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}),
            distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: 8787 may be another cluster's
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(chosen)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(
            f"cannot reach {where}: {exc}; start one with `dask scheduler` (and workers with "
            f"`dask worker {chosen}`), or leave the scheduler out to run in this process"
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except TimeoutError:
            raise SchedulerError(
                f"{where} has had no worker for {WORKER_WAIT_SECONDS:.0f} s; start one with "
                f"`dask worker {chosen}`"
            ) from None
        yield client


@contextmanager
def dask_executor(
    scheduler: Any = None, *, workers: int | None = None
) -> Iterator[Executor | None]:
    """A ``concurrent.futures.Executor`` on the cluster ``scheduler`` names, or None.

    For callers that must not import Dask (the report package): each call is a separate task,
    never merged with an identical one, and rescheduled by Dask when its worker dies.
    """
    with dask_client(scheduler, workers=workers) as client:
        yield None if client is None else client.get_executor(pure=False)
