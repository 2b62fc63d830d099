"""What ingestion hands to extraction: a PDF as pages of text with word positions.

Frozen dataclasses, no behaviour beyond small derived views. Coordinates are PDF
points from the top-left corner of the page (pdfplumber's convention), whatever
produced them: pdfplumber for text layers, tesseract boxes scaled back for OCR.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """A document's or a file's state; the stored values are these strings (`documents.status`)."""

    OK = "ok"              # read, every fact family extracted
    PARTIAL = "partial"    # read, but a fact family failed (a bug): `error` says which; the other facts are kept
    FAILED = "failed"      # the file could not be read: `error` says what to do
    REMOVED = "removed"    # its file left the corpus
    SKIPPED = "skipped"    # (a run's result, never stored) same bytes as a file read before


@dataclass(frozen=True, slots=True)
class Word:
    """A word on a page with its box in points and, for OCR, tesseract's confidence (0–100)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    conf: float | None = None

    def __reduce__(self):  # pickled as its fields: twice as fast as a slotted dataclass's state (worker results)
        return (Word, (self.text, self.x0, self.top, self.x1, self.bottom, self.conf))


@dataclass(frozen=True, slots=True)
class Slot:
    """A header slot a number or a day is written into by hand (`ingest.handwriting`): `number`,
    `day` or `month`, its box in points, what was read there.

    `ink`: the slot holds pen ink; `value`: the figures read, None when blank or unreadable;
    `confidence`: the agreeing readings' lowest confidence; `readings`: how many agreed.
    """

    name: str
    x0: float
    top: float
    x1: float
    bottom: float
    ink: bool = False
    value: str | None = None
    confidence: float | None = None
    readings: int = 0
    page_text: str = ""   # what page OCR read in the slot
    page_confidence: float | None = None

    @property
    def state(self) -> str:
        """`read`, `unreadable` (ink, no sure reading) or `blank` (no ink).

        >>> Slot("day", 0, 0, 1, 1, True, "9").state, Slot("day", 0, 0, 1, 1, True).state, Slot("day", 0, 0, 1, 1).state
        ('read', 'unreadable', 'blank')
        """
        return "read" if self.value else "unreadable" if self.ink else "blank"


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its text (NFC), where that text came from and why, and its words when read.

    `source` is `text` (the PDF's text layer), `ocr` (tesseract) or `empty` (nothing
    readable, `blank_reason` says why). `reason` says why that source was chosen, in
    plain words. `stamps` are the signing system's boxes ("Ký bởi: …", "Thời gian ký: …")
    taken out of `text` and `words`. `words` holds
    positioned words for pages where layout matters (first page, signature page,
    tables); running-text pages may leave it empty.
    """

    number: int
    text: str
    source: str
    reason: str = ""
    width: float = 595.0
    height: float = 842.0
    words: tuple[Word, ...] = ()
    confidence: float | None = None
    tables: tuple[tuple[tuple[str | None, ...], ...], ...] = ()
    image_sha256: str | None = None
    stamps: tuple[str, ...] = ()       # lines a signing system stamped on the page ("Ký bởi: …"), not in `text`
    blank_reason: str | None = None    # why a page came out without text (source `empty`); None otherwise
    raw_text: str | None = None  # OCR pages: the text as tesseract read it, before post-correction
    handwriting: tuple[Slot, ...] = ()  # first OCR page: the header slots filled in by hand (ingest.handwriting)


@dataclass(frozen=True, slots=True)
class Signature:
    """A digital signature embedded in the PDF, as pyHanko reads and verifies it."""

    field_name: str
    signer_name: str | None
    signer_email: str | None
    organization: str | None
    signed_at: str | None
    intact: bool
    covers_whole_document: bool
    trusted: bool
    certificate_issuer: str | None
    page: int | None = None
    summary: str = ""
    cms_signed_at: str | None = None  # the CMS signingTime as written (often local time labelled UTC)


@dataclass(frozen=True, slots=True)
class Document:
    """An ingested file. `status` is `Status.OK` or `Status.FAILED`; a failed one has `error` and no pages."""

    sha256: str
    path: str
    pages: tuple[Page, ...] = ()
    signatures: tuple[Signature, ...] = ()
    status: str = Status.OK
    error: str | None = None
    error_code: str | None = None
    size: int = 0

    @property
    def text_source(self) -> str | None:
        sources = {p.source for p in self.pages if p.source != "empty"}
        if not sources:
            return None
        if sources == {"text"}:
            return "text"
        if sources == {"ocr"}:
            return "ocr"
        return "mixed"

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)


@dataclass(frozen=True, slots=True)
class OcrResult:
    """What an OCR function returns for one page image."""

    text: str
    words: tuple[Word, ...] = field(default_factory=tuple)
    confidence: float | None = None
    tables: tuple[tuple[tuple[str | None, ...], ...], ...] = ()
    image_sha256: str | None = None
    note: str = ""  # why nothing was read, when nothing was (a page with no ink)
    raw_text: str | None = None  # the text before post-correction (`ingest.correct`)
    handwriting: tuple[Slot, ...] = ()  # header slots read by `ingest.handwriting` (not in the page cache)
