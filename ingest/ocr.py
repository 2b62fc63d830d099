"""OCR of image-only PDF pages (trang scan): render, clean, deskew, tesseract `vie`, lay out.

One page goes through: pypdfium2 render (or the scan's own JPEG, decoded) → stamp
removal (con dấu đỏ, chữ ký xanh) → small-skew correction → ruling lines removed →
`tesseract --psm 11 -l vie` via `image_to_data` (words, boxes, confidences) → on a page
with a ruled table, its grid, and the cells the page read may have got wrong (a code
column, cells with ink and no word) read again as one block (psm 6) →
`layout.words_to_text`. Pages that come out with few words or low confidence get an
orientation check (`--psm 0`) and are re-read upright.

Sparse text (psm 11) and not automatic page segmentation (psm 3): congvan lays the words
out itself from their boxes (two-column headers, tables), and on the corpus scans psm 11
gave fewer errors on every document (character error rate 000 0.73 → 0.69 %, 001 1.78 →
0.40 %, 002 0.40 → 0.26 %, 003 0.40 → 0.32 %; 004 word-bag F1 0.971 → 0.974) and reads
each table cell where it stands instead of running text across cell borders.

Pages of a file are read a few at a time (`ocr_pages_together`): one tesseract process
reads them all, as the pages of one document, and one more the doubtful cells of all of
them, so the ~0.17 CPU-s a tesseract spends starting is paid once per batch.

Every tesseract runs single-threaded (`OMP_THREAD_LIMIT=1`): with OpenMP on, two
parallel processes can be 3-130× slower (see shared/docs/MEASUREMENTS.md §4.2).

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

import hashlib
import io
import json
from functools import lru_cache
import math
import os
import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytesseract
import regex
from PIL import Image, ImageChops

from ingest.errors import OcrFailed, TesseractMissing
from ingest.layout import words_to_text
from ingest.model import OcrResult, Word

os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by every tesseract we spawn


@dataclass(frozen=True, slots=True)
class OcrSettings:
    """Knobs chosen by measurement (bench/ocr_quality.py); `version` keys the cache."""

    dpi: int = 200
    psm: int = 11
    colour_threshold: int = 20  # max-min channel spread above which a pixel is stamp/signature ink
    max_skew_degrees: float = 2.0
    min_words_upright: int = 8  # fewer words than this → try orientation detection
    min_confidence_upright: float = 55.0
    remove_rules: bool = True
    version: str = "ocr-14"

    @property
    def key(self) -> str:
        return f"{self.version}-dpi{self.dpi}-psm{self.psm}"


DEFAULT_SETTINGS = OcrSettings()

_PDFIUM_LOCK = threading.Lock()  # pdfium is not thread-safe
_COUNTER_LOCK = threading.Lock()
_tesseract_calls = 0


def _count_call() -> None:
    global _tesseract_calls
    with _COUNTER_LOCK:
        _tesseract_calls += 1


def tesseract_calls() -> int:
    """How many tesseract processes this module has started (tests use it to see cache hits)."""
    return _tesseract_calls


def check_tesseract() -> None:
    """Raise `TesseractMissing` unless tesseract and its `vie` data are installed.

    Looks for the program and `vie.traineddata` where Debian and $TESSDATA_PREFIX put them
    (no process started); asks tesseract itself only when they are elsewhere.
    """
    import glob
    import shutil

    if shutil.which(pytesseract.pytesseract.tesseract_cmd):
        places = [os.environ.get("TESSDATA_PREFIX", ""), "/usr/share/tesseract-ocr/*/tessdata",
                  "/usr/share/tesseract-ocr/tessdata", "/usr/local/share/tessdata"]
        if any(glob.glob(os.path.join(p, "vie.traineddata")) for p in places if p):
            return
    try:
        languages = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError) as e:
        raise TesseractMissing(detail=str(e).strip()[:200]) from e
    if "vie" not in languages:
        raise TesseractMissing(detail="tesseract is installed but the 'vie' language is missing")


def render_page(pdf_path: str | Path, page_index: int, dpi: int) -> Image.Image:
    """Render one page with pypdfium2: RGB when the page may hold colour (a red seal), else grayscale.

    A page whose only content is grayscale images (a gray scan) comes back in mode "L". A
    page that is one JPEG scanned at exactly `dpi` is not rendered: its JPEG is decoded
    (the same pixels, ~4× faster; see `_scanned_jpeg`).
    """
    return _render_pages(pdf_path, [page_index], dpi)[0][0]


def _render_pages(pdf_path: str | Path, page_indexes: Sequence[int], dpi: int) -> list[tuple[Image.Image, float]]:
    """Each page as `render_page` gives it, with its width in points; the PDF opened once."""
    out = []
    with _PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            for index in page_indexes:
                page = pdf[index]
                try:
                    out.append((_render(page, dpi), page.get_size()[0]))
                finally:
                    page.close()
        finally:
            pdf.close()
    return out


def _render(page: pdfium.PdfPage, dpi: int) -> Image.Image:
    image = _scanned_jpeg(page, dpi)
    if image is not None:
        return image
    colour = _may_have_colour(page)
    # a gray page is rendered gray directly (about half the time of colour, then no conversion)
    image = page.render(scale=dpi / 72, rev_byteorder=True, grayscale=not colour).to_pil()
    if colour and image.mode != "RGB":
        image = image.convert("RGB")
    return image if colour or image.mode == "L" else image.convert("L")


def _scanned_jpeg(page: pdfium.PdfPage, dpi: int) -> Image.Image | None:
    """The page's pixels when the page is nothing but one upright JPEG covering it at `dpi`, else None.

    That is what a scanner or a phone app writes. pdfium would decode the same JPEG and
    copy it pixel for pixel (checked on the corpus scans: identical arrays), in ~70 ms
    against ~18 ms for Pillow's decoder; where pdfium's bitmap would be one pixel wider or
    taller (it rounds the page size up), it would stretch the scan by that pixel, and the
    scan as it is is kept. Anything else (other objects, another filter, a transform,
    another resolution, CMYK) goes to the renderer. (A 150 dpi scan enlarged by Pillow
    instead of pdfium, bilinear, 26 ms against 75, differs by 0.3 grey levels on average
    and read "CCMHC" for "CCHC" in the subject of 003-scan.pdf: not worth it.)
    """
    if page.get_rotation() != 0 or pdfium_c.FPDFPage_CountObjects(page.raw) != 1:
        return None
    obj = next(iter(page.get_objects(max_depth=1)))
    if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE or obj.get_filters() != ["DCTDecode"]:
        return None
    width, height = page.get_size()
    a, b, c, d, e, f = obj.get_matrix().get()
    if b or c or abs(a - width) > 1 or abs(d - height) > 1 or abs(e) > 1 or abs(f) > 1:
        return None
    try:
        image = Image.open(io.BytesIO(bytes(obj.get_data(decode_simple=False))))
        image.load()
    except (OSError, SyntaxError, ValueError):  # Pillow could not read it: pdfium may
        return None
    rendered = (math.ceil(width * dpi / 72), math.ceil(height * dpi / 72))  # pdfium's bitmap size
    if image.mode not in ("L", "RGB") or abs(image.width - rendered[0]) > 1 or abs(image.height - rendered[1]) > 1:
        return None
    return image


_GRAY_COLOURSPACES = {pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_CALGRAY}


def _may_have_colour(page: pdfium.PdfPage) -> bool:
    for obj in page.get_objects(max_depth=1):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
        if obj.get_metadata().colorspace not in _GRAY_COLOURSPACES:
            return True
    return False


def image_sha256(image: Image.Image) -> str:
    """sha256 of the raw pixels (mode and size included): the OCR cache key."""
    digest = hashlib.sha256(f"{image.mode}:{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def remove_stamps(image: Image.Image, threshold: int = 20) -> Image.Image:
    """Grayscale copy without the red seal (con dấu) and the blue signature stroke; black text stays.

    Where red dominates, the red channel is used (the seal is bright in it, black text
    that the seal covers stays dark) and light values become white; where blue dominates
    the pixel becomes white.

    >>> img = Image.new("RGB", (4, 1)); img.putdata([(200, 90, 100), (20, 20, 20), (40, 40, 90), (90, 10, 10)])
    >>> list(remove_stamps(img).getdata())
    [255, 20, 255, 90]
    """
    if image.mode != "RGB":
        return image.convert("L")
    gray = image.convert("L")
    box = _colour_box(image, threshold)
    if box is not None:
        gray.paste(_whiten_colour(image.crop(box), threshold), box[:2])
    return gray


def _colour_box(image: Image.Image, threshold: int, step: int = 8) -> tuple[int, int, int, int] | None:
    """Bounding box (with a margin) of the coloured ink, found on a 1/8 copy."""
    if image.width < 64 * step:
        return (0, 0, image.width, image.height)
    small = np.asarray(image.reduce(step), dtype=np.int16)
    ys, xs = np.nonzero(small.max(axis=2) - small.min(axis=2) > threshold // 2)
    if len(ys) == 0:
        return None
    margin = 3
    return (
        int(max(0, (xs.min() - margin) * step)),
        int(max(0, (ys.min() - margin) * step)),
        int(min(image.width, (xs.max() + 1 + margin) * step)),
        int(min(image.height, (ys.max() + 1 + margin) * step)),
    )


def _whiten_colour(image: Image.Image, threshold: int) -> Image.Image:
    red, green, blue = image.split()
    gray = image.convert("L")
    red_mask = ImageChops.subtract(red, ImageChops.lighter(green, blue)).point(
        lambda v: 255 if v > threshold else 0
    )
    gray.paste(red.point(lambda v: 255 if v > 150 else v), mask=red_mask)
    blue_mask = ImageChops.subtract(blue, ImageChops.lighter(red, green)).point(
        lambda v: 255 if v > threshold // 2 else 0
    )
    return ImageChops.lighter(gray, blue_mask)


def remove_rules(gray: Image.Image, min_length_pt: float = 24.0, dpi: int = 300) -> Image.Image:
    """Whiten long straight horizontal and vertical strokes (table grid, underlines) of a deskewed page.

    Found on a half-size copy: a dark run at least `min_length_pt` long (longer than any
    letter) along x or y is a rule. Text next to the rule stays.
    """
    half = gray.reduce(2)
    dark = np.asarray(half) < 200
    length = max(8, round(min_length_pt / 72 * dpi / 2))
    mask = _runs(dark, length, axis=1) | _runs(dark, length, axis=0)
    if not mask.any():
        return gray
    grown = mask.copy()  # one pixel of margin all round for the blurred edge
    grown[1:, :] |= mask[:-1, :]
    grown[:-1, :] |= mask[1:, :]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    mask = grown
    mask_image = Image.fromarray(mask.astype(np.uint8) * 255).resize(gray.size, Image.Resampling.NEAREST)
    return ImageChops.lighter(gray, mask_image)


def _runs(dark: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels that lie on a run of at least `length` dark pixels along `axis`.

    Whole-array shifts, doubling the run length each time (~2 ms on a half-size page):
    first the starts of fully dark windows of `length`, then every pixel such a window covers.

    >>> _runs(np.array([[1, 1, 1, 0, 1, 1]], dtype=bool), 3, axis=1).astype(int).tolist()
    [[1, 1, 1, 0, 0, 0]]
    """
    from ingest.tables import run_starts

    def cut(a: np.ndarray, start: int | None, stop: int | None) -> np.ndarray:
        return a[:, start:stop] if axis == 1 else a[start:stop, :]

    full = run_starts(dark, length, axis)
    cover, have = full, 1
    while have < length:  # cover[x]: a fully dark window starts in (x - have, x]
        step = min(have, length - have)
        cut(cover, step, None)[...] |= cut(cover, None, -step)
        have += step
    return cover


