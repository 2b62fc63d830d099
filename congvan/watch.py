"""A watched corpus (thư mục theo dõi): PDFs and Word files dropped into corpus/ are ingested once whole.

A clerk saves or copies `1234-UBND.pdf` into corpus/; a moment later its tasks are in the
database. A file is taken only when it is completely written: its size and mtime have not
changed for `settle` seconds and its last `%%EOF` ends the file (only line ends after it: a
signing tool that appends its signature as an incremental update after the first
revision's `%%EOF` is waited for), or, for a file that never gets a `%%EOF`, once it has
been stable for `max_wait` seconds (it is then recorded as failed, like any unreadable
file, and read again when it changes). A .docx or .odt is whole once its zip directory is
written; a .doc once its size is stable. Events on the same file are debounced; each file
is ingested by `congvan.pipeline.ingest_file` under the database's writer lock, so a
`congvan ingest` on the same database simply takes turns with the watch. A file deleted
or moved away marks its document `removed` (`congvan.pipeline.file_removed`); files that
went while nobody watched are caught up at start.

    with Watcher(Path("corpus"), Path("db/congvan.db"), on_result=results.append):
        shutil.copy("1234-UBND.pdf", "corpus/")      # → results: [WatchResult("1234-UBND.pdf", ok …)]

The library never prints: results go to `on_result(WatchResult)`, called from the worker thread.
"""
from __future__ import annotations

import logging
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from congvan import pipeline
from congvan.db import load, register, schema, stored
from congvan.db.lock import writer_lock
from congvan.ingest import word
from congvan.ingest.errors import Status
from congvan.ingest.limits import DEFAULT, Limits

log = logging.getLogger(__name__)

EOF_MARK = b"%%EOF"
TAIL = 64   # what may follow the last %%EOF: line ends, padding


def ends_with_eof(path: Path) -> bool:
    """True when the file's last `%%EOF` ends it (nothing but whitespace after it): a PDF written to its end.

    A signed PDF being written has its first revision's `%%EOF` followed by the start of the
    signature's incremental update: not the end.

    >>> import tempfile; f = Path(tempfile.mkdtemp()) / "a.pdf"; _ = f.write_bytes(b"%PDF-1.7 ... %%EOF\\r\\n")
    >>> half = f.with_name("b.pdf"); _ = half.write_bytes(b"%PDF-1.7 ... %%EOF\\n3 0 obj << /Type /Sig")
    >>> ends_with_eof(f), ends_with_eof(half), ends_with_eof(f.with_name("missing.pdf"))
    (True, False, False)
    """
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - TAIL))
            tail = f.read()
    except OSError:
        return False
    at = tail.rfind(EOF_MARK)
    return at >= 0 and not tail[at + len(EOF_MARK):].strip(b"\r\n\t\f\x00 ")


def is_candidate(path: Path) -> bool:
    """A PDF or a Word file (.docx, .doc, .odt) by name, not a hidden or temporary file ('.~lock…', '~$…')."""
    return (path.suffix.lower() == ".pdf" or word.is_word(path)) and not path.name.startswith((".", "~"))


def looks_complete(path: Path) -> bool:
    """True when the file looks written to its end: a PDF ends with `%%EOF`, a .docx or .odt (a zip
    archive) has its closing directory; a .doc has no end mark, so its stable size is all there is.

    >>> import tempfile, zipfile; folder = Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(folder / "a.docx", "w") as z: z.writestr("word/document.xml", "<w/>")
    >>> _ = (folder / "b.docx").write_bytes((folder / "a.docx").read_bytes()[:40])
    >>> looks_complete(folder / "a.docx"), looks_complete(folder / "b.docx"), looks_complete(folder / "c.doc")
    (True, False, True)
    """
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return ends_with_eof(path)
    if suffix in (".docx", ".odt"):
        return zipfile.is_zipfile(path)
    return True


