"""The database contract (../shared/SCHEMA.md) as sqlite-utils tables, plus search.

Full-text search works with and without diacritics: every searchable column has a
`*_folded` twin (lower case, marks removed, đ → d) indexed in the same FTS5 table
with `unicode61 remove_diacritics 2`, so "so noi vu" and "Sở Nội vụ" find the same rows.
"""
from __future__ import annotations

from pathlib import Path

import sqlite_utils

TABLES: dict[str, dict] = {
    "documents": dict(
        columns={
            "id": str, "path": str, "pages": int, "text_source": str, "status": str, "error": str,
            "error_code": str, "doc_type": str, "reference": str, "number": str, "symbol": str,
            "issuer": str, "parent_issuer": str, "place": str, "issued_date": str, "subject": str,
            "subject_folded": str, "recipients": str, "copy_to": str, "signer_name": str,
            "signer_title": str, "signer_authority": str, "size": int, "ingested_at": str,
            "stale": int, "removed_at": str,
        },
        pk="id",
    ),
    "files": dict(   # every corpus file: a byte-identical copy under another name is a second file of one document
        columns={"path": str, "document_id": str, "size": int, "seen_at": str},
        pk="path",
    ),
    "pages": dict(
        columns={
            "document_id": str, "page": int, "source": str, "text": str, "text_folded": str,
            "ocr_confidence": float, "reason": str, "image_sha256": str, "tables": str,
            "stamps": str, "blank_reason": str, "raw_text": str, "handwriting": str,
        },
        pk=("document_id", "page"),
    ),
    "signatures": dict(
        columns={
            "id": int, "document_id": str, "field_name": str, "signer_name": str, "signer_email": str,
            "organization": str, "signed_at": str, "intact": int, "covers_whole_document": int,
            "trusted": int, "certificate_issuer": str, "page": int, "summary": str, "cms_signed_at": str,
        },
        pk="id",
    ),
    "citations": dict(
        columns={
            "id": int, "document_id": str, "reference": str, "doc_type": str, "date": str, "issuer": str,
            "page": int, "start": int, "end": int, "cited_document_id": str,
        },
        pk="id",
    ),
    "obligations": dict(
        columns={
            "id": int, "document_id": str, "unit": str, "unit_mention": str, "action": str,
            "action_folded": str, "deadline": str, "deadline_text": str, "recurring": int,
            "criteria": str, "page": int, "start": int, "end": int, "clause": str,
        },
        pk="id",
    ),
    "criteria": dict(
        columns={
            "id": int, "document_id": str, "code": str, "level": str, "title": str, "unit": str,
            "survey": int, "note": str, "page": int, "start": int, "end": int,
        },
        pk="id",
    ),
    "point_losses": dict(
        columns={
            "id": int, "document_id": str, "code": str, "title": str, "achieved": float,
            "max_points": float, "lost": float, "reason": str, "year": int, "subject": str, "page": int,
            "start": int, "end": int,
        },
        pk="id",
    ),
    "index_scores": dict(
        columns={
            "id": int, "document_id": str, "subject": str, "year": int, "score": float,
            "max_score": float, "lost": float, "rank": int, "of_total": int, "area": str,
            "assessed_by": str, "index_name": str, "page": int, "start": int, "end": int,
        },
        pk="id",
    ),
    "units": dict(
        columns={"name": str, "aliases": str, "level": str, "parent": str, "scope": str},
        pk="name",
    ),
}

FACT_TABLES = ("signatures", "citations", "obligations", "criteria", "point_losses", "index_scores")

# table → columns indexed for full-text search (each with its folded twin)
SEARCH = {
    "pages": ["text", "text_folded"],
    "obligations": ["action", "action_folded", "unit"],
    "documents": ["subject", "subject_folded", "reference"],
}
TOKENIZER = "unicode61 remove_diacritics 2"


def connect(path: str | Path) -> sqlite_utils.Database:
    """Opens (creating if needed) the database, in WAL mode so Datasette can read during ingest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")  # WAL: no fsync per commit; a crash loses at most the last commits
    db.execute("PRAGMA busy_timeout = 30000")
    create(db)
    return db


def create(db: sqlite_utils.Database) -> None:
    """Creates every table of the contract, empty ones included, with indexes and FTS."""
    for name, spec in TABLES.items():
        if name not in db.table_names():
            db[name].create(spec["columns"], pk=spec["pk"], not_null=None)
        else:  # a database made before a column joined the contract gains it, empty
            have = set(db[name].columns_dict)
            for column, kind in spec["columns"].items():
                if column not in have:
                    db[name].add_column(column, kind)
    for name in FACT_TABLES + ("pages",):
        if ("document_id",) not in {tuple(i.columns) for i in db[name].indexes}:
            db[name].create_index(["document_id"], if_not_exists=True)
    db["obligations"].create_index(["unit"], if_not_exists=True)
    db["obligations"].create_index(["deadline"], if_not_exists=True)
    db["citations"].create_index(["reference"], if_not_exists=True)
    db["documents"].create_index(["path"], if_not_exists=True)
    db["files"].create_index(["document_id"], if_not_exists=True)
    for table, columns in SEARCH.items():
        if not db[table].detect_fts():
            db[table].enable_fts(columns, fts_version="FTS5", tokenize=TOKENIZER, create_triggers=True)
    from congvan.db.export import create_views   # the views Datasette's facets and canned queries read
    from congvan.db.register import create_tables

    create_tables(db)   # one row per document, stable task ids, task status (db/register.py)
    create_views(db)
