"""What the database holds, read back: a stored document's pages, the documents to re-extract,
counts for `congvan status`, and the files under a corpus path (`congvan watch`).

The pipeline and the CLI ask these questions; the SQL lives here, beside the schema.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import sqlite_utils

from congvan.db.load import immediate
from congvan.ingest.errors import Status
from congvan.ingest.model import Document, Page, Signature, Slot

READ = (Status.OK, Status.PARTIAL)
_STALE = "select path from documents where stale = 1 order by path"   # a failed re-read kept the last good version   # documents whose pages were read: their facts are extracted


def stored_document(db: sqlite_utils.Database, document_id: str) -> Document:
    """Rebuilds a Document from the pages table (text, source, tables) without the PDF."""
    row = db["documents"].get(document_id)
    pages = tuple(
        Page(p["page"], p["text"] or "", p["source"], p["reason"] or "", confidence=p["ocr_confidence"],
             tables=tuple(tuple(tuple(r) for r in t) for t in json.loads(p.get("tables") or "[]")),
             handwriting=_slots(p.get("handwriting")))
        for p in db.query("select * from pages where document_id = ? order by page", [document_id])
    )
    signatures = tuple(
        Signature(r["field_name"], r["signer_name"], r["signer_email"], r["organization"], r["signed_at"],
                  bool(r["intact"]), bool(r["covers_whole_document"]), bool(r["trusted"]), r["certificate_issuer"])
        for r in db.query("select * from signatures where document_id = ? order by id", [document_id])
    ) if db["signatures"].exists() else ()
    return Document(document_id, row["path"], pages, signatures, status=row["status"], error=row["error"])


def known_signers(db: sqlite_utils.Database) -> list[tuple[str, str | None, str | None]]:
    """(name, title, issuer) of the signers the database has seen: the names digital documents print under
    their signing blocks (joint ones split), and the holders of signing certificates (offices' CNs among
    them; `extract.signer_names.Registry` keeps the persons)."""
    seen: list[tuple[str, str | None, str | None]] = []
    for r in db.query("select signer_name, signer_title, issuer from documents where text_source = 'text'"
                      " and status in (?, ?) and signer_name is not null", list(READ)):
        names, titles = r["signer_name"].split("; "), (r["signer_title"] or "").split("; ")
        issuer = r["issuer"] if len(names) == 1 else None
        seen += [(n, titles[i] if len(titles) == len(names) and titles[i] else None, issuer)
                 for i, n in enumerate(names)]
    if db["signatures"].exists():
        seen += [(r["signer_name"], None, None) for r in db.query(
            "select distinct signer_name from signatures where signer_name is not null")]
    return seen


def _slots(stored: str | None) -> tuple[Slot, ...]:
    """The header slots as `db.load` stored them."""
    return tuple(Slot(s["slot"], *s["box"], ink=s["state"] != "blank", value=s["value"], confidence=s["confidence"],
                      readings=s["readings"], page_text=s["ocr_text"], page_confidence=s["ocr_confidence"])
                 for s in json.loads(stored or "[]"))


def read_ids(db: sqlite_utils.Database) -> list[str]:
    """The documents whose pages were read (ok or partial), the ones `congvan extract` re-runs the rules on."""
    return [r["id"] for r in db.query("select id from documents where status in (?, ?)", list(READ))]


def record_extraction(db: sqlite_utils.Database, document_id: str, errors: Iterable[str]) -> None:
    """A re-extraction's outcome: `partial` with the failed families, or `ok` again once they all read."""
    errors = list(errors)
    with immediate(db):
        db.execute("update documents set status = ?, error = ? where id = ? and status in (?, ?)",
                   [Status.PARTIAL if errors else Status.OK, "; ".join(errors) or None, document_id, *READ])


def summary(db: sqlite_utils.Database, fact_tables: Iterable[str]) -> dict:
    """Counts by status and by text source, the failed and partial files with their errors, stale paths."""
    by_status = {r["status"]: r["n"] for r in db.query("select status, count(*) n from documents group by status")}
    by_source = {r["text_source"] or "none": r["n"]
                 for r in db.query("select text_source, count(*) n from documents group by text_source")}

    def with_status(status: Status) -> list[dict]:
        return list(db.query("select path, error from documents where status = ? order by path", [status]))

    stale = [r["path"] for r in db.query(_STALE)]
    return {"status": by_status, "text_source": by_source, "failed": with_status(Status.FAILED),
            "partial": with_status(Status.PARTIAL), "facts": {t: db[t].count for t in fact_tables}, "stale": stale}


def ocr_page_count(db_path: Path, paths: Iterable[str]) -> int:
    """The OCR'd pages of the documents at `paths`, read only (the ingest made the views under its lock)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        return sum(db.execute(
            "select count(*) from pages p join documents d on d.id = p.document_id "
            "where p.source = 'ocr' and d.path = ?", [path]).fetchone()[0] for path in paths)


def stale_paths(db_path: Path) -> list[str]:
    """Files whose last re-read failed while the facts of their last readable version are kept (read only)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        return [r[0] for r in db.execute(_STALE)]


def files_under(db: sqlite_utils.Database, name: str) -> list[str]:
    """The corpus files recorded at `name`, or under the folder `name`."""
    rows = db.execute("select path from files where path = ? or path like ? escape '\\'",
                      [name, name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"])
    return [path for (path,) in rows.fetchall()]


VOLATILE = frozenset({"ingested_at", "seen_at", "removed_at"})   # when, not what


def snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without timestamps and without the row ids of fact tables: what
    two runs over the same files must agree on (the kill trials of bench/, the concurrency tests)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as c:
        tables = [t for (t,) in c.execute("select name from sqlite_master where type = 'table' and name not like "
                                          "'%_fts%' and name not like 'sqlite_%' order by name")]
        out = {}
        for table in tables:
            info = c.execute(f"pragma table_info([{table}])").fetchall()
            keep = [name for _, name, kind, _, _, _ in info
                    if name not in VOLATILE and not (name == "id" and kind.upper() == "INTEGER")]
            cols = ", ".join(f"[{name}]" for name in keep)
            out[table] = sorted(c.execute(f"select {cols} from [{table}]").fetchall(), key=repr)
    return out

