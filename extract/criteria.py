"""Criteria of the CCHC index (tiêu chí): "Tiêu chí 2.2.2", "Lĩnh vực 7", and assignment tables.

Two sources. Running text names codes ("Tiêu chí 7.1.10 - Xây dựng Hệ thống …");
those rows carry no unit. Assignment tables (bảng phân công, Phụ lục; read by
extract.assignment_tables) give each code a unit in charge, and a "ĐTXHH" note marks
criteria scored by sociological survey.

>>> [c.code for c in find_in_text("Lĩnh vực 7: Hiện đại hóa hành chính (không gồm tiêu chí 7.4).", 1)]
['7']
"""
from __future__ import annotations

import regex

from congvan.extract.assignment_tables import table_rows
from congvan.extract.model import Criterion, Header
from congvan.extract.text import paragraphs
from congvan.ingest.model import Document
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern

_EXCLUDED = regex.compile(r"(?i)(?:không\s+gồm|không\s+bao\s+gồm|trừ|ngoại\s+trừ)\s*$")


def level_of(code: str) -> str:
    return load("criteria")["levels"].get(code.count(".") + 1, "tiêu chí thành phần")


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
