"""The whole story: corpus/ → ingest (text layer, OCR, signatures) → extract (facts) → SQLite.

    ingest(corpus, db)   under the database's writer lock (db.lock): every PDF under corpus/
                         (symlinks leaving it skipped); hashed; unchanged files skipped;
                         read in bounded workers (ingest.reader.read_pdfs, ingest.limits);
                         facts extracted (extract.extract); written in one transaction per
                         document (db.load.save); documents whose files are gone → removed.
    extract_stored(db)   re-runs the rules on stored page text, without re-reading any PDF.
    status(db)           counts by status and text source, failed and partial files with their errors.

A document whose fact families did not all extract (a bug in congvan) is stored with its pages
and the facts that did extract, as `status = partial` with the error (`ingest.errors.Status`).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain
from pathlib import Path

from congvan.db import load, register, schema, stored
from congvan.db.lock import writer_lock
from congvan.extract import extract
from congvan.extract.model import Facts
from congvan.extract.signer_names import Registry
from congvan.extract.units import registry
from congvan.ingest.limits import DEFAULT, Limits
from congvan.ingest.errors import Status
from congvan.ingest.model import Document
from congvan.ingest.pdf import read_pdf, sha256_file
from congvan.ingest import word
from congvan.ingest.reader import read_pdfs

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    path: str
    status: Status         # ok | partial | failed | skipped | removed
    text_source: str | None = None
    pages: int = 0
    error: str | None = None


@dataclass
class RunSummary:
    files: list[FileResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)      # files left out, with why (symlinks leaving the corpus)
    removed: list[str] = field(default_factory=list)    # paths whose documents were marked removed

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == Status.FAILED]

    @property
    def partial(self) -> list[FileResult]:
        return [f for f in self.files if f.status == Status.PARTIAL]


def find_pdfs(corpus: Path, notes: list[str] | None = None) -> list[Path]:
    """Every *.pdf and Word file (.docx, .doc, .odt) under the corpus folder, recursively, whatever the case of the extension.

    The corpus folder is a boundary: a symlink (file or folder) that leads out of it is
    skipped, with a line for `notes`; one that stays inside is read where it points.
    """
    root = Path(corpus).resolve()
    found = []
    for folder, dirs, names in os.walk(corpus, followlinks=False):
        for name in sorted(dirs):
            link = Path(folder) / name
            if link.is_symlink() and not inside_corpus(link, root):
                _note(notes, corpus, link, "liên kết tới một thư mục ngoài corpus")
        for name in names:
            path = Path(folder) / name
            if not (path.suffix.lower() == ".pdf" or word.is_word(path)) or name.startswith("~$"):
                continue
            if not inside_corpus(path, root):
                _note(notes, corpus, path, "liên kết tới một tệp ngoài corpus")
            elif path.is_file():
                found.append(path)
    return sorted(found)


def inside_corpus(path: Path, corpus: Path) -> bool:
    """True when `path`, its links followed, is under the corpus folder."""
    try:
        return Path(path).resolve().is_relative_to(Path(corpus).resolve())
    except (OSError, RuntimeError):   # a loop of links
        return False


def _note(notes: list[str] | None, corpus: Path, path: Path, what: str) -> None:
    if notes is not None:
        notes.append(f"{path.relative_to(corpus)}: bỏ qua: {what} (chép chính tệp vào corpus để đọc)")


def default_cache_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "ocr-cache"


def _signers(db) -> Registry:
    """The registry OCR'd signer names are restored from: rules/signers.yaml and the signers the database has seen."""
    return Registry.from_rules(stored.known_signers(db))


def _safe_extract(document: Document, signers: Registry | None = None) -> Facts:
    """The document's facts; a bug in a family is named in `errors` (extract.extract), never raised."""
    try:
        return extract(document, signers)
    except Exception as e:  # noqa: BLE001 — a bug must not lose the document: keep its pages, record the cause
        log.exception("extraction failed for %s", document.path)
        return Facts(errors=(f"extract: {type(e).__name__}: {e}",))


