"""Criterion tables (bảng tự đánh giá, bảng chấm điểm): points lost on each code of the index.

"Mã | Lĩnh vực/Tiêu chí/Tiêu chí thành phần | Điểm tối đa | Điểm tự đánh giá | Tài liệu kiểm
chứng": every row whose code ("1", "1.3", "3.4.1", or a code opening the title cell) is scored
below its maximum is a point loss of that code, with the appraised points when the table
gives both. The unit the table scores ("… của Sở Tư pháp" in its caption) is the loss's
subject; a table without one scores the document's own subject. Columns are told by their
headers as in `extract.score_tables` (rules/score_tables.yaml).

>>> from congvan.ingest.model import Document, Page
>>> table = (("STT", "Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Tài liệu kiểm chứng"),
...          ("1", "Công tác chỉ đạo điều hành", "14,5", "13,5", ""),
...          ("1.1", "Kế hoạch CCHC năm", "2", "2", "Kế hoạch số 10/KH-STP"),
...          ("1.2", "Báo cáo CCHC định kỳ", "1", "0", "Chưa gửi báo cáo quý I"))
>>> doc = Document("x", "x.pdf", (Page(1, "BẢNG TỰ ĐÁNH GIÁ CHỈ SỐ CCHC NĂM 2025", "text", tables=(table,)),))
>>> [(p.code, p.achieved, p.max_points, p.lost, p.year) for p in find(doc, Header())]
[('1', 13.5, 14.5, 1.0, 2025), ('1.2', 0.0, 1.0, 1.0, 2025)]
"""
from __future__ import annotations

import regex

from congvan.extract.header import agency_name
from congvan.extract.model import Header, PointLoss
from congvan.extract.score_tables import context_of, grids, is_summary, locate, number, title_of
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import pattern

_CAPTION = 400
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
_LEADING_CODE = regex.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?=\p{L})")


def _code(cells: dict[str, str]) -> tuple[str | None, str | None]:
    """(code, title) of a row: the code cell, else a code opening the title cell."""
    title = " ".join((cells.get("title") or "").split()) or None
    leading = _LEADING_CODE.match(title or "", timeout=_T)
    for key in ("code", "number"):
        m = pattern("score_tables", "code").match(fold(cells.get(key) or ""), timeout=_T)
        if m and not (key == "number" and leading):   # an STT beside "1.1. Kế hoạch …" only counts rows
            return m.group("code") or str(_ROMAN.index(m.group("roman")) + 1), title
    return (leading.group(1), title[leading.end():].strip() or None) if leading else (None, title)


def _subject(caption: str) -> str | None:
    """The unit a table scores, named in its caption, as written."""
    folded = fold(caption)
    found = list(pattern("score_tables", "caption_subject").finditer(folded, timeout=_T))
    if not found:
        return None
    m = found[-1]
    subject = " ".join(caption[m.start("subject"):m.end("subject")].split())
    return (agency_name(subject) if subject.isupper() else subject) or None


def find(document: Document, header: Header) -> list[PointLoss]:
    """One loss per code scored below its maximum, in table order; a code restated with the same points once."""
    pages = {p.number: p.text for p in document.pages}
    title = title_of(document)
    out: list[PointLoss] = []
    seen: set[tuple] = set()
    ctx, subject, previous_page = None, None, None
    for g in grids(document):
        roles = g.roles()
        if "title" not in roles or "maximum" not in roles:
            continue
        folded_page = fold(pages[g.page])
        if g.has_header or ctx is None or previous_page is None or g.page > previous_page + 1:
            first = next((c["title"] for c in map(g.cells, g.rows) if c.get("title")), "")
            at = locate(folded_page, first, 0)[0]
            caption = pages[g.page][:at][-_CAPTION:]
            ctx = context_of(caption, title, ctx if not g.has_header else None)
            subject = _subject(caption) or _subject(title)
        previous_page = g.page
        both = "self" in roles and "appraised" in roles
        for row in g.rows:
            cells = g.cells(row)
            code, name = _code(cells)
            if code is None or is_summary(name or ""):
                continue
            maximum = number(cells.get("maximum"))
            score = number(cells.get("appraised") if both else cells.get("achieved") or cells.get("self")
                           or cells.get("appraised"))
            if not maximum or not score or maximum[2] or score[2] or score[0] >= maximum[0]:
                continue
            lost = round(maximum[0] - score[0], 4)
            key = (subject, code, score[0], maximum[0])
            if key in seen:
                continue
            seen.add(key)
            s, e = locate(folded_page, name or code, 0)
            out.append(PointLoss(code, name, score[0], maximum[0], lost, None, ctx.year, g.page, s, e,
                                 subject=subject))
    return out
