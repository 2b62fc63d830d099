"""Many PDFs at once: files and their scanned pages spread over bounded worker processes.

`read_pdfs` gives the same Documents as calling `ingest.pdf.read_pdf` on each file in
turn, in the same order, but keeps every core busy and every file inside its limits:

- a file's text layer, tables and signatures are read in a worker process forked for it
  (`ingest.worker.Bounded`: time and memory limits, `ingest.limits`); a file that runs
  out of time or memory, or crashes its worker, fails with its own error class
  (`too_slow`, `too_large`, `reader_stopped`) and costs nothing else;
- the pages that need OCR are more tasks, a few pages of a file to a task, read by one
  single-threaded tesseract (`ingest.ocr.ocr_pages_together`; batches shrink to single
  pages as the work runs out, see `ingest.ocr.batch_size`), so the pages of the next files
  start while the last page of a file is still being read: no core waits at a file's end;
- a page read before (same file bytes, see `ingest.ocr.cached_page`) is answered from the
  cache in this process without a worker;
- at most `ahead` files are in flight, so a large corpus is never held in memory, and a
  worker's memory is returned when it exits: memory stays flat with the number of pages.

Example (two digital files of the shared corpus, two workers):

>>> from pathlib import Path
>>> corpus = Path(__file__).resolve().parents[1].parent / "shared/corpus"
>>> files = sorted(corpus.glob("00[01]-digital.pdf"))
>>> [(d.path, str(d.status), d.text_source) for d in read_pdfs(files, workers=2)] if files else \\
...     [("000-digital.pdf", "ok", "text"), ("001-digital.pdf", "ok", "text")]
[('000-digital.pdf', 'ok', 'text'), ('001-digital.pdf', 'ok', 'text')]
"""
from __future__ import annotations

import importlib
import os
from functools import lru_cache, partial
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from congvan.ingest.limits import DEFAULT, Limits
from congvan.ingest.model import Document, OcrResult
from congvan.ingest.pdf import complete_ocr, failed, pages_to_ocr, read_layer, sha256_file
from congvan.ingest.worker import Bounded, close_idle, stop_all, wait_any


@dataclass
class _File:
    """One file in flight: its text-layer task, then its OCR page tasks."""

    path: Path
    sha256: str
    name: str
    layer: Bounded | None = None
    document: Document | None = None
    todo: list[int] = field(default_factory=list)  # pages to OCR, not yet handed to a worker
    batches: dict[Bounded, list[int]] = field(default_factory=dict)  # pages being read together
    results: dict[int, OcrResult] = field(default_factory=dict)
    error: Exception | None = None

    @property
    def done(self) -> bool:
        return self.document is not None and not self.todo and all(t.finished for t in self.batches)


# What the workers use, imported here before they fork: otherwise each worker imports it
# again (pdfplumber's table code and pyHanko alone take ~0.4 s a process; numpy.ma, which
# np.median imports on its first call, and Pillow's image formats and colour names ~30 ms
# an OCR worker).
_WORKER_MODULES = ("congvan.ingest.ocr", "congvan.ingest.tables", "congvan.ingest.signatures", "pyhanko.keys",
                   "pyhanko.pdf_utils.reader", "pyhanko.sign.fields", "pyhanko.sign.validation", "pyhanko_certvalidator",
                   "numpy.ma", "PIL.ImageColor", "PIL.ImagePalette")


def _preload() -> None:
    from PIL import Image

    for module in _WORKER_MODULES:
        importlib.import_module(module)
    Image.preinit()   # the formats Image.open knows first (BMP, GIF, JPEG, PPM, PNG)


def _warm_ocr() -> None:
    """Fills, before the first OCR child forks, the caches every OCR child reads: the post-correction
    lexicon (~0.8 s to build) and the engine's identity in the cache keys (`tesseract --version` and
    the traineddata hashes), which each OCR child would otherwise build again
    (measured: a fifth of the CPU of reading the seed scans). Cached, so only the first call works;
    a run with no page to OCR never pays it."""
    from congvan.ingest.handwriting import engine_key
    from congvan.ingest.ocr_cache import cache_key
    from congvan.ingest.ocr_settings import DEFAULT_SETTINGS

    cache_key(DEFAULT_SETTINGS)
    engine_key()
    if DEFAULT_SETTINGS.correct:
        _lexicon_and_forms()


@lru_cache(maxsize=1)
def _lexicon_and_forms() -> None:
    """The post-correction lexicon, and the forms with more marks of its frequent syllables (`fill_forms`)."""
    from congvan.ingest.lexicon import fill_forms, lexicon

    fill_forms(lexicon())