@dataclass(frozen=True, slots=True)
class WatchResult:
    """What happened to one file: pipeline's FileResult, or the error that stopped it."""

    path: str
    result: pipeline.FileResult | None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class _Pending:
    first_seen: float
    size: int = -1
    mtime_ns: int = -1
    stable_since: float = 0.0


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: "Watcher") -> None:
        self.watcher = watcher

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.watcher.notify(Path(event.src_path))

    on_modified = on_created

    def on_closed(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.watcher.notify(Path(event.src_path))

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.watcher.notify_gone(Path(event.src_path))
            self.watcher.notify(Path(event.dest_path))

    def on_deleted(self, event: FileSystemEvent) -> None:
        self.watcher.notify_gone(Path(event.src_path))


class Watcher:
    """Watches `corpus` and ingests settled PDFs into `db_path` (see the module docstring)."""

    def __init__(self, corpus: Path, db_path: Path, *, trust_roots=(), ocr=None, workers: int | None = 1,
                 settle: float = 1.0, max_wait: float = 60.0, poll: float = 0.2, scan_existing: bool = True,
                 on_result: Callable[[WatchResult], None] | None = None, limits: Limits = DEFAULT) -> None:
        self.corpus, self.db_path = Path(corpus).resolve(), Path(db_path)
        self.limits = limits
        self.trust_roots, self.ocr, self.workers = tuple(trust_roots), ocr, workers
        self.settle, self.max_wait, self.poll = settle, max_wait, poll
        self.scan_existing, self.on_result = scan_existing, on_result
        self._pending: dict[Path, _Pending] = {}
        self._gone: set[Path] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._observer = Observer()
        self._worker = threading.Thread(target=self._run, name="congvan-watch", daemon=True)
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._catch_up = False   # a removal pass over the whole corpus is due (set at start)

    def notify(self, path: Path) -> None:
        """Marks a file as changed (called by the observer; callable by hand)."""
        path = Path(path)
        if not is_candidate(path):
            return
        with self._lock:
            self._pending.setdefault(path, _Pending(time.monotonic()))

    def notify_gone(self, path: Path) -> None:
        """Marks a file (or a folder of files) as deleted or moved away."""
        with self._lock:
            self._gone.add(Path(path))

    def start(self) -> None:
        """Starts watching; returns once the database is open and the observer runs."""
        if self.ocr is None:
            from congvan.ingest.ocr import check_tesseract

            check_tesseract()
        self._observer.schedule(_Handler(self), str(self.corpus), recursive=True)
        self._observer.start()
        self._worker.start()
        self._ready.wait(timeout=60)
        if self._failure is not None:
            self.stop()
            raise self._failure
        if self.scan_existing:
            for path in pipeline.find_pdfs(self.corpus):
                self.notify(path)
            with self._lock:
                self._catch_up = True

    def stop(self) -> None:
        self._stop.set()
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout=10)
        if self._worker.is_alive():
            self._worker.join(timeout=600)

    def __enter__(self) -> "Watcher":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _settled(self, now: float) -> list[Path]:
        """Paths whose size and mtime have been stable long enough and that look complete."""
        ready = []
        with self._lock:
            for path, p in list(self._pending.items()):
                try:
                    st = path.stat()
                except FileNotFoundError:          # removed or renamed before it settled
                    del self._pending[path]
                    continue
                if (st.st_size, st.st_mtime_ns) != (p.size, p.mtime_ns):
                    p.size, p.mtime_ns, p.stable_since = st.st_size, st.st_mtime_ns, now
                    continue
                if now - p.stable_since < self.settle or st.st_size == 0:
                    continue
                if looks_complete(path) or now - p.first_seen >= self.max_wait:
                    del self._pending[path]
                    ready.append(path)
        return sorted(ready)

    def _run(self) -> None:
        try:
            with writer_lock(self.db_path):
                db = schema.connect(self.db_path)
                from congvan.db.export import create_views
                from congvan.extract.units import registry

                load.save_units(db, registry())
                create_views(db)
                register.remember_corpus(db, self.corpus)
        except BaseException as e:  # reported to start(), which re-raises it in the caller's thread
            self._failure = e
            self._ready.set()
            return
        self._ready.set()
        cache_dir = pipeline.default_cache_dir(self.db_path)
        try:
            while not self._stop.is_set():
                self._removals(db)
                for path in self._settled(time.monotonic()):
                    self._ingest(db, path, cache_dir)
                self._stop.wait(self.poll)
        finally:
            db.close()

    def _removals(self, db) -> None:
        """Files deleted or moved away since the last look: their documents become `removed`."""
        with self._lock:
            gone, self._gone = self._gone, set()
            catch_up, self._catch_up = self._catch_up, False
        if not gone and not catch_up:
            return
        try:
            with writer_lock(self.db_path):
                if catch_up:
                    present = [str(p.relative_to(self.corpus)) for p in pipeline.find_pdfs(self.corpus)]
                    removed = load.mark_removed(db, present)
                else:
                    removed = []
                for path in sorted(gone):
                    if path.is_relative_to(self.corpus):
                        removed += self._gone_under(db, str(path.relative_to(self.corpus)))
                if removed:
                    register.refresh(db)   # their tasks leave the register's lists
        except Exception as e:  # noqa: BLE001 — reported like a failed file; the watch goes on
            log.exception("watch: removal failed")
            removed, error = [], f"{type(e).__name__}: {e}"
            if self.on_result:
                self.on_result(WatchResult(str(sorted(gone)[0]) if gone else "", None, error))
        for name in removed:
            if self.on_result:
                self.on_result(WatchResult(name, pipeline.FileResult(name, Status.REMOVED)))

    def _gone_under(self, db, name: str) -> list[str]:
        """The documents of a deleted file, or of every file once under a deleted folder."""
        return [r for path in stored.files_under(db, name) for r in pipeline.file_removed(db, self.corpus, path)]

    def _ingest(self, db, path: Path, cache_dir: Path) -> None:
        started = time.monotonic()
        name = str(path.relative_to(self.corpus)) if path.is_relative_to(self.corpus) else str(path)
        if not pipeline.inside_corpus(path, self.corpus):
            if self.on_result:
                self.on_result(WatchResult(name, None, "bỏ qua: liên kết tới một tệp ngoài corpus "
                                                       "(chép chính tệp vào corpus để đọc)"))
            return
        try:
            with writer_lock(self.db_path):
                result = pipeline.ingest_file(db, path, self.corpus, ocr=self.ocr, workers=self.workers,
                                              trust_roots=self.trust_roots, cache_dir=cache_dir, limits=self.limits)
                load.link_citations(db)
                register.refresh(db)
            outcome = WatchResult(name, result, None, time.monotonic() - started)
        except Exception as e:  # one bad file must not stop the watch: report it and go on
            log.exception("watch: ingest of %s failed", path)
            outcome = WatchResult(name, None, f"{type(e).__name__}: {e}", time.monotonic() - started)
        if self.on_result:
            self.on_result(outcome)


def watch_forever(corpus: Path, db_path: Path, *, stop: threading.Event | None = None, **options) -> None:
    """Runs a Watcher until `stop` is set (or KeyboardInterrupt)."""
    stop = stop or threading.Event()
    with Watcher(corpus, db_path, **options):
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
