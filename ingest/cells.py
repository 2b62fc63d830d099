"""Ruled tables of a scanned page: the grid found in the image, the text written row by row,
and the cells the sparse page read may have got wrong read again (`reread_cells`).

`reread_cells` works on the pages of `ingest.ocr` (anything with `gray`, `scale`, `words`
and `found`, a `ingest.tables.Grid`), the cells of all of them in one tesseract call.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from PIL import Image, ImageChops

from congvan.ingest.cleaning import binarise, rule_runs
from congvan.ingest.engine import _mean_conf, _run_tesseract_many, _words_from_data
from congvan.ingest.layout import words_to_text
from congvan.ingest.model import Word


def table_grid(ruled: Image.Image, scale: float, min_cells: int = 3):
    """The ruled tables of a level page image (`ingest.tables.Grid`; `scale`: points per pixel),
    or None when it has none.

    Only pages with long vertical rules are probed: a quick look at a quarter-size copy.
    """
    from congvan.ingest.tables import grid

    quarter = np.asarray(ruled.reduce(4)) < 200
    if not rule_runs(quarter, max(8, quarter.shape[0] // 12), axis=0).any():
        return None
    found = grid(np.asarray(ruled), scale=1 / scale, deskewed=True)
    if len(found.cells) < min_cells:  # ruling lines that enclose no table (a margin rule, a frame)
        return None
    return found


def text_with_tables(words: tuple[Word, ...], tables: tuple, boxes: list, width: float,
                      cells: Sequence[tuple] = ()) -> str:
    """Page text with each table written row by row, its cells separated by tabs (a merged cell
    is empty in the rows it covers), and the text around the tables laid out as usual; words
    inside a table's outline but in none of its `cells` come after it, not lost."""
    if not tables or len(tables) != len(boxes):
        return words_to_text(words, width)
    in_cell = {id(w) for found in _words_in(words, cells) for w in found} if cells else None
    parts, rest = [], list(words)
    for box, table in sorted(zip(boxes, tables), key=lambda pair: pair[0][1]):
        above = [w for w in rest if (w.top + w.bottom) / 2 < box[1]]
        inside = [w for w in rest if _centre_in(w, box) and (in_cell is None or id(w) in in_cell)]
        taken = {id(w) for w in above} | {id(w) for w in inside}
        rest = [w for w in rest if id(w) not in taken]
        if above:
            parts.append(words_to_text(above, width))
        parts.append("\n".join("\t".join(cell or "" for cell in row) for row in table))
    if rest:
        parts.append(words_to_text(rest, width))
    return "\n".join(p for p in parts if p)


def reread_cells(pages: list, *, gap: int = 30, unsure: float = 40.0, languages: str = "vie",
                 speck_pt: float = 1.5) -> None:
    """The table cells the page reads (sparse text, psm 11) may have got wrong, read again on
    their own as one block of text (psm 6): each page's cells stacked in one image, the images
    of all `pages` read by one tesseract process (`_run_tesseract_many`: tesseract reads the
    images of a list independently, so a page's cells read the same whatever pages share the
    call, and the ~0.07 CPU-s a tesseract spends starting is paid once).

    Those are the cells of a narrow first column (codes: "133" or nothing for "1.3.3"; STT
    numbers standing alone, which only psm 6 reads), the cells holding ink but no word, and
    those with a word read below `unsure` confidence ("nh trạ tổng hợp", 21 %, for "Thanh
    tra tổng hợp" on 004-scan.pdf). Their lines of ink, cut out and binarised (Otsu), are stacked `gap` pixels apart; a
    cell takes the words read from its copy when their mean confidence is at least that
    of the words read in place.
    """
    mosaics = [(page, *_mosaic(page, gap, unsure, speck_pt)) for page in pages]
    mosaics = [(page, pieces, tops, image) for page, pieces, tops, image in mosaics if image is not None]
    reads = _run_tesseract_many([image for *_, image in mosaics], 6, languages)
    for (page, pieces, tops, _), data in zip(mosaics, reads):
        _take_better(page, pieces, tops, _words_from_data(data, 1.0), gap)  # words in mosaic pixels


def _mosaic(page, gap: int, unsure: float, speck_pt: float) -> tuple[list, list[int], Image.Image | None]:
    """The page's doubtful cells' lines of ink stacked `gap` pixels apart: (pieces, their tops, the
    image), the image None when no cell is doubtful."""
    column = page.found.narrow_first_column()
    inside = _words_in(page.words, page.found.cells)
    doubtful = [cell for cell, old in zip(page.found.cells, inside)
                if (column is not None and abs(cell[0] - column[0]) < 2 and abs(cell[2] - column[2]) < 2)
                or not old or min(w.conf or 0.0 for w in old) < unsure]
    pieces = _cell_lines(page.gray, doubtful, page.scale, speck_pt=speck_pt)  # (cell, origin in points, cut)
    if not pieces:
        return [], [], None
    tops, y = [], gap
    for *_, crop in pieces:
        tops.append(y)
        y += crop.height + gap
    mosaic = Image.new("L", (max(crop.width for *_, crop in pieces) + 2 * gap, y), 255)
    for (*_, crop), top in zip(pieces, tops):
        mosaic.paste(crop, (gap, top))
    return pieces, tops, mosaic


