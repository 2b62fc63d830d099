"""Ruled tables (bảng phân công, phụ lục) as rows of cells, from a text layer or a page image.

A table is a tuple of rows, a row a tuple of cells. A vertically merged cell (ô gộp dọc),
such as the unit "Văn phòng Sở" spanning the criteria 1.1 … 1.3.3 of a bảng phân công,
appears in the first row of its span; the rows it covers hold ``None`` in that column.
This is the layout of pdfplumber's ``Table.extract()``. Cell text is NFC, stripped, and
the lines of a cell are joined with one space (``"Văn phòng\\nSở"`` → ``"Văn phòng Sở"``),
which is also how ``NNN.txt`` writes a cell of several lines.

Both kinds of page go through pdfplumber's table algorithm (merge the ruling edges,
intersect them, cells, tables). On a digital page the edges are the line segments of its
path objects, read with pypdfium2 (`ingest.ruling.ruling_edges`): the same cells as
pdfplumber's own ``extract_tables()`` at a tenth of the time, since pdfminer does not
parse the page again (tests/test_tables.py checks they agree). On a scanned page they
are ruling lines found in the image: dark runs much longer than a glyph, after the page
is deskewed by the angle those runs show. Words are put in the cell that holds their
centre.

Example (page 1 of 004-digital.pdf, row 3 and the first covered row):
    ("1.1", "Kế hoạch CCHC hàng năm", "Văn phòng Sở", "")
    ("1.1.1", "Ban hành kế hoạch cải cách hành chính", None, "")
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from pdfplumber.table import (
    Table as _PlumberTable,
    cells_to_tables,
    edges_to_intersections,
    intersections_to_cells,
    merge_edges,
)

from congvan.ingest.cleaning import run_starts, sharpest_angle
from congvan.ingest.model import Word

Table = tuple[tuple[str | None, ...], ...]
Bbox = tuple[float, float, float, float]

# Tolerances in PDF points, as pdfplumber's defaults (snap/join/intersection 3 pt).
_SNAP = 3.0
_JOIN = 3.0
_INTERSECT = 3.0
_MIN_RULE = 12.0  # a ruling segment is at least this long (pt); 12 pt glyph strokes are shorter
_MIN_SKEW_RUN = 8.0  # horizontal runs used to measure the skew (pt)
_MAX_SKEW = 3.0  # degrees searched either way
_RULE_GLYPHS = frozenset("|¦[]!_—–")  # what tesseract reads on a ruling line


def tables_from_edges(edges: list[dict[str, float]], words: Sequence[Word]) -> tuple[Table, ...]:
    """Tables of a digital page from its ruling `edges` (pdfplumber edge dicts, points) and its
    positioned `words`, with pdfplumber's default settings (snap, join, intersect 3 pt; edges
    at least 3 pt)."""
    if len(edges) < 4:
        return ()
    edges = merge_edges(edges, _SNAP, _SNAP, _JOIN, _JOIN)
    edges = [e for e in edges if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= 3]
    cells = intersections_to_cells(edges_to_intersections(edges, _INTERSECT, _INTERSECT))
    if not cells:
        return ()
    placed = [((w.x0 + w.x1) / 2, (w.top + w.bottom) / 2, w.bottom - w.top, w) for w in words]
    return tuple(_fill(group, placed) for group in cells_to_tables(cells))


def tables_from_pdfplumber(page: Any) -> tuple[Table, ...]:
    """Tables of a digital page via pdfplumber's own ``page.extract_tables()``, cells cleaned as the
    module says: the reference `tables_from_edges` is tested against.

    ``"\\ufffe"`` (how some PDFs map the hyphen) becomes ``"-"``; ``None`` stays ``None``.
    """
    return tuple(
        tuple(tuple(_clean(cell) for cell in row) for row in table)
        for table in page.extract_tables()
    )


@dataclass(frozen=True)
class Grid:
    """The ruled tables of a page image: cells in points (deskewed frame) and the angle removed."""

    cells: tuple[Bbox, ...]
    angle: float
    shape: tuple[int, ...]
    scale: float

    @property
    def groups(self) -> list[list[Bbox]]:
        return [list(group) for group in cells_to_tables(list(self.cells))] if self.cells else []

    @property
    def boxes(self) -> list[Bbox]:
        """The outline of each table, in the order of `groups` and of `fill`'s tables."""
        return [(min(c[0] for c in g), min(c[1] for c in g), max(c[2] for c in g), max(c[3] for c in g))
                for g in self.groups]

    def narrow_first_column(self, max_width_pt: float = 70.0) -> Bbox | None:
        """The box of the first column when it is narrow (an STT / code column), else None.

        Tesseract, reading the whole page, often skips such a column of short numbers
        ("1.3.1"); the OCR stage reads it again on its own.
        """
        if not self.cells:
            return None
        x0 = min(c[0] for c in self.cells)
        first = [c for c in self.cells if abs(c[0] - x0) < 2]
        x1 = min(c[2] for c in first)
        if x1 - x0 > max_width_pt or len(first) < 3:
            return None
        return (x0, min(c[1] for c in first), x1, max(c[3] for c in first))

    def fill(self, words: Sequence[Word]) -> tuple[Table, ...]:
        """The tables with each cell holding the words whose centre lies in it."""
        if not self.cells:
            return ()
        placed = _deskew_words(words, self.angle, self.shape, self.scale)
        return tuple(_fill(group, placed) for group in self.groups)


