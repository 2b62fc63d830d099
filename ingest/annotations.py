"""What a signing system or a form draws over a page: annotation appearances, and signer boxes.

VGCA/VGP signing software writes part of the document as widget annotations drawn over
the page: the number and the day typed in by the văn thư ("8151", "18", "9" beside a
printed "Số:" and "ngày … tháng …") and the signer box ("Ký bởi: Sở Tư pháp / Email: … /
Thời gian ký: 25.02.2021 15:12:01"). pypdfium2's text page leaves annotations out, and a
scan decoded straight from its JPEG never sees them. Here a page's annotations are
flattened into its content (`FPDFPage_Flatten`, as printed), so the text layer and the
renderer read them; the signer boxes are then set apart as stamps (`Page.stamps`): they
are the signing system's, not the document's header or body.

Chosen by measurement on the signed files of dev-real-scans: flattening gives, in one pass
and for both the text page and the rendered image, the text `pdftotext` shows for every
widget (numbers, days, signer boxes); drawing forms with `init_forms()` would reach the
image only, and reading appearance streams with pdfplumber would mean a second parser.

>>> is_stamp("Ký bởi: Sở Tư pháp\\nEmail: stp@tphcm.gov.vn")
True
>>> is_stamp("8151"), is_stamp("CHỦ TỊCH\\nTrịnh Tuấn Thành")
(False, False)
>>> split_stamp_lines(["Người ký: Sở Y tế", "Email: syt@tphcm.gov.vn", "Cơ quan: Thành phố Hồ Chí",
...                    "Minh", "Thời gian ký: 09.02.2021", "12:16:11 +07:00", "SỞ Y TẾ", "Số: 851/KH-SYT"])
(['SỞ Y TẾ', 'Số: 851/KH-SYT'], ['Người ký: Sở Y tế', 'Email: syt@tphcm.gov.vn', 'Cơ quan: Thành phố Hồ Chí', 'Minh', 'Thời gian ký: 09.02.2021', '12:16:11 +07:00'])
"""
from __future__ import annotations

import ctypes
from collections.abc import Sequence

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import regex

from congvan.ingest.textnorm import clean

_T = 1.0  # regex timeout, seconds
# a line only a signing system writes: who signed, when, the copy mark of a certified copy, the
# certificate authority's contact line of a VGCA box ("BAN CƠ YẾU CHÍNH PHỦ - ĐT: …; Fax: …"; the body
# is about the Ban Cơ yếu Chính phủ in "quân nhân công tác tại Ban Cơ yếu Chính phủ", and the issuer
# line of its own letters is "BAN CƠ YẾU CHÍNH PHỦ" alone: neither is a box)
STAMP_ANCHOR = regex.compile(
    r"(?i)^\s*(?:ký bởi|người ký|thời gian ký|ngày ký|cơ quan phát hành|signed by|signing time)\s*:"
    r"|đã ký lên văn bản này|^\s*ban cơ yếu chính phủ\s*[-–,;]\s*(?:đt|điện thoại|fax|e-?mail)\b"
    r"|^\s*SAO Y\s*(?:[;:,]|$)"
)
# a receipt stamp ("dấu đến") the receiving office put on the page: "CÔNG VĂN ĐẾN", "ĐẾN Số: … Ngày: …",
# "Giờ: …", "Chuyển: …" (upper-case ĐẾN alone or before a field, never "ĐẾN NĂM 2030" of a title)
RECEIPT_ANCHOR = regex.compile(
    r"^\s*(?:CÔNG\s+VĂN\s+)?ĐẾN(?:\s*$|\s*[:.,…]|\s+(?:Số|Ngày|Giờ)\b|\s+(?!\d{4}\b)\S*\d)"
    r"|^\s*Giờ\s*[:.…]|(?i:^\s*(?:Kính\s+)?chuyển\s*[:.…]|^\s*Lưu\s+hồ\s+sơ\s+số)"
)
# the other lines of a signer box, taken only next to an anchor line
STAMP_FIELD = regex.compile(r"(?i)^\s*(?:e-?mail|cơ quan|địa chỉ|chức vụ|tổ chức|đơn vị)\s*:")
# a continuation line of a box: a time, a date, an offset, or a short wrapped rest of a field
_STAMP_TAIL = regex.compile(
    r"^\s*(?:\d{1,2}:\d{2}(?::\d{2})?(?:\s*[+-]\d{2}:?\d{2})?|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?|[+-]\d{2}:\d{2}|\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)?)\s*$"
)


_DOTTED = regex.compile(r"^\S*(?:\.{3,}|…)\S*$")  # a stamp's blank filled in by hand: "Ngày...06..19.1.2026."
# the head line of a receiving office's stamp, whose name line stands just above it: "VĂN PHÒNG CHÍNH PHỦ / CÔNG VĂN ĐẾN"
_NAMED_RECEIPT = regex.compile(r"^\s*CÔNG\s+VĂN\s+ĐẾN\s*$")
_NAME_LINE = regex.compile(r"^\s*\p{Lu}+(?:\s+\p{Lu}+){1,7}\s*$")


