"""Errors raised while reading a PDF, each with a stable `code` and a message that says what to do
(in Vietnamese: the clerks of the Văn phòng read them).

The CLI turns an `IngestError` into one line for the user and a `status = failed` row;
`code` is what goes into the database (`Document.error_code`), so it never changes.

>>> err = EncryptedPdf("corpus/cv-599.pdf")
>>> err.code
'encrypted_pdf'
>>> str(err)
'corpus/cv-599.pdf: Tệp PDF có mật khẩu. Hãy gỡ mật khẩu rồi chép lại tệp vào corpus/.'
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
_OWN_PACKAGES = frozenset({"congvan", "ingest", "extract", "db", "rules"})


class IngestError(Exception):
    """Base class: a file (or the machine) cannot be ingested, with advice for the user."""

    code = "ingest_error"
    advice = "Không đọc được tệp."

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
        "Máy chưa cài Tesseract OCR với dữ liệu tiếng Việt. Cài bằng lệnh: "
        "sudo apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd"
    )


class NotAPdf(IngestError):
    code = "not_a_pdf"
    advice = "Tệp này không phải PDF. Hãy lưu hoặc xuất văn bản ra PDF rồi chép lại vào corpus/."


class EncryptedPdf(IngestError):
    code = "encrypted_pdf"
    advice = "Tệp PDF có mật khẩu. Hãy gỡ mật khẩu rồi chép lại tệp vào corpus/."


class DamagedPdf(IngestError):
    code = "damaged_pdf"
    advice = "Tệp PDF bị hỏng hoặc không trọn vẹn. Hãy tải về hoặc quét lại rồi thay tệp."


class EmptyFile(IngestError):
    code = "empty_file"
    advice = "Tệp rỗng (0 byte). Hãy chép lại văn bản; có lẽ lần chép trước bị lỗi."


class NoPages(IngestError):
    code = "no_pages"
    advice = "Tệp PDF không có trang nào. Hãy kiểm tra đã xuất đúng tệp chưa."


class OcrFailed(IngestError):
    code = "ocr_failed"
    advice = "Nhận dạng chữ (OCR) không chạy được trên tệp này. Hãy thử lại; nếu vẫn lỗi, hãy quét lại các trang."


class TooLarge(IngestError):
    code = "too_large"
    advice = ("Tệp cần nhiều bộ nhớ hơn mức cho phép một văn bản (một trang quá lớn để dựng ảnh, hoặc nội dung "
              "bung ra hàng gigabyte). Có lẽ đây không phải văn bản quét; nếu đúng là văn bản, hãy quét lại ở cỡ "
              "thường (A4, 200–300 dpi), hoặc nâng giới hạn: congvan ingest --max-memory-mb / --max-pixels.")


class TooSlow(IngestError):
    code = "too_slow"
    advice = ("Đọc tệp lâu quá thời hạn cho phép nên đã dừng. Nếu là bản quét rất dài, hãy tách tệp "
              "hoặc nâng giới hạn: congvan ingest --max-seconds.")


class TooManyPages(IngestError):
    code = "too_many_pages"
    advice = ("Tệp có nhiều trang hơn mức cho phép một văn bản. Hãy tách thành từng văn bản, hoặc nâng "
              "giới hạn: congvan ingest --max-pages.")


class WordConversionFailed(IngestError):
    code = "word_conversion_failed"
    advice = ("LibreOffice không chuyển được tệp Word này sang PDF. Hãy mở tệp bằng Word hoặc LibreOffice, "
              "lưu lại (hoặc xuất ra PDF) rồi chép lại vào corpus/.")


class LibreOfficeMissing(IngestError):
    code = "libreoffice_missing"
    advice = ("Tệp Word được chuyển sang PDF bằng LibreOffice, nhưng máy chưa cài. Chạy "
              "`sudo apt-get install libreoffice-writer-nogui` (hoặc `make install`) rồi ingest lại.")


# a Dask cluster (`congvan ingest --cluster`, congvan/cluster.py)
class ClusterUnreachable(IngestError):
    code = "cluster_unreachable"
    advice = ("Không có bộ lập lịch Dask nào trả lời ở địa chỉ này. Khởi động bằng `dask scheduler` và các "
              "worker bằng `dask worker tcp://HOST:8786 --nthreads 1`, hoặc dùng `--cluster local` trên máy này.")


class WorkerNotReady(IngestError):
    code = "worker_not_ready"
    advice = ("Một worker Dask không đọc được PDF. Cài congvan và tesseract với dữ liệu tiếng Việt trên mọi máy "
              "worker (sudo apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd).")


class NotOnWorker(IngestError):
    code = "not_on_worker"
    advice = ("Worker Dask không đọc được tệp này. Mọi worker phải thấy corpus ở cùng đường dẫn với máy chạy "
              "lệnh (gắn thư mục dùng chung vào đúng chỗ đó), rồi chạy ingest lại.")


class WorkerLost(IngestError):
    code = "reader_stopped"
    advice = ("Các worker Dask đọc tệp này đã dừng nhiều lần giữa chừng (tệp có thể làm chúng hỏng, hoặc máy "
              "đã tắt). Chạy ingest lại: các tệp lỗi sẽ được đọc lại.")


class InternalError(IngestError):
    code = "internal_error"
    advice = ("Lỗi của chính congvan khi đọc tệp này (lỗi phần mềm, không phải lỗi của tệp). Xin báo lỗi kèm "
              "thông báo này (và tệp nếu được phép chia sẻ); các tệp khác vẫn được đọc.")


class IngestRunning(IngestError):
    code = "ingest_running"
    advice = "Một lệnh congvan ingest hoặc watch khác đang ghi vào cơ sở dữ liệu này; lệnh này chờ lệnh kia xong."


def from_exception(error: BaseException, subject: str) -> IngestError:
    """Any failure while reading a file as the `IngestError` a clerk reads, naming the file as `subject`.

    An `IngestError` is re-addressed to `subject` (the file's path under the corpus); running
    out of memory is `TooLarge`, never "damaged"; an exception of a library that parses the
    file (pdfminer, pdfium, PIL, …: its class, or where it was raised) is `DamagedPdf`;
    anything else is congvan's own bug, an `InternalError` naming the exception's type.

    >>> from_exception(NotAPdf("a.pdf"), "thu-muc/a.pdf").subject
    'thu-muc/a.pdf'
    >>> message = str(from_exception(OcrFailed("page 3"), "thu-muc/a.pdf"))
    >>> message.startswith("thu-muc/a.pdf: Nhận dạng chữ"), message.endswith("quét lại các trang. (page 3)")
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
        return TooLarge(subject, "hết bộ nhớ")
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