def grid(gray: np.ndarray, *, scale: float, deskewed: bool = False) -> Grid:
    """Finds the ruling lines of a page image (2-D uint8, `scale` pixels per point) and their cells.

    `deskewed`: the image is level already (the OCR stage turned it), so the skew is not measured.
    """
    cells, angle = _find_cells(gray, scale, deskewed)
    return Grid(tuple(cells), angle, gray.shape, scale)


def tables_from_image(gray: np.ndarray, words: Sequence[Word], *, scale: float) -> tuple[Table, ...]:
    """Tables of a page image, cells filled with OCR ``words`` (PDF points, top-left origin).

    ``gray`` is 2-D uint8 (0 black … 255 white), ``scale`` its pixels per point (300 dpi:
    300/72). A page without ruling lines gives ``()``.
    """
    return grid(gray, scale=scale).fill(words)


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text.replace("\ufffe", "-"))
    text = re.sub(r"(?<=\w)-\s*\n\s*(?=\w)", "-", text)   # "Phòng KH-" / "TC-TH": a wrapped hyphenated name
    return " ".join(text.split())


def _find_cells(gray: np.ndarray, scale: float, deskewed: bool = False) -> tuple[list[Bbox], float]:
    """Cells (PDF points, deskewed frame) and the skew angle in degrees that was removed."""
    if gray.ndim != 2 or min(gray.shape) < 8:
        raise ValueError(f"expected a 2-D grayscale page image, got shape {gray.shape}")
    dark = _binarise(gray)
    angle = 0.0 if deskewed else _skew_angle(dark, scale)
    if abs(angle) >= 0.02:
        rotated = Image.fromarray(np.ascontiguousarray(gray)).rotate(
            angle, resample=Image.Resampling.BILINEAR, fillcolor=255
        )
        dark = _binarise(np.asarray(rotated))
    edges = _rule_edges(dark, scale)
    if not edges:
        return [], angle
    edges = merge_edges(edges, _SNAP, _SNAP, _JOIN, _JOIN)
    edges = [e for e in edges if e["x1"] - e["x0"] >= _MIN_RULE or e["bottom"] - e["top"] >= _MIN_RULE]
    cells = intersections_to_cells(edges_to_intersections(edges, _INTERSECT, _INTERSECT))
    return cells + _missed_cells(cells), angle


