"""Index results by year (kết quả các chỉ số qua các năm): PAR INDEX, SIPAS, PAPI, PCI in a small table.

A report of a province's index results lays them out as a grid: the indices down the side
and the years across ("Chỉ số | Năm 2023 | Năm 2024"), or the other way round, or one row
per index and year ("Chỉ số | Năm | Điểm | Xếp hạng"). A cell holds the score ("83,1"),
the rank ("62/63") or both ("83,1 điểm, xếp thứ 62/63"); a column headed "Xếp hạng"/"Thứ
hạng" holds ranks. Each (index, year) gives one result of the province that issues the
report (or its parent), keeping the index's name (None for the Chỉ số CCHC). Names and
patterns: rules/score_tables.yaml (indices), rules/scores.yaml (rank).

>>> from congvan.ingest.model import Document, Page
>>> table = (("Chỉ số", "Năm 2023", "Năm 2024"),
...          ("PAR INDEX", "85,1 (xếp thứ 40/63)", "83,1 (xếp thứ 62/63)"),
...          ("SIPAS", "80,2%", "84,6%"))
>>> doc = Document("x", "x.pdf", (Page(1, "", "text", tables=(table,)),))
>>> [(s.index_name, s.year, s.score, s.rank, s.of_total) for s in find(doc, Header(issuer="UBND tỉnh Lâm Đồng"))]
[('PAR INDEX', 2023, 85.1, 40, 63), ('PAR INDEX', 2024, 83.1, 62, 63), ('SIPAS', 2023, 80.2, None, None), ('SIPAS', 2024, 84.6, None, None)]
"""
from __future__ import annotations

from collections.abc import Sequence

import regex

from congvan.extract.model import Header, IndexScore
from congvan.extract.score_tables import index_of, number
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import pattern

_YEAR = regex.compile(r"(?<![\d/])(?:nam\s+)?((?:19|20)\d{2})(?![\d/])")
_RANK_ONLY = regex.compile(r"^\s*(?:thu\s+|hang\s+)?(\d{1,3})\s*/\s*(\d{1,3})\s*$")
_SCORE = regex.compile(r"(?<![\d/.,])(\d{1,3}(?:[.,]\d{1,3})?)(?!\s*/\s*\d)(?![\d])\s*(%|diem)?")
_CCHC = regex.compile(r"(?<![\p{L}])(?:chi\s+so\s+(?:cchc|cai\s+cach\s+hanh\s+chinh)|par\s*index)")
_VALUE = regex.compile(r"\d{1,3}[.,]\d|(?<!\d)\d{1,3}\s*/\s*\d{1,3}(?!\d)")
_LABEL_WORDS = 12   # a row label naming an index is short ("Chỉ số hài lòng (SIPAS)"), not a task
# A value cell: a number first, short, no date ("83,1", "62/63", "83,1 điểm (xếp thứ 62/63)").
_CELL = regex.compile(r"^\s*(?:(?:diem|dat|ket\s+qua)\s*:?\s*)?(?:thu\s+)?\d{1,3}(?:[.,]\d{1,3})?(?!\d)(?!.*\d{1,2}/\d{1,2}/\d{4})(?!.*\d/\d{4}).{0,40}$")
_FRACTION = regex.compile(r"(?<![\d,.])(\d{1,3})\s*/\s*(\d{1,3})(?![\d,.])")
_YEAR_CELL = regex.compile(r"^\s*(?:nam\s+)?(?:19|20)\d{2}\s*$")
_CHANGE = regex.compile(r"(?<![\p{L}])(?:so\s+voi|tang|giam|chenh\s+lech|bien\s+dong)(?![\p{L}])")
_RANK_HEAD = regex.compile(r"(?<![\p{L}])(?:xep\s+hang|thu\s+hang|xep\s+thu|vi\s+tri|^\s*hang\s*$)")


def _index(text: str) -> tuple[bool, str | None]:
    """(names an index, its name or None for the Chỉ số CCHC)."""
    name = index_of(text)
    if name:
        return True, name
    return bool(_CCHC.search(fold(text), timeout=_T)), None


def _year(text: str) -> int | None:
    m = _YEAR.search(fold(text or ""), timeout=_T)
    return int(m.group(1)) if m else None


def _subject(header: Header) -> str | None:
    """The province (or city) the report is about: the issuer or its parent, without "UBND"."""
    names = [regex.sub(r"^(?:UBND|Ủy ban nhân dân|HĐND)\s+", "", n, timeout=_T) for n in (header.issuer, header.parent_issuer) if n]
    return next((n for n in names if fold(n).startswith(("tinh ", "thanh pho "))), names[0] if names else None)


