"""Many PDFs at once: files and their scanned pages spread over one pool of worker processes.

`read_pdfs` gives the same Documents as calling `ingest.pdf.read_pdf` on each file in
turn, in the same order, but keeps every core busy:

- a file's text layer, tables and signatures are read in a worker process (pure Python
  work: one process per core is the only way to use two cores);
- the pages that need OCR are more tasks in the same pool, a few pages of a file to a
  task, read by one single-threaded tesseract (`ingest.ocr.ocr_pages_together`; batches
  shrink to single pages as the work runs out, see `ingest.ocr.batch_size`), so the
  pages of the next files start while the last page of a file is still being read: no
  core waits at a file's end;
- a page read before (same file bytes, see `ingest.ocr.cached_page`) is answered from the
  cache in this process without a round trip;
- at most `ahead` files are in flight, so a large corpus is never held in memory.

One file, or one worker, goes through `read_pdf` in this process: starting processes
would cost more than it saves (and re-ingesting a known file stays at a few ms).

A file that crashes a worker (pdfium on a hostile PDF) breaks the pool: the files in
flight then fail with a message saying to ingest again, the pool is started afresh, and
the run goes on.

Example (two digital files of the shared corpus, two workers):

>>> from pathlib import Path
>>> corpus = Path(__file__).resolve().parents[1].parent / "shared/corpus"
>>> files = sorted(corpus.glob("00[01]-digital.pdf"))
>>> [(d.path, d.status, d.text_source) for d in read_pdfs(files, workers=2)] if files else \\
...     [("000-digital.pdf", "ok", "text"), ("001-digital.pdf", "ok", "text")]
[('000-digital.pdf', 'ok', 'text'), ('001-digital.pdf', 'ok', 'text')]
"""
from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ingest import errors
from ingest.model import Document, OcrResult
from ingest.pdf import complete_ocr, empty_document, failed, pages_to_ocr, read_layer, read_pdf, sha256_file


@dataclass
class _File:
    """One file in flight: its text-layer task, then its OCR page tasks."""

    path: Path
    sha256: str
    layer: Future | None = None
    document: Document | None = None
    todo: list[int] = field(default_factory=list)  # pages to OCR, not yet handed to the pool
    batches: dict[Future, list[int]] = field(default_factory=dict)  # pages being read together
    results: dict[int, OcrResult] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.document is not None and not self.todo and all(f.done() for f in self.batches)


class _ReaderStopped(errors.IngestError):
    code = "reader_stopped"
    advice = ("The reading process stopped while this file was being read (another file in the same batch "
              "may have crashed it). Run the ingest again: files that failed are read again.")


