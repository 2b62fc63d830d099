"""Reading and extraction on a Dask distributed cluster; the one SQLite writer stays in the command.

`read_on_cluster(address, paths, …)` yields `(Document, Facts | None)` for every path, in
the order the files are finished (`distributed.as_completed`), so the writer stores each
document as soon as it is ready and the corpus is never held in memory. Per file, the
same steps as `ingest.reader` on one machine, as Dask tasks:

    layer   ingest.pdf.read_layer: text layer, tables, signatures   (stays on its worker)
    plan    the pages left for OCR that the page cache does not answer   (a short list to here)
    ocr     ingest.ocr.ocr_pages_together on a few pages (ingest.ocr.batch_size), any worker
    finish  ingest.pdf.complete_ocr, then extraction (`extract`): the result comes here

Workers need the installed package, tesseract and read access to the files **at the same
path** as the command (a shared folder: an archive lives on one anyway, and shipping
its bytes through the scheduler would make the scheduler the bottleneck). The OCR page
cache (`cache_dir`) is content-addressed: on shared storage every worker answers from it
the pages any worker read before. Give absolute paths, or paths valid on every machine.

`address` is a scheduler (`tcp://host:8786`), or `local` / `local:N` for a `LocalCluster`
of N single-threaded worker processes on this machine (default: one per core).

A worker lost mid-run costs only its tasks: the scheduler runs them again elsewhere; a
task that has killed `distributed.scheduler.allowed-failures` workers fails its file
(`WorkerLost`). A file that cannot be read fails on a worker exactly as it does locally
(the same `failed` Document, made by the same code).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from congvan.ingest import errors
from congvan.ingest.errors import ClusterUnreachable, NotOnWorker, WorkerLost, WorkerNotReady
from congvan.ingest.model import Document, Page
from congvan.ingest.pdf import complete_ocr, empty_document, failed, pages_to_ocr, read_layer

LOCAL = "local"


# ---------------------------------------------------------------------------- on the workers

def _layer(path: Path, *, sha256: str, size: int, relative_to: Path | None, trust_roots: tuple) -> Document:
    """`read_layer` on a worker; a file the worker cannot see fails with advice instead of a traceback."""
    if not path.is_file():
        name = str(path.relative_to(relative_to)) if relative_to else path.name
        return failed(Document(sha256, name, size=size), NotOnWorker(name, f"{os.uname().nodename}: {path}"))
    return read_layer(path, trust_roots=trust_roots, relative_to=relative_to, sha256=sha256)


def _plan(document: Document, cache_dir: Path | None) -> list[int]:
    """The pages of the document that need OCR and that the page cache does not answer."""
    from congvan.ingest.ocr import cached_page

    pages = pages_to_ocr(document)
    if cache_dir is None:
        return pages
    return [index for index in pages if cached_page(cache_dir, document.sha256, index) is None]


def _ocr(path: Path, pages: list[int], *, cache_dir: Path | None, sha256: str, relative_to: Path | None):
    """OCR of a few pages of one file: {page index: OcrResult}, or the file's failed Document."""
    from congvan.ingest.ocr import ocr_pages_together

    try:
        return ocr_pages_together(path, pages, cache_dir=cache_dir, file_sha256=sha256)
    except Exception as e:  # noqa: BLE001 — an OCR failure fails this file, as in ingest.reader
        return failed(empty_document(path, relative_to=relative_to, sha256=sha256), e)


def _finish(document: Document, path: Path, cache_dir: Path | None, extract: Callable, *parts
            ) -> tuple[Document, object]:
    """The document with its OCR pages filled in, and its facts (`parts`: what the `_ocr` tasks returned)."""
    if pages_to_ocr(document):
        document = _complete(document, path, cache_dir, parts)
    return document, extract(document)


def _complete(document: Document, path: Path, cache_dir: Path | None, parts) -> Document:
    from congvan.ingest.ocr import ocr_pages_together

    results = {}
    for part in parts:
        if isinstance(part, Document):  # the OCR of some pages failed: the file fails (same sha, path, size)
            return part
        results.update(part)
    rest = [index for index in pages_to_ocr(document) if index not in results]  # answered by the cache
    try:
        if rest:
            results.update(ocr_pages_together(path, rest, cache_dir=cache_dir, file_sha256=document.sha256))
    except Exception as e:  # noqa: BLE001 — as in _ocr
        return failed(document, e)
    return complete_ocr(document, results)


def _warm_up() -> str | None:
    """Imports and loads on a worker what every file needs (tesseract check, rules); None when ready."""
    from congvan.extract import extract
    from congvan.ingest.ocr import check_tesseract

    try:
        check_tesseract()
    except errors.IngestError as e:
        return f"{os.uname().nodename}: {e}"
    import congvan.ingest.signatures  # noqa: F401 — pyHanko and pdfplumber's table code take ~0.4 s to import
    import congvan.ingest.tables  # noqa: F401

    extract(Document("0" * 64, "warm-up.pdf", (Page(1, "Kính gửi: Sở Nội vụ tỉnh Quảng Trị.", "text"),)))
    return None


