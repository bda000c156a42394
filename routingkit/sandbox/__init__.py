"""The embedded Genesys Cloud org: a real HTTP server that behaves like the Platform API v2.

Start one in the background with :func:`running_sandbox` (a context manager that picks a free
port and waits until it is ready), or from the shell with ``routingkit sandbox serve``. Its
history is drawn from known parameters; :func:`ground_truth` returns them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    FaultRule,
    SandboxConfig,
    default_db_path,
)
from .server import SandboxServer, running_sandbox


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


__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "FaultRule",
    "SandboxConfig",
    "SandboxServer",
    "ground_truth",
    "running_sandbox",
]