def _take_better(page, pieces: list, tops: list[int], read: Sequence[Word], gap: int) -> None:
    """Each cell's words from the mosaic (`read`, in mosaic pixels) replace those read in place when
    they are at least as sure."""
    copies: dict[tuple, list[Word]] = {}
    for (cell, origin, crop), top in zip(pieces, tops):
        copies.setdefault(cell, []).extend(
            _moved(w, page.scale, origin[0] - gap * page.scale, origin[1] - top * page.scale) for w in read
            if top - gap / 2 <= (w.top + w.bottom) / 2 < top + crop.height + gap / 2)
    for cell, new in copies.items():
        old = [w for w in page.words if _centre_in(w, cell)]
        if new and (not old or _mean_conf(tuple(new)) >= _mean_conf(tuple(old))):
            page.words = tuple(w for w in page.words if not _centre_in(w, cell)) + tuple(new)


def _words_in(words: Sequence[Word], boxes: Sequence[tuple]) -> list[list[Word]]:
    """For each box, the words whose centre lies in it (as `_centre_in`, all at once).

    >>> [[w.text for w in ws] for ws in _words_in([Word("a", 0, 0, 2, 2), Word("b", 5, 0, 7, 2)], [(0, 0, 4, 4), (9, 9, 9, 9)])]
    [['a'], []]
    """
    if not words or not boxes:
        return [[] for _ in boxes]
    xy = np.array([((w.x0 + w.x1) / 2, (w.top + w.bottom) / 2) for w in words])
    b = np.asarray(boxes, dtype=float)
    hit = ((b[:, None, 0] <= xy[None, :, 0]) & (xy[None, :, 0] <= b[:, None, 2])
           & (b[:, None, 1] <= xy[None, :, 1]) & (xy[None, :, 1] <= b[:, None, 3]))
    return [[words[i] for i in np.flatnonzero(row)] for row in hit]


def _cell_lines(clean: Image.Image, cells: list, scale: float, margin: int = 4, speck_pt: float = 1.5
                ) -> list[tuple[tuple, tuple[float, float], Image.Image]]:
    """The lines of ink of each cell holding some, binarised: (cell in points, the top-left
    corner of the cut in points, the cut)."""
    pixels, speck = np.asarray(clean), (speck_pt / scale) ** 2  # less ink than a 1.5 pt square: empty
    pieces = []
    for cell in cells:
        box = (round(cell[0] / scale) + 3, round(cell[1] / scale) + 3, round(cell[2] / scale) - 3,
               round(cell[3] / scale) - 3)
        if box[2] - box[0] < 8 or box[3] - box[1] < 8 or (pixels[box[1]:box[3], box[0]:box[2]] < 128).sum() < speck:
            continue  # an empty cell
        crop = binarise(clean.crop(box))
        for top, bottom in _ink_lines(np.asarray(crop) < 128, min_gap=round(1.5 / scale)):
            row = crop.crop((0, max(0, top - margin), crop.width, min(crop.height, bottom + margin)))
            ink = ImageChops.invert(row).getbbox()
            if ink is None:
                continue
            left, right = max(0, ink[0] - margin), min(row.width, ink[2] + margin)
            origin = ((box[0] + left) * scale, (box[1] + max(0, top - margin)) * scale)
            pieces.append((cell, origin, row.crop((left, 0, right, row.height))))
    return pieces


def _ink_lines(dark: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """The (top, bottom) rows of each band of ink, bands closer than `min_gap` rows joined
    (the marks above and below Vietnamese letters stay with their line).

    >>> _ink_lines(np.array([[0], [1], [0], [1], [0], [0], [0], [1]], dtype=bool), min_gap=2)
    [(1, 4), (7, 8)]
    """
    rows = np.flatnonzero(dark.any(axis=1))
    if not rows.size:
        return []
    breaks = np.flatnonzero(np.diff(rows) > min_gap)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]])) + 1
    return [(int(a), int(b)) for a, b in zip(starts, ends)]


def _moved(word: Word, factor: float, dx: float = 0.0, dy: float = 0.0) -> Word:
    """`word` with its box times `factor`, then shifted by (dx, dy)."""
    return replace(word, x0=round(word.x0 * factor + dx, 2), x1=round(word.x1 * factor + dx, 2),
                   top=round(word.top * factor + dy, 2), bottom=round(word.bottom * factor + dy, 2))


def _centre_in(word: Word, box: tuple) -> bool:
    return box[0] <= (word.x0 + word.x1) / 2 <= box[2] and box[1] <= (word.top + word.bottom) / 2 <= box[3]