def estimate_skew(image: Image.Image, max_degrees: float = 2.0) -> float:
    """Angle in degrees to rotate by (PIL, counter-clockwise positive) to make text lines level;
    a page scanned turned 0.8° counter-clockwise gives about -0.8.

    Projection profiles of the dark pixels of a ~100 dpi copy, sheared instead of rotated:
    the angle whose row histogram is sharpest wins (a 0.25° grid, then 0.05° and 0.01°
    around the best: the angles of the 0.1°-then-0.01° search on all 22 corpus scan pages,
    with 39 histograms instead of 62).
    """
    gray = image.convert("L")
    factor = max(1, round(gray.width / 850))
    small = np.asarray(gray.reduce(factor) if factor > 1 else gray)
    ys, xs = np.nonzero(small < 140)
    if len(ys) < 200:
        return 0.0
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - small.shape[1] / 2
    height = small.shape[0]

    def sharpness(angle: float) -> float:
        shifted = ys - xs * math.tan(math.radians(angle))
        rows = np.bincount(np.clip(shifted + height, 0, 3 * height - 1).astype(np.int64))
        return float(np.dot(rows, rows))

    best = 0.0
    for step, span in ((0.25, max_degrees), (0.05, 0.25), (0.01, 0.05)):
        grid = np.arange(best - span, best + span + 1e-9, step)
        best = max(grid[np.abs(grid) <= max_degrees + 1e-9], key=sharpness)
    return round(float(best), 2) + 0.0  # never -0.0