def ingest_file(db, path: Path, corpus: Path, *, ocr=None, workers: int | None = None,
                trust_roots=(), cache_dir: Path | None = None, force: bool = False,
                limits: Limits = DEFAULT) -> FileResult:
    """Ingests one file unless a file with the same bytes is already in the database (`congvan watch`).

    The caller holds the writer lock (`db.lock.writer_lock`)."""
    digest = sha256_file(path)
    skipped = _skip(db, path, corpus, digest, force)
    if skipped:
        return skipped
    if word.is_word(path):
        db_path = Path(db.execute("pragma database_list").fetchone()[2])  # converted PDFs live beside it
        return _store(db, word.read_word(path, corpus, db_path, read_pdf, sha256=digest, ocr=ocr, workers=workers,
                                         cache_dir=cache_dir, trust_roots=trust_roots))
    return _store(db, next(_read([path], corpus, {path: digest}, ocr=ocr, workers=workers, cache_dir=cache_dir,
                                  trust_roots=trust_roots, limits=limits)))


def file_removed(db, corpus: Path, name: str) -> list[str]:
    """A file has left the corpus (`congvan watch`): its documents move to a copy or become `removed`."""
    return [] if (Path(corpus) / name).exists() else load.remove_file(db, name)


def _read(paths: list[Path], corpus: Path, digests: dict[Path, str], *, ocr, workers, cache_dir, trust_roots,
          limits: Limits):
    """The Documents of `paths`, in order: bounded workers (ingest.reader), or with an injected
    OCR function (tests) in this process."""
    if ocr is None:
        return read_pdfs(paths, workers=workers, cache_dir=cache_dir, trust_roots=trust_roots, relative_to=corpus,
                         sha256s=digests, limits=limits)
    return (read_pdf(path, ocr=ocr, workers=workers, cache_dir=cache_dir, trust_roots=trust_roots,
                     relative_to=corpus, sha256=digests[path], limits=limits) for path in paths)


def _skip(db, path: Path, corpus: Path, digest: str, force: bool) -> FileResult | None:
    """A skipped result when a file with these bytes was read well before (renamed, copied, back after
    a failed re-read or a removal: only its records change, see db.load.restore)."""
    name = str(path.relative_to(corpus))
    seen = load.known(db, digest)
    if not seen or force or seen["status"] == Status.FAILED or (seen["status"] == Status.REMOVED and seen["error"]):
        return None
    load.restore(db, name, digest, lambda other: (corpus / other).exists())
    return FileResult(name, Status.SKIPPED)


def _store(db, document: Document, facts: Facts | None = None, *, extracted: bool = False) -> FileResult:
    """Extracts the facts of a read document (unless `extracted` elsewhere) and writes both in one transaction."""
    if document.status != Status.OK:   # a file that could not be read has no facts, wherever it was read
        facts = None
    elif not extracted:
        facts = _safe_extract(document, _signers(db))
    if facts is not None and facts.errors:   # a bug in a family: the facts that did extract are kept
        document = replace(document, status=Status.PARTIAL, error="; ".join(facts.errors))
    load.save(db, document, facts)
    status = Status(document.status) if document.status in (Status.OK, Status.PARTIAL) else Status.FAILED
    return FileResult(document.path, status, document.text_source, len(document.pages), document.error)


def ingest(corpus: str | Path, db_path: str | Path, *, ocr=None, workers: int | None = None,
           trust_roots=(), cache_dir: Path | None = None, force: bool = False,
           progress: Callable[[FileResult], None] | None = None,
           on_start: Callable[[int], None] | None = None, limits: Limits = DEFAULT,
           on_wait: Callable[[Exception], None] | None = None, cluster: str | None = None) -> RunSummary:
    """Ingests every PDF of `corpus` into the database at `db_path`.

    Files are read several at a time in bounded worker processes (`ingest.reader.read_pdfs`);
    facts are extracted and written here, one file after another, in path order. Another
    writer on the same database (ingest, watch) is waited for (`on_wait` is told).
    With `cluster` (a Dask scheduler address or `local[:N]`), PDFs are read and their facts
    extracted on Dask workers (`congvan.cluster`) and written here as they finish (an injected
    `ocr` applies to local runs only; Word files are converted here).
    """
    corpus, db_path = Path(corpus), Path(db_path)
    if ocr is None and not cluster:  # on a cluster, the workers check their own tesseract
        from congvan.ingest.ocr import check_tesseract

        check_tesseract()
    with writer_lock(db_path, on_wait=on_wait):
        db = schema.connect(db_path)
        try:
            return _ingest(db, corpus, db_path, ocr=ocr, workers=workers or os.cpu_count() or 1,
                           trust_roots=trust_roots, cache_dir=cache_dir or default_cache_dir(db_path), force=force,
                           progress=progress, on_start=on_start, limits=limits, cluster=cluster)
        finally:
            db.close()


