"""Who uses a sandbox database: every sandbox server holds a shared lock on ``<db>.lock`` for
its lifetime (several may serve one database); ``routingkit sandbox reset`` deletes the
database only when it gets the lock exclusively."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class DatabaseInUse(RuntimeError):
    """A sandbox server runs on the database."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.lock")


def _open_locked(path: Path, operation: int) -> int:
    """A descriptor of ``path`` holding ``operation``'s lock on the file that is at ``path``
    now (not on one a reset unlinked while this waited)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, operation)
            with contextlib.suppress(FileNotFoundError):
                if os.fstat(fd).st_ino == os.stat(path).st_ino:
                    return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def hold_shared(db_path: Path) -> int | None:
    """Take the shared lock of a server on ``db_path``; return its descriptor (close it to
    let go), or None for a database that is no file (``:memory:``)."""
    if str(db_path) == ":memory:" or str(db_path).startswith("file:"):
        return None
    path = lock_path(Path(db_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    return _open_locked(path, fcntl.LOCK_SH)


@contextlib.contextmanager
def held_exclusively(db_path: Path) -> Iterator[None]:
    """No sandbox server uses ``db_path`` within the block (none can start on it either);
    raises :class:`DatabaseInUse` at once when one does. The lock file goes at the end."""
    path = lock_path(db_path)
    if not path.parent.is_dir():
        yield  # no folder, no database: nothing serves it
        return
    try:
        fd = _open_locked(path, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise DatabaseInUse(str(db_path)) from None
    try:
        yield
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)