# ---------------------------------------------------------------------------- here, beside the writer

@dataclass
class _File:
    """One file in flight: its futures, and what is known here about it."""

    index: int
    path: Path
    sha256: str
    futures: list = field(default_factory=list)


def parse_local(address: str) -> int | None:
    """The number of workers of a `local[:N]` address (0: one per core), None for a scheduler address.

    >>> parse_local("local"), parse_local("local:3"), parse_local("tcp://10.0.0.5:8786")
    (0, 3, None)
    """
    if address == LOCAL:
        return 0
    if address.startswith(LOCAL + ":") and address[len(LOCAL) + 1:].isdigit():
        return int(address[len(LOCAL) + 1:])
    return None


@contextmanager
def connect(address: str, *, timeout: str = "20s"):
    """A `distributed.Client` on the scheduler at `address`, or on a LocalCluster it starts (`local[:N]`)."""
    from distributed import Client, LocalCluster

    workers = parse_local(address)
    if workers is not None:
        with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            _check_workers(client)
            yield client
        return
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterUnreachable(address, f"{type(e).__name__}: {e}") from e
    with client:
        _check_workers(client)
        yield client


def _check_workers(client) -> None:
    if not client.scheduler_info()["workers"]:
        client.wait_for_workers(1, timeout=60)
    problems = [p for p in client.run(_warm_up).values() if p]
    if problems:
        raise WorkerNotReady(None, "; ".join(problems))


def read_on_cluster(
    address: str,
    paths: Sequence[Path],
    *,
    sha256s: Mapping[Path, str],
    extract: Callable[[Document], object],
    relative_to: Path | None = None,
    trust_roots: Sequence[Path] = (),
    cache_dir: Path | None = None,
    ahead: int | None = None,
) -> Iterator[tuple[Document, object]]:
    """Reads `paths` and extracts their facts on the cluster at `address`; yields (document, facts)
    as files finish. `extract` runs on the workers (it must be importable there by name)."""
    if not paths:
        return
    with connect(address) as client:
        yield from _run(client, paths, sha256s=sha256s, extract=extract, relative_to=relative_to,
                        trust_roots=trust_roots, cache_dir=cache_dir, ahead=ahead)


def _absolute(path: Path | None) -> Path | None:
    return Path(path).absolute() if path is not None else None


def _run(client, paths, *, sha256s, extract, relative_to, trust_roots, cache_dir, ahead):
    from distributed import as_completed

    from congvan.ingest.ocr import batch_size

    threads = sum(client.nthreads().values()) or 1
    ahead = ahead or 2 * threads + 2
    relative_to, cache_dir = _absolute(relative_to), _absolute(cache_dir)
    common = {"relative_to": relative_to}
    roots = tuple(_absolute(Path(p)) for p in trust_roots)
    waiting = [_File(i, Path(p).absolute(), sha256s[p]) for i, p in reversed(list(enumerate(paths)))]
    done = as_completed()
    owner: dict = {}  # future → the file it belongs to
    flight = 0

    def start(item: _File) -> None:
        layer = client.submit(_layer, item.path, sha256=item.sha256, size=item.path.stat().st_size,
                              trust_roots=roots, priority=-item.index, **common)
        plan = client.submit(_plan, layer, cache_dir, priority=-item.index)
        item.futures = [layer, plan]
        owner[plan] = item
        done.add(plan)

    def fill() -> int:
        started = 0
        while waiting and flight + started < ahead:
            start(waiting.pop())
            started += 1
        return started

    flight += fill()
    for future in done:
        item = owner.pop(future)
        try:
            value = future.result()
        except Exception as e:  # noqa: BLE001 — the workers gave up on it (KilledWorker) or it cannot come back
            yield _lost(item, e, relative_to, extract)
            item.futures.clear()
            flight -= 1
            flight += fill()
            continue
        if future is item.futures[1]:  # plan: the pages to OCR are known; cut them into batches
            pages, batches = list(value), []
            more = bool(waiting) or any(f is i.futures[1] for f, i in owner.items())
            while pages:
                size = batch_size(len(pages) + (8 * threads if more else 0), threads)
                batches.append(client.submit(_ocr, item.path, pages[:size], cache_dir=cache_dir, sha256=item.sha256,
                                             priority=-item.index, **common))
                pages = pages[size:]
            finish = client.submit(_finish, item.futures[0], item.path, cache_dir, extract, *batches,
                                   priority=-item.index)
            item.futures += [*batches, finish]
            owner[finish] = item
            done.add(finish)
            continue
        yield value
        item.futures.clear()  # the scheduler forgets this file's tasks and results
        flight -= 1
        flight += fill()


def _lost(item: _File, error: Exception, relative_to: Path | None, extract: Callable) -> tuple[Document, object]:
    """The failed Document of a file whose tasks the cluster could not finish."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    document = empty_document(item.path, relative_to=relative_to, sha256=item.sha256)
    if isinstance(error, (KilledWorker, CancelledError)):  # the tasks never ended; other errors: as locally
        error = WorkerLost(document.path, str(error))
    document = failed(document, error)
    return document, extract(document)
