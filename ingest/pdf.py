"""PDF → Document: the text layer where it is usable, OCR where it is not.

Text layers are read with pypdfium2 (the engine under pdfplumber, ~75× faster for
text) with a box for every character, so headers and footers can be split into
columns by position. Ruled tables go through pdfplumber's table finder, which is
worth its cost only there. Pages with no usable text layer are rendered and OCR'd.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import regex

from ingest import errors
from ingest.model import Document, OcrResult, Page, Word
from ingest.textnorm import clean

OcrFunction = Callable[..., dict[int, OcrResult]]

MIN_LETTERS = 40          # fewer letters than this on a page: the text layer is not the page
MIN_GOOD_RATIO = 0.85     # share of characters that are letters, digits, punctuation of Vietnamese text
TABLE_MIN_PATHS = 12      # a page with this many path objects is probed for a ruled table

_STAMP_LINE = regex.compile(
    r"(?i)đã ký lên văn bản này|ký bởi\s*:|thời gian ký\s*:|ban cơ yếu chính phủ|phiên bản thử nghiệm",
)
_GOOD_CHAR = regex.compile(r"[\p{Latin}\p{N}\s.,;:!?()\[\]/\-–—_%&+'\"“”‘’…*<>=@#§°]")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def choose_source(text: str) -> tuple[str, str]:
    """Decides, for one page, whether its text layer is the page or OCR must read it.

    Returns (`text` | `ocr`, reason in plain words).

    >>> choose_source("")
    ('ocr', 'no text layer')
    >>> choose_source("Nguyễn Hữu Hưng<hung@quangtri.gov.vn> đã ký lên văn bản này!")[0]
    'ocr'
    >>> choose_source("Kính gửi: Các phòng chuyên môn thuộc Sở. " * 3)
    ('text', 'text layer with 93 letters')
    """
    body = "\n".join(line for line in text.splitlines() if not _STAMP_LINE.search(line))
    letters = sum(1 for c in body if c.isalpha())
    if not text.strip():
        return "ocr", "no text layer"
    if letters < MIN_LETTERS:
        if letters < sum(1 for c in text if c.isalpha()):
            return "ocr", "text layer holds only a signature stamp"
        return "ocr", f"text layer too short ({letters} letters)"
    visible = [c for c in body if not c.isspace()]
    good = sum(1 for c in visible if _GOOD_CHAR.match(c))
    if visible and good / len(visible) < MIN_GOOD_RATIO:
        return "ocr", f"text layer looks garbled ({good / len(visible):.0%} readable characters)"
    return "text", f"text layer with {letters} letters"


def _words_from_textpage(textpage, text: str, page_height: float) -> tuple[Word, ...]:
    """Groups pdfium's characters into words with boxes (top-left origin, points)."""
    words: list[Word] = []
    chars: list[str] = []
    box = [0.0, 0.0, 0.0, 0.0]

    def flush() -> None:
        if chars:
            words.append(Word(clean("".join(chars)), box[0], box[1], box[2], box[3]))
            chars.clear()

    last_right = None
    for i, c in enumerate(text):
        if c.isspace():
            flush()
            last_right = None
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        top, bottom = page_height - top, page_height - bottom
        if chars and last_right is not None and (
            left - last_right > 0.6 * max(bottom - top, 1.0)   # a wide gap: two cells of a table row
            or left < last_right - 2 * max(bottom - top, 1.0)  # back to the left: next line ("QĐ-" / "UBND")
            or top > box[3] - 1
        ):
            flush()
        if not chars:
            box = [left, top, right, bottom]
        else:
            box = [min(box[0], left), min(box[1], top), max(box[2], right), max(box[3], bottom)]
        chars.append(c)
        last_right = right
    flush()
    return tuple(w for w in words if w.text)


def _has_paths(page, minimum: int) -> bool:
    count = 0
    for _ in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_PATH], max_depth=1):
        count += 1
        if count >= minimum:
            return True
    return False


def _open(path: Path) -> pdfium.PdfDocument:
    """Opens a PDF, turning pdfium's errors into messages a clerk can act on."""
    size = path.stat().st_size
    if size == 0:
        raise errors.EmptyFile(path.name)
    with open(path, "rb") as f:
        head = f.read(1024)
    if b"%PDF" not in head:
        raise errors.NotAPdf(path.name)
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        # pdfium's error code can be stale (left by an earlier failure): ask pdfplumber what is wrong
        import pdfplumber
        from pdfminer.pdfdocument import PDFPasswordIncorrect

        try:
            with pdfplumber.open(path) as plumber:
                if len(plumber.pages) == 0:
                    raise errors.NoPages(path.name) from e
        except errors.IngestError:
            raise
        except Exception as why:  # pdfplumber wraps every pdfminer failure in one exception type
            if isinstance(why.args[0] if why.args else None, PDFPasswordIncorrect) or "password" in str(e).lower():
                raise errors.EncryptedPdf(path.name) from e
        raise errors.DamagedPdf(path.name, str(e)) from e


def _layout_text(words: Sequence[Word], width: float, fallback: str) -> str:
    try:
        from ingest.layout import words_to_text
    except ImportError:  # layout module not available: keep pdfium's own order
        return fallback
    return words_to_text(words, width) if words else fallback


