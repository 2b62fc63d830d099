"""Errors raised while reading a PDF, each with a stable `code` and a message that says what to do.

The CLI turns an `IngestError` into one line for the user and a `status = failed` row;
`code` is what goes into the database (`Document.error_code`), so it never changes.

>>> err = EncryptedPdf("corpus/cv-599.pdf")
>>> err.code
'encrypted_pdf'
>>> str(err)
'corpus/cv-599.pdf: The PDF is password-protected. Remove the password and drop the file into corpus/ again.'
>>> TesseractMissing().code
'tesseract_missing'

A bad file (`NotAPdf`, `DamagedPdf`, …) is the user's to fix; an `InternalError` is congvan's
own bug (OCRmyPDF's `other_error` beside `input_file`): the message asks to report it.
"""
from __future__ import annotations

import sys

from congvan.ingest.model import Status  # noqa: F401  (re-exported: its importers read it from here)


# Libraries that parse the file: an exception they raise means a bad file, not a congvan bug.
_FILE_LIBRARIES = frozenset({"pdfminer", "pdfplumber", "pypdfium2", "pikepdf", "PIL", "fitz", "zlib", "docx", "odf"})
_OWN_PACKAGES = frozenset({"congvan"})   # ingest, extract, db, rules install as congvan.*


class IngestError(Exception):
    """Base class: a file (or the machine) cannot be ingested, with advice for the user."""

    code = "ingest_error"
    advice = "The file could not be read."

    def __init__(self, subject: str | None = None, detail: str | None = None) -> None:
        parts = [self.advice]
        if detail:
            parts.append(f"({detail})")
        message = " ".join(parts)
        if subject:
            message = f"{subject}: {message}"
        super().__init__(message)
        self.subject = subject
        self.detail = detail

    @property
    def message(self) -> str:
        return str(self)

    def __reduce__(self):  # sent back from a worker process: rebuilt from its parts, not its message
        return (type(self), (self.subject, self.detail))


class TesseractMissing(IngestError):
    code = "tesseract_missing"
    advice = (
        "Tesseract OCR with Vietnamese data is not installed. Install it with: "
        "sudo apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd"
    )


class NotAPdf(IngestError):
    code = "not_a_pdf"
    advice = "This is not a PDF file. Save or export the document as PDF and drop it into corpus/ again."


class EncryptedPdf(IngestError):
    code = "encrypted_pdf"
    advice = "The PDF is password-protected. Remove the password and drop the file into corpus/ again."


class DamagedPdf(IngestError):
    code = "damaged_pdf"
    advice = "The PDF is damaged or incomplete. Download or scan it again and replace the file."


class EmptyFile(IngestError):
    code = "empty_file"
    advice = "The file is empty (0 bytes). Copy the document again; the transfer probably failed."


class NoPages(IngestError):
    code = "no_pages"
    advice = "The PDF has no pages. Check that the right file was exported."


class OcrFailed(IngestError):
    code = "ocr_failed"
    advice = "Text recognition (OCR) failed on this file. Try again; if it keeps failing, rescan the pages."


class TooLarge(IngestError):
    code = "too_large"
    advice = ("The file needs more memory than a document may take (a page too large to render, or content "
              "that expands to gigabytes). It is probably not a scanned letter; if it is, scan it again at "
              "normal size (A4, 200–300 dpi), or raise the limit: congvan ingest --max-memory-mb / --max-pixels.")


class TooSlow(IngestError):
    code = "too_slow"
    advice = ("Reading the file took longer than the time limit and was stopped. If it is a very long scan, "
              "split it or raise the limit: congvan ingest --max-seconds.")


class TooManyPages(IngestError):
    code = "too_many_pages"
    advice = ("The file has more pages than a document may have. Split it into its documents, or raise the "
              "limit: congvan ingest --max-pages.")


class InternalError(IngestError):
    code = "internal_error"
    advice = ("congvan itself failed on this file (a bug, not a problem with the file). Please report it with "
              "this message (and the file if you may share it); the other files were read.")


class IngestRunning(IngestError):
    code = "ingest_running"
    advice = "Another congvan ingest or watch is writing to this database; this one waits until it has finished."


def from_exception(error: BaseException, subject: str) -> IngestError:
    """Any failure while reading a file as the `IngestError` a clerk reads, naming the file as `subject`.

    An `IngestError` is re-addressed to `subject` (the file's path under the corpus); running
    out of memory is `TooLarge`, never "damaged"; an exception of a library that parses the
    file (pdfminer, pdfium, PIL, …: its class, or where it was raised) is `DamagedPdf`;
    anything else is congvan's own bug, an `InternalError` naming the exception's type.

    >>> from_exception(NotAPdf("a.pdf"), "thu-muc/a.pdf").subject
    'thu-muc/a.pdf'
    >>> message = str(from_exception(OcrFailed("page 3"), "thu-muc/a.pdf"))
    >>> message.startswith("thu-muc/a.pdf: Text recognition"), message.endswith("rescan the pages. (page 3)")
    (True, True)
    >>> from_exception(MemoryError(), "b.pdf").code
    'too_large'
    >>> import zlib
    >>> from_exception(zlib.error("invalid stored block lengths"), "b.pdf").code
    'damaged_pdf'
    >>> bug = from_exception(KeyError("issuer"), "b.pdf")
    >>> bug.code, bug.detail
    ('internal_error', "KeyError: 'issuer'")
    """
    if isinstance(error, IngestError):
        return error if error.subject == subject else _readdressed(error, subject)
    if isinstance(error, MemoryError):
        return TooLarge(subject, "ran out of memory")
    detail = f"{type(error).__name__}: {error}"
    return DamagedPdf(subject, detail) if _from_file_library(error) else InternalError(subject, detail)


def _root(module: str | None) -> str:
    return (module or "").split(".", 1)[0]


def _from_file_library(error: BaseException) -> bool:
    """True when a library that parses the file raised `error` (or the error it wraps): its class is
    theirs, or the innermost frame outside the standard library is theirs, not congvan's."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _root(type(error).__module__) in _FILE_LIBRARIES:
            return True
        frames, tb = [], error.__traceback__
        while tb is not None:
            frames.append(_root(tb.tb_frame.f_globals.get("__name__")))
            tb = tb.tb_next
        innermost = next((m for m in reversed(frames) if m not in sys.stdlib_module_names), None)
        if innermost in _FILE_LIBRARIES:
            return True
        if innermost in _OWN_PACKAGES:
            return False
        error = error.__cause__ or (error.args[0] if error.args and isinstance(error.args[0], BaseException)
                                    else None)
    return False


def _readdressed(error: IngestError, subject: str) -> IngestError:
    """The error about `subject`; what it named before (a page, a file's bare name) kept when it says more."""
    detail = error.detail
    if error.subject and error.subject not in (subject, subject.rsplit("/", 1)[-1]):
        detail = f"{error.subject}: {detail}" if detail else error.subject
    try:
        return type(error)(subject, detail)
    except TypeError:   # a subclass with another constructor keeps its own message
        return error
