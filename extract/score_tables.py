"""Score tables (bảng điểm Chỉ số CCHC): tables whose rows are units with their points.

"STT | Đơn vị | Điểm chuẩn tối đa | Điểm tự đánh giá | Điểm thẩm định | Chỉ số" gives each
unit two results, self-assessed and appraised; "Thứ hạng | Đơn vị | Điểm chuẩn tối đa |
Điểm đạt được | Chỉ số chung | Xếp loại" gives one, with its rank out of the ranked group
("Nhóm … không xếp hạng" has none). Columns are told by their header (rules/score_tables.yaml),
never by position: a header may run over several rows, and a table converted from Word
often has empty columns between the labels and its values, so a row's values are matched to
the labels in order when their counts agree, else to the nearest label. Summary rows (cao
nhất, trung bình, thấp nhất) are not units; points are kept, not the percentage.

A table that goes on over the next page (its header repeated, or none) is one group: it
keeps the year, area and ranking of its start. The year and the lĩnh vực come from the
caption before the table, else from the document's title; the area only when one lĩnh vực
is named there.

>>> column_role("Điểm tự đánh giá"), column_role("Thứ hạng"), column_role("Ghi chú")
('self', 'rank', None)
>>> area_of("KẾT QUẢ ĐÁNH GIÁ ĐỐI VỚI CÁC TIÊU CHÍ THUỘC CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH NĂM 2025")
'Công tác chỉ đạo điều hành'
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import regex

from congvan.extract.model import Header, IndexScore
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern

_CAPTION = 400        # characters before a table read as its caption
_CONTINUED = 20       # letters left in the text between two tables when the second goes on from the first
SCORE_ROLES = ("self", "appraised", "achieved")
_GRADE_WORDS = {"tot", "kha", "trung binh", "yeu", "kem", "xuat sac", "binh", "trung"}  # a wrapped grade
_TOTAL = regex.compile(r"(?<![\p{L}])tong(?![\p{L}])")


@lru_cache(maxsize=None)
def _roles() -> tuple[tuple[str, regex.Pattern], ...]:
    return tuple((role, regex.compile(p)) for role, p in load("score_tables")["columns"].items())


@lru_cache(maxsize=None)
def _named(kind: str) -> tuple[tuple[str, regex.Pattern], ...]:
    return tuple((e["name"], regex.compile(e["pattern"])) for e in load("score_tables")[kind])


def column_role(label: str | None) -> str | None:
    """What a column header holds: self, appraised, achieved, maximum, percent, rank, unit, …"""
    folded = " ".join(fold(label or "").split())
    if not folded:
        return None
    return next((role for role, p in _roles() if p.search(folded, timeout=_T)), None)


def _one_named(kind: str, text: str) -> str | None:
    folded = fold(text)
    found = {name for name, p in _named(kind) if p.search(folded, timeout=_T)}
    return found.pop() if len(found) == 1 else None


def area_of(text: str) -> str | None:
    """The one lĩnh vực of the index a caption names, or None (none or several)."""
    return _one_named("areas", text)


def index_end(folded: str, start: int = 0) -> int | None:
    """End of the last index name (SIPAS, PAPI, …) in folded text after `start`, or None."""
    ends = [m.end() for _, p in _named("indices") for m in p.finditer(folded, start, timeout=_T)]
    return max(ends) if ends else None


def index_of(text: str) -> str | None:
    """The one index other than the Chỉ số CCHC a caption names (SIPAS, PAPI, …), or None."""
    return _one_named("indices", text)


def is_summary(text: str) -> bool:
    return bool(pattern("score_tables", "summary").search(fold(text), timeout=_T))


def number(cell: str | None) -> tuple[float, float | None, bool] | None:
    """(value, denominator, is_percent) of a value cell: '14,50' → (14.5, None, False), '7,37/10'."""
    m = pattern("score_tables", "number").match(fold(cell or ""), timeout=_T)
    if not m:
        return None
    of = m.group("of")
    return float(m.group("value").replace(",", ".")), (float(of.replace(",", ".")) if of else None), \
        bool(m.group("percent"))


def year_in(text: str) -> int | None:
    years = [int(m.group("year")) for m in pattern("score_tables", "year").finditer(fold(text), timeout=_T)]
    return years[-1] if years else None


@dataclass(frozen=True, slots=True)
class Grid:
    """A table with its columns told: labels (column, text, role) and the rows after the header."""

    page: int
    labels: tuple[tuple[int, str, str | None], ...]
    rows: tuple[tuple[str | None, ...], ...]
    has_header: bool

    def roles(self) -> set[str]:
        return {r for _, _, r in self.labels if r}

    def header_max(self) -> float | None:
        for _, text, role in self.labels:
            m = pattern("score_tables", "header_max").search(fold(text), timeout=_T)
            if m and role in SCORE_ROLES:
                return float(m.group("max").replace(",", "."))
        return None

    def cells(self, row: Sequence[str | None]) -> dict[str, str]:
        """The row's non-empty cells by role. Values are matched to labels in order: one to one when as many,
        else each to a label as near its column as the order allows (`align`). Of several columns of one
        role, a total ("Tổng điểm") is preferred, else the leftmost."""
        filled = [(i, c.strip()) for i, c in enumerate(row) if c and c.strip()]
        by_label = dict(zip(align([i for i, _ in filled], [c for c, _, _ in self.labels]), (t for _, t in filled)))
        out: dict[str, str] = {}
        for k in sorted(by_label, key=lambda k: (not _TOTAL.search(fold(self.labels[k][1]), timeout=_T), k)):
            role = self.labels[k][2]
            if role and role not in out:
                out[role] = by_label[k]
        return out


def align(cells: Sequence[int], labels: Sequence[int]) -> list[int]:
    """For cells at columns `cells` (ascending), the index of the label each belongs to: an order-keeping
    match with the least total distance between columns (a converted Word table's values drift a column
    or two from their labels).

    >>> align([0, 1, 4, 7, 8, 11], [0, 1, 5, 7, 9, 11]), align([0, 1, 8, 11], [0, 1, 5, 7, 9, 11])
    ([0, 1, 2, 3, 4, 5], [0, 1, 4, 5])
    """
    m, n = len(cells), len(labels)
    if m == n:
        return list(range(n))
    if m > n or n == 0:
        return [min(range(n), key=lambda k: (abs(labels[k] - c), labels[k] > c)) for c in cells] if n else []
    inf = float("inf")
    cost = [[inf] * (n + 1) for _ in range(m + 1)]  # cost[i][j]: first i cells matched within the first j labels
    cost[0] = [0.0] * (n + 1)
    for i in range(1, m + 1):
        for j in range(i, n + 1):
            cost[i][j] = min(cost[i][j - 1], cost[i - 1][j - 1] + abs(cells[i - 1] - labels[j - 1]))
    out, j = [], n
    for i in range(m, 0, -1):  # back from the right: on a tie the value goes to the label on its right
        while cost[i - 1][j - 1] + abs(cells[i - 1] - labels[j - 1]) != cost[i][j]:
            j -= 1
        out.append(j - 1)
        j -= 1
    return out[::-1]


def _numeric_cells(row: Sequence[str | None]) -> int:
    return sum(1 for c in row if number(c) is not None)


def grid(table: Sequence[Sequence[str | None]], page: int, previous: Grid | None = None) -> Grid | None:
    """The table with its header read, or None when it has no header (and does not go on from `previous`)."""
    if not table or not table[0]:
        return None
    width = len(table[0])
    head = next((i for i, row in enumerate(table) if _numeric_cells(row) >= 2), len(table))
    texts = [" ".join(str(row[c]).strip() for row in table[:head] if c < len(row) and row[c] and str(row[c]).strip())
             for c in range(width)]
    labels = tuple((c, t, column_role(t)) for c, t in enumerate(texts) if t)
    if head > 0 and labels and any(r in SCORE_ROLES for _, _, r in labels):
        return Grid(page, labels, tuple(tuple(r) for r in table[head:]), True)
    if previous is not None and previous.page >= page - 1 and not any(r in SCORE_ROLES for _, _, r in labels):
        # going on over a page break without its header (the first rows may end a cell of the last page)
        return Grid(page, previous.labels, tuple(tuple(r) for r in table), False)
    return None


def grids(document: Document) -> Iterator[Grid]:
    """Every table of the document with a header naming a score column, continuation tables included."""
    previous = None
    for page in document.pages:
        for table in page.tables:
            g = grid(table, page.number, previous)
            if g is not None:
                previous = g
                yield g


@dataclass(frozen=True, slots=True)
class Context:
    """What a table inherits from its caption or the table it continues."""

    year: int | None
    area: str | None
    index_name: str | None
    unranked: bool


def locate(folded_page: str, name: str, start: int) -> tuple[int, int]:
    """(start, end) in the page text of the first words of a unit name, searching from `start`."""
    key = " ".join(fold(name).split()[:3])
    at = folded_page.find(key, start) if key else -1
    if at < 0:
        at = folded_page.find(key) if key else -1
    return (at, at + len(key)) if at >= 0 else (0, 0)


def _own_words(text: str, grid_: Grid) -> int:
    """Letters of `text` outside the table's header words (a repeated header, page numbers)."""
    words = set(fold(" ".join(t for _, t, _ in grid_.labels)).split())
    return len("".join(w for w in regex.findall(r"\p{L}+", fold(text), timeout=_T) if w not in words))


