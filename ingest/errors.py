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
"""
from __future__ import annotations


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
