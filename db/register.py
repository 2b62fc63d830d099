"""The officer's register (sổ theo dõi): one row per document, stable task ids, task status.

A document (văn bản) is known by its số ký hiệu, cơ quan ban hành and ngày ban hành; the files
that hold it (a scan, the digital file, the signed copy, a re-send) are its copies. The
`documents` table of the contract stays one row per file; this module adds

    document_copies     file → document key, which copy is primary (text layer before OCR)
    obligation_tasks    obligation row → stable task id (document key + unit + task text)
    copy_disagreements  facts the copies of one document read differently, and which wins
    task_status         the officer's status of a task, keyed by the stable id (survives re-ingest)
    task_status_log     every status change, kept even when the task disappears from the text
    settings            where the corpus of this database lives (for `congvan serve`)

`refresh(db)` rebuilds the first three after every ingest or `congvan extract`; the status
tables are only written by `set_status`.

    >>> document_key({"id": "f", "number": "312", "reference": "312/SNV-CCHC", "issuer": "Sở Nội vụ",
    ...               "issued_date": "2024-03-05", "subject": "x"}) == document_key(
    ...     {"id": "g", "number": "312", "reference": "312/snv-cchc", "issuer": "Sở Nội Vụ",
    ...      "issued_date": "2024-03-05", "subject": "y"})
    True
    >>> criteria_display('["7.1.10", "7.1.2", "1"]')
    '1, 7.1.2, 7.1.10'
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone

import regex

from congvan.rules import TIMEOUT
import sqlite_utils

from congvan.ingest.errors import Status
from congvan.ingest.textnorm import fold

STATUSES = ("đang thực hiện", "đã hoàn thành", "không thuộc đơn vị")
FINISHED = ("đã hoàn thành", "không thuộc đơn vị")
_SOURCE_RANK = {"text": 0, "mixed": 1, "ocr": 2}

# header facts compared between the copies of a document: column → Vietnamese label
COMPARED = {"doc_type": "Tên loại", "reference": "Số ký hiệu", "issuer": "Cơ quan ban hành",
            "issued_date": "Ngày ban hành", "subject": "Trích yếu", "signer_name": "Người ký",
            "signer_title": "Chức vụ người ký"}

TABLES = {
    "document_copies": ({"document_id": str, "document_key": str, "is_primary": int, "copies": int,
                         "copy_rank": int}, "document_id"),
    "obligation_tasks": ({"obligation_id": int, "task_id": str, "document_key": str, "criteria_display": str},
                         "obligation_id"),
    "copy_disagreements": ({"id": int, "document_key": str, "fact": str, "label": str, "document_id": str,
                            "path": str, "text_source": str, "value": str, "chosen": int}, "id"),
    "task_status": ({"task_id": str, "status": str, "note": str, "status_date": str, "updated_at": str,
                     "source": str, "unit": str, "action": str, "deadline": str, "reference": str,
                     "path": str, "page": int}, "task_id"),
    "task_status_log": ({"id": int, "task_id": str, "status": str, "note": str, "status_date": str,
                         "at": str, "source": str}, "id"),
    "settings": ({"key": str, "value": str}, "key"),
}


def create_tables(db: sqlite_utils.Database) -> None:
    """Creates the register's own tables (never dropped by ingest or extract)."""
    for name, (columns, pk) in TABLES.items():
        if name not in db.table_names():
            db[name].create(columns, pk=pk, not_null=None)
    db["obligation_tasks"].create_index(["task_id"], if_not_exists=True)
    db["document_copies"].create_index(["document_key"], if_not_exists=True)


def _letters(text: str | None) -> str:
    return regex.sub(r"[\W_]+", "", fold(text or ""), timeout=TIMEOUT)


def document_key(row: dict) -> str:
    """A short id for the document a file holds: số ký hiệu + cơ quan ban hành + ngày (folded).

    A draft without a number, or a paper with no số ký hiệu (bảng phân công), adds its trích yếu;
    a file whose header was not read is its own document.
    """
    if not (row.get("issuer") and row.get("issued_date") and (row.get("reference") or row.get("subject"))):
        return "f" + row["id"][:15]
    parts = [_letters(row.get("reference")), _letters(row["issuer"]), row["issued_date"]]
    if not row.get("number"):
        parts.append(_letters(row.get("subject"))[:80])
    return "d" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:15]


def criteria_display(criteria_json: str | None) -> str:
    """Criterion codes sorted as numbers (7.1.2 before 7.1.10), joined by ', '."""
    try:
        codes = json.loads(criteria_json or "[]")
    except ValueError:
        return ""
    def order(code: str):
        return [int(p) if p.isdigit() else 10**6 for p in str(code).split(".")], str(code)
    return ", ".join(sorted(dict.fromkeys(str(c) for c in codes), key=order))


