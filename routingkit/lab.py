"""``routingkit lab``: JupyterLab on a folder where the notebooks and the reports sit together.

Lab opens on a workspace folder (the one it is started from, or ``--dir``) holding
``notebooks/`` and ``reports/``:

- ``notebooks/`` is, in a checkout, the repository's link to the package's notebooks; anywhere
  else (an installed wheel) it is a copy of routingkit's notebooks, made on first use and never
  overwritten, so an analyst's edits are theirs.
- ``reports/`` is created if missing.
- Kernels work in the workspace, not in the notebook's folder (:class:`WorkspaceKernelManager`),
  as the kernels of ``routingkit report`` and ``routingkit demo`` work in the folder those are
  started from. So a notebook's default ``output_dir``, ``reports/latest``, is the same folder
  whether it runs in Lab or from the command line, and ``demo`` writes its
  ``reports/<timestamp>/`` beside it.

Ctrl-C (or SIGTERM, or closing the terminal) stops JupyterLab with its kernels, then the sandbox
org the command started; the command then exits with 130 (143 for SIGTERM, 129 for SIGHUP).
JupyterLab runs in a session of its own, so a terminal's Ctrl-C reaches only this command,
which stops Lab in order instead of Lab asking whether to shut down.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from .report.runner import REPORTS_DIR
from .resources import notebooks_dir
from .signals import Stopped, signals_held, stop_on_signals

NOTEBOOKS = "notebooks"
STOP_SECONDS = 30  # JupyterLab's own shutdown of its kernels, before it is killed


class WorkspaceKernelManager(AsyncMappingKernelManager):
    """Starts every kernel in the server's root folder (the workspace), whatever folder the
    notebook is in: relative paths in a notebook mean the same as in ``routingkit report``."""

    def cwd_for_path(self, path: str, **kwargs: Any) -> str:
        return str(self.root_dir)


def prepare_workspace(workspace: Path) -> list[str]:
    """Make ``workspace`` hold ``notebooks/`` and ``reports/``; return what was done, in words."""
    done = []
    notebooks = workspace / NOTEBOOKS
    if not notebooks.exists():
        shutil.copytree(
            notebooks_dir(), notebooks, ignore=shutil.ignore_patterns("__pycache__", ".*")
        )
        done.append(f"copied routingkit's notebooks into {notebooks}")
    elif not notebooks.is_dir():
        raise NotADirectoryError(
            f"{notebooks} is a file; lab needs a notebooks folder there: move the file away or "
            "start lab in another folder (--dir)"
        )
    reports = workspace / REPORTS_DIR
    if not reports.exists():
        reports.mkdir(parents=True)
        done.append(f"created {reports} for the reports")
    return done


def lab_command(workspace: Path, port: int) -> list[str]:
    """The JupyterLab command line: the workspace as root, kernels working there, and their
    transport encrypted where the kernel supports it (no "running over TCP without
    encryption" warning)."""
    import zmq

    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        f"--ServerApp.root_dir={workspace}",
        f"--ServerApp.kernel_manager_class={__name__}.WorkspaceKernelManager",
    ]
    if zmq.has("curve"):
        command.append("--MappingKernelManager.transport_encryption=auto")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root
        command.append("--allow-root")
    return command


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop JupyterLab as its own SIGTERM handler intends (kernels shut down), else kill it.
    A second Ctrl-C or SIGTERM meanwhile kills it at once (then ends the command): JupyterLab
    is never left running."""
    if process.poll() is not None:
        return
    try:
        process.terminate()
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        _kill(process)
    except BaseException:
        _kill(process)
        raise


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill JupyterLab's session (it with its kernels) and reap it; a signal meanwhile waits."""
    with signals_held():
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_lab(port: int, workspace: Path | None = None) -> int:
    """``routingkit lab``: JupyterLab on ``workspace`` (default: the current folder), with the
    sandbox org when there are no credentials; returns the exit status."""
    from .demo import org_environment

    root = (workspace or Path.cwd()).resolve()
    try:
        done = prepare_workspace(root)
    except OSError as exc:
        print(f"routingkit lab: {exc}", file=sys.stderr)
        return 1
    with stop_on_signals():
        try:
            with org_environment() as org:
                print(f"JupyterLab on {root} (notebooks, reports), talking to {org}", flush=True)
                for line in done:
                    print(f"  {line}", flush=True)
                process = subprocess.Popen(
                    lab_command(root, port), stdin=subprocess.DEVNULL, start_new_session=True
                )
                try:
                    return process.wait()
                finally:
                    _stop(process)
        except Stopped as stopped:  # before KeyboardInterrupt: Stopped is one
            return stopped.status
        except KeyboardInterrupt:
            return 130
