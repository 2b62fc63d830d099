"""Page images for OCR: pypdfium2 rendering, or a scan's own JPEG decoded where that gives the same pixels.

`render_pages(path, indexes, dpi)` opens the PDF once for a batch; `image_sha256` is the
pixel hash the OCR cache is keyed by.
"""
from __future__ import annotations

import hashlib
import io
import math
import threading
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from congvan.ingest.annotations import printed_page
from congvan.ingest.limits import active as active_limits, check_page_size

PDFIUM_LOCK = threading.Lock()  # pdfium is not thread-safe


def render_page(pdf_path: str | Path, page_index: int, dpi: int, native_up_to: int = 0) -> Image.Image:
    """Render one page with pypdfium2: RGB when the page may hold colour (a red seal), else grayscale.

    A page whose only content is grayscale images (a gray scan) comes back in mode "L". A
    page that is one JPEG scanned at exactly `dpi` is not rendered: its JPEG is decoded
    (the same pixels, ~4× faster; see `_scanned_jpeg`). `native_up_to`: a page that is one
    scanned image finer than `dpi` is rendered at the image's own resolution, up to this
    many dpi (`scan_dpi`). What annotations draw (a number or a day typed in by the signing
    system) is flattened into the page first, so a page with such annotations is rendered;
    the signing system's signer boxes are left out (`ingest.annotations.printed_page`).
    """
    return render_pages(pdf_path, [page_index], dpi, native_up_to)[0][0]


def render_pages(pdf_path: str | Path, page_indexes: Sequence[int], dpi: int, native_up_to: int = 0
                 ) -> list[tuple[Image.Image, float]]:
    """Each page as `render_page` gives it, with its width in points; the PDF opened once."""
    out = []
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            for index in page_indexes:
                page = printed_page(pdf, index)  # annotations drawn in, signer boxes left out
                try:
                    wanted = max(dpi, min(native_up_to, scan_dpi(page) or 0))
                    check_page_size(active_limits(), *page.get_size(), wanted, page=index + 1)  # before the bitmap
                    out.append((_render(page, wanted), page.get_size()[0]))
                finally:
                    page.close()
        finally:
            pdf.close()
    return out


def scan_dpi(page: pdfium.PdfPage) -> int | None:
    """The resolution of the scan a page is, when it is one image spread over the whole page, else None."""
    if pdfium_c.FPDFPage_CountObjects(page.raw) != 1:
        return None
    obj = next(iter(page.get_objects(max_depth=1)))
    if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    width_pt = page.get_size()[0]
    a, b, c, d, e, f = obj.get_matrix().get()
    if b or c or abs(abs(a) - width_pt) > 2:
        return None
    return round(obj.get_metadata().width / width_pt * 72)


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


def image_sha256(image: Image.Image, strip_bytes: int = 1 << 20) -> str:
    """sha256 of the raw pixels (mode and size included): the OCR cache key.

    The pixels are hashed a strip of rows at a time, the same bytes in the same order as
    `image.tobytes()` (~1 MB at a time instead of a copy of the whole page: 11 against 25 ms
    for a colour page at 200 dpi).

    >>> page = Image.new("RGB", (300, 200), (250, 240, 230)); page.paste((10, 20, 30), (40, 50, 260, 60))
    >>> digest = hashlib.sha256(b"RGB:300x200:" + page.tobytes()).hexdigest()
    >>> image_sha256(page) == digest, image_sha256(page, strip_bytes=1000) == digest
    (True, True)
    """
    digest = hashlib.sha256(f"{image.mode}:{image.width}x{image.height}:".encode())
    rows = max(1, strip_bytes // max(1, image.width * len(image.getbands())))
    for top in range(0, image.height, rows):
        digest.update(image.crop((0, top, image.width, min(image.height, top + rows))).tobytes())
    return digest.hexdigest()