def is_stamp(text: str) -> bool:
    """True when `text` (one annotation's, or one block's) has a line only a signing system writes."""
    return any(STAMP_ANCHOR.search(line, timeout=_T) for line in text.splitlines())


def split_stamp_lines(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """(lines of the document, lines of signer boxes) of a page read without annotation boxes (a scan).

    A box is an anchor line ("Ký bởi:", "Thời gian ký:", "SAO Y"; a receipt stamp's "CÔNG VĂN
    ĐẾN", "ĐẾN Số: …", "Giờ: …") with the field lines ("Email:", "Cơ quan:", "Địa chỉ:"), time,
    dotted or wrapped lines next to it.
    """
    stamp = [bool(STAMP_ANCHOR.search(line, timeout=_T) or RECEIPT_ANCHOR.search(line, timeout=_T))
             for line in lines]
    for i in range(1, len(lines)):   # the receiving office's name heads its "CÔNG VĂN ĐẾN" stamp
        if _NAMED_RECEIPT.match(lines[i], timeout=_T) and _NAME_LINE.match(lines[i - 1], timeout=_T):
            stamp[i - 1] = True
    changed = any(stamp)
    while changed:
        changed = False
        for i, line in enumerate(lines):
            if stamp[i]:
                continue
            beside = (i > 0 and stamp[i - 1]) or (i + 1 < len(lines) and stamp[i + 1])
            if beside and (STAMP_FIELD.search(line, timeout=_T) or _STAMP_TAIL.match(line, timeout=_T)
                           or _DOTTED.search(line, timeout=_T)):
                stamp[i] = changed = True
    return [ln for ln, s in zip(lines, stamp) if not s], [ln for ln, s in zip(lines, stamp) if s]


def flatten(pdf: pdfium.PdfDocument, index: int) -> tuple[pdfium.PdfPage, tuple[str, ...]]:
    """Page `index` as printed, its annotations drawn into its content, less the signer boxes;
    and the lines of those signer boxes.

    pdfium flattens every annotation's appearance into one form object holding one form
    per annotation: a form whose text is a signer box's is taken out of it, so neither the
    text page nor the rendered image holds it. The document is changed in memory only.
    A page without annotations is returned as it is.
    """
    page = pdf[index]
    if not pdfium_raw.FPDFPage_GetAnnotCount(page.raw):
        return page, ()
    before = pdfium_raw.FPDFPage_CountObjects(page.raw)
    pdfium_raw.FPDFPage_Flatten(page.raw, pdfium_raw.FLAT_PRINT)
    page.close()
    page = pdf[index]  # pdfium reads a flattened page's new content when the page is loaded again
    textpage = page.get_textpage()  # text objects tell their text through a text page
    stamps: list[str] = []
    try:
        for j in reversed(range(before, pdfium_raw.FPDFPage_CountObjects(page.raw))):
            drawn = pdfium_raw.FPDFPage_GetObject(page.raw, j)
            if pdfium_raw.FPDFPageObj_GetType(drawn) != pdfium_raw.FPDF_PAGEOBJ_FORM:
                continue
            for k in reversed(range(pdfium_raw.FPDFFormObj_CountObjects(drawn))):
                appearance = pdfium_raw.FPDFFormObj_GetObject(drawn, k)
                lines = [t.strip() for t in _texts(appearance, textpage.raw) if t.strip()]
                if is_stamp("\n".join(lines)):
                    pdfium_raw.FPDFFormObj_RemoveObject(drawn, appearance)
                    stamps[:0] = lines
            if not pdfium_raw.FPDFFormObj_CountObjects(drawn):  # nothing left: the page as it was (a scan's JPEG)
                pdfium_raw.FPDFPage_RemoveObject(page.raw, drawn)
    finally:
        textpage.close()
    return page, tuple(clean(line) for line in stamps)


def _texts(obj, textpage) -> list[str]:
    """The strings of the text objects inside a page object, forms walked, in drawing order."""
    kind = pdfium_raw.FPDFPageObj_GetType(obj)
    if kind == pdfium_raw.FPDF_PAGEOBJ_TEXT:
        size = pdfium_raw.FPDFTextObj_GetText(obj, textpage, None, 0)
        buffer = (ctypes.c_ushort * (size // 2 + 1))()
        pdfium_raw.FPDFTextObj_GetText(obj, textpage, buffer, size)
        return [bytes(buffer)[:size].decode("utf-16-le", errors="replace").rstrip("\x00")]
    if kind == pdfium_raw.FPDF_PAGEOBJ_FORM:
        return [t for i in range(pdfium_raw.FPDFFormObj_CountObjects(obj))
                for t in _texts(pdfium_raw.FPDFFormObj_GetObject(obj, i), textpage)]
    return []


def printed_page(pdf: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    """Page `index` as OCR should see it: what annotations draw (typed numbers, days) in, signer boxes out."""
    return flatten(pdf, index)[0]
