"""OCR of image-only PDF pages (trang scan): render, clean, deskew, tesseract, lay out, correct.

One page goes through: pypdfium2 render (or the scan's own JPEG, decoded) → coloured ink
removed (each pixel's brightest channel: red seals, blue signatures and handwriting go
white) → small-skew correction → ruling lines removed → `tesseract --psm 11 -l vie`
via its TSV (words, boxes, confidences) → on a page with a ruled table, its grid, and the cells the page read may
have got wrong (a code column, cells with ink and no word) read again as one block (psm
6) → `layout.words_to_text` → Vietnamese post-correction (`ingest.correct`; the raw text
is kept in `raw_text`). Pages that come out with few words or low confidence get an
orientation check (`--psm 0`) and are re-read upright. Every threshold is a field of
`OcrSettings`; the choices are measured by `bench/real_scan_quality.py` (real scans) and
`bench/ocr_quality.py` (the corpus).

Sparse text (psm 11) and not automatic page segmentation (psm 3): congvan lays the words
out itself from their boxes (two-column headers, tables), and on the corpus scans psm 11
gave fewer errors on every document (character error rate 000 0.73 → 0.69 %, 001 1.78 →
0.40 %, 002 0.40 → 0.26 %, 003 0.40 → 0.32 %; 004 word-bag F1 0.971 → 0.974) and reads
each table cell where it stands instead of running text across cell borders.

Pages of a file are read a few at a time (`ocr_pages_together`): one tesseract process
reads them all, as the pages of one document, and one more the doubtful cells of all of
them, so the ~0.17 CPU-s a tesseract spends starting is paid once per batch.

The jobs live in their own modules: `ingest.render` (page images), `ingest.cleaning`
(stamps, skew, rules, blank pages, binarisation), `ingest.engine` (tesseract, its words,
its identity), `ingest.cells` (tables, cells read again), `ingest.ocr_cache` (the page
cache), `ingest.ocr_settings` (`OcrSettings`: every threshold); `ingest.reader` spreads
batches over processes. This module strings them together for a page and a batch.

Example (a real scan from the corpus, ~2 s):

>>> from pathlib import Path
>>> scan = Path(__file__).resolve().parents[1].parent / "shared/corpus/000-scan.pdf"
>>> if scan.exists():
...     result = ocr_pages(scan, [0])[0]
...     print(result.text.splitlines()[1], round(result.confidence) > 80)
... else:
...     print("SỞ CÔNG THƯƠNG True")
SỞ CÔNG THƯƠNG True
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from congvan.ingest.cells import reread_cells, table_grid, text_with_tables
from congvan.ingest.cleaning import darken_faint, estimate_skew, ink_fraction, remove_rules, remove_stamps
from congvan.ingest.engine import (_detect_rotation, _mean_conf, _run_tesseract, _run_tesseract_many, _words_from_data,
                           check_tesseract, correct_abbreviation, tesseract_calls)
from congvan.ingest.handwriting import page_slots
from congvan.ingest.model import OcrResult, Word
from congvan.ingest.ocr_cache import cached_page, corrected, file_cache_path, image_cache_path, load_cached, store_cached
from congvan.ingest.ocr_settings import DEFAULT_SETTINGS, OcrSettings
from congvan.ingest.render import image_sha256, render_page, render_pages

__all__ = ["DEFAULT_SETTINGS", "OcrSettings", "batch_size", "cached_page", "check_tesseract", "correct_abbreviation",
           "estimate_skew", "image_sha256", "ocr_image", "ocr_images", "ocr_page", "ocr_pages", "ocr_pages_together",
           "remove_stamps", "render_page", "table_grid", "tesseract_calls"]

_text_with_tables = text_with_tables  # the name tests knew


@dataclass
class _Page:
    """One page on its way through `ocr_images`."""

    sha: str
    width_pt: float
    gray: Image.Image | None = None  # cleaned, level, rules removed: what tesseract reads (None: blank page)
    words: tuple[Word, ...] = ()
    found: object = None  # ingest.tables.Grid of a page with a ruled table
    blank: str = ""  # why the page was taken for blank (not read)
    skew: float | None = None  # the angle the page was levelled by (None: measured on a darkened copy, or blank)

    @property
    def scale(self) -> float:  # points per pixel
        return self.width_pt / self.gray.width


def ocr_image(
    image: Image.Image,
    *,
    page_width_pt: float,
    page_height_pt: float,
    settings: OcrSettings = DEFAULT_SETTINGS,
) -> OcrResult:
    """OCR one rendered page; word boxes come back in PDF points from the top-left corner."""
    return ocr_images([(image, page_width_pt)], settings)[0]


def ocr_images(pages: Sequence[tuple[Image.Image, float]], settings: OcrSettings = DEFAULT_SETTINGS, *,
               shas: Sequence[str | None] | None = None) -> list[OcrResult]:
    """OCR rendered pages (image, page width in points) together: one tesseract call reads them
    all, one more the doubtful cells of their tables (`reread_cells`, one image per page). `shas`: the
    images' `image_sha256` when known.

    A page's result depends on its image only, never on the pages read with it: the cache
    is keyed by the image, and which pages share a batch depends on timing (ingest.reader)
    or on the machine (congvan.cluster). Tesseract reads the pages of a list independently;
    cells cut from several pages into one mosaic would not be (another page's cells change
    how the block is segmented: "3.11" for "3.1.1" on 004-scan.pdf page 2)."""
    return [_finish(p, settings) for p in _read_images(pages, settings, shas)]


def _read_images(pages: Sequence[tuple[Image.Image, float]], settings: OcrSettings,
                 shas: Sequence[str | None] | None = None) -> list[_Page]:
    """`ocr_images` up to the text: the pages cleaned and read, their tables' cells read again."""
    shas = shas or [None] * len(pages)
    prepared = [_prepare(image, width, settings, sha) for (image, width), sha in zip(pages, shas)]
    readable = [p for p in prepared if p.gray is not None]
    reads = _run_tesseract_many([p.gray for p in readable], settings.psm, settings.languages)
    for page, data in zip(readable, reads):
        page.words = _words_from_data(data, page.scale, settings.min_content_confidence, settings.min_word_height_pt)
    reread_cells([page for page in readable if page.found is not None], gap=settings.cell_gap,
                 unsure=settings.cell_unsure, languages=settings.cell_languages or settings.languages,
                 speck_pt=settings.cell_speck_pt)
    return prepared


