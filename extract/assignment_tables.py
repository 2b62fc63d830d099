"""Assignment tables (bảng phân công): rows of a table that give a criterion or a task to a unit.

Two kinds. A criteria table (STT | Lĩnh vực/Tiêu chí/Tiêu chí thành phần | Đơn vị thực hiện |
Ghi chú) lists codes of the CCHC index in order; a task table (STT | Nội dung | Chủ trì |
Thời gian hoàn thành) lists numbered tasks. The unit cell may span many rows (a merged
cell: pdfplumber and ingest.tables give None in the rows it covers), header rows repeat on
every page, and a merged cell cut by a page break goes on, empty or with the end of its
text, on the next page.

Scans: OCR garbles short codes ("1.3.1" → "131", "L31", "2-%2") and sometimes the header
row. Codes are listed in index order, so a code is read back from the code before it
(`repair_code`), a lĩnh vực row (an upper-case title) takes the next area number, and a
code OCR could not read is the one code that fits between its neighbours.

>>> repair_code("131", "1.3")
'1.3.1'
>>> fill_codes([None, None, "1.1.1", "22", "1.3"], ["1", None, None, None, None])
['1', '1.1', '1.1.1', '1.2', '1.3']
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import regex

from congvan.extract import units
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT, load, pattern

_CODE_TOKEN = regex.compile(r"\d{1,2}(?:\s?[.,]\s?\d{1,2}){0,2}")


def _any_word(words: Sequence[str]) -> regex.Pattern:
    """Header words of rules/criteria.yaml as one whole-word pattern on folded text."""
    return regex.compile(r"(?<!\w)(?:" + "|".join(regex.escape(fold(w)) for w in words) + r")(?!\w)")


_SCORE_HEADER = _any_word(load("criteria")["score_headers"])
_NOT_UNIT = _any_word(load("criteria")["not_unit_headers"])


@lru_cache(maxsize=None)
def column_patterns() -> dict[str, regex.Pattern]:
    """Per column role (code, content, unit, …), the header words of rules/criteria.yaml as one
    whole-word pattern on folded text ("Đơn vị thực hiện" → unit)."""
    return {role: _any_word(words) for role, words in load("criteria")["columns"].items() if words}


@dataclass(frozen=True, slots=True)
class TableRow:
    """A data row of an assignment table, after merged cells and codes are filled in."""

    code: str | None
    title: str | None
    unit: str | None
    unit_text: str | None
    deadline_text: str | None
    survey: bool
    note: str | None
    page: int
    kind: str = "criteria"   # "criteria": rows are codes of the index; "task": rows are numbered tasks
    number: str | None = None


def _order(code: str) -> tuple[int, ...]:
    return tuple(int(x) for x in code.split("."))


def successors(previous: str | None) -> list[str]:
    """Codes that may follow `previous` in a listing: first child, next sibling, next at a higher level."""
    if previous is None:
        return ["1"]
    parts = _order(previous)
    out = [".".join(map(str, parts + (1,)))] if len(parts) < 3 else []
    for depth in range(len(parts), 0, -1):
        out.append(".".join(map(str, parts[: depth - 1] + (parts[depth - 1] + 1,))))
    return out


def repair_code(code: str, previous: str | None) -> str:
    """Puts back dots OCR dropped ("131" after "1.3" → "1.3.1"), choosing the code that can follow."""
    code = regex.sub(r"\s", "", code).replace(",", ".").strip(". ")
    if "." in code or len(code) < 2 or previous is None:
        return code
    candidates = []
    for cuts in range(1, min(3, len(code))):
        for pos in combinations(range(1, len(code)), cuts):
            bounds = (0, *pos, len(code))
            pieces = [code[a:b] for a, b in zip(bounds, bounds[1:])]
            if all(not (len(x) > 1 and x[0] == "0") for x in pieces):
                candidates.append(".".join(pieces))
    allowed = successors(previous)
    return next((c for c in candidates if c in allowed), code)


@lru_cache(maxsize=4096)
def _reaches(start: str, goal: str, steps: int) -> bool:
    """Whether `goal` can come `steps` rows after `start` (gaps of more than 4 rows are not guessed)."""
    if steps == 0:
        return start == goal
    if steps > 4 or _order(start) > _order(goal):
        return False
    return any(_reaches(c, goal, steps - 1) for c in successors(start))


def _plausible(previous: str, code: str, steps: int) -> bool:
    """Whether `code` can stand `steps` rows after `previous` in a listing of the index."""
    if steps <= 4:
        return _reaches(previous, code, steps)
    a, b = _order(previous), _order(code)
    if not all(0 < x < 30 for x in b) or b <= a or b[0] - a[0] > 1:
        return False
    return b[0] != a[0] or len(a) < 2 or len(b) < 2 or b[1] - a[1] <= 2


def fill_codes(codes: list[str | None], areas: list[str | None],
               trusted: Sequence[bool] = ()) -> list[str | None]:
    """Codes OCR could not read, filled from their neighbours; `areas` gives lĩnh vực rows their number.

    A `trusted` code (read from a text layer, or written out in words: "Lĩnh vực 4: …") is kept
    as it is; only OCR'd codes are checked against the order of the index.
    """
    out = list(codes)
    trusted = list(trusted) or [False] * len(out)
    previous, at = None, -1
    for i, code in enumerate(out):
        if trusted[i] and code is not None:
            pass
        elif areas[i] is not None and (code is None or "." in code):
            out[i] = areas[i]
        elif code is not None and previous is not None and not _plausible(previous, code, i - at):
            out[i] = None                       # cannot follow the code before it: misread
        if out[i] is not None:
            previous, at = out[i], i
    for _ in range(3):
        previous = None
        for i in range(len(out)):
            if out[i] is None:
                j = next((k for k in range(i + 1, len(out)) if out[k] is not None), None)
                fits = [c for c in successors(previous)
                        if j is None and len(successors(previous)) == 1 or j is not None and _reaches(c, out[j], j - i)]
                if not trusted[i] and (len(fits) == 1 or (fits and j is not None)):
                    out[i] = fits[0]
            previous = out[i] if out[i] is not None else previous
    return out


_ROLE_ORDER = ("cooperate", "deadline", "note", "unit", "content", "code")  # which role a cell naming several takes


def _roles(row: Sequence[str | None]) -> dict[str, int]:
    """Column roles named by the cells of a header row ("STT", "Đơn vị thực hiện", "Ghi chú" …).

    A header cell that spans the next columns (they hold None) and names several roles, in
    the order it names them, gives them to those columns: a scan whose rule between "STT"
    and "Lĩnh vực/Tiêu chí" was not found reads ["STT Lĩnh vực/Tiêu chí", None, "Đơn vị …"].

    >>> _roles(["STT Lĩnh vực/Tiêu chí/Tiêu chí thành phần", None, "Đơn vị thực hiện", "Ghi chú"])
    {'code': 0, 'content': 1, 'unit': 2, 'note': 3}
    """
    roles: dict[str, int] = {}
    for i, cell in enumerate(row):
        text = fold(cell or "").strip()
        if not text or len(text.split()) > 8:
            continue
        span = 1
        while i + span < len(row) and row[i + span] is None:
            span += 1
        named = sorted((m.start(), role) for role in _ROLE_ORDER
                       if role not in roles and (m := column_patterns()[role].search(text, timeout=TIMEOUT))
                       and not (role == "unit" and ("tieu chi" in text or "linh vuc" in text
                                                         or _NOT_UNIT.search(text, timeout=TIMEOUT))))
        if len(named) > 1 and span > 1:
            roles.update((role, i + k) for k, (_, role) in enumerate(named[:span]))
        elif named:
            roles[min(named, key=lambda m: _ROLE_ORDER.index(m[1]))[1]] = i
    return roles


def _header(row: Sequence[str | None]) -> dict[str, int] | None:
    """The roles of a header row, completed by position when OCR lost some of its cells; else None."""
    roles = _roles(row)
    filled = [c for c in row if c and c.strip()]
    if "unit" not in roles or len(filled) < 2 or any(_CODE_TOKEN.fullmatch((c or "").strip(" .")) for c in row):
        return None   # (a header names two columns at least: one cell is a line of text a frame holds)
    if len(roles) < 2 and len(filled) > 2:
        return None
    used = set(roles.values())
    if "content" not in roles and any(_SCORE_HEADER.search(fold(c or ""), timeout=TIMEOUT) for c in row):
        return None   # "STT | Đơn vị | Điểm chuẩn tối đa | Điểm thẩm định | Chỉ số": units' scores, no task (score_tables)
    if "code" not in roles and 0 not in used and roles["unit"] > 1:
        roles["code"] = 0
        used.add(0)
    if "content" not in roles:              # OCR lost that header cell: the free column next to the others
        free = [i for i in range(roles.get("code", -1) + 1, roles["unit"]) if i not in used] or \
               [i for i in range(len(row)) if i not in used and i not in roles.values()]
        if free:
            roles["content"] = free[0]
    return roles


def _leads(cell: str, issuer: str | None) -> list[str]:
    """Units in charge named by a cell: all of them when the cell only lists units ("Sở Xây dựng,
    Sở Kế hoạch và Đầu tư"), else the first ("Văn phòng tổng hợp, các phòng, đơn vị đề xuất …")."""
    found = units.find(cell, issuer)
    if not found:
        return []
    rest = regex.sub(r"[\s,;.]|\bvà\b", "", cell[found[-1].end:] + "".join(
        cell[a.end:b.start] for a, b in zip(found, found[1:])))
    return list(dict.fromkeys(m.unit for m in found)) if not rest else [found[0].unit]


def _plausible_unit(text: str) -> bool:
    kinds = [fold(k) for k in load("verbs")["unit_kinds"]]
    return any(fold(text).startswith(k) for k in kinds)


@dataclass
class _Raw:
    cells: dict[str, str | None]
    page: int
    first_on_page: bool
    table: int
    ocr: bool


def _raw_rows(document: Document) -> list[_Raw]:
    out: list[_Raw] = []
    columns: dict[str, int] | None = None
    for page in document.pages:
        for t, table in enumerate(page.tables):
            first = True
            for row in table:
                header = _header(row)
                if header:
                    columns = header if len(header) >= len(columns or {}) or columns is None else columns
                    continue
                if columns is None or len(row) <= max(columns.values()):
                    continue
                out.append(_Raw({role: row[i] for role, i in columns.items()}, page.number, first, t,
                                page.source == "ocr"))
                first = False
    return out


def _content_code(content: str) -> tuple[str | None, str | None]:
    m = pattern("criteria", "cell_code").match(content)
    return (m.group("code"), m.group("title").strip(" .") or None) if m else (None, content or None)


def _codes(raws: list[_Raw]) -> tuple[list[str | None], list[str | None], str]:
    """(code of each row, title of each row, kind of the tables)."""
    explicit = [_content_code((r.cells.get("content") or "").strip()) for r in raws]
    tokens = [[regex.sub(r"\s", "", t) for t in _CODE_TOKEN.findall(r.cells.get("code") or "")] for r in raws]
    dotted = sum(1 for t in tokens if any("." in x for x in t)) + sum(1 for c, _ in explicit if c)
    kind = "criteria" if dotted >= max(2, len(raws) // 5) else "task"
    if kind == "task":
        return [None] * len(raws), [t for _, t in explicit], kind
    for i, toks in enumerate(tokens):                  # "3.1.1 312": two rows' codes in one cell
        for k, extra in enumerate(toks[1:], start=1):
            if i + k < len(raws) and raws[i + k].cells.get("code") is None and not tokens[i + k]:
                tokens[i + k] = [extra]
    codes: list[str | None] = []
    areas: list[str | None] = []
    previous, area = None, 0
    for (code, title), toks, raw in zip(explicit, tokens, raws):
        letters = [c for c in title or "" if c.isalpha()]
        is_area = bool(letters) and all(c.isupper() for c in letters) and not code
        if code is None and toks:
            code = repair_code(toks[0], previous) if raw.ocr else toks[0]
            if raw.ocr and not is_area and "." not in code and len(code) == 1:
                code = None                           # a lone digit on a row that is no lĩnh vực: misread
        if is_area:                                   # a lĩnh vực row: the next area number
            read = int(code) if code and code.isdigit() else None
            area = read if read is not None and (not raw.ocr or read == area + 1) else area + 1
            areas.append(str(area) if raw.ocr else None)
        else:
            areas.append(None)
        codes.append(code)
        previous = code or previous
    trusted = [c is not None or not r.ocr for (c, _), r in zip(explicit, raws)]
    return fill_codes(codes, areas, trusted), [t for _, t in explicit], kind


_LAST: list = [None, None, None]   # (document, issuer, rows): criteria and obligations both ask


def table_rows(document: Document, issuer: str | None) -> list[TableRow]:
    """Rows of every assignment table of the document, merged cells and codes filled in."""
    if _LAST[0] is document and _LAST[1] == issuer:
        return list(_LAST[2])
    rows = _table_rows(document, issuer)
    _LAST[:] = [document, issuer, tuple(rows)]
    return rows


def _table_rows(document: Document, issuer: str | None) -> list[TableRow]:
    raws = _raw_rows(document)
    if not raws:
        return []
    codes, titles, kind = _codes(raws)
    survey_words = [fold(w) for w in load("criteria")["survey"]]
    out: list[TableRow] = []
    last_unit: tuple[str | None, str | None] = (None, None)
    last_inherited = False
    for raw, code, title in zip(raws, codes, titles):
        unit_cell = raw.cells.get("unit")
        area_row = code is not None and "." not in code and kind == "criteria"
        # a merged cell cut by a page break goes on, empty or with the end of its text, on the next page
        if raw.first_on_page and last_inherited and last_unit[0] and not area_row \
                and (unit_cell == "" or (unit_cell or "x")[:1].islower()):
            unit_cell = None
        last_inherited = unit_cell is None
        leads: list[str] = []
        if unit_cell is None:
            unit, unit_text = last_unit
        elif unit_cell.strip():
            unit_text = unit_cell.strip()
            leads = _leads(unit_cell, issuer)
            unit = leads[0] if leads else (units.canonical(unit_cell, issuer) if _plausible_unit(unit_cell) else None)
            last_unit = (unit, unit_text)
        else:
            unit, unit_text = None, None
            last_unit = (None, None)
        note = (raw.cells.get("note") or "").strip() or None
        survey = any(w in fold(note or "") or w in fold(title or "") for w in survey_words)
        deadline = (raw.cells.get("deadline") or "").strip() or None
        number = (raw.cells.get("code") or "").strip() or None
        if code or unit:
            for one in (leads if len(leads) > 1 else [unit]):
                out.append(TableRow(code, title, one, unit_text, deadline, survey, note, raw.page, kind,
                                    None if kind == "criteria" else number))
    return out
