"""A report run's files: written into a fresh folder, moved into the output folder on success.

A rerun into the same folder (``reports/latest``) must never leave the previous run's HTML,
summary and tables beside a failed notebook, looking current. So every run writes into a hidden
folder of its own inside the output folder (the same file system, so moving a file into place
is a rename) and its files replace the previous run's only once it has succeeded.

The previous run of a notebook is known by the ``files`` list in its ``<stem>.summary.json``:
its files that the new run does not write again are removed with it, while the reports other
notebooks wrote into the same folder (the demo's) stay. A failed run leaves only its executed
notebook, as ``<stem>.FAILED.ipynb``; the previous run's files stay as they were.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

FILES_KEY = "files"  # in the summary: the names of everything the run wrote
FAILED_SUFFIX = ".FAILED.ipynb"


@dataclass(frozen=True)
class StagedRun:
    """One run of notebook ``stem``: ``folder`` is where it writes, ``out`` where it lands."""

    out: Path
    stem: str
    folder: Path

    @classmethod
    def create(cls, out: Path, stem: str) -> StagedRun:
        """Create ``out`` if needed and a fresh, empty folder inside it (OSError if neither)."""
        out.mkdir(parents=True, exist_ok=True)
        return cls(out, stem, Path(tempfile.mkdtemp(prefix=f".{stem}.running-", dir=out)))

    @property
    def failed_notebook(self) -> Path:
        return self.out / f"{self.stem}{FAILED_SUFFIX}"

    def files(self) -> list[str]:
        """Names of what the run has written so far."""
        return sorted(p.name for p in self.folder.iterdir())

    def previous_files(self, summary: str) -> set[str]:
        """The files of the last successful run, from its summary; empty when there is none."""
        try:
            recorded = json.loads((self.out / summary).read_text()).get(FILES_KEY, [])
        except (OSError, ValueError, AttributeError):
            return set()
        # only names inside the folder: the summary is a file anyone can edit
        return {n for n in recorded if isinstance(n, str) and n and n == Path(n).name and n != ".."}

    def publish(self, summary: str) -> None:
        """Move the run's files into ``out``, replacing the previous run's files as a whole.

        The summary goes last: its presence says the run beside it completed.
        """
        previous = self.previous_files(summary)
        names = self.files()
        for name in names:
            if name != summary:
                _replace(self.folder / name, self.out / name)
        for name in sorted(previous - set(names)):
            _remove(self.out / name)
        _remove(self.failed_notebook)
        _replace(self.folder / summary, self.out / summary)

    def keep_failed(self, executed: Path) -> Path | None:
        """Keep the failed run's notebook as ``<stem>.FAILED.ipynb``; the rest is discarded.

        An older failed notebook goes either way: it would describe some other run.
        """
        if not executed.exists():
            _remove(self.failed_notebook)
            return None
        _replace(executed, self.failed_notebook)
        return self.failed_notebook

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _replace(source: Path, target: Path) -> None:
    if (target.is_dir() and not target.is_symlink()) or (source.is_dir() and target.exists()):
        _remove(target)  # a rename replaces a file, not a folder
    source.replace(target)
