"""The header's number and date completed from the slots written by hand (`ingest.handwriting`).

Page OCR reads a figure written by pen into "Số: ____/BCA-C04" or "ngày __ tháng __" as
noise or not at all. `ingest.handwriting` reads those slots again from the page as
rendered and records each as `read` (a sure value), `unreadable` (pen ink, no sure
reading) or `blank` (no ink). Here:

- a `read` slot gives the number, the day or the month;
- an `unreadable` slot leaves its field unknown, never guessed and never written as if the
  document had left it blank: `reference` is null (not "/BCA-C04", which the contract keeps
  for a number left blank, and which would make two letters of the same issuer and day one
  document) while `symbol` is kept; `issued_date` is null (a partial date says the document
  left the day or month blank) while `issued_date_partial` keeps what is known ("2025-10"),
  and `handwritten_unread` names what a clerk must read on the page ("số, ngày"). A slot
  whose figures page OCR read sure (typed ones) is not read again, and keeps them;
- a `blank` slot changes nothing ("ngày   tháng 9 năm 2021" stays 2021-09).
"""
from __future__ import annotations

import datetime
from dataclasses import replace

from congvan.extract.model import Header
from congvan.ingest.model import Document, Slot

def apply(header: Header, document: Document) -> Header:
    """`header` with its number and date completed from the first page's handwritten slots.

    `header` may already say that a slot holds something unread (`handwritten_unread`: OCR
    read junk where the number or the day stands, extract.header); a slot read here clears it.

    >>> from congvan.ingest.model import Page
    >>> page = Page(1, "", "ocr", handwriting=(Slot("number", 0, 0, 1, 1, True, "4552"), Slot("day", 0, 0, 1, 1, True, "9"),
    ...                                          Slot("month", 0, 0, 1, 1, True, "10")))
    >>> h = apply(Header(symbol="BCA-C04", reference="/BCA-C04", issued_date="2025"), Document("x", "x.pdf", (page,)))
    >>> h.reference, h.number, h.issued_date
    ('4552/BCA-C04', '4552', '2025-10-09')
    >>> page = Page(1, "", "ocr", handwriting=(Slot("number", 0, 0, 1, 1, True), Slot("day", 0, 0, 1, 1, False)))
    >>> h = apply(Header(symbol="SCT-VP", reference="/SCT-VP", issued_date="2021-09"), Document("x", "x.pdf", (page,)))
    >>> h.reference, h.symbol, h.issued_date, h.handwritten_unread
    (None, 'SCT-VP', '2021-09', ('số',))
    >>> page = Page(1, "", "ocr", handwriting=(Slot("number", 0, 0, 1, 1, True), Slot("day", 0, 0, 1, 1, True)))
    >>> h = apply(Header(symbol="BCA-C04", reference="/BCA-C04", issued_date="2025-10"), Document("x", "x.pdf", (page,)))
    >>> h.reference, h.issued_date, h.issued_date_partial, h.handwritten_unread
    (None, None, '2025-10', ('số', 'ngày'))
    >>> page = Page(1, "", "ocr", handwriting=(Slot("day", 0, 0, 1, 1, True, "9"),))   # OCR junk for the day, read here
    >>> h = apply(Header(issued_date_partial="2025-10", handwritten_unread=("ngày",)), Document("x", "x.pdf", (page,)))
    >>> h.issued_date, h.issued_date_partial, h.handwritten_unread
    ('2025-10-09', None, ())
    """
    pages = [p for p in document.pages if p.handwriting]
    if not pages or pages[0].number != document.pages[0].number:
        return header
    slots = {slot.name: slot for slot in pages[0].handwriting}
    unread = {name for name, word in _SLOT_WORDS if _unknown(slots.get(name))
              or (word in header.handwritten_unread and not (slots.get(name) and slots[name].value))}
    header = _date(_number(header, slots.get("number")), slots.get("day"), slots.get("month"), unread)
    return replace(header, handwritten_unread=tuple(word for name, word in _SLOT_WORDS if name in unread))


_SLOT_WORDS = (("number", "số"), ("day", "ngày"), ("month", "tháng"))   # as the header prints them


def _unknown(slot: Slot | None) -> bool:
    """Pen ink no reading is sure of (page OCR's own figures there were not sure either: a slot
    page OCR read sure is not read again, `HandwritingSettings.typed_confidence`)."""
    return slot is not None and slot.state == "unreadable"


def _number(header: Header, slot: Slot | None) -> Header:
    if slot is None or not header.symbol:
        return header
    if slot.value:
        return replace(header, number=slot.value, reference=f"{slot.value}/{header.symbol}")
    if _unknown(slot):
        return replace(header, number=None, reference=None)
    return header


def _date(header: Header, day: Slot | None, month: Slot | None, unread: set[str]) -> Header:
    known = header.issued_date or header.issued_date_partial
    if not known or (day is None and month is None):
        return header
    parts = known.split("-")
    year, got_month, got_day = parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None
    got_month = month.value if month is not None and month.value else got_month
    got_day = day.value if day is not None and day.value else got_day
    if "month" in unread or "day" in unread:
        known = f"{year}-{int(got_month):02d}" if got_month and "month" not in unread else year
        return replace(header, issued_date=None, issued_date_partial=known)
    header = replace(header, issued_date_partial=None)
    if got_day and not got_month:
        return replace(header, issued_date=year)   # a day read without its month says nothing more
    if got_day:
        try:
            datetime.date(int(year), int(got_month), int(got_day))
        except ValueError:
            return replace(header, issued_date=None)   # no such day: one of the figures is misread
        return replace(header, issued_date=f"{year}-{int(got_month):02d}-{int(got_day):02d}")
    return replace(header, issued_date=f"{year}-{int(got_month):02d}" if got_month else year)
