"""The whole story: corpus/ → ingest (text layer, OCR, signatures) → extract (facts) → SQLite.

    ingest(corpus, db)   every PDF under corpus/: hashed; unchanged files skipped; read
                         (ingest.read_pdf); facts extracted (extract.extract); written in one
                         transaction per document (db.load.save).
    extract_stored(db)   re-runs the rules on stored page text, without re-reading any PDF.
    status(db)           counts by status and text source, failed files with their errors.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from db import load, schema
from extract import extract
from extract.model import Facts
from extract.units import registry
from ingest.model import Document, Page
from ingest.pdf import read_pdf, sha256_file
from ingest.reader import read_pdfs

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    path: str
    status: str            # ok | failed | skipped
    text_source: str | None = None
    pages: int = 0
    error: str | None = None


@dataclass
class RunSummary:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def find_pdfs(corpus: Path) -> list[Path]:
    """Every *.pdf under the corpus folder, recursively, whatever the case of the extension."""
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")


def default_cache_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "ocr-cache"


def _safe_extract(document: Document) -> Facts | None:
    try:
        return extract(document)
    except Exception:  # a parser bug must not lose the document: keep its pages, log the cause
        log.exception("extraction failed for %s", document.path)
        return None


def ingest_file(db, path: Path, corpus: Path, *, ocr=None, workers: int | None = None,
                trust_roots=(), cache_dir: Path | None = None, force: bool = False) -> FileResult:
    """Ingests one file unless a file with the same bytes is already in the database."""
    digest = sha256_file(path)
    skipped = _skip(db, path, corpus, digest, force)
    if skipped:
        return skipped
    document = read_pdf(path, ocr=ocr, workers=workers, cache_dir=cache_dir, trust_roots=trust_roots,
                        relative_to=corpus, sha256=digest)
    return _store(db, document)


def _skip(db, path: Path, corpus: Path, digest: str, force: bool) -> FileResult | None:
    """A skipped result when a file with these bytes was ingested before (renamed: the new path is kept)."""
    name = str(path.relative_to(corpus))
    seen = load.known(db, digest)
    if not seen or force or seen["status"] != "ok":
        return None
    if seen["path"] != name and not (corpus / seen["path"]).exists():
        db["documents"].update(digest, {"path": name})   # renamed: same bytes, new name
    return FileResult(name, "skipped")


def _store(db, document: Document, facts: Facts | None = None, *, extracted: bool = False) -> FileResult:
    """Extracts the facts of a read document (unless `extracted` elsewhere) and writes both in one transaction."""
    facts = facts if extracted else _safe_extract(document)
    load.save(db, document, facts)
    return FileResult(document.path, "ok" if document.status == "ok" else "failed", document.text_source,
                      len(document.pages), document.error)


def ingest(corpus: str | Path, db_path: str | Path, *, ocr=None, workers: int | None = None,
           trust_roots=(), cache_dir: Path | None = None, force: bool = False,
           progress: Callable[[FileResult], None] | None = None,
           on_start: Callable[[int], None] | None = None, cluster: str | None = None) -> RunSummary:
    """Ingests every PDF of `corpus` into the database at `db_path`.

    Files are read several at a time (`ingest.reader.read_pdfs`, one process per core);
    facts are extracted and written here, one file after another, in path order.
    With `cluster` (a Dask scheduler address or `local[:N]`), files are read and their
    facts extracted on Dask workers (`congvan.cluster`) and written here as they finish
    (an injected `ocr` applies to local runs only).
    """
    corpus, db_path = Path(corpus), Path(db_path)
    if ocr is None and not cluster:  # on a cluster, the workers check their own tesseract
        from ingest.ocr import check_tesseract

        check_tesseract()
    db = schema.connect(db_path)
    load.save_units(db, registry())
    summary = RunSummary()
    cache_dir = cache_dir or default_cache_dir(db_path)
    workers = workers or os.cpu_count() or 1
    paths = find_pdfs(corpus)
    if on_start:
        on_start(len(paths))
    digests = {path: sha256_file(path) for path in paths}
    skipped = {path: _skip(db, path, corpus, digests[path], force) for path in paths}
    first = {}
    for path in paths:  # two copies of one file in the corpus: the first is read, as if one after the other
        if first.setdefault(digests[path], path) != path:
            skipped[path] = FileResult(str(path.relative_to(corpus)), "skipped")
    wanted = [path for path in paths if skipped[path] is None]
    if ocr is None:
        documents = read_pdfs(wanted, workers=workers, cache_dir=cache_dir, trust_roots=trust_roots,
                              relative_to=corpus, sha256s=digests)
    else:  # an injected OCR function (tests) runs in this process
        documents = (read_pdf(path, ocr=ocr, workers=workers, cache_dir=cache_dir, trust_roots=trust_roots,
                              relative_to=corpus, sha256=digests[path]) for path in wanted)
    results = (skipped[path] or _store(db, next(documents)) for path in paths) if not cluster else \
        _stored_from_cluster(db, cluster, paths, skipped, sha256s=digests, relative_to=corpus,
                             trust_roots=trust_roots, cache_dir=cache_dir)
    for result in results:
        summary.files.append(result)
        if progress:
            progress(result)
    if cluster:  # files finish in any order: the summary lists them in path order, as a local run does
        order = {str(path.relative_to(corpus)): i for i, path in enumerate(paths)}
        summary.files.sort(key=lambda r: order[r.path])
    load.link_citations(db)
    db.close()
    return summary


def _stored_from_cluster(db, cluster: str, paths: list[Path], skipped: dict, **options) -> Iterator[FileResult]:
    """The unchanged files, then each file read on the cluster (`congvan.cluster`), stored as it finishes."""
    from congvan.cluster import read_on_cluster

    yield from (skipped[path] for path in paths if skipped[path])
    wanted = [path for path in paths if not skipped[path]]
    for document, facts in read_on_cluster(cluster, wanted, extract=_safe_extract, **options):
        yield _store(db, document, facts, extracted=True)


def stored_document(db, document_id: str) -> Document:
    """Rebuilds a Document from the pages table (text, source, tables) without the PDF."""
    row = db["documents"].get(document_id)
    pages = tuple(
        Page(p["page"], p["text"] or "", p["source"], p["reason"] or "", confidence=p["ocr_confidence"],
             tables=tuple(tuple(tuple(r) for r in t) for t in json.loads(p.get("tables") or "[]")))
        for p in db.query("select * from pages where document_id = ? order by page", [document_id])
    )
    return Document(document_id, row["path"], pages, status=row["status"], error=row["error"])


def extract_stored(db_path: str | Path) -> int:
    """Re-runs every parser on stored page text; returns the number of documents updated."""
    db = schema.connect(db_path)
    load.save_units(db, registry())
    count = 0
    for row in list(db.query("select id from documents where status = 'ok'")):
        document = stored_document(db, row["id"])
        facts = _safe_extract(document)
        if facts is not None:
            load.save_header(db, document.sha256, facts.header)
            load.save_facts(db, document.sha256, facts)
            count += 1
    load.link_citations(db)
    db.close()
    return count


def status(db_path: str | Path) -> dict:
    """Counts by status and by text source, and the failed files with their errors."""
    db = schema.connect(db_path)
    by_status = {r["status"]: r["n"] for r in db.query("select status, count(*) n from documents group by status")}
    by_source = {r["text_source"] or "none": r["n"]
                 for r in db.query("select text_source, count(*) n from documents group by text_source")}
    failed = list(db.query("select path, error from documents where status = 'failed' order by path"))
    facts = {t: db[t].count for t in schema.FACT_TABLES}
    db.close()
    return {"status": by_status, "text_source": by_source, "failed": failed, "facts": facts}
