"""Facts → SQLite: one transaction per document, replacing that document's old rows, never losing good ones.

Every write starts with `BEGIN IMMEDIATE` (`immediate`): a writer takes the write lock before
it reads, so two writers wait for each other (busy timeout) instead of one failing with
SQLITE_BUSY_SNAPSHOT. What happens to a path's earlier rows when it is read again:

- new bytes read well: the old version's rows go (unless the old bytes are still in the
  corpus under another name: then that file becomes the document's path);
- new bytes that fail (a truncated download over a good file): the good version's rows stay,
  marked `stale = 1`, and the failed version is recorded beside them with its error;
- the file is gone (`mark_removed`, `remove_file`): the document stays for history with
  `status = 'removed'` and `removed_at`, out of the task lists;
- the same bytes under a second name: one document, two rows in `files`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone

import sqlite_utils

from congvan.db.schema import FACT_TABLES
from congvan.ingest.errors import Status
from congvan.extract.model import Facts
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold


def _slots(slots) -> str | None:
    """The header slots written by hand (`ingest.handwriting`) as JSON: name, state, value, box."""
    if not slots:
        return None
    return json.dumps([{"slot": s.name, "state": s.state, "value": s.value, "confidence": s.confidence,
                        "readings": s.readings, "ocr_text": s.page_text, "ocr_confidence": s.page_confidence,
                        "box": [s.x0, s.top, s.x1, s.bottom]} for s in slots], ensure_ascii=False)


def _json(values) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock first (`BEGIN IMMEDIATE`); a savepoint when nested."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def known(db: sqlite_utils.Database, sha256: str) -> dict | None:
    """The stored row of a file with these bytes, if it was ingested before."""
    rows = list(db.query("select id, path, status, error from documents where id = ?", [sha256]))
    return rows[0] if rows else None


def forget(db: sqlite_utils.Database, document_id: str) -> None:
    """Deletes a document and every row that came from it."""
    with immediate(db):
        for table in FACT_TABLES + ("pages",):
            db.execute(f"delete from [{table}] where document_id = ?", [document_id])
        db.execute("delete from documents where id = ?", [document_id])


def save(db: sqlite_utils.Database, document: Document, facts: Facts | None) -> None:
    """Writes a document, its pages and its facts in one transaction.

    A file whose path was ingested before with other bytes replaces the old rows, except
    that a failed read keeps the last good version (`stale`) (see the module docstring).
    """
    with immediate(db):
        claim_path(db, document.path, document.sha256, keep_good=document.status == Status.FAILED)
        forget(db, document.sha256)
        header = facts.header if facts else None
        row = {
            "id": document.sha256, "path": document.path, "pages": len(document.pages),
            "text_source": document.text_source, "status": document.status, "error": document.error,
            "error_code": document.error_code, "size": document.size, "ingested_at": _now(),
            "stale": None, "removed_at": None,
        }
        if header:
            row.update(_header_values(header))
        db["documents"].insert(row, replace=True)
        db["pages"].insert_all(
            {"document_id": document.sha256, "page": p.number, "source": p.source, "text": p.text,
             "text_folded": fold(p.text), "ocr_confidence": p.confidence, "reason": p.reason,
             "image_sha256": p.image_sha256, "tables": json.dumps(p.tables, ensure_ascii=False) if p.tables else None,
             "stamps": _json(p.stamps) if p.stamps else None, "blank_reason": p.blank_reason,
             "raw_text": p.raw_text, "handwriting": _slots(p.handwriting)}
            for p in document.pages
        )
        db["signatures"].insert_all(
            {"document_id": document.sha256, "field_name": s.field_name, "signer_name": s.signer_name,
             "signer_email": s.signer_email, "organization": s.organization, "signed_at": s.signed_at,
             "intact": int(s.intact), "covers_whole_document": int(s.covers_whole_document),
             "trusted": int(s.trusted), "certificate_issuer": s.certificate_issuer, "page": s.page,
             "summary": s.summary, "cms_signed_at": s.cms_signed_at}
            for s in document.signatures
        )
        if facts:
            save_facts(db, document.sha256, facts)
        record_file(db, document.path, document.sha256, document.size)


def claim_path(db: sqlite_utils.Database, path: str, document_id: str, *, keep_good: bool = False) -> None:
    """`path` now holds the bytes of `document_id`: the other documents recorded at `path` move to
    another file of theirs that is still there, or stay as `stale` (`keep_good`, for a good
    version), or go."""
    with immediate(db):
        for old in list(db.query("select id, status from documents where path = ? and id != ?", [path, document_id])):
            elsewhere = db.execute("select path from files where document_id = ? and path != ? order by path limit 1",
                                   [old["id"], path]).fetchone()
            if elsewhere:
                db.execute("update documents set path = ? where id = ?", [elsewhere[0], old["id"]])
            elif keep_good and old["status"] in (Status.OK, Status.PARTIAL):
                db.execute("update documents set stale = 1 where id = ?", [old["id"]])
            else:
                forget(db, old["id"])


def record_file(db: sqlite_utils.Database, path: str, document_id: str, size: int | None = None) -> None:
    """Notes that the corpus file `path` holds the bytes of `document_id` (one row per file)."""
    with immediate(db):
        db.execute("insert into files (path, document_id, size, seen_at) values (?, ?, ?, ?) on conflict(path) do "
                   "update set document_id = excluded.document_id, size = coalesce(excluded.size, size), "
                   "seen_at = excluded.seen_at", [path, document_id, size, _now()])


def restore(db: sqlite_utils.Database, path: str, document_id: str, path_exists) -> None:
    """A file whose bytes were read before (unchanged, renamed, copied, or back after a failure or a
    removal): no reading, only its records. `path_exists(name)` says whether a corpus file is there."""
    with immediate(db):
        row = db.execute("select path, status, error from documents where id = ?", [document_id]).fetchone()
        claim_path(db, path, document_id)
        if row[1] == Status.REMOVED or not path_exists(row[0]):
            db.execute("update documents set path = ?, status = ?, removed_at = null where id = ?",
                       [path, Status.PARTIAL if row[2] else Status.OK, document_id])
        db.execute("update documents set stale = null where id = ? and stale is not null", [document_id])
        record_file(db, path, document_id)


def mark_removed(db: sqlite_utils.Database, present: Iterable[str]) -> list[str]:
    """After a scan of the whole corpus: documents none of whose files is still there become
    `removed`. Returns their paths."""
    present = set(present)
    gone = []
    with immediate(db):
        for (path,) in db.execute("select path from files").fetchall():
            if path not in present:
                db.execute("delete from files where path = ?", [path])
        for doc_id, path in db.execute("select id, path from documents where status != ?", [Status.REMOVED]).fetchall():
            if path not in present and _move_or_remove(db, doc_id):
                gone.append(path)
    return gone


def remove_file(db: sqlite_utils.Database, path: str) -> list[str]:
    """One corpus file is gone (`congvan watch`): its documents move to another file or become `removed`."""
    with immediate(db):
        db.execute("delete from files where path = ?", [path])
        ids = [r[0] for r in db.execute("select id from documents where path = ? and status != ?",
                                        [path, Status.REMOVED])]
        return [path for doc_id in ids if _move_or_remove(db, doc_id)]


def _move_or_remove(db: sqlite_utils.Database, document_id: str) -> bool:
    """The document's file is gone: its path becomes another file of it, or it is `removed` (True)."""
    other = db.execute("select path from files where document_id = ? order by path limit 1", [document_id]).fetchone()
    if other:
        db.execute("update documents set path = ? where id = ?", [other[0], document_id])
        return False
    db.execute("update documents set status = ?, removed_at = ? where id = ?", [Status.REMOVED, _now(), document_id])
    return True


