"""One writer at a time (khóa ghi): `congvan ingest`, `extract` and `watch` on one database take turns.

The lock is `flock` on `<db>.lock` beside the database: the kernel releases it when the
holder exits, even by `kill -9`, so it is never left stale. A second writer waits for the
first and is told so (`on_wait`), instead of failing on a locked database.

>>> import tempfile; db = Path(tempfile.mkdtemp()) / "congvan.db"
>>> with writer_lock(db):  # doctest: +ELLIPSIS
...     with writer_lock(db, blocking=False):
...         pass
Traceback (most recent call last):
...
congvan.ingest.errors.IngestRunning: congvan.db: Một lệnh congvan ingest hoặc watch khác đang ghi vào cơ sở dữ liệu này; lệnh này chờ lệnh kia xong. (tiến trình ...)
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from congvan.ingest.errors import IngestRunning


def lock_path(db_path: Path) -> Path:
    return Path(f"{db_path}.lock")


@contextmanager
def writer_lock(db_path: str | Path, *, blocking: bool = True,
                on_wait: Callable[[IngestRunning], None] | None = None) -> Iterator[None]:
    """Holds the database's writer lock; when another process holds it, calls `on_wait` and waits
    (or raises `IngestRunning` when not `blocking`)."""
    path = lock_path(Path(db_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            busy = IngestRunning(Path(db_path).name, f"tiến trình {_holder(fd)}")
            if not blocking:
                raise busy from None
            if on_wait:
                on_wait(busy)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)   # closing the descriptor releases the lock


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip() or "?"
    except OSError:
        return "?"