def _missed_cells(cells: list[Bbox]) -> list[Bbox]:
    """Cells the grid lost because one of their rules was not found (a faint or shaded stretch).

    Within each table, a stretch of a row band that no cell covers, between the table's
    left and right edges, becomes a cell; a stretch left open over several bands in a row
    is one (merged) cell; a stretch is cut where the other rows have a column rule. On
    001-scan.pdf the shaded header cell "Lĩnh vực/Tiêu chí/Tiêu chí thành phần" is found
    this way, whose text was otherwise dropped.

    >>> _missed_cells([(0, 0, 10, 5), (0, 5, 10, 10), (10, 5, 30, 10)])
    [(10, 0, 30, 5)]
    >>> sorted(_missed_cells([(30, 0, 40, 5), (0, 5, 10, 10), (10, 5, 30, 10), (30, 5, 40, 10)]))
    [(0, 0, 10, 5), (10, 0, 30, 5)]
    """
    missed: list[Bbox] = []
    for table in cells_to_tables(cells):
        left, right = min(c[0] for c in table), max(c[2] for c in table)
        columns = sorted({c[0] for c in table} | {c[2] for c in table})
        ys = sorted({c[1] for c in table} | {c[3] for c in table})
        open_: dict[tuple[float, float], float] = {}  # x-stretch → top of the bands it has been open
        for top, bottom in zip(ys, ys[1:]):
            spans = sorted((c[0], c[2]) for c in table if c[1] <= top + _SNAP and c[3] >= bottom - _SNAP)
            stretches, x = [], left
            for x0, x1 in spans:
                if x0 > x + _SNAP:
                    stretches.append((x, x0))
                x = max(x, x1)
            if x < right - _SNAP:
                stretches.append((x, right))
            gaps = set()
            for x0, x1 in stretches:  # cut at the column rules of the rest of the table
                cuts = [x0] + [c for c in columns if x0 + _SNAP < c < x1 - _SNAP] + [x1]
                gaps.update(zip(cuts, cuts[1:]))
            for gap in [g for g in open_ if g not in gaps]:
                missed.append((gap[0], open_.pop(gap), gap[1], top))
            for gap in gaps:
                open_.setdefault(gap, top)
        missed.extend((gap[0], start, gap[1], ys[-1]) for gap, start in open_.items())
    return missed


def _binarise(gray: np.ndarray) -> np.ndarray:
    """Dark pixels: well below the paper's grey (the median), whatever the scan's exposure."""
    paper = float(np.median(gray[:: 4, :: 4]))
    return gray < min(170.0, 0.65 * paper)


