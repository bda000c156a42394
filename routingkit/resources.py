"""Files shipped inside the package: the notebooks and the sample workload.

They live in ``routingkit/notebooks`` and ``routingkit/data``, so a wheel carries them; the
top-level ``notebooks/`` and ``data/`` of a checkout are symlinks to those folders. Found through
``importlib.resources``, so the paths are right from a checkout, an editable install or a wheel.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _bundled(*parts: str) -> Path:
    resource = files("routingkit")
    for part in parts:
        resource = resource / part
    if not isinstance(resource, Path):  # e.g. imported from a zip file
        raise RuntimeError(
            f"routingkit's bundled {'/'.join(parts)} is not a file on disk ({resource}); "
            "install routingkit as files, not zipped"
        )
    return resource


def notebooks_dir() -> Path:
    """The folder holding the bundled notebooks."""
    return _bundled("notebooks")


def notebook_path(name: str) -> Path:
    """A bundled notebook by file name, with or without ``.ipynb`` (``"01_history"``)."""
    available = sorted(p.name for p in notebooks_dir().glob("*.ipynb"))
    file_name = name if name.endswith(".ipynb") else f"{name}.ipynb"
    if file_name not in available:
        raise FileNotFoundError(
            f"no bundled notebook {name!r}; the notebooks are {', '.join(available) or 'missing'}"
        )
    return notebooks_dir() / file_name


def sample_workload_path() -> Path:
    """The sample workload CSV that ``routingkit staffing`` uses by default."""
    return _bundled("data", "sample_workload.csv")


def demo_policy_path() -> Path:
    """The demo's routing policy for the sandbox org (03_deploy uses it by default)."""
    return _bundled("data", "demo_policy.yaml")
