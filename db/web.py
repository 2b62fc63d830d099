"""What the officer's pages show (trang chủ, trang đơn vị, tìm kiếm, văn bản): plain data, no HTML.

Each function takes a sqlite_utils Database (Datasette runs them in its read thread) and
returns dicts ready for the templates of db/templates: dates dd/mm/yyyy, numbers with a
decimal comma, criteria sorted as numbers, no hashes or SQL.

    >>> number(3.0), number(0.25), number(83.74), number(None)
    ('3', '0,25', '83,74', '')
    >>> display_date("2024-04-15"), display_date("2024-06"), display_date(None)
    ('15/04/2024', '06/2024', '')
"""
from __future__ import annotations

import html
from datetime import date, timedelta

import regex

from congvan.rules import TIMEOUT
import sqlite_utils
from markupsafe import Markup

from congvan.db import export
from congvan.db.register import FINISHED, STATUSES
from congvan.ingest.textnorm import fold, nfc

COUNT_LABELS = (("overdue", "Quá hạn"), ("due7", "Đến hạn trong 7 ngày"), ("due30", "Trong 30 ngày"),
                ("undated", "Chưa có hạn"), ("done", "Đã hoàn thành"))


def number(value) -> str:
    """A number as a Vietnamese reader writes it: decimal comma, no trailing zeros."""
    if value is None:
        return ""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def display_date(value: str | None) -> str:
    if not value:
        return ""
    if len(value) == 10:
        return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
    if len(value) == 7:
        return f"{value[5:7]}/{value[:4]}"
    return value


def units(db: sqlite_utils.Database) -> list[dict]:
    """Every unit with tasks, for the picker: name, the address of its page, open tasks."""
    rows = db.query("""select unit, sum(status not in ('đã hoàn thành', 'không thuộc đơn vị')) as open,
                              count(*) as total from tasks_view where unit is not null group by unit""")
    return sorted(({"name": r["unit"], "open": r["open"], "total": r["total"]} for r in rows),
                  key=lambda u: (fold(u["name"]), u["name"]))


def _task(row: dict, today: date) -> dict:
    days = row["days_left"]
    if row["status"] in FINISHED:
        left = row["status"]
    elif days is None:
        left = row["deadline_text"] or "chưa có hạn"
    else:
        left = f"quá hạn {-days} ngày" if days < 0 else "hôm nay" if days == 0 else f"còn {days} ngày"
    return {"task_id": row["task_id"], "deadline": display_date(row["deadline"]), "left": left,
            "overdue": row["due_state"] == "quá hạn", "state": row["due_state"], "status": row["status"],
            "note": row["status_note"] or "", "status_date": display_date(row["status_date"]),
            "action": row["action"], "deadline_text": row["deadline_text"] or "", "criteria": row["criteria"],
            "page": row["page"], "pdf": row["pdf"], "reference": row["reference"] or row["path"],
            "issuer": row["issuer"] or "", "issued": display_date(row["issued_date"]),
            "document_key": row["document_key"], "copies": row["copies"], "unit": row["unit"],
            "stale": bool(row["stale"])}


def counts(tasks: list[dict], today: date) -> dict[str, int]:
    """quá hạn, đến hạn trong 7 / 30 ngày, chưa có hạn (open tasks) and đã hoàn thành."""
    out = dict.fromkeys((k for k, _ in COUNT_LABELS), 0)
    for t in tasks:
        if t["status"] == "đã hoàn thành":
            out["done"] += 1
        if t["status"] in FINISHED:
            continue
        if t["state"] == "quá hạn":
            out["overdue"] += 1
        elif t["state"] == "chưa có hạn":
            out["undated"] += 1
        if t["state"] == "trong 7 ngày":
            out["due7"] += 1
        if t["state"] in ("trong 7 ngày", "trong 30 ngày"):
            out["due30"] += 1
    return out


def unit_page(db: sqlite_utils.Database, typed: str, *, today: date | None = None) -> dict:
    """The page of one unit: its canonical name, counts, and tasks by deadline (undated last)."""
    today = today or date.today()
    try:
        unit = export.resolve_unit(db, typed)
    except export.UnknownUnit as e:
        return {"unit": None, "typed": typed, "suggestions": e.suggestions}
    rows = db.query("""select * from tasks_view where unit = ?
                       order by deadline is null, length(deadline) < 10, deadline, path, page, obligation_id""",
                    [unit])
    tasks = [_task(r, today) for r in rows]
    vanished = [{**r, "status_date": display_date(r["status_date"]), "deadline": display_date(r["deadline"])}
                for r in db.query("""select * from task_history_view where unit = ? and disappeared = 1
                                     order by updated_at desc""", [unit])]
    return {"unit": unit, "typed": typed, "tasks": tasks, "counts": counts(tasks, today), "vanished": vanished,
            "labels": COUNT_LABELS, "statuses": STATUSES, "slug": export.slug(unit)}


def unit_for_slug(db: sqlite_utils.Database, slug: str) -> str | None:
    return next((u for u in export.units_with_tasks(db) if export.slug(u) == slug), None)


def _words(query: str) -> list[str]:
    return [w for w in regex.findall(r"[\p{L}\p{N}]+", nfc(query), timeout=TIMEOUT)][:12]