def _cell(text: str, rank_column: bool) -> tuple[float | None, int | None, int | None]:
    """(score, rank, of) of one cell: "83,1", "62/63", "83,1 (62/63)", "Điểm: 83,1; xếp hạng: 62/63"."""
    folded = fold(text)
    if rank_column:
        m = _RANK_ONLY.match(folded, timeout=_T) or regex.match(r"^\s*(?:thu\s+)?(\d{1,3})\s*$", folded, timeout=_T)
        return (None, int(m.group(1)), int(m.group(2)) if m.lastindex and m.lastindex > 1 else None) if m else (None, None, None)
    only = _RANK_ONLY.match(folded, timeout=_T)
    if only:
        return None, int(only.group(1)), int(only.group(2))
    rank = pattern("scores", "rank").search(folded, timeout=_T)
    ranked = (int(rank.group("rank")), int(rank.group("of"))) if rank else None
    head = folded[:rank.start()] if rank else folded
    if ranked is None:  # "83,1 (62/63)": a fraction after the score that is not out of 100
        for m in _FRACTION.finditer(folded, timeout=_T):
            if int(m.group(2)) != 100 and int(m.group(1)) <= int(m.group(2)):
                ranked, head = (int(m.group(1)), int(m.group(2))), folded[:m.start()]
                break
    score = _SCORE.search(head, timeout=_T)
    return (float(score.group(1).replace(",", ".")) if score else None, *(ranked or (None, None)))


def _header(rows: list[list[str]], raw: Sequence[Sequence[str | None]]) -> tuple[int, list[str]]:
    """(rows in the header, each column's header text): a cell merged across columns (None to its
    right, as pdfplumber gives it) heads every column it spans ("Năm 2024" over "Điểm | Xếp hạng")."""
    head = next((i for i, r in enumerate(raw) if any(number(c) or _VALUE.search(c or "", timeout=_T) for c in r)),
                len(raw))
    labels = [""] * len(rows[0])
    for i in range(head):
        carried = ""
        for c, cell in enumerate(raw[i]):
            carried = (cell or "").strip() if cell is not None else carried
            labels[c] = (labels[c] + " " + carried).strip()
    return head, labels


def _table(table: Sequence[Sequence[str | None]], page: int, subject: str | None,
           caption: tuple[bool, str | None]) -> list[IndexScore]:
    width = max(len(r) for r in table)
    raw = [list(r) + [None] * (width - len(r)) for r in table]
    rows = [[(c or "").strip() for c in r] for r in raw]
    head, labels = _header(rows, raw)
    if head == 0 or head == len(rows):
        return []
    folded = [fold(h) for h in labels]
    col_index = [_index(h) for h in labels]
    col_year = [_year(h) for h in labels]
    rank_cols = {c for c, h in enumerate(folded) if _RANK_HEAD.search(h, timeout=_T)}
    skip = {c for c, h in enumerate(folded) if h.strip() in ("stt", "tt", "so tt") or _CHANGE.search(h, timeout=_T)}
    years = {y for c, y in enumerate(col_year) if y and c not in skip}
    table_year = years.pop() if len(years) == 1 else None
    found: dict[tuple[str | None, int], list] = {}
    for row in rows[head:]:
        year_cells = [c for c, t in enumerate(row) if _YEAR_CELL.match(fold(t), timeout=_T)]
        row_year = _year(row[year_cells[0]]) if year_cells else None
        label = next((t for c, t in enumerate(row) if t and c not in year_cells
                      and regex.search(r"\p{L}", t, timeout=_T)), "")
        named, name = _index(label) if len(label.split()) <= _LABEL_WORDS else (False, None)
        row_year = row_year or _year(label)
        for c, text in enumerate(row):
            if not text or c in year_cells or c in skip or text == label or not _CELL.match(fold(text), timeout=_T):
                continue
            year = col_year[c] or row_year or table_year
            has, index = (named, name) if named else col_index[c] if col_index[c][0] else caption
            if not has or year is None:
                continue
            score, rank, of = _cell(text, c in rank_cols)
            slot = found.setdefault((index, year), [None, None, None])
            slot[0] = slot[0] if score is None else score
            slot[1], slot[2] = (rank, of) if rank is not None else (slot[1], slot[2])
    return [IndexScore(subject, year, score, None, None, rank, of, page, 0, 0, index_name=index)
            for (index, year), (score, rank, of) in found.items() if score is not None]


def find(document: Document, header: Header) -> list[IndexScore]:
    """One result per index and year of every table that crosses indices with years."""
    subject = _subject(header)
    out: list[IndexScore] = []
    for page in document.pages:
        for table in page.tables:
            if len(table) >= 2 and table[0]:
                out.extend(_table(table, page.number, subject, _index(page.text)))
    return out