def _runs(mask: np.ndarray, min_length: int, axis: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(line index, start, end) of the runs of True along `axis` at least `min_length` long (axis 0:
    the lines are columns), as `_runs(mask.T, …)` gives them but without a transposed copy of the page.

    Only the lines that hold such a run are scanned for run ends (a page has few rules and
    many lines of text).

    >>> mask = np.array([[1, 1, 1, 0, 1], [1, 0, 1, 1, 0]], dtype=bool)
    >>> [a.tolist() for a in _runs(mask, 2)], [a.tolist() for a in _runs(mask.T.copy(), 2, axis=0)]
    ([[0, 1], [0, 2], [3, 4]], [[0, 1], [0, 2], [3, 4]])
    """
    lines = np.flatnonzero(run_starts(mask, min_length, axis=axis).any(axis=axis))
    padded = np.zeros((len(lines), mask.shape[axis] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask[lines] if axis == 1 else mask[:, lines].T
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    keep = ends - starts >= min_length
    return lines[rows[keep]], starts[keep], ends[keep]


def _close_gaps(mask: np.ndarray, axis: int = 1) -> np.ndarray:
    """Bridge gaps of up to 2 px along `axis` (JPEG noise breaks thin rules)."""
    def cut(a: np.ndarray, start: int | None, stop: int | None) -> np.ndarray:
        return a[:, start:stop] if axis == 1 else a[start:stop, :]

    grown = mask.copy()
    cut(grown, 1, None)[...] |= cut(mask, None, -1)
    cut(grown, None, -1)[...] |= cut(mask, 1, None)
    closed = grown.copy()
    cut(closed, 1, None)[...] &= cut(grown, None, -1)
    cut(closed, None, -1)[...] &= cut(grown, 1, None)
    return closed | mask


def _skew_angle(dark: np.ndarray, scale: float) -> float:
    """Degrees (counter-clockwise) that make the long horizontal runs level.

    Each run votes with its length for the row ``y - x·tan(a)``; the angle whose
    histogram is sharpest wins (coarse 0.1°, then 0.01°).
    """
    rows, starts, ends = _runs(_close_gaps(dark), max(3, round(_MIN_SKEW_RUN * scale)))
    if len(rows) < 20:
        return 0.0
    mids = (starts + ends) / 2.0
    weights = (ends - starts).astype(np.float64)

    def sharpness(degrees: float) -> float:
        shifted = np.round(rows - mids * math.tan(math.radians(degrees))).astype(np.int64)
        hist = np.bincount(shifted - shifted.min(), weights=weights)
        return float(np.dot(hist, hist))

    return sharpest_angle(sharpness, ((0.1, _MAX_SKEW), (0.01, 0.1)))


def _rule_edges(dark: np.ndarray, scale: float) -> list[dict[str, float]]:
    """pdfplumber edge dicts (points) for every horizontal and vertical rule segment."""
    min_length = max(4, round(_MIN_RULE * scale))
    edges: list[dict[str, float]] = []
    rows, starts, ends = _runs(_close_gaps(dark), min_length)
    for y, x0, x1 in zip(rows.tolist(), starts.tolist(), ends.tolist()):
        top = (y + 0.5) / scale
        edges.append({"x0": x0 / scale, "x1": x1 / scale, "top": top, "bottom": top,
                      "width": (x1 - x0) / scale, "orientation": "h"})
    cols, starts, ends = _runs(_close_gaps(dark, axis=0), min_length, axis=0)
    for x, y0, y1 in zip(cols.tolist(), starts.tolist(), ends.tolist()):
        left = (x + 0.5) / scale
        edges.append({"x0": left, "x1": left, "top": y0 / scale, "bottom": y1 / scale,
                      "height": (y1 - y0) / scale, "orientation": "v"})
    return edges


def _deskew_words(words: Sequence[Word], angle: float, shape: tuple[int, ...], scale: float
                  ) -> list[tuple[float, float, float, Word]]:
    """(centre x, centre y, height) in the deskewed frame, in points, for each word worth placing.

    PIL rotates counter-clockwise about the image centre, so a point moves by
    (dx, dy) → (dx·cos + dy·sin, −dx·sin + dy·cos) in pixel coordinates (y down).
    """
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = shape[1] / 2.0, shape[0] / 2.0
    placed = []
    for word in words:
        text = word.text.strip()
        if not text or set(text) <= _RULE_GLYPHS:
            continue
        dx = (word.x0 + word.x1) / 2.0 * scale - cx
        dy = (word.top + word.bottom) / 2.0 * scale - cy
        x = (cx + dx * cos + dy * sin) / scale
        y = (cy - dx * sin + dy * cos) / scale
        placed.append((x, y, word.bottom - word.top, word))
    return placed


def _fill(cells: list[Bbox], placed: list[tuple[float, float, float, Word]]) -> Table:
    """Rows as pdfplumber lays them out (merged cell in its first row, None below)."""
    table = _PlumberTable(None, cells)  # only .rows is used, which needs no page
    rows = []
    for row in table.rows:
        x0, top, x1, bottom = row.bbox
        in_row = [p for p in placed if top <= p[1] < bottom and x0 <= p[0] < x1]
        rows.append(tuple(None if cell is None else _cell_text(cell, in_row) for cell in row.cells))
    return tuple(rows)


def _cell_text(cell: Bbox, placed: list[tuple[float, float, float, Word]]) -> str:
    """Words whose centre is in the cell: lines top to bottom, words left to right."""
    x0, top, x1, bottom = cell
    inside = sorted((p for p in placed if x0 <= p[0] < x1 and top <= p[1] < bottom), key=lambda p: p[1])
    lines: list[list[tuple[float, float, float, Word]]] = []
    for item in inside:
        if lines and item[1] - lines[-1][-1][1] <= 0.5 * max(item[2], lines[-1][-1][2]):
            lines[-1].append(item)
        else:
            lines.append([item])
    text = "\n".join(" ".join(p[3].text for p in sorted(line, key=lambda p: p[0])) for line in lines)
    return _clean(text) or ""