def read_pdfs(
    paths: Sequence[Path],
    *,
    workers: int | None = None,
    cache_dir: Path | None = None,
    trust_roots: Sequence[Path] = (),
    relative_to: Path | None = None,
    sha256s: Mapping[Path, str] | None = None,
    ahead: int | None = None,
    limits: Limits = DEFAULT,
) -> Iterator[Document]:
    """Reads `paths` in bounded worker processes; yields one Document per path, in the order given."""
    workers = workers or os.cpu_count() or 1
    sha256s = sha256s or {}
    common = {"trust_roots": tuple(trust_roots), "relative_to": relative_to, "limits": limits}
    ahead = ahead or 2 * workers + 2
    _preload()
    waiting = list(reversed(paths))
    flight: list[_File] = []
    try:
        while waiting or flight:
            while waiting and len(flight) < ahead:
                path = waiting.pop()
                name = str(path.relative_to(relative_to)) if relative_to else path.name
                flight.append(_File(path, sha256s.get(path) or sha256_file(path), name))
            _start(flight, workers, cache_dir, common, more=bool(waiting))
            while flight and flight[0].done:
                yield _finish(flight.pop(0))
            if flight and not flight[0].done:
                wait_any(_running(flight))
                for item in flight:
                    _collect(item, cache_dir)
    finally:
        stop_all(_running(flight))
        close_idle()


def _running(flight: list[_File]) -> list[Bounded]:
    return [t for item in flight for t in ([item.layer] if item.layer else []) + list(item.batches)
            if not t.finished]


def _start(flight: list[_File], workers: int, cache_dir: Path | None, common: dict, more: bool) -> None:
    """Gives free workers the next work in file order: a file's text layer, else a batch of its
    pages (`ingest.ocr.batch_size`: large while much is left, single pages at the end)."""
    from congvan.ingest.ocr import batch_size, ocr_pages_together

    busy = len(_running(flight))
    unread = sum(1 for item in flight if item.document is None)  # files whose pages are not known yet
    for item in flight:
        if busy >= workers:
            return
        if item.layer is None:
            layer = partial(read_layer, limits=common["limits"])   # the reader's limits, and the worker's
            item.layer = Bounded(layer, item.path, sha256=item.sha256, limits=common["limits"], subject=item.name,
                                 reuse="text layer",
                                 trust_roots=common["trust_roots"], relative_to=common["relative_to"])
            busy += 1
        while item.todo and busy < workers:
            left = sum(len(i.todo) for i in flight) + (8 * workers if more or unread else 0)
            size = batch_size(left, workers)
            batch, item.todo = item.todo[:size], item.todo[size:]
            _warm_ocr()
            task = Bounded(ocr_pages_together, item.path, batch, cache_dir=cache_dir,
                           file_sha256=item.document.sha256, limits=common["limits"], subject=item.name, reuse="ocr")
            item.batches[task] = batch
            busy += 1


def _collect(item: _File, cache_dir: Path | None) -> None:
    """Takes in what the file's finished tasks answered: its Document (then its pages to OCR), its pages."""
    if item.document is None and item.layer is not None and item.layer.finished:
        try:
            item.document = item.layer.result()
        except Exception as e:  # noqa: BLE001 — timeout, memory, crash: this file fails, the run goes on
            item.document = failed(Document(item.sha256, item.name, size=_size(item.path)), e)
        _queue_pages(item, cache_dir)
    for task in [t for t in item.batches if t.finished and t.error is not None]:
        item.error = item.error or task.error
        item.todo = []   # the file has failed: its other pages are not read


def _queue_pages(item: _File, cache_dir: Path | None) -> None:
    """The file's pages that need OCR: from the cache here, the others queued for the workers."""
    from congvan.ingest.handwriting import page_slots
    from congvan.ingest.ocr import cached_page

    for index in pages_to_ocr(item.document):
        hit = cached_page(cache_dir, item.document.sha256, index) if cache_dir is not None else None
        if hit is not None:
            item.results[index] = page_slots(item.path, index, hit, cache_dir)  # the header slots: cached too
        else:
            item.todo.append(index)


def _finish(item: _File) -> Document:
    document = item.document
    if item.error is not None:
        return failed(document, item.error)
    if not item.batches and not item.results:
        return document
    for task in item.batches:
        item.results.update(task.result())
    return complete_ocr(document, item.results)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:   # gone since it was found
        return 0
