"""PDF → Document: the text layer where it is usable, OCR where it is not.

Text layers are read with pypdfium2 (the engine under pdfplumber, ~75× faster for
text) with a box for every character, so headers and footers can be split into
columns by position. Ruled tables: the page's ruling lines (pypdfium2 path objects)
through pdfplumber's table algorithm. Pages with no usable text layer are rendered and OCR'd.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import regex

from congvan.ingest import errors
from congvan.ingest.agreement import agree
from congvan.ingest.annotations import flatten, split_stamp_lines
from congvan.ingest.limits import DEFAULT, Limits, check_page_count, check_page_size
from congvan.ingest.model import Document, OcrResult, Page, Status, Word
from congvan.ingest.ocr_settings import DEFAULT_SETTINGS
from congvan.ingest.ruling import ruling_edges
from congvan.ingest.textnorm import clean

OcrFunction = Callable[..., dict[int, OcrResult]]

MIN_LETTERS = 40          # fewer letters than this on a page: the text layer is not the page
MIN_GOOD_RATIO = 0.85     # share of characters that are letters, digits, punctuation of Vietnamese text

_STAMP_LINE = regex.compile(
    r"(?i)đã ký lên văn bản này|ký bởi\s*:|thời gian ký\s*:|ban cơ yếu chính phủ|phiên bản thử nghiệm",
)
# readable characters of Vietnamese text, spaces apart
_GOOD_CHAR = regex.compile(r"[\p{Latin}\p{N}.,;:!?()\[\]/\-–—_%&+'\"“”‘’…*<>=@#§°]")
_SPACE = regex.compile(r"\s")
# Vietnamese letters and tone marks (decomposed): 55–80 % of the words of a Vietnamese page
# have one (dev sets' text layers); a scanner's own OCR layer in a broken font encoding
# ("THANH Ho Ho cui", "ph6p", "nhdn ddn") has almost none
_VIETNAMESE = regex.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323]")
_WORD = regex.compile(r"\p{L}{2,}")
MIN_MARKED_SHARE = 0.2
# a text layer typed in a legacy 8-bit font (TCVN3/VNI mapped to Latin-1: "CØNG HÒA", "CHæ NGH(A")
# has letters Vietnamese does not (Ø, æ, Æ in 21 % of words); real text layers of the dev sets ≤ 0.3 %
_VIETNAMESE_LETTERS = frozenset(
    "đĐ" + "".join(unicodedata.normalize("NFC", base + mark) for base in "aeiouyâăêôơưAEIOUYÂĂÊÔƠƯ"
                   for mark in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")))
MAX_FOREIGN_SHARE = 0.05
MIN_WORDS_FOR_MARKS = 30   # fewer words than this (a table of figures, a name list): not judged


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
    >>> choose_source("BØ CÔNG AN CØNG HOÀ XÃ HØI CHæ NGH(A VIÆT NAM Ùc l-p Tå do H¡nh phúc " * 3)[1]
    'text layer in a legacy font encoding (38% of words with letters Vietnamese has not)'
    >>> choose_source("Sd Tu ph6p nhen duo c Phi6u chuy6n sd 3578 ngey 09 thing 02 ndm 20tl " * 3)
    ('ocr', 'text layer is not Vietnamese as written (0% of words with its letters)')
    """
    body = "\n".join(line for line in text.splitlines() if not _STAMP_LINE.search(line))
    letters = sum(1 for c in body if c.isalpha())
    if not text.strip():
        return "ocr", "no text layer"
    if letters < MIN_LETTERS:
        if letters < sum(1 for c in text if c.isalpha()):
            return "ocr", "text layer holds only a signature stamp"
        return "ocr", f"text layer too short ({letters} letters)"
    visible = len(body) - len(_SPACE.findall(body))
    good = len(_GOOD_CHAR.findall(body))
    if visible and good / visible < MIN_GOOD_RATIO:
        return "ocr", f"text layer looks garbled ({good / visible:.0%} readable characters)"
    words = _WORD.findall(body)
    if len(words) >= MIN_WORDS_FOR_MARKS:
        marked = sum(1 for w in words if _VIETNAMESE.search(unicodedata.normalize("NFD", w)))
        if marked / len(words) < MIN_MARKED_SHARE:
            return "ocr", f"text layer is not Vietnamese as written ({marked / len(words):.0%} of words with its letters)"
        foreign = sum(1 for w in words if any(c not in _VIETNAMESE_LETTERS and ord(c) > 127 for c in w))
        if foreign / len(words) > MAX_FOREIGN_SHARE:
            return "ocr", f"text layer in a legacy font encoding ({foreign / len(words):.0%} of words with letters Vietnamese has not)"
    return "text", f"text layer with {letters} letters"


