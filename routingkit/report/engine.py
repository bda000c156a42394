"""The papermill engine routingkit runs notebooks with: papermill's own, plus what a command
needs.

- **An encrypted kernel transport.** The kernel manager provisions CurveZMQ keys for kernels
  whose kernel spec declares support (ipykernel's does). Without them ipykernel warns that it
  "is running over TCP without encryption" on its stderr, which is the command's stderr: one
  warning per notebook in every nightly log. A kernel that cannot encrypt runs as before.
- **Progress.** Each code cell, the section it belongs to (the last markdown heading above it)
  and the progress-bar widgets the kernel shows go to a
  :class:`~routingkit.report.progress.NotebookProgress`.
- **A quiet Ctrl-C.** An interrupted run kills its kernel at once: a graceful shutdown of a
  kernel busy in a cell makes the kernel print a traceback of its own.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import zmq
from jupyter_core.utils import ensure_async, run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from .progress import NotebookProgress, Quiet

ENGINE_NAME = "routingkit"
_log = logging.getLogger(__name__)


def sections(cells: list[Any]) -> list[str]:
    """For each cell, the text of the last markdown heading at or above it ('' before any)."""
    heading = ""
    found = []
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in str(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("#").strip()
                    break
        found.append(heading)
    return found


def _runs(cell: Any) -> bool:
    """Whether nbclient sends ``cell`` to the kernel."""
    return cell.cell_type == "code" and bool(cell.source.strip())


class _Client(PapermillNotebookClient):  # type: ignore[misc]
    def __init__(self, nb_man: Any, progress: NotebookProgress | None = None, **kw: Any) -> None:
        super().__init__(nb_man, **kw)
        self.progress = progress or Quiet().notebook("")
        self.sections = sections(self.nb.cells)
        self._mirror("start", sum(bool(_runs(cell)) for cell in self.nb.cells))

    def _mirror(self, what: str, *args: Any) -> None:
        """Tell the progress ``what`` happened. Progress is a view of the run: an error in it
        never fails a report, it only turns the view off (the quiet one takes over)."""
        try:
            getattr(self.progress, what)(*args)
        except Exception:
            _log.debug("progress %s failed; progress is off for this run", what, exc_info=True)
            broken, self.progress = self.progress, Quiet().notebook("")
            with contextlib.suppress(Exception):
                broken.close()  # its bars, if it can

    def create_kernel_manager(self) -> Any:
        manager = super().create_kernel_manager()
        if zmq.has("curve") and hasattr(manager, "transport_encryption"):
            manager.transport_encryption = "auto"  # only where the kernel spec declares it
        return manager

    def execute(self, **kwargs: Any) -> Any:
        try:
            return super().execute(**kwargs)
        except KeyboardInterrupt:
            self._kill_kernel()  # interrupted before or after the cells: still ours to stop
            raise
        finally:
            self._mirror("close")

    def papermill_execute_cells(self) -> None:
        try:
            super().papermill_execute_cells()
        except KeyboardInterrupt:
            self.shutdown_kernel = "immediate"  # what the clean-up on the way out then does
            raise

    def execute_cell(self, cell: Any, cell_index: int, *args: Any, **kwargs: Any) -> Any:
        runs = _runs(cell)
        if runs:
            self._mirror("cell", self.sections[cell_index])
        try:
            return super().execute_cell(cell, cell_index, *args, **kwargs)
        finally:
            if runs:
                self._mirror("cell_done")

    def handle_comm_msg(self, outs: Any, msg: dict[str, Any], cell_index: int) -> None:
        super().handle_comm_msg(outs, msg, cell_index)
        self._mirror("comm", msg["msg_type"], msg["content"])

    async def _async_kill_kernel(self) -> None:
        manager = self.km
        if manager is not None and manager.has_kernel:
            await ensure_async(manager.shutdown_kernel(now=True))
            await ensure_async(manager.cleanup_resources())

    _kill_kernel = run_sync(_async_kill_kernel)


class RoutingkitEngine(NBClientEngine):  # type: ignore[misc]
    """papermill's nbclient engine, running :class:`_Client`; ``progress`` is its one extra
    argument."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: float = 60,
        execution_timeout: float | None = None,
        progress: NotebookProgress | None = None,
        **kwargs: Any,
    ) -> Any:
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return _Client(nb_man, progress=progress, **final_kwargs).execute()


papermill_engines.register(ENGINE_NAME, RoutingkitEngine)