def _continues(between: str, grid_: Grid) -> bool:
    """Whether the text between two tables is only a repeated header, page numbers and summary rows."""
    return _own_words(between, grid_) < _CONTINUED


def _same_header(g: Grid, previous: Grid | None) -> bool:
    """Whether a table repeats the header of the table before it (a listing going on over a page break)."""
    return previous is not None and [fold(t).split() for _, t, _ in g.labels] == \
        [fold(t).split() for _, t, _ in previous.labels]


def title_of(document: Document) -> str:
    """The document's title: its first page up to the first "Căn cứ" (a decision's legal bases name areas
    and years in passing), at most a few hundred characters."""
    text = document.pages[0].text[:_CAPTION * 3] if document.pages else ""
    bases = regex.search(r"(?m)^\s*(?:Căn\s+cứ|CĂN\s+CỨ)", text, timeout=_T)
    return text[:bases.start()] if bases else text


def _upper_lines(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.isupper())


def _last_paragraph(caption: str) -> str:
    """The caption after the last line that ends a sentence: the heading and the words that introduce the table."""
    ends = list(regex.finditer(r"\.[ \t]*\n", caption, timeout=_T))
    return caption[ends[-1].end():] if ends else caption


def context_of(caption: str, title: str, inherited: Context | None) -> Context:
    """The caption's year, area and index, else those of the table this one continues, else the title's
    (the title's area only from its upper-case lines, its year the first it names)."""
    title_years = [int(m.group("year")) for m in pattern("score_tables", "year").finditer(fold(title), timeout=_T)]
    year = year_in(caption) or (inherited.year if inherited else None) or (title_years[0] if title_years else None)
    area = area_of(_last_paragraph(caption)) or (inherited.area if inherited else None) or area_of(_upper_lines(title))
    index = index_of(caption) or (inherited.index_name if inherited else None)
    unranked = bool(pattern("score_tables", "unranked").search(fold(caption), timeout=_T)) or \
        bool(inherited and inherited.unranked)
    return Context(year, area, index, unranked)