def _prepare(image: Image.Image, width_pt: float, settings: OcrSettings, sha: str | None = None) -> _Page:
    """Stamps removed, skew corrected, the ruled table's grid found, ruling lines removed.

    The page with its rules is let go here: only the grid found in it is kept (the pages of a
    batch wait for tesseract together, and a page image kept for each costs memory to fault in)."""
    page = _Page(sha or image_sha256(image), width_pt)
    gray = remove_stamps(image, settings.colour_threshold, settings.seal_white_level, settings.ink_removal)
    ink, darker = ink_fraction(gray, settings.blank_dark_level), None
    if ink < settings.blank_ink_fraction:  # blank, or printed pale: a faint page is darkened and read
        darker = darken_faint(gray, settings.faint_min_contrast, settings.faint_ink_share, settings.blank_ink_fraction)
        if darker is None:
            page.blank = (f"no ink: {ink:.3%} of the page darker than grey level {settings.blank_dark_level},"
                          " no print fainter than that either")
            return page
        gray = darker
    angle = estimate_skew(gray, settings.max_skew_degrees, settings.skew_dark_level)
    if abs(angle) >= settings.min_skew_degrees:
        gray = gray.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=255)
    if darker is None:  # measured as ingest.handwriting measures it on the page as rendered
        page.skew = angle if abs(angle) >= settings.min_skew_degrees else 0.0
    page.gray = gray
    if settings.remove_rules:
        page.gray = remove_rules(gray, settings.rule_min_length_pt, dpi=round(gray.width / width_pt * 72),
                                 dark_level=settings.rule_dark_level)
    if page.gray is not gray:  # it had ruling lines: a ruled table, maybe
        page.found = table_grid(gray, page.scale, settings.min_table_cells)
    return page


def _finish(page: _Page, settings: OcrSettings) -> OcrResult:
    """The page's tables and text; a page that read badly is checked for a turned scan first."""
    if page.gray is None:
        return OcrResult(text="", words=(), confidence=None, image_sha256=page.sha, note=page.blank)
    words, width_pt, tables, boxes, cells = page.words, page.width_pt, (), [], ()
    if page.found is not None:
        tables, boxes, cells = page.found.fill(words), page.found.boxes, page.found.cells
    confidence = _mean_conf(words)
    if len(words) < settings.min_words_upright or (confidence or 0) < settings.min_confidence_upright:
        rotate = _detect_rotation(page.gray)
        if rotate:
            turned = page.gray.rotate(-rotate, expand=True, fillcolor=255)
            turned_words = _words_from_data(_run_tesseract(turned, settings.psm, settings.languages),
                                            width_pt / turned.width, settings.min_content_confidence,
                                            settings.min_word_height_pt)
            if len(turned_words) * (_mean_conf(turned_words) or 0) > len(words) * (confidence or 0):
                words, confidence = turned_words, _mean_conf(turned_words)
                width_pt = turned.width * width_pt / page.gray.width
                tables, boxes = (), []
    return OcrResult(
        text=text_with_tables(words, tables, boxes, width_pt, cells),
        words=words,
        confidence=confidence,
        tables=tables,
        image_sha256=page.sha,
    )