def _ink_fraction(gray: Image.Image) -> float:
    small = np.asarray(gray.reduce(8) if gray.width > 800 else gray)
    return float((small < 128).mean())


def _run_tesseract(image: Image.Image, psm: int, extra: str = "") -> dict:
    _count_call()
    image.format = "BMP"  # pytesseract writes BMP (3 ms) instead of PNG (150 ms)
    return _image_to_data(image, psm, extra)


def _image_to_data(source: Image.Image | str, psm: int, extra: str = "") -> dict:
    """pytesseract's `image_to_data` (an image, or the path of a list of image files), its
    errors as congvan's."""
    try:
        return pytesseract.image_to_data(
            source, lang="vie", config=f"--oem 1 --psm {psm} {extra}".strip(), output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractNotFoundError as e:
        raise TesseractMissing() from e
    except pytesseract.TesseractError as e:
        raise OcrFailed(detail=str(e).strip()[:200]) from e


def _run_tesseract_many(images: Sequence[Image.Image], psm: int) -> list[dict]:
    """`image_to_data` of several images in one tesseract process, one dict per image.

    Each tesseract process spends ~0.17 CPU-s starting (model, dictionaries) before it
    reads a page of ~1.6 s: pages read together pay it once (tesseract reads a list of
    image files as the pages of one document; the TSV numbers them in `page_num`).
    """
    if len(images) <= 1:
        return [_run_tesseract(image, psm) for image in images]
    _count_call()
    with tempfile.TemporaryDirectory(prefix="congvan-ocr-") as folder:
        names = []
        for n, image in enumerate(images):
            names.append(os.path.join(folder, f"{n}.bmp"))
            image.save(names[-1], format="BMP")
        listing = os.path.join(folder, "pages.txt")
        with open(listing, "w", encoding="utf-8") as f:
            f.write("\n".join(names) + "\n")
        data = _image_to_data(listing, psm)
    pages = [{key: [] for key in data} for _ in images]
    for i, page in enumerate(data["page_num"]):
        for key, values in data.items():
            pages[int(page) - 1][key].append(values[i])
    return pages


def _detect_rotation(image: Image.Image) -> int:
    _count_call()
    image.format = "BMP"
    try:
        osd = pytesseract.image_to_osd(image, config="--psm 0", output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError:  # OSD gives up on pages with too little text: keep as is
        return 0
    return int(osd.get("rotate", 0)) % 360


def correct_abbreviation(text: str) -> str:
    """An upper-case word one letter away from exactly one known abbreviation is that abbreviation.

    >>> correct_abbreviation("ĐIXHH"), correct_abbreviation("CCHC"), correct_abbreviation("Đơn")
    ('ĐTXHH', 'CCHC', 'Đơn')
    """
    core = text.strip(".,;:()")
    if len(core) < 4 or not core.isupper() or core in _abbreviations():
        return text
    near = [a for a in _abbreviations() if len(a) == len(core) and regex.fullmatch(f"(?:{regex.escape(a)}){{s<=1}}", core)]
    return text.replace(core, near[0]) if len(near) == 1 else text


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    from rules import load

    return frozenset(load("ocr_lexicon")["abbreviations"])


def _words_from_data(data: dict, scale: float) -> tuple[Word, ...]:
    words = []
    for i, raw in enumerate(data["text"]):
        text = unicodedata.normalize("NFC", raw.strip())
        if any(ch.isalnum() for ch in text):
            text = correct_abbreviation(text.strip("|¦"))   # a table rule read as part of the word
        conf = float(data["conf"][i])
        if not text or conf < 0 or not _is_content(text, conf):
            continue
        left, top = data["left"][i], data["top"][i]
        words.append(
            Word(
                text=text,
                x0=round(left * scale, 2),
                top=round(top * scale, 2),
                x1=round((left + data["width"][i]) * scale, 2),
                bottom=round((top + data["height"][i]) * scale, 2),
                conf=round(conf, 1),
            )
        )
    return tuple(words)


def _is_content(text: str, conf: float) -> bool:
    """Drop table rules and specks read as '|', '_', '—' … (no letter or digit, low confidence)."""
    if any(ch.isalnum() for ch in text):
        return True
    if set(text) <= set("|[]_—–-~=:;.,'\"`‘’“”¦!¡"):
        return text in {"-", "–", "+", "*", "…"} and conf >= 50
    return conf >= 50


def _mean_conf(words: tuple[Word, ...]) -> float | None:
    if not words:
        return None
    return round(sum(w.conf or 0.0 for w in words) / len(words), 2)


@dataclass
class _Page:
    """One page on its way through `ocr_images`."""

    sha: str
    width_pt: float
    gray: Image.Image | None = None  # cleaned, level, rules removed: what tesseract reads (None: blank page)
    ruled: Image.Image | None = None  # the same with its rules, for the table grid
    words: tuple[Word, ...] = ()
    found: object = None  # ingest.tables.Grid of a page with a ruled table

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
    all, one more per page the doubtful cells of its tables (`_reread_cells`). `shas`: the
    images' `image_sha256` when known.

    A page's result depends on its image only, never on the pages read with it: the cache
    is keyed by the image, and which pages share a batch depends on timing (ingest.reader)
    or on the machine (congvan.cluster). Tesseract reads the pages of a list independently;
    cells cut from several pages into one mosaic would not be (another page's cells change
    how the block is segmented: "3.11" for "3.1.1" on 004-scan.pdf page 2)."""
    shas = shas or [None] * len(pages)
    prepared = [_prepare(image, width, settings, sha) for (image, width), sha in zip(pages, shas)]
    readable = [p for p in prepared if p.gray is not None]
    for page, data in zip(readable, _run_tesseract_many([p.gray for p in readable], settings.psm)):
        page.words = _words_from_data(data, page.scale)
        page.found = table_grid(page.ruled, page.scale) if page.ruled is not page.gray else None
    for page in readable:
        if page.found is not None:
            _reread_cells([page])
    return [_finish(p, settings) for p in prepared]


def _prepare(image: Image.Image, width_pt: float, settings: OcrSettings, sha: str | None = None) -> _Page:
    """Stamps removed, skew corrected, ruling lines removed (the grid keeps them)."""
    page = _Page(sha or image_sha256(image), width_pt)
    gray = remove_stamps(image, settings.colour_threshold)
    if _ink_fraction(gray) < 0.0005:
        return page
    angle = estimate_skew(gray, settings.max_skew_degrees)
    if abs(angle) >= 0.05:
        gray = gray.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=255)
    page.ruled = page.gray = gray
    if settings.remove_rules:
        page.gray = remove_rules(gray, dpi=round(gray.width / width_pt * 72))
    return page


def _finish(page: _Page, settings: OcrSettings) -> OcrResult:
    """The page's tables and text; a page that read badly is checked for a turned scan first."""
    if page.gray is None:
        return OcrResult(text="", words=(), confidence=None, image_sha256=page.sha)
    words, width_pt, tables, boxes, cells = page.words, page.width_pt, (), [], ()
    if page.found is not None:
        tables, boxes, cells = page.found.fill(words), page.found.boxes, page.found.cells
    confidence = _mean_conf(words)
    if len(words) < settings.min_words_upright or (confidence or 0) < settings.min_confidence_upright:
        rotate = _detect_rotation(page.gray)
        if rotate:
            turned = page.gray.rotate(-rotate, expand=True, fillcolor=255)
            turned_words = _words_from_data(_run_tesseract(turned, settings.psm), width_pt / turned.width)
            if len(turned_words) * (_mean_conf(turned_words) or 0) > len(words) * (confidence or 0):
                words, confidence = turned_words, _mean_conf(turned_words)
                width_pt = turned.width * width_pt / page.gray.width
                tables, boxes = (), []
    return OcrResult(
        text=_text_with_tables(words, tables, boxes, width_pt, cells),
        words=words,
        confidence=confidence,
        tables=tables,
        image_sha256=page.sha,
    )


def table_grid(ruled: Image.Image, scale: float):
    """The ruled tables of a level page image (`ingest.tables.Grid`; `scale`: points per pixel),
    or None when it has none.

    Only pages with long vertical rules are probed: a quick look at a quarter-size copy.
    """
    from ingest.tables import grid

    quarter = np.asarray(ruled.reduce(4)) < 200
    if not _runs(quarter, max(8, quarter.shape[0] // 12), axis=0).any():
        return None
    found = grid(np.asarray(ruled), scale=1 / scale, deskewed=True)
    if len(found.cells) < 3:  # ruling lines that enclose no table (a margin rule, a frame)
        return None
    return found


def _text_with_tables(words: tuple[Word, ...], tables: tuple, boxes: list, width: float,
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


def _reread_cells(pages: list[_Page], *, gap: int = 30, unsure: float = 40.0) -> None:
    """The table cells the page reads (sparse text, psm 11) may have got wrong, read again on
    their own, those of all `pages` in one tesseract call as one block of text (psm 6).

    Those are the cells of a narrow first column (codes: "133" or nothing for "1.3.3"; STT
    numbers standing alone, which only psm 6 reads), the cells holding ink but no word, and
    those with a word read below `unsure` confidence ("nh trạ tổng hợp", 21 %, for "Thanh
    tra tổng hợp" on 004-scan.pdf). Their lines of ink, cut out and binarised (Otsu), are stacked `gap` pixels apart; a
    cell takes the words read from its copy when their mean confidence is at least that
    of the words read in place.
    """
    pieces = []  # (page, cell, top-left corner of the cut in points, cut)
    for page in pages:
        column = page.found.narrow_first_column()
        inside = _words_in(page.words, page.found.cells)
        doubtful = [cell for cell, old in zip(page.found.cells, inside)
                    if (column is not None and abs(cell[0] - column[0]) < 2 and abs(cell[2] - column[2]) < 2)
                    or not old or min(w.conf or 0.0 for w in old) < unsure]
        pieces += [(page, *piece) for piece in _cell_lines(page.gray, doubtful, page.scale)]
    if not pieces:
        return
    tops, y = [], gap
    for *_, crop in pieces:
        tops.append(y)
        y += crop.height + gap
    mosaic = Image.new("L", (max(crop.width for *_, crop in pieces) + 2 * gap, y), 255)
    for (*_, crop), top in zip(pieces, tops):
        mosaic.paste(crop, (gap, top))
    read = _words_from_data(_run_tesseract(mosaic, 6), 1.0)  # in mosaic pixels
    copies: dict[tuple[int, tuple], list[Word]] = {}
    for (page, cell, origin, crop), top in zip(pieces, tops):
        copies.setdefault((id(page), cell), []).extend(
            _moved(w, page.scale, origin[0] - gap * page.scale, origin[1] - top * page.scale) for w in read
            if top - gap / 2 <= (w.top + w.bottom) / 2 < top + crop.height + gap / 2)
    by_id = {id(page): page for page in pages}
    for (key, cell), new in copies.items():
        page = by_id[key]
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


def _cell_lines(clean: Image.Image, cells: list, scale: float, margin: int = 4
                ) -> list[tuple[tuple, tuple[float, float], Image.Image]]:
    """The lines of ink of each cell holding some, binarised: (cell in points, the top-left
    corner of the cut in points, the cut)."""
    pixels, speck = np.asarray(clean), (1.5 / scale) ** 2  # less ink than a 1.5 pt square: empty
    pieces = []
    for cell in cells:
        box = (round(cell[0] / scale) + 3, round(cell[1] / scale) + 3, round(cell[2] / scale) - 3,
               round(cell[3] / scale) - 3)
        if box[2] - box[0] < 8 or box[3] - box[1] < 8 or (pixels[box[1]:box[3], box[0]:box[2]] < 128).sum() < speck:
            continue  # an empty cell
        crop = _binarise(clean.crop(box))
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


def _binarise(gray: Image.Image) -> Image.Image:
    """Black and white at Otsu's threshold (the one that best splits the histogram in two).

    >>> _binarise(Image.frombytes("L", (4, 1), bytes([30, 40, 200, 220]))).tobytes()
    b'\\x00\\x00\\xff\\xff'
    """
    pixels = np.asarray(gray)
    hist = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    count, total = np.cumsum(hist), np.cumsum(hist * np.arange(256))
    between = (total[-1] * count - total * count[-1]) ** 2 / np.maximum(count * (count[-1] - count), 1)
    return Image.fromarray(np.where(pixels > int(np.argmax(between)), 255, 0).astype(np.uint8))


def _cache_path(cache_dir: Path, sha: str, settings: OcrSettings) -> Path:
    return cache_dir / f"{sha}.{settings.key}.json"


def _load_cached(path: Path) -> OcrResult | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError):  # a torn write: redo the page
        path.unlink(missing_ok=True)
        return None
    return OcrResult(
        text=raw["text"],
        words=tuple(Word(**w) for w in raw["words"]),
        confidence=raw["confidence"],
        tables=tuple(tuple(tuple(row) for row in table) for table in raw.get("tables", ())),
        image_sha256=raw["image_sha256"],
    )


def _store_cached(path: Path, result: OcrResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "text": result.text,
        "words": [asdict(w) for w in result.words],
        "confidence": result.confidence,
        "tables": result.tables,
        "image_sha256": result.image_sha256,
    }
    tmp = path.with_suffix(f".tmp{threading.get_ident()}")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _by_file_path(cache_dir: Path, file_sha256: str, page_index: int, settings: OcrSettings) -> Path:
    return cache_dir / "by-file" / f"{file_sha256}.p{page_index}.{settings.key}.json"


def cached_page(cache_dir: Path, file_sha256: str, page_index: int,
                settings: OcrSettings = DEFAULT_SETTINGS) -> OcrResult | None:
    """The OCR of page `page_index` of a file with these bytes, if it was read before (no rendering)."""
    return _load_cached(_by_file_path(Path(cache_dir), file_sha256, page_index, settings))


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
    results: dict[int, OcrResult] = {}
    if cache_dir is not None and file_sha256:
        for index in page_indexes:
            cached = cached_page(cache_dir, file_sha256, index, settings)
            if cached is not None:
                results[index] = cached
    unread = [index for index in page_indexes if index not in results]
    todo = []  # (index, image, width, sha, cache path, by-file path)
    for index, (image, width) in zip(unread, _render_pages(pdf_path, unread, settings.dpi) if unread else []):
        path = sha = None
        by_file = _by_file_path(Path(cache_dir), file_sha256, index, settings) \
            if cache_dir is not None and file_sha256 else None
        if cache_dir is not None:
            sha = image_sha256(image)
            path = _cache_path(Path(cache_dir), sha, settings)
            cached = _load_cached(path)
            if cached is not None:
                results[index] = cached
                if by_file is not None:
                    _store_cached(by_file, cached)
                continue
        todo.append((index, image, width, sha, path, by_file))
    read = ocr_images([(image, width) for _, image, width, *_ in todo], settings, shas=[t[3] for t in todo])
    for (index, _, _, _, path, by_file), result in zip(todo, read):
        for target in (path, by_file):
            if target is not None:
                _store_cached(target, result)
        results[index] = result
    return {index: results[index] for index in page_indexes}


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