# What the workers use, imported here before they fork: otherwise each worker imports it
# again on every run (pdfplumber's table code and pyHanko alone take ~0.4 s a process).
_WORKER_MODULES = ("ingest.ocr", "ingest.tables", "ingest.signatures", "pyhanko.keys", "pyhanko.pdf_utils.reader",
                   "pyhanko.sign.fields", "pyhanko.sign.validation", "pyhanko_certvalidator")


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes forked from this one (they start in milliseconds with every module imported)."""
    for module in _WORKER_MODULES:
        importlib.import_module(module)
    gc.freeze()  # objects that exist now are not scanned by the workers' GC, so their memory stays shared
    forking = "fork" in multiprocessing.get_all_start_methods()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork") if forking else None)
    pool.submit(int).result()  # start the workers now, while the frozen objects are all there is
    gc.unfreeze()
    return pool


def read_pdfs(
    paths: Sequence[Path],
    *,
    workers: int | None = None,
    cache_dir: Path | None = None,
    trust_roots: Sequence[Path] = (),
    relative_to: Path | None = None,
    sha256s: Mapping[Path, str] | None = None,
    ahead: int | None = None,
) -> Iterator[Document]:
    """Reads `paths` in parallel; yields one Document per path, in the order given."""
    workers = workers or os.cpu_count() or 1
    sha256s = sha256s or {}
    common = {"trust_roots": tuple(trust_roots), "relative_to": relative_to}
    if workers == 1 or len(paths) <= 1:
        for path in paths:
            yield read_pdf(path, workers=workers, cache_dir=cache_dir, sha256=sha256s.get(path), **common)
        return
    ahead = ahead or 2 * workers + 2
    waiting = list(reversed(paths))
    flight: list[_File] = []
    pool = _pool(workers)
    try:
        while waiting or flight:
            while waiting and len(flight) < ahead:
                path = waiting.pop()
                item = _File(path, sha256s.get(path) or sha256_file(path))
                item.layer = pool.submit(read_layer, path, sha256=item.sha256, **common)
                flight.append(item)
            try:
                for item in flight:
                    if item.document is None and item.layer.done():
                        item.document = _layer(item, relative_to)
                        _queue_pages(item, cache_dir)
                _dispatch(pool, flight, workers, cache_dir, more=bool(waiting))
            except BrokenProcessPool:
                pool = _restart(pool, workers, flight, relative_to)
                continue
            while flight and flight[0].done:
                yield _finish(flight.pop(0))
            if flight and not flight[0].done:
                pending = [f for item in flight for f in ([item.layer] if item.document is None else [])
                           + list(item.batches) if not f.done()]
                wait(pending, return_when=FIRST_COMPLETED)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _layer(item: _File, relative_to: Path | None) -> Document:
    """The worker's Document, or a failed one if the worker could not send it back."""
    try:
        return item.layer.result()
    except BrokenProcessPool:
        raise
    except Exception as e:  # noqa: BLE001 — e.g. a result that cannot be pickled: fail this file only
        return failed(empty_document(item.path, relative_to=relative_to, sha256=item.sha256), e)


def _queue_pages(item: _File, cache_dir: Path | None) -> None:
    """The file's pages that need OCR: from the cache here, the others queued for the pool."""
    from ingest.ocr import cached_page

    for index in pages_to_ocr(item.document):
        hit = cached_page(cache_dir, item.document.sha256, index) if cache_dir is not None else None
        if hit is not None:
            item.results[index] = hit
        else:
            item.todo.append(index)


def _dispatch(pool: ProcessPoolExecutor, flight: list[_File], workers: int, cache_dir: Path | None,
              more: bool) -> None:
    """Hands queued pages to the pool in batches read by one tesseract each (`ingest.ocr.batch_size`:
    large while much is left, single pages at the end), keeping about two tasks per worker
    in the pool so that batches are cut as late as possible. `more`: files are still to come
    (as are the pages of files whose text layer is still being read)."""
    from ingest.ocr import batch_size, ocr_pages_together

    unread = sum(1 for item in flight if item.document is None)  # files whose pages are not known yet
    busy = sum(1 for item in flight for f in item.batches if not f.done()) + unread
    more = more or unread > 0
    for item in flight:
        while item.todo and busy < 2 * workers:  # pages still to come count as a full batch per worker
            size = batch_size(sum(len(i.todo) for i in flight) + (8 * workers if more else 0), workers)
            batch, item.todo = item.todo[:size], item.todo[size:]
            future = pool.submit(ocr_pages_together, item.path, batch, cache_dir=cache_dir,
                                 file_sha256=item.document.sha256)
            item.batches[future] = batch
            busy += 1


def _finish(item: _File) -> Document:
    document = item.document
    if not item.batches and not item.results:
        return document
    for future in item.batches:
        try:
            item.results.update(future.result())
        except Exception as e:  # noqa: BLE001 — OCR failure or a crashed worker fails this file only
            return failed(document, _ReaderStopped(document.path) if isinstance(e, BrokenProcessPool) else e)
    return complete_ocr(document, item.results)


def _restart(pool: ProcessPoolExecutor, workers: int, flight: list[_File], relative_to: Path | None
             ) -> ProcessPoolExecutor:
    """A worker died: the files whose text layer was lost fail (ingest again to retry); a new pool."""
    pool.shutdown(wait=False, cancel_futures=True)
    for item in flight:
        if item.document is None:
            document = empty_document(item.path, relative_to=relative_to, sha256=item.sha256)
            item.document = failed(document, _ReaderStopped(document.path))
    return _pool(workers)