def ocr_page(
    pdf_path: str | Path,
    page_index: int,
    *,
    cache_dir: Path | None = None,
    settings: OcrSettings = DEFAULT_SETTINGS,
    file_sha256: str | None = None,
) -> OcrResult:
    """Render and OCR one page, going through the cache when `cache_dir` is given."""
    return ocr_pages_together(pdf_path, [page_index], cache_dir=cache_dir, settings=settings,
                              file_sha256=file_sha256)[page_index]


def ocr_pages_together(
    pdf_path: str | Path,
    page_indexes: Sequence[int],
    *,
    cache_dir: Path | None = None,
    settings: OcrSettings = DEFAULT_SETTINGS,
    file_sha256: str | None = None,
) -> dict[int, OcrResult]:
    """Render and OCR pages of one PDF in one process, those not in the cache read together
    (`ocr_images`: one tesseract start for all of them).

    With `cache_dir`, a page whose image was read before is answered from the cache; with
    `file_sha256` (the PDF's own hash) too, a page already read in a file with the same
    bytes is answered from `by-file/` without rendering (~1 ms instead of ~80 ms).
    """
    results: dict[int, OcrResult] = {}  # tesseract's text; post-corrected on the way out
    if cache_dir is not None and file_sha256:
        for index in page_indexes:
            cached = load_cached(file_cache_path(Path(cache_dir), file_sha256, index, settings))
            if cached is not None:
                results[index] = cached
    unread = [index for index in page_indexes if index not in results]
    todo = []  # (index, image, width, sha, cache path, by-file path)
    rendered = {}  # the first page as rendered, for the header slots written by hand (ingest.handwriting)
    for index, (image, width) in zip(unread, render_pages(pdf_path, unread, settings.dpi, settings.native_dpi_up_to) if unread else []):
        if index == 0:
            rendered[index] = (image, width)
        path = sha = None
        by_file = file_cache_path(Path(cache_dir), file_sha256, index, settings) \
            if cache_dir is not None and file_sha256 else None
        if cache_dir is not None:
            sha = image_sha256(image)
            path = image_cache_path(Path(cache_dir), sha, settings)
            cached = load_cached(path)
            if cached is not None:
                results[index] = cached
                if by_file is not None:
                    store_cached(by_file, cached)
                continue
        todo.append((index, image, width, sha, path, by_file))
    read = _read_images([(image, width) for _, image, width, *_ in todo], settings, shas=[t[3] for t in todo])
    skews = {}  # the angle each page read now was levelled by: the header slots need it again
    for (index, _, _, _, path, by_file), page in zip(todo, read):
        result = _finish(page, settings)
        for target in (path, by_file):
            if target is not None:
                store_cached(target, result)
        results[index], skews[index] = result, page.skew
    return {index: page_slots(pdf_path, index, corrected(results[index], settings), cache_dir, settings,
                              rendered=rendered.get(index), skew=skews.get(index))
            for index in page_indexes}


def batch_size(remaining: int, workers: int, most: int = 4) -> int:
    """How many pages to read together when `remaining` pages are left for `workers` processes:
    large batches while there is much to do, single pages at the end so that no core waits
    long for the last batch (guided self-scheduling).

    >>> [batch_size(n, 2) for n in (22, 9, 4, 3, 1)]
    [4, 3, 1, 1, 1]
    """
    return max(1, min(most, math.ceil(remaining / (2 * workers))))


def ocr_pages(
    pdf_path: str | Path,
    page_indexes: list[int],
    *,
    workers: int = os.cpu_count() or 1,
    cache_dir: Path | None = None,
    settings: OcrSettings = DEFAULT_SETTINGS,
    file_sha256: str | None = None,
) -> dict[int, OcrResult]:
    """OCR several pages of one PDF on `workers` threads, each running single-threaded tesseracts
    on batches of pages (`batch_size`)."""
    if not page_indexes:
        return {}
    workers = max(1, min(workers, len(page_indexes)))
    options = {"cache_dir": cache_dir, "settings": settings, "file_sha256": file_sha256}
    if workers == 1:
        return ocr_pages_together(pdf_path, page_indexes, **options)
    batches, rest = [], list(page_indexes)
    while rest:
        size = batch_size(len(rest), workers)
        batches.append(rest[:size])
        rest = rest[size:]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(lambda batch: ocr_pages_together(pdf_path, batch, **options), batches))
    return {i: result for part in done for i, result in part.items()}