def refresh(db: sqlite_utils.Database) -> None:
    """Rebuilds document_copies, obligation_tasks and copy_disagreements from the stored facts."""
    create_tables(db)
    docs = list(db.query("""select d.id, d.path, d.text_source, d.reference, d.number, d.issuer, d.issued_date,
                                   d.subject, d.doc_type, d.signer_name, d.signer_title,
                                   (select count(*) from signatures s where s.document_id = d.id) as signed
                            from documents d where d.status in (?, ?)""", [Status.OK, Status.PARTIAL]))
    groups: dict[str, list[dict]] = {}
    for d in docs:
        groups.setdefault(document_key(d), []).append(d)
    copies, disagreements = [], []
    for key, files in groups.items():
        files.sort(key=lambda d: (_SOURCE_RANK.get(d["text_source"], 3), -d["signed"], d["path"]))
        for rank, d in enumerate(files):
            copies.append({"document_id": d["id"], "document_key": key, "is_primary": int(rank == 0),
                           "copies": len(files), "copy_rank": rank})
        if len(files) > 1:
            disagreements += _disagreements(db, key, files)
    tasks = _task_rows(db, {c["document_id"]: c["document_key"] for c in copies})
    with db.atomic():
        for table in ("document_copies", "obligation_tasks", "copy_disagreements"):
            db.execute(f"delete from [{table}]")
        db["document_copies"].insert_all(copies)
        db["obligation_tasks"].insert_all(tasks)
        db["copy_disagreements"].insert_all(disagreements)


def _task_rows(db: sqlite_utils.Database, keys: dict[str, str]) -> list[dict]:
    rows, seen = [], {}
    for o in db.query("select id, document_id, unit, action, criteria from obligations order by document_id, id"):
        key = keys.get(o["document_id"])
        if key is None:
            continue
        base = hashlib.sha1(f"{key}|{_letters(o['unit'])}|{_letters(o['action'])}".encode()).hexdigest()[:10]
        n = seen[(o["document_id"], base)] = seen.get((o["document_id"], base), 0) + 1
        rows.append({"obligation_id": o["id"], "task_id": base if n == 1 else f"{base}-{n}",
                     "document_key": key, "criteria_display": criteria_display(o["criteria"])})
    return rows


def _disagreements(db: sqlite_utils.Database, key: str, files: list[dict]) -> list[dict]:
    """Header facts and task deadlines that the copies of one document read differently."""
    facts: dict[tuple[str, str], dict[str, str]] = {}
    for column, label in COMPARED.items():
        facts[(column, label)] = {d["id"]: d[column] for d in files}
    primary = files[0]["id"]
    for o in db.query(f"""select document_id, unit, clause, page, deadline_text from obligations
                          where document_id in ({','.join('?' * len(files))}) order by id""",
                      [d["id"] for d in files]):
        label = f"Hạn của nhiệm vụ mục {o['clause'] or '?'} ({o['unit']})"
        facts.setdefault((f"deadline:{o['clause']}:{o['unit']}", label), {}).setdefault(
            o["document_id"], o["deadline_text"])
    out = []
    for (fact, label), values in facts.items():
        present = {v for v in values.values() if v}
        if len(present) < 2 or primary not in values:
            continue
        for d in files:
            if d["id"] in values:
                out.append({"document_key": key, "fact": fact, "label": label, "document_id": d["id"],
                            "path": d["path"], "text_source": d["text_source"], "value": values[d["id"]],
                            "chosen": int(d["id"] == primary)})
    return out


class UnknownTask(LookupError):
    """A task id that no task of the register has (or several share, when given as a prefix)."""


def resolve_task(db: sqlite_utils.Database, typed: str) -> str:
    """The full task id for what the user typed: the id, or an unambiguous prefix of it."""
    typed = typed.strip().lower()
    ids = sorted({r["task_id"] for r in db.query(
        "select task_id from obligation_tasks where task_id like ? || '%' union "
        "select task_id from task_status where task_id like ? || '%'", [typed, typed])})
    if typed in ids:
        return typed
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise UnknownTask(f"Không có nhiệm vụ mã {typed!r}. Xem mã bằng: congvan task list --unit \"<đơn vị>\"")
    raise UnknownTask(f"Mã {typed!r} khớp {len(ids)} nhiệm vụ ({', '.join(ids[:5])}…): gõ thêm ký tự.")


def set_status(db: sqlite_utils.Database, task_id: str, status: str, *, note: str | None = None,
               on: date | None = None, source: str = "cli") -> dict:
    """Records the officer's status of a task (and logs it); returns the stored row."""
    if status not in STATUSES:
        raise ValueError(f"Trạng thái phải là một trong: {', '.join(STATUSES)}")
    task = next(iter(db.query(
        """select o.unit, o.action, o.deadline, o.page, d.reference, d.path from obligation_tasks t
           join obligations o on o.id = t.obligation_id join documents d on d.id = o.document_id
           join document_copies c on c.document_id = d.id
           where t.task_id = ? order by c.copy_rank limit 1""", [task_id])), None)
    old = next(iter(db.query("select * from task_status where task_id = ?", [task_id])), None)
    if task is None and old is None:
        raise UnknownTask(f"Không có nhiệm vụ mã {task_id!r}.")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    day = (on or date.today()).isoformat()
    row = {**(old or {}), **(task or {}), "task_id": task_id, "status": status, "note": note or None,
           "status_date": day, "updated_at": now, "source": source}
    with db.atomic():
        db["task_status"].insert(row, pk="task_id", replace=True)
        db["task_status_log"].insert({"task_id": task_id, "status": status, "note": note or None,
                                      "status_date": day, "at": now, "source": source})
    return row


def remember_corpus(db: sqlite_utils.Database, corpus) -> None:
    """Stores the absolute corpus folder, so `congvan serve` can find the PDFs of this database."""
    from pathlib import Path

    create_tables(db)
    db["settings"].insert({"key": "corpus_root", "value": str(Path(corpus).resolve())}, pk="key", replace=True)


def corpus_root(db: sqlite_utils.Database) -> str | None:
    if "settings" not in db.table_names():
        return None
    row = next(iter(db.query("select value from settings where key = 'corpus_root'")), None)
    return row["value"] if row else None