def _header_values(header) -> dict:
    values = asdict(header)
    values["recipients"] = _json(header.recipients)
    values["copy_to"] = _json(header.copy_to)
    values["handwritten_unread"] = ", ".join(header.handwritten_unread) or None   # "số, ngày" (SCHEMA.md)
    values["subject_folded"] = fold(header.subject) if header.subject else None
    return values


def save_header(db: sqlite_utils.Database, document_id: str, header) -> None:
    """Rewrites the header columns of a stored document (after rules changed)."""
    with immediate(db):
        db["documents"].update(document_id, _header_values(header))


def save_facts(db: sqlite_utils.Database, document_id: str, facts: Facts) -> None:
    """Replaces the extracted facts of one document (used by `congvan extract` too)."""
    with immediate(db):
        for table in ("citations", "obligations", "criteria", "point_losses", "index_scores"):
            db.execute(f"delete from [{table}] where document_id = ?", [document_id])
        db["citations"].insert_all({"document_id": document_id, **asdict(c)} for c in facts.citations)
        db["obligations"].insert_all(
            {"document_id": document_id, **asdict(o), "criteria": _json(o.criteria), "recurring": int(o.recurring),
             "action_folded": fold(o.action)}
            for o in facts.obligations
        )
        db["criteria"].insert_all(
            {"document_id": document_id, **asdict(c), "survey": int(c.survey)} for c in facts.criteria)
        db["point_losses"].insert_all({"document_id": document_id, **asdict(p)} for p in facts.point_losses)
        db["index_scores"].insert_all({"document_id": document_id, **asdict(s)} for s in facts.index_scores)


def link_citations(db: sqlite_utils.Database) -> None:
    """Sets `cited_document_id` where a cited số ký hiệu is a document of the corpus."""
    with immediate(db):
        db.execute(
            """update citations set cited_document_id = (
                   select d.id from documents d
                   where d.number is not null and d.status != ?
                     and upper(replace(d.reference, ' ', '')) = upper(citations.reference)
                   limit 1)""", [Status.REMOVED]
        )


def save_units(db: sqlite_utils.Database, units) -> None:
    """Publishes the unit registry (rules/units.yaml) as the `units` table."""
    from congvan.extract.units import LOCAL_WORDS, is_templated, localised

    def local(text: str, word: str | None) -> str:
        return localised(text, word) if word else text

    rows: dict[str, dict] = {}
    for u in units:
        templated = is_templated(u.name)
        for word in LOCAL_WORDS if templated else (None,):
            name = local(u.name, word)
            aliases = [local(a, word) for a in u.aliases if word or not is_templated(a)]
            row = rows.setdefault(name, {"name": name, "aliases": [], "level": u.level, "parent": u.parent,
                                         "scope": u.scope})
            row["aliases"] += [a for a in aliases if a not in row["aliases"] and a != name]
    new = sorted(({**r, "aliases": _json(r["aliases"])} for r in rows.values()), key=lambda r: r["name"])
    if new == [dict(r) for r in db.query("select name, aliases, level, parent, scope from units order by name")]:
        return   # unchanged since the last run: no write
    with immediate(db):
        db.execute("delete from units")
        db["units"].insert_all(new)
