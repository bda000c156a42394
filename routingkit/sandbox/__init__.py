"""The embedded Genesys Cloud org: a real HTTP server that behaves like the Platform API v2.

Start one in a background thread with :func:`running_sandbox` (a context manager that picks a
free port and waits until it is ready), from the shell with ``routingkit sandbox serve``, or as a
process that outlives Python with :func:`routingkit.sandbox.background.ensure_running`. Nothing
starts one implicitly: ``routingkit.genesys.connect()`` never does. Its history is drawn from
known parameters; :func:`ground_truth` returns them. Its admin endpoints
(/sandbox/admin/*: faults, ground truth, token expiry) take the sandbox's own admin secret in the
``X-Sandbox-Admin-Secret`` header, not an API token: ``SandboxServer.admin()`` sends it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import (
    ADMIN_SECRET_HEADER,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    FaultRule,
    SandboxConfig,
    UnsafeBindError,
    default_db_path,
)
from .server import SandboxServer, running_sandbox

if TYPE_CHECKING:
    import pandas as pd


def ground_truth(db_path: Path | str | None = None) -> dict[str, Any]:
    """The parameters a sandbox database's history was drawn from (see ``org.ground_truth``).

    Per queue: arrival rate per second for each weekday and local 15-minute slot, the lognormal
    talk/hold/ACW components and their mean handle time, exponential patience, staffing and the
    service-level target. Empty if the database was never seeded.
    """
    from .store import Store

    store = Store(Path(db_path) if db_path is not None else default_db_path())
    try:
        return json.loads(store.get_meta("ground_truth") or "{}")  # type: ignore[no-any-return]
    finally:
        store.close()


def staffing_truth(db_path: Path | str | None = None) -> pd.DataFrame:
    """Agents on queue per queue, weekday and 15-minute slot, as the history was simulated.

    The sandbox's answer to "how many agents were actually staffed", in the staffed-agents
    table format of ``routingkit.policy.staffed`` (``queue_id``, ``weekday``,
    ``slot_minute``, ``interval_seconds``, ``agents``). Only the sandbox knows this; a caller
    that wants it asks for it here, explicitly.
    """
    import numpy as np
    import pandas as pd

    truth = ground_truth(db_path)
    slot_seconds = int(truth.get("slot_seconds", 900))
    frames = []
    for queue in truth.get("queues", []):
        staffing = np.asarray(queue["staffing"], dtype=float)  # weekday x slot
        weekday, slot = np.indices(staffing.shape)
        frames.append(
            pd.DataFrame(
                {
                    "queue_id": queue["queue_id"],
                    "weekday": weekday.ravel(),
                    "slot_minute": slot.ravel() * slot_seconds // 60,
                    "interval_seconds": slot_seconds,
                    "agents": staffing.ravel(),
                }
            )
        )
    columns = ["queue_id", "weekday", "slot_minute", "interval_seconds", "agents"]
    result: pd.DataFrame = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    )
    return result


__all__ = [
    "ADMIN_SECRET_HEADER",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "FaultRule",
    "SandboxConfig",
    "SandboxServer",
    "UnsafeBindError",
    "ground_truth",
    "running_sandbox",
    "staffing_truth",
]