def _words_from_textpage(textpage, text: str, page_height: float) -> tuple[Word, ...]:
    """Groups pdfium's characters into words with boxes (top-left origin, points).

    A word ends at a space, at a gap wider than 0.6 of the letter height (two cells of a
    table row), where the text goes back left (the next line) or down.
    """
    words: list[Word] = []
    chars: list[str] = []
    x0 = top0 = x1 = bottom0 = 0.0
    rect = pdfium_raw.FS_RECTF()  # one box filled in place per character (the wrapper allocates one each)
    charbox, raw = pdfium_raw.FPDFText_GetLooseCharBox, textpage.raw
    last_right = None
    for i, c in enumerate(text):
        if c.isspace():
            if chars:
                words.append(Word(clean("".join(chars)), x0, top0, x1, bottom0))
                chars = []
            last_right = None
            continue
        charbox(raw, i, rect)
        left, right, top, bottom = rect.left, rect.right, page_height - rect.top, page_height - rect.bottom
        height = bottom - top if bottom - top > 1.0 else 1.0
        if chars and last_right is not None and (
            left - last_right > 0.6 * height or left < last_right - 2 * height or top > bottom0 - 1
        ):
            words.append(Word(clean("".join(chars)), x0, top0, x1, bottom0))
            chars = []
        if not chars:
            x0, top0, x1, bottom0 = left, top, right, bottom
        else:
            x0, top0 = (left if left < x0 else x0), (top if top < top0 else top0)
            x1, bottom0 = (right if right > x1 else x1), (bottom if bottom > bottom0 else bottom0)
        chars.append(c)
        last_right = right
    if chars:
        words.append(Word(clean("".join(chars)), x0, top0, x1, bottom0))
    return tuple(w for w in words if w.text)


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
        from congvan.ingest.layout import words_to_text
    except ImportError:  # layout module not available: keep pdfium's own order
        return fallback
    return words_to_text(words, width) if words else fallback


def read_text_layer(path: Path, *, tables: bool = True, limits: Limits = DEFAULT) -> list[Page]:
    """Reads every page's text layer; pages that need OCR come back with source `ocr` and no text.

    With `tables`, text pages with ruling lines also get their tables (`ingest.tables.tables_from_edges`).
    A file over `limits.max_pages`, or a page to OCR whose bitmap would exceed `limits.max_pixels`,
    raises before anything is rendered.
    """
    from congvan.ingest.ocr import DEFAULT_SETTINGS
    from congvan.ingest.tables import tables_from_edges

    pdf = _open(path)
    try:
        if len(pdf) == 0:
            raise errors.NoPages(path.name)
        check_page_count(limits, len(pdf))
        pages = []
        for index in range(len(pdf)):
            page, stamps = flatten(pdf, index)  # what the signing system wrote over the page is read too
            width, height = page.get_size()
            textpage = page.get_textpage()
            raw = textpage.get_text_range()
            text = clean(raw)
            source, reason = choose_source(text)
            words: tuple[Word, ...] = ()
            if source == "text":
                words = _words_from_textpage(textpage, raw, height)
                text = _layout_text(words, width, text)
                lines, found_stamps = split_stamp_lines(text.split("\n"))
                text, stamps = "\n".join(lines), stamps + tuple(found_stamps)
            else:
                text = ""
                check_page_size(limits, width, height, DEFAULT_SETTINGS.dpi, page=index + 1)
            found = tables_from_edges(ruling_edges(page), words) if tables and source == "text" else ()
            textpage.close()
            page.close()
            if not (found or index in (0, len(pdf) - 1)):
                words = ()  # kept where layout matters (header, signature, tables): a Document sent back
                #             from a worker process is pickled, and running text's words are most of it
            pages.append(Page(index + 1, text, source, reason, width, height, words, tables=found, stamps=stamps))
        return pages
    finally:
        pdf.close()


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
    limits: Limits = DEFAULT,
) -> Document:
    """Reads one PDF into a Document; never raises for a bad file (status `failed` instead).

    `ocr` is the function that reads image pages (default: `ingest.ocr.ocr_pages`);
    tests inject a failing one to check that an OCR failure fails only that file.
    Many files at once: `ingest.reader.read_pdfs`.
    """
    document = read_layer(path, trust_roots=trust_roots, relative_to=relative_to, sha256=sha256, limits=limits)
    need = pages_to_ocr(document)
    if not need:
        return document
    if ocr is None:
        from functools import partial

        from congvan.ingest.ocr import ocr_pages

        ocr = partial(ocr_pages, file_sha256=document.sha256)  # a page of a file seen before skips rendering
    try:
        results = ocr(Path(path), need, workers=workers or os.cpu_count() or 1, cache_dir=cache_dir)
    except Exception as e:  # noqa: BLE001 — whatever OCR raises fails this file, not the run
        return failed(document, e)
    return complete_ocr(document, results)