def read_text_layer(path: Path, *, tables: bool = True) -> list[Page]:
    """Reads every page's text layer; pages that need OCR come back with source `ocr` and no text.

    With `tables`, the text pages that have ruling lines also get their tables (pdfplumber).
    """
    pages, ruled = _text_pages(path)
    return _read_tables(path, pages, ruled) if tables else pages


def _text_pages(path: Path) -> tuple[list[Page], set[int]]:
    ruled: set[int] = set()
    pdf = _open(path)
    try:
        if len(pdf) == 0:
            raise errors.NoPages(path.name)
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            raw = textpage.get_text_range()
            text = clean(raw)
            source, reason = choose_source(text)
            words: tuple[Word, ...] = ()
            if source == "text":
                words = _words_from_textpage(textpage, raw, height)
                text = _layout_text(words, width, text)
            else:
                text = ""
            if source == "text" and _has_paths(page, TABLE_MIN_PATHS):
                ruled.add(index + 1)
            textpage.close()
            page.close()
            pages.append(Page(index + 1, text, source, reason, width, height, words))
        return pages, ruled
    finally:
        pdf.close()


def _read_tables(path: Path, pages: list[Page], wanted: set[int]) -> list[Page]:
    """Runs pdfplumber's table finder on the text pages that have ruling lines."""
    if not wanted:
        return pages
    import pdfplumber
    from ingest.tables import tables_from_pdfplumber

    found: dict[int, tuple] = {}
    with pdfplumber.open(path) as plumber:
        for number in wanted:
            found[number] = tables_from_pdfplumber(plumber.pages[number - 1])
    return [_replace(p, tables=found[p.number]) if p.number in found else p for p in pages]


def _replace(page: Page, **changes) -> Page:
    from dataclasses import replace

    return replace(page, **changes)


def read_pdf(
    path: str | Path,
    *,
    ocr: OcrFunction | None = None,
    workers: int | None = None,
    cache_dir: Path | None = None,
    trust_roots: Sequence[Path] = (),
    relative_to: Path | None = None,
    sha256: str | None = None,
) -> Document:
    """Reads one PDF into a Document; never raises for a bad file (status `failed` instead).

    `ocr` is the function that reads image pages (default: `ingest.ocr.ocr_pages`);
    tests inject a failing one to check that an OCR failure fails only that file.
    """
    path = Path(path)
    name = str(path.relative_to(relative_to)) if relative_to else path.name
    digest = sha256 or sha256_file(path)
    size = path.stat().st_size
    try:
        pages = read_text_layer(path)
        need_ocr = [p.number - 1 for p in pages if p.source == "ocr"]
        if need_ocr:
            if ocr is None:
                from functools import partial

                from ingest.ocr import ocr_pages

                ocr = partial(ocr_pages, file_sha256=digest)  # a page of a file seen before skips rendering
            results = ocr(path, need_ocr, workers=workers or os.cpu_count() or 1, cache_dir=cache_dir)
            pages = [_apply_ocr(p, results.get(p.number - 1)) if p.source == "ocr" else p for p in pages]
            pages = _drop_repeated_headers(pages)
        from ingest.signatures import read_signatures

        signatures = read_signatures(path, trust_roots=trust_roots)
    except errors.IngestError as e:
        return Document(digest, name, status="failed", error=str(e), error_code=e.code, size=size)
    except Exception as e:  # an unforeseen library failure must fail this file, not the run
        err = errors.DamagedPdf(name, f"{type(e).__name__}: {e}")
        return Document(digest, name, status="failed", error=str(err), error_code=err.code, size=size)
    return Document(digest, name, tuple(pages), signatures, size=size)


def _is_header_row(row: tuple) -> bool:
    """A table row naming columns ("STT", "Đơn vị thực hiện", "Ghi chú"; rules/criteria.yaml), no numbers."""
    from ingest.tables import column_patterns
    from ingest.textnorm import fold

    cells = [fold(c or "") for c in row]
    return not any(ch.isdigit() for c in cells for ch in c) and \
        any(p.search(c) for c in cells for p in column_patterns(3).values())


def _drop_repeated_headers(pages: list[Page]) -> list[Page]:
    """A table's header row repeated at the top of every page: the page text keeps it on the first only.

    (Page.tables keeps every row: the table readers recognise header rows themselves.)
    """
    seen = False
    out = []
    for page in pages:
        if page.source == "ocr" and page.tables and page.tables[0] and _is_header_row(page.tables[0][0]):
            first = "\t".join(c or "" for c in page.tables[0][0])
            lines = page.text.split("\n")
            if seen and first in lines:
                lines.remove(first)
                page = _replace(page, text="\n".join(lines))
            seen = True
        out.append(page)
    return out


def _apply_ocr(page: Page, result: OcrResult | None) -> Page:
    if result is None:
        raise errors.OcrFailed(f"page {page.number}")
    text = clean(result.text)
    if not text.strip():
        return _replace(page, text="", source="empty", reason=page.reason + "; OCR found no text (blank page)",
                        image_sha256=result.image_sha256)
    return _replace(page, text=text, source="ocr", reason=page.reason + "; read by OCR",
                    words=result.words, confidence=result.confidence, tables=result.tables,
                    image_sha256=result.image_sha256)
