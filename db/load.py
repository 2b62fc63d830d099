"""Facts → SQLite: one transaction per document, replacing that document's old rows."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

import sqlite_utils

from db.schema import FACT_TABLES
from extract.model import Facts
from ingest.model import Document
from ingest.textnorm import fold


def _json(values) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def known(db: sqlite_utils.Database, sha256: str) -> dict | None:
    """The stored row of a file with these bytes, if it was ingested before."""
    rows = list(db.query("select id, path, status from documents where id = ?", [sha256]))
    return rows[0] if rows else None


def forget(db: sqlite_utils.Database, document_id: str) -> None:
    """Deletes a document and every row that came from it."""
    with db.atomic():
        for table in FACT_TABLES + ("pages",):
            db.execute(f"delete from [{table}] where document_id = ?", [document_id])
        db.execute("delete from documents where id = ?", [document_id])


def save(db: sqlite_utils.Database, document: Document, facts: Facts | None) -> None:
    """Writes a document, its pages and its facts in one transaction.

    A file whose path was ingested before with other bytes replaces the old rows.
    """
    with db.atomic():
        for old in db.query("select id from documents where path = ? and id != ?", [document.path, document.sha256]):
            forget(db, old["id"])
        forget(db, document.sha256)
        header = facts.header if facts else None
        row = {
            "id": document.sha256, "path": document.path, "pages": len(document.pages),
            "text_source": document.text_source, "status": document.status, "error": document.error,
            "error_code": document.error_code, "size": document.size,
            "ingested_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        if header:
            row.update(_header_values(header))
        db["documents"].insert(row, replace=True)
        db["pages"].insert_all(
            {"document_id": document.sha256, "page": p.number, "source": p.source, "text": p.text,
             "text_folded": fold(p.text), "ocr_confidence": p.confidence, "reason": p.reason,
             "image_sha256": p.image_sha256, "tables": json.dumps(p.tables, ensure_ascii=False) if p.tables else None,
             "stamps": _json(p.stamps) if p.stamps else None, "blank_reason": p.blank_reason,
             "raw_text": p.raw_text}
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


def _header_values(header) -> dict:
    values = asdict(header)
    values["recipients"] = _json(header.recipients)
    values["copy_to"] = _json(header.copy_to)
    values["subject_folded"] = fold(header.subject) if header.subject else None
    return values


def save_header(db: sqlite_utils.Database, document_id: str, header) -> None:
    """Rewrites the header columns of a stored document (after rules changed)."""
    db["documents"].update(document_id, _header_values(header))


def save_facts(db: sqlite_utils.Database, document_id: str, facts: Facts) -> None:
    """Replaces the extracted facts of one document (used by `congvan extract` too)."""
    with db.atomic():
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
    db.execute(
        """update citations set cited_document_id = (
               select d.id from documents d
               where d.number is not null and upper(replace(d.reference, ' ', '')) = upper(citations.reference)
               limit 1)"""
    )
    db.conn.commit()


def save_units(db: sqlite_utils.Database, units) -> None:
    """Publishes the unit registry (rules/units.yaml) as the `units` table."""
    from extract.units import COMMUNE_WORDS, COMMUNES, LOCAL, LOCAL_WORDS

    def local(text: str, word: str | None) -> str:
        return text.replace(LOCAL, word).replace(COMMUNES, COMMUNE_WORDS[word]) if word else text

    rows: dict[str, dict] = {}
    for u in units:
        templated = LOCAL in u.name or COMMUNES in u.name
        for word in LOCAL_WORDS if templated else (None,):
            name = local(u.name, word)
            aliases = [local(a, word) for a in u.aliases if word or (LOCAL not in a and COMMUNES not in a)]
            row = rows.setdefault(name, {"name": name, "aliases": [], "level": u.level, "parent": u.parent,
                                         "scope": u.scope})
            row["aliases"] += [a for a in aliases if a not in row["aliases"] and a != name]
    new = sorted(({**r, "aliases": _json(r["aliases"])} for r in rows.values()), key=lambda r: r["name"])
    if new == [dict(r) for r in db.query("select name, aliases, level, parent, scope from units order by name")]:
        return   # unchanged since the last run: no write
    with db.atomic():
        db.execute("delete from units")
        db["units"].insert_all(new)