def _spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Where the typed words occur in `text`: the whole phrase where it occurs, else each word.

    Typed with diacritics, the marks must match ("Sở" is not "số"); typed without, folded text is compared.
    Folding keeps the length of NFC text, so offsets in the folded text are offsets in `text`.
    """
    marked = any(fold(w) != w.lower() for w in words)
    haystack = text.lower() if marked else fold(text)
    needles = [w.lower() if marked else fold(w) for w in words]
    phrase = r"(?<![\p{L}\p{N}])" + r"[\W_]+".join(regex.escape(w) for w in needles) + r"(?![\p{L}\p{N}])"
    spans = [m.span() for m in regex.finditer(phrase, haystack, timeout=2 * TIMEOUT)]
    if spans or len(needles) == 1:
        return spans
    return [m.span() for m in regex.finditer(r"[\p{L}\p{N}]+", haystack, timeout=2 * TIMEOUT) if m.group() in needles]


def highlight(text: str, query: str, width: int = 220) -> Markup:
    """An excerpt of `text` around the query with <mark>ed matches (the phrase first, else its words).

    >>> str(highlight("Chỉ số CCHC; Sở Nội vụ chủ trì", "Sở Nội vụ"))
    'Chỉ số CCHC; <mark>Sở Nội vụ</mark> chủ trì'
    >>> str(highlight("Chỉ số CCHC của sở", "chi so"))
    '<mark>Chỉ số</mark> CCHC của sở'
    >>> str(highlight("Nội dung của Sở", "Sở Nội vụ"))
    '<mark>Nội</mark> dung của <mark>Sở</mark>'
    """
    spans = _spans(text, _words(query)) if _words(query) else []
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(text), start + width)
    out, pos = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out += [html.escape(text[pos:a]), f"<mark>{html.escape(text[a:b])}</mark>"]
        pos = b
    out.append(html.escape(text[pos:end]))
    excerpt = " ".join("".join(out).split())
    return Markup(("… " if start else "") + excerpt + (" …" if end < len(text) else ""))


def _fts(query: str) -> str:
    return " ".join('"' + w.replace('"', "") + '"' for w in _words(query)) or '""'


def search(db: sqlite_utils.Database, query: str, *, limit: int = 50) -> dict:
    """Documents, tasks and pages that have every word typed (with or without diacritics)."""
    if not _words(query):
        return {"query": query, "documents": [], "tasks": [], "pages": [], "citing": []}
    match = _fts(query)
    documents = list(db.query(
        """select r.* from documents_register r where r.document_key in (
             select c.document_key from documents_fts f join documents d on d.rowid = f.rowid
             join document_copies c on c.document_id = d.id where documents_fts match ?)
           order by r.issued_date desc limit ?""", [match, limit]))
    tasks = list(db.query(
        """select * from tasks_view where obligation_id in (
             select rowid from obligations_fts where obligations_fts match ?)
           order by deadline is null, deadline limit ?""", [match, limit]))
    exact = " ".join(_words(query)).lower()
    pages = []
    for r in db.query(
            f"""select p.page, p.text, d.path, d.reference, c.document_key, {export.pdf_url_sql("p.page")} as pdf
               from pages_fts f join pages p on p.rowid = f.rowid join documents d on d.id = p.document_id
               join document_copies c on c.document_id = d.id and c.is_primary = 1
               where pages_fts match ? order by bm25(pages_fts, 10.0, 1.0) limit 200""", [match]):
        r["rank"] = 0 if exact in " ".join(_words(r["text"])).lower() else 1
        pages.append(r)
    pages.sort(key=lambda r: r["rank"])
    citing = list(db.query(
        """select distinct c.reference as cited, r.document_key, r.doc_type, r.reference, r.issuer, c.page
           from citations c join document_copies k on k.document_id = c.document_id and k.is_primary = 1
           join documents_register r on r.document_key = k.document_key
           where lower(replace(replace(replace(c.reference, ' ', ''), 'Đ', 'D'), 'đ', 'd')) = ?
           order by r.issued_date""", [fold(query).replace(" ", "")]))
    return {"query": query, "citing": citing,
            "documents": [{**d, "issued": display_date(d["issued_date"])} for d in documents],
            "tasks": [_task(t, date.today()) for t in tasks],
            "pages": [{**p, "excerpt": highlight(p["text"], query)} for p in pages[:limit]]}


def document_page(db: sqlite_utils.Database, key: str) -> dict | None:
    """One document: its copies (files), what the copies read differently, its tasks and points lost."""
    doc = next(iter(db.query("select * from documents_register where document_key = ?", [key])), None)
    if doc is None:
        return None
    copies = list(db.query(
        """select d.path, d.text_source, d.pages, c.is_primary,
                  (select count(*) from signatures s where s.document_id = d.id) as signatures
           from document_copies c join documents d on d.id = c.document_id
           where c.document_key = ? order by c.copy_rank""", [key]))
    facts: dict[str, dict] = {}
    for r in db.query("select * from copy_disagreements where document_key = ? order by id", [key]):
        fact = facts.setdefault(r["fact"], {"label": r["label"], "values": []})
        fact["values"].append({"path": r["path"], "source": _SOURCE_NAMES.get(r["text_source"], r["text_source"]),
                               "value": display_date(r["value"]) if r["fact"] == "issued_date" else r["value"],
                               "chosen": r["chosen"]})
    tasks = [_task(t, date.today()) for t in db.query(
        "select * from tasks_view where document_key = ? order by page, obligation_id", [key])]
    losses = [{**r, "lost": number(r["lost"]), "achieved": number(r["achieved"]), "max": number(r["max_points"])}
              for r in db.query("select * from point_losses_view where document_key = ? order by page, id", [key])]
    return {"doc": {**doc, "issued": display_date(doc["issued_date"])}, "copies": copies,
            "disagreements": list(facts.values()), "tasks": tasks, "losses": losses}


_SOURCE_NAMES = {"text": "lớp chữ số", "ocr": "OCR ảnh quét", "mixed": "lớp chữ và OCR"}


def today_plus(days: int) -> date:
    return date.today() + timedelta(days=days)