def _ingest(db, corpus: Path, db_path: Path, *, ocr, workers: int, trust_roots, cache_dir: Path, force: bool,
            progress, on_start, limits: Limits, cluster: str | None) -> RunSummary:
    load.save_units(db, registry())
    summary = RunSummary()
    paths = find_pdfs(corpus, summary.notes)
    if on_start:
        on_start(len(paths))
    digests = {path: sha256_file(path) for path in paths}
    skipped = {path: _skip(db, path, corpus, digests[path], force) for path in paths}
    first = {}
    for path in paths:  # two copies of one file in the corpus: the first is read, the other is a second file of it
        if first.setdefault(digests[path], path) != path and skipped[path] is None:
            skipped[path] = FileResult(str(path.relative_to(corpus)), Status.SKIPPED)
    words = {path for path in paths if skipped[path] is None and word.is_word(path)}

    def read_word(path: Path) -> Document:  # a Word file is converted (ingest.word) and read here
        return word.read_word(path, corpus, db_path, read_pdf, sha256=digests[path], ocr=ocr, cache_dir=cache_dir,
                              trust_roots=trust_roots)

    if cluster:
        results = chain(_stored_from_cluster(db, cluster, [p for p in paths if p not in words], skipped,
                                             sha256s=digests, relative_to=corpus, trust_roots=trust_roots,
                                             cache_dir=cache_dir),
                        (_store(db, read_word(path)) for path in sorted(words)))
    else:
        wanted = [path for path in paths if skipped[path] is None and path not in words]
        documents = _read(wanted, corpus, digests, ocr=ocr, workers=workers, cache_dir=cache_dir,
                          trust_roots=trust_roots, limits=limits)
        results = (skipped[path] or _store(db, read_word(path) if path in words else next(documents))
                   for path in paths)
    for result in results:
        summary.files.append(result)
        if progress:
            progress(result)
    if cluster:  # files finish in any order: the summary lists them in path order, as a local run does
        order = {str(path.relative_to(corpus)): i for i, path in enumerate(paths)}
        summary.files.sort(key=lambda r: order[r.path])
    for path in paths:   # copies read in this run: recorded now that their document is
        if first[digests[path]] != path:
            load.record_file(db, str(path.relative_to(corpus)), digests[path], path.stat().st_size)
    summary.removed = load.mark_removed(db, (str(p.relative_to(corpus)) for p in paths))
    load.link_citations(db)
    register.remember_corpus(db, corpus)
    register.refresh(db)
    return summary


def _stored_from_cluster(db, cluster: str, paths: list[Path], skipped: dict, **options) -> Iterator[FileResult]:
    """The unchanged files, then each file read on the cluster (`congvan.cluster`), stored as it finishes."""
    from congvan.cluster import read_on_cluster

    yield from (skipped[path] for path in paths if skipped[path])
    wanted = [path for path in paths if not skipped[path]]
    for document, facts in read_on_cluster(cluster, wanted, extract=partial(_safe_extract, signers=_signers(db)),
                                           **options):
        yield _store(db, document, facts, extracted=True)


def extract_stored(db_path: str | Path) -> int:
    """Re-runs every parser on stored page text; returns the number of documents updated."""
    with writer_lock(db_path):
        db = schema.connect(db_path)
        try:
            return _extract_stored(db)
        finally:
            db.close()


def _extract_stored(db) -> int:
    load.save_units(db, registry())
    count = 0
    signers = _signers(db)
    for document_id in stored.read_ids(db):
        document = stored.stored_document(db, document_id)
        facts = _safe_extract(document, signers)
        load.save_header(db, document.sha256, facts.header)
        load.save_facts(db, document.sha256, facts)
        stored.record_extraction(db, document.sha256, facts.errors)
        count += 1
    load.link_citations(db)
    register.refresh(db)
    return count


def status(db_path: str | Path) -> dict:
    """Counts by status and by text source, the failed and partial files with their errors, stale files."""
    db = schema.connect(db_path)
    try:
        return stored.summary(db, schema.FACT_TABLES)
    finally:
        db.close()
