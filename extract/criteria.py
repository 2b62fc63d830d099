"""Criteria of the CCHC index (tiêu chí): "Tiêu chí 2.2.2", "Lĩnh vực 7", and assignment tables.

Two sources. Running text names codes ("Tiêu chí 7.1.10 - Xây dựng Hệ thống …");
those rows carry no unit. Assignment tables (bảng phân công, Phụ lục) give each code
a unit in charge: the unit cell may span many rows (a merged cell reaches the rows
below it), header rows repeat on each page, and a "ĐTXHH" note marks criteria scored
by sociological survey. OCR may drop the dots of a code ("131"); codes are listed in
order, so the dots are put back from the code before.

>>> [c.code for c in find_in_text("Lĩnh vực 7: Hiện đại hóa hành chính (không gồm tiêu chí 7.4).", 1)]
['7']
>>> repair_code("131", "1.3")
'1.3.1'
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import regex

from extract import units
from extract.model import Criterion, Header
from extract.text import paragraphs
from ingest.model import Document
from ingest.textnorm import fold
from rules import load, pattern

_T = 1.0
_EXCLUDED = regex.compile(r"(?i)(?:không\s+gồm|không\s+bao\s+gồm|trừ|ngoại\s+trừ)\s*$")


@dataclass(frozen=True, slots=True)
class TableRow:
    """A data row of an assignment table, after merged cells are filled in."""

    code: str | None
    title: str | None
    unit: str | None
    unit_text: str | None
    deadline_text: str | None
    survey: bool
    note: str | None
    page: int
    kind: str = "criteria"   # "criteria": rows are codes of the index; "task": rows are numbered tasks


def level_of(code: str) -> str:
    return load("criteria")["levels"].get(code.count(".") + 1, "tiêu chí thành phần")


def _order(code: str) -> tuple[int, ...]:
    return tuple(int(x) for x in code.split("."))


def _successors(previous: str) -> set[str]:
    """Codes that may follow `previous` in a listing: its first child, next sibling, next at a higher level."""
    parts = _order(previous)
    out = {".".join(map(str, parts + (1,)))}
    for depth in range(len(parts), 0, -1):
        nxt = parts[: depth - 1] + (parts[depth - 1] + 1,)
        out.add(".".join(map(str, nxt)))
    return out


def repair_code(code: str, previous: str | None) -> str:
    """Puts back dots OCR dropped ("131" after "1.3" → "1.3.1"), choosing the code that can follow."""
    code = code.replace(",", ".").strip(". ")
    if "." in code or len(code) < 2 or previous is None:
        return code
    successors = _successors(previous)
    digits = code
    candidates = []
    for cuts in range(1, min(3, len(digits))):
        for pos in combinations(range(1, len(digits)), cuts):
            pieces, last = [], 0
            for p in pos:
                pieces.append(digits[last:p])
                last = p
            pieces.append(digits[last:])
            if all(x and not (len(x) > 1 and x[0] == "0") for x in pieces):
                candidates.append(".".join(pieces))
    for candidate in candidates:
        if candidate in successors:
            return candidate
    return code


def find_in_text(text: str, page: int, offset: int = 0) -> list[Criterion]:
    """Codes named in running text, without a unit."""
    out = []
    for m in pattern("criteria", "mention").finditer(text, timeout=_T):
        if _EXCLUDED.search(text[max(0, m.start() - 20):m.start()]):
            continue
        code = m.group("code")
        out.append(Criterion(code, level_of(code), None, None, False, None, page,
                             offset + m.start(), offset + m.end()))
    return out


@lru_cache(maxsize=1)
def _column_words() -> dict[str, list[str]]:
    return {k: [fold(w) for w in v] for k, v in load("criteria")["columns"].items()}


def _columns(row: Sequence[str | None]) -> dict[str, int] | None:
    """Maps column roles to indexes when `row` is a header row."""
    roles: dict[str, int] = {}
    for i, cell in enumerate(row):
        text = fold(cell or "").strip()
        if not text:
            continue
        for role in ("cooperate", "deadline", "note", "unit", "content", "code"):
            if role not in roles and any(text == w or text.startswith(w + " ") or f" {w}" in f" {text}"
                                         for w in _column_words()[role]):
                if role == "unit" and ("tieu chi" in text or "linh vuc" in text):
                    continue
                roles[role] = i
                break
    return roles if "unit" in roles and ("content" in roles or "code" in roles) else None


def _leads(cell: str, issuer: str | None) -> list[str]:
    """Units in charge named by a table cell: all of them when the cell is only a list of units
    ("Sở Xây dựng, Sở Kế hoạch và Đầu tư"), else the first ("Văn phòng tổng hợp, các phòng đề xuất …")."""
    found = units.find(cell, issuer)
    if not found:
        return []
    rest = regex.sub(r"[\s,;.]|\bvà\b", "", cell[found[-1].end:] + "".join(
        cell[a.end:b.start] for a, b in zip(found, found[1:])))
    return list(dict.fromkeys(m.unit for m in found)) if not rest else [found[0].unit]


def table_rows(document: Document, issuer: str | None) -> list[TableRow]:
    """Rows of every assignment table of the document, merged cells filled from above."""
    out: list[TableRow] = []
    columns: dict[str, int] | None = None
    last_unit: tuple[str | None, str | None] = (None, None)
    previous_code: str | None = None
    last_inherited = False
    kind = "criteria"
    survey_words = [fold(w) for w in load("criteria")["survey"]]
    for page in document.pages:
        for table in page.tables:
            first_row = True
            continued = last_unit[0] is not None and last_inherited
            for row in table:
                header = _columns(row)
                if header:
                    columns = header
                    content_head = fold(row[header["content"]] or "") if "content" in header else ""
                    kind = "criteria" if ("tieu chi" in content_head or "linh vuc" in content_head) else "task"
                    continue
                if columns is None or len(row) <= max(columns.values()):
                    continue
                cell = {role: row[i] for role, i in columns.items()}
                content = (cell.get("content") or "").strip()
                code = None
                m = pattern("criteria", "cell_code").match(content)
                if m:
                    code, title = m.group("code"), m.group("title").strip(" .") or None
                else:
                    title = content or None
                    bare = pattern("criteria", "bare_code").match(cell.get("code") or "")
                    if bare and kind == "criteria":
                        code = repair_code(bare.group("code"), previous_code)
                unit_cell = cell.get("unit")
                # a merged cell cut by a page break goes on empty, or with the end of its text, on the next page
                area_row = (code is not None and "." not in code) or (bool(content) and content.isupper())
                if first_row and continued and not area_row and (unit_cell == "" or (unit_cell or "x")[:1].islower()):
                    unit_cell = None
                first_row = False
                last_inherited = unit_cell is None
                if unit_cell is None:            # covered by a merged cell above
                    unit, unit_text = last_unit
                elif unit_cell.strip():
                    unit_text = unit_cell.strip()
                    leads = _leads(unit_cell, issuer)
                    unit = leads[0] if leads else units.canonical(unit_cell, issuer)
                    last_unit = (unit, unit_text)
                else:
                    unit, unit_text = None, None
                    last_unit = (None, None)
                note = (cell.get("note") or "").strip() or None
                survey = any(w in fold(note or "") or w in fold(content) for w in survey_words)
                if code:
                    previous_code = code
                if code or unit:
                    deadline = (cell.get("deadline") or "").strip() or None
                    for one in (_leads(unit_text or "", issuer) if unit_cell and len(_leads(unit_text or "", issuer)) > 1
                                else [unit]):
                        out.append(TableRow(code, title, one, unit_text, deadline, survey, note, page.number, kind))
    return out


def find(document: Document, header: Header) -> list[Criterion]:
    """Criteria assigned by tables (with their unit), then codes named in the text (without)."""
    out: list[Criterion] = []
    seen: set[tuple[str, str | None]] = set()
    for row in table_rows(document, header.issuer):
        if row.kind == "criteria" and row.code and (row.code, row.unit) not in seen:
            seen.add((row.code, row.unit))
            out.append(Criterion(row.code, level_of(row.code), row.title, row.unit, row.survey, row.note, row.page))
    in_tables = {c.code for c in out}
    for paragraph in paragraphs(document):
        for c in find_in_text(paragraph.text, paragraph.page):
            if c.code in in_tables or (c.code, None) in seen:
                continue
            seen.add((c.code, None))
            page, s, e = paragraph.span(c.start, c.end)
            out.append(Criterion(c.code, c.level, None, None, False, None, page, s, e))
    return out