def _results(cells: dict[str, str], g: Grid, unranked: bool) -> list[tuple[str | None, float, float | None, int | None]]:
    """(assessed_by, score, maximum, rank) of one unit row."""
    maximum = number(cells.get("maximum"))
    top = maximum[0] if maximum else g.header_max()
    rank_cell = number(cells.get("rank"))
    rank = int(rank_cell[0]) if rank_cell and not unranked and rank_cell[0].is_integer() else None
    both = "self" in cells and "appraised" in cells
    out = []
    for role in SCORE_ROLES:
        value = number(cells.get(role))
        if value is None or value[2]:
            continue
        score, of, _ = value
        out.append(("self" if role == "self" and both else "appraised" if role == "appraised" and both else None,
                    score, of if of is not None else top, rank))
        if role == "achieved" or not both:
            break
    return out


def find(document: Document, header: Header) -> list[IndexScore]:
    """One result per unit row and kind of points (self-assessed, appraised, achieved), in table order."""
    pages = {p.number: p.text for p in document.pages}
    folded_pages = {n: fold(t) for n, t in pages.items()}
    title = title_of(document)
    out: list[IndexScore] = []
    groups: list[list[int]] = []
    ctx: Context | None = None
    last: Grid | None = None
    cursor = (0, 0)  # (page, offset) after the last unit row read
    for g in grids(document):
        if "unit" not in g.roles() or "title" in g.roles():
            continue
        rows = [(g.cells(r), r) for r in g.rows]
        first = next((c["unit"] for c, _ in rows if c.get("unit") and not is_summary(c["unit"])), None)
        if first is None:
            continue
        here, between = _text_before(pages, cursor, g.page,
                                     locate(folded_pages[g.page], first, cursor[1] if cursor[0] == g.page else 0)[0])
        same = ctx is not None and (not g.has_header or (_same_header(g, last) and _continues(here, g)))
        caption = here if _own_words(here, g) >= _CONTINUED // 2 else between   # a caption on this page, else before
        ctx = context_of(caption[-_CAPTION:], title, None) if not same else ctx
        last = g
        if not same or not groups:
            groups.append([])
        unranked = ctx.unranked
        previous: list[int] = []   # the results of the unit row above
        for cells, raw in rows:
            unit = " ".join((cells.get("unit") or "").split()).strip(" .,;*")
            scores = [cells.get(r) for r in SCORE_ROLES if cells.get(r)]
            if not scores:
                text = " ".join(c.strip() for c in raw if c and c.strip())
                if pattern("score_tables", "group_row").search(fold(text), timeout=_T) and not is_summary(text):
                    unranked = bool(pattern("score_tables", "unranked").search(fold(text), timeout=_T))
                    groups.append([])
                elif previous and text and len(raw) > 1 and raw[0] is None and not is_summary(text) \
                        and not regex.search(r"\d", text, timeout=_T) and fold(text) not in _GRADE_WORDS:
                    for i in previous:  # the second line of a name wrapped without a rule between ("… Môi" / "trường")
                        out[i] = replace(out[i], subject=f"{out[i].subject} {text}")
                continue
            if not unit or is_summary(" ".join(c for c in raw if c)) or not regex.search(r"\p{L}", unit, timeout=_T):
                previous = []
                continue
            s, e = locate(folded_pages[g.page], unit, cursor[1] if cursor[0] == g.page else 0)
            if e:
                cursor = (g.page, e)
            previous = []
            for assessed_by, score, maximum, rank in _results(cells, g, unranked):
                groups[-1].append(len(out))
                previous.append(len(out))
                out.append(IndexScore(unit, ctx.year, score, maximum, None, rank, None, g.page, s, e,
                                      area=ctx.area, assessed_by=assessed_by, index_name=ctx.index_name))
    return _with_group_sizes(out, groups)


def _text_before(pages: dict[int, str], cursor: tuple[int, int], page: int, at: int) -> tuple[str, str]:
    """(the text of `page` before offset `at`, all the text since `cursor`): where a table's caption is."""
    start = cursor[1] if cursor[0] == page else 0
    here = pages[page][start:at]
    if cursor[0] >= page:
        return here, here
    earlier = ([pages[cursor[0]][cursor[1]:]] if cursor[0] else []) + [pages[n] for n in range(cursor[0] + 1, page)]
    return here, "\n".join(earlier + [here])


def _with_group_sizes(out: list[IndexScore], groups: list[list[int]]) -> list[IndexScore]:
    """Each ranked result with the number of units ranked in its group (of_total)."""
    for group in groups:
        ranked = [i for i in group if out[i].rank is not None]
        units = {out[i].subject for i in ranked}
        for i in ranked:
            out[i] = replace(out[i], of_total=len(units))
    return out