def read_layer(
    path: str | Path, *, trust_roots: Sequence[Path] = (), relative_to: Path | None = None,
    sha256: str | None = None, limits: Limits = DEFAULT,
) -> Document:
    """Everything but OCR: text layer and tables of every page, signatures.

    Pages without a usable text layer come back with source `ocr` and no text
    (`pages_to_ocr` lists them; `complete_ocr` fills them in). Never raises for a bad file.
    """
    path = Path(path)
    document = empty_document(path, relative_to=relative_to, sha256=sha256)
    try:
        pages = read_text_layer(path, limits=limits)
        from congvan.ingest.signatures import read_signatures

        signatures = read_signatures(path, trust_roots=trust_roots)
    except Exception as e:  # noqa: BLE001 — an unforeseen library failure must fail this file, not the run
        return failed(document, e)
    return _replace(document, pages=tuple(pages), signatures=tuple(signatures))


def empty_document(path: Path, *, relative_to: Path | None = None, sha256: str | None = None) -> Document:
    """The Document of a file before anything is read: its hash, its name (relative to the corpus), its size."""
    name = str(path.relative_to(relative_to)) if relative_to else path.name
    return Document(sha256 or sha256_file(path), name, size=path.stat().st_size)


def pages_to_ocr(document: Document) -> list[int]:
    """0-based indexes of the pages `read_layer` left for OCR."""
    return [p.number - 1 for p in document.pages if p.source == "ocr" and not p.text] if document.status == Status.OK else []


def complete_ocr(document: Document, results: dict[int, OcrResult]) -> Document:
    """The document with its OCR pages filled from `results` (page index → OcrResult), their words
    read as the rest of the document reads them (`ingest.agreement`)."""
    try:
        pages = [_apply_ocr(p, results.get(p.number - 1)) if p.source == "ocr" else p for p in document.pages]
    except errors.IngestError as e:
        return failed(document, e)
    if DEFAULT_SETTINGS.correct:
        pages = agree(pages)
    return _replace(document, pages=tuple(_drop_repeated_headers(pages)))


def failed(document: Document, error: Exception) -> Document:
    """The document as a failed one: no pages, the error in words a clerk can act on."""
    error = errors.from_exception(error, document.path)   # out of memory → too_large; named by its corpus path
    return Document(document.sha256, document.path, status=Status.FAILED, error=str(error), error_code=error.code,
                    size=document.size)


def _repeats(row: tuple, earlier: tuple) -> bool:
    """`row` reads as `earlier` (OCR misses a letter or two, or runs text into a cell): as many cells,
    and more than half of them alike (difflib ratio ≥ 0.8 on folded text).

    >>> _repeats(("STT", "Lĩnh vực/Tiêu chí", "Đơn vị thực hiện"), ("STT", "Lãnh vực/Tiêu chí", "Đơn vi thực hiện"))
    True
    >>> _repeats(("STT", "Ngành, lĩnh vực", "Sản phẩm"), ("TT", "Nhiệm vụ, hoạt động cụ thể", "Cơ quan chủ trì"))
    False
    """
    from difflib import SequenceMatcher

    from congvan.ingest.textnorm import fold

    if len(row) != len(earlier):
        return False
    alike = sum(SequenceMatcher(None, fold(a or ""), fold(b or "")).ratio() >= 0.8 for a, b in zip(row, earlier))
    return alike * 2 > len(row)


def _drop_repeated_headers(pages: list[Page]) -> list[Page]:
    """A table's header row repeated at the top of later pages: the page text keeps it on the first only.

    A header row is told by its repetition, not by its words (which column is which is extract/'s
    knowledge): the first row of a page's first table, with text and no digit, that repeats
    (`_repeats`) the first row of the first table of an earlier OCR page.
    (Page.tables keeps every row: the table readers recognise header rows themselves.)
    """
    earlier: list[tuple] = []
    out = []
    for page in pages:
        row = page.tables[0][0] if page.source == "ocr" and page.tables and page.tables[0] else None
        if row and any(c and c.strip() for c in row) and not any(ch.isdigit() for c in row for ch in (c or "")):
            first = "\t".join(c or "" for c in row)
            lines = page.text.split("\n")
            if first in lines and any(_repeats(row, e) for e in earlier):
                lines.remove(first)
                page = _replace(page, text="\n".join(lines))
            earlier.append(row)
        out.append(page)
    return out


def _apply_ocr(page: Page, result: OcrResult | None) -> Page:
    if result is None:
        raise errors.OcrFailed(f"trang {page.number}")
    lines, stamps = split_stamp_lines(clean(result.text).split("\n"))
    text = "\n".join(lines)
    if stamps:
        page = _replace(page, stamps=page.stamps + tuple(stamps))
    if not text.strip():
        why = result.note or ("OCR found only a signer box" if stamps else "OCR found no words in the ink")
        return _replace(page, text="", source="empty", reason=page.reason + f"; taken for blank ({why})",
                        image_sha256=result.image_sha256, blank_reason=why)
    return _replace(page, text=text, source="ocr", reason=page.reason + "; read by OCR",
                    words=result.words, confidence=result.confidence, tables=result.tables,
                    image_sha256=result.image_sha256, raw_text=result.raw_text, handwriting=result.handwriting)
