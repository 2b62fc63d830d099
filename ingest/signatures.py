"""Digital signatures (chữ ký số) in a PDF: who signed, when, and whether the signature holds.

pyHanko reads every filled signature field, checks that the signed bytes are
unchanged (intact), whether later incremental updates follow the signed revision
(covers_whole_document), and whether the signer's certificate chains up to one of
the configured trust roots (trusted), offline: no OCSP, CRL or AIA fetching.

Signing time: Vietnamese signing tools (VGCA, VGP) are known to write local time
labelled as UTC into the CMS `signingTime` attribute, and some write a CMS time minutes
away from the signature dictionary's `/M` ("D:20190419091149+07'00'"), which carries the
true offset and is what the signer's software showed. `signed_at` is `/M`; the CMS
time is kept beside it (`cms_signed_at`); without `/M`, the CMS time (or, for a
document timestamp, the TSA's time) is `signed_at`.

Junk before `%PDF` (bytes a mail gateway or an upload form put before the header, which
every reader skips): the file is read from the `%PDF` offset, where its byte ranges
and cross-reference offsets start.

Example (the signed variant of công văn 599/SCT-VP, Sở Công Thương Quảng Trị):

    >>> rows = read_signatures("corpus/002-signed.pdf", trust_roots=[Path("corpus/test-ca.pem")])  # doctest: +SKIP
    >>> rows[0].signer_name, rows[0].signed_at, rows[0].intact, rows[0].trusted  # doctest: +SKIP
    ('Nguyễn Hữu Hưng', '2019-04-19T09:11:49+07:00', True, True)

pyHanko is imported inside the functions: importing it costs about 0.9 s.
The file is opened read-only and never modified.
"""
from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from congvan.ingest.model import Signature

HEADER_SEARCH = 1024              # readers look this far for the %PDF header
MAX_PAGE_NODES = 200_000          # bound on the page-tree walk of a hostile file
TRUST_ROOT_SUFFIXES = (".pem", ".crt")
_PYHANKO_LOGGERS = ("pyhanko", "pyhanko_certvalidator")

# What a damaged signature (bad CMS blob, missing /ByteRange, broken xref, odd
# certificate) raises inside pyHanko and asn1crypto. Caught per signature and
# reported in the row's summary, so one bad signature never hides the others.
_DAMAGE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, KeyError, TypeError, IndexError, AttributeError, AssertionError, OverflowError,
)


def quiet_crypto_warnings() -> None:
    """Silences the deprecation warnings cryptography prints when pyHanko imports its DSA and other old
    algorithms (the clerk can do nothing about them), for this process and the workers it forks.

    Called where a process starts (congvan.cli, the worker child) and before pyHanko is first imported
    here, never at import time: importing a congvan module leaves the warning filters alone.
    """
    import warnings

    with contextlib.suppress(ImportError):
        from cryptography.utils import CryptographyDeprecationWarning

        warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)


def load_trust_roots(folder_or_files: Sequence[Path]) -> list:
    """Loads trust-root certificates (asn1crypto `x509.Certificate`) from PEM or DER files.

    Each entry is a certificate file (a PEM file may hold several certificates) or a
    folder, from which every `*.pem` and `*.crt` file is read, in name order.

    >>> roots = load_trust_roots([Path("corpus")])  # doctest: +SKIP
    >>> roots[0].subject.native["common_name"]  # doctest: +SKIP
    'Test Root CA — not a real authority'
    """
    quiet_crypto_warnings()
    from pyhanko.keys import load_certs_from_pemder

    files: list[Path] = []
    for entry in map(Path, folder_or_files):
        if entry.is_dir():
            files.extend(sorted(p for p in entry.iterdir() if p.suffix.lower() in TRUST_ROOT_SUFFIXES))
        else:
            files.append(entry)
    return list(load_certs_from_pemder([str(f) for f in files]))


def read_signatures(path: str | Path, *, trust_roots: Sequence[Path] = ()) -> tuple[Signature, ...]:
    """Reads and verifies every digital signature (chữ ký số) of a PDF, in signing order.

    Returns () for a PDF without signatures. Damage never raises: a signature that
    cannot be read or verified gets a row with intact=False and a summary saying
    why; a file pyHanko cannot parse at all, though it holds signature dictionaries,
    gets one such row with an empty field_name. With no `trust_roots`, no signature
    is trusted.

    >>> [s.field_name for s in read_signatures("corpus/003-signed.pdf")]  # doctest: +SKIP
    ['Sig1_HoTrungKien', 'Sig2_VuVanHung', 'Sig3_UBNDTP_ChuKy', 'Sig4_UBNDTP_So', 'Sig5_UBNDTP_Ngay']
    """
    path = Path(path)
    roots = load_trust_roots(trust_roots) if trust_roots else []
    with _quiet_pyhanko(), _from_header(path) as (f, offset):
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.fields import enumerate_sig_fields

        damage = _damage_errors()
        try:
            reader = PdfFileReader(f, strict=False)
            if reader.encrypted:
                reader.decrypt("")
            fields = list(enumerate_sig_fields(reader, filled_status=True))
        except damage as e:
            f.seek(0)
            count = f.read().count(b"/ByteRange")
            if not count:
                return ()  # pyHanko cannot parse it, but it holds no signature dictionary
            noun = "signature dictionary" if count == 1 else "signature dictionaries"
            summary = f"UNREADABLE: {count} {noun}, but pyHanko cannot parse the file"
            return (_row("", None, None, None, f"{summary} ({type(e).__name__}: {e})"),)
        if not fields:
            return ()
        junk_note = f"; read from byte {offset}, after the junk before %PDF" if offset else ""
        try:
            annots, pages = _annotation_pages(reader)
            page_note = junk_note
        except damage as e:
            annots, pages = {}, {}
            page_note = f"{junk_note}; page unknown, the page tree is damaged ({type(e).__name__}: {e})"
        rows = [_read_one(reader, name, ref, roots, annots, pages, page_note) for name, _, ref in fields]
    return tuple(row for _, row in sorted(rows, key=lambda r: r[0]))


def choose_signing_time(cms_time: datetime | None, pdf_time: datetime | None) -> datetime | None:
    """Picks the signing time (thời gian ký): the signature dictionary's `/M` when it has an offset.

    The CMS `signingTime` is what is left when `/M` is missing or gives no offset.

    >>> from datetime import timezone
    >>> ict = timezone(timedelta(hours=7))
    >>> mislabelled = datetime(2019, 4, 19, 9, 11, 49, tzinfo=timezone.utc)  # local time marked UTC
    >>> choose_signing_time(mislabelled, datetime(2019, 4, 19, 9, 11, 49, tzinfo=ict)).isoformat()
    '2019-04-19T09:11:49+07:00'
    >>> choose_signing_time(mislabelled, datetime(2019, 4, 19, 9, 20, 0, tzinfo=ict)).isoformat()
    '2019-04-19T09:20:00+07:00'
    >>> choose_signing_time(mislabelled, None).isoformat()
    '2019-04-19T09:11:49+00:00'
    >>> choose_signing_time(mislabelled, datetime(2019, 4, 19, 9, 20, 0)).isoformat()
    '2019-04-19T09:11:49+00:00'
    """
    if pdf_time is not None and pdf_time.tzinfo is not None:
        return pdf_time
    return cms_time if cms_time is not None else pdf_time


@contextlib.contextmanager
def _from_header(path: Path) -> Iterator[tuple[BinaryIO, int]]:
    """The file opened at its `%PDF` header, and the header's offset (0 for a well-formed file).

    A file with junk before the header is read into memory from the header on: its byte
    ranges and xref offsets count from there, as every reader that tolerates the junk does.
    """
    with open(path, "rb") as f:
        offset = f.read(HEADER_SEARCH).find(b"%PDF")
        if offset <= 0:
            f.seek(0)
            yield f, 0
            return
        f.seek(offset)
        yield io.BytesIO(f.read()), offset


def _read_one(
    reader: Any, name: str, field_ref: Any, roots: list, annots: dict, pages: dict, page_note: str,
) -> tuple[int, Signature]:
    """Verifies one filled signature field; returns (signed revision, row)."""
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    damage = _damage_errors()
    page = pdf_time = None
    revision = reader.total_revisions
    try:
        page = _widget_page(field_ref, annots, pages)
        revision = reader.xrefs.get_last_change(field_ref.get_object().raw_get("/V").reference)
        pdf_time, m_note = _pdf_date(_entry(_signature_dict(field_ref.get_object()), "/M"))
        page_note = m_note + page_note
        embedded = EmbeddedPdfSignature(reader, field_ref, name)
        identity = _identity(embedded.signer_cert)
    except damage as e:
        summary = f"UNREADABLE: the signature cannot be read ({type(e).__name__}: {e}){page_note}"
        return revision, _row(name, None, pdf_time, page, summary)
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        if embedded.sig_object_type == "/DocTimeStamp":  # a TSA's document timestamp
            status = validate_pdf_timestamp(embedded, validation_context=context)
            signed_at = cms_time = status.timestamp
        else:
            status = validate_pdf_signature(embedded, signer_validation_context=context)
            cms_time = status.signer_reported_dt
            signed_at = choose_signing_time(cms_time, pdf_time)
        summary = status.summary()
    except damage as e:
        summary = f"UNVERIFIED: the signature cannot be verified ({type(e).__name__}: {e}){page_note}"
        return revision, _row(name, identity, pdf_time, page, summary)
    return revision, _row(
        name, identity, signed_at, page, summary + page_note, cms_time=cms_time,
        intact=bool(status.intact and status.valid),
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=bool(status.trusted),
    )


def _damage_errors() -> tuple[type[BaseException], ...]:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation.errors import SignatureValidationError

    return (PdfError, SignatureValidationError, *_DAMAGE_ERRORS)


def _identity(cert: Any) -> dict[str, str | None]:
    """Signer name, email, organisation and issuer from the signer's certificate."""
    subject = cert.subject.native
    return {
        "signer_name": _first(subject.get("common_name")),
        "signer_email": _first(subject.get("email_address")) or _san_email(cert),
        "organization": _first(subject.get("organization_name")),
        "certificate_issuer": _first(cert.issuer.native.get("common_name")) or cert.issuer.human_friendly,
    }


def _row(name: str, identity: dict | None, signed_at: datetime | None, page: int | None, summary: str, *,
         cms_time: datetime | None = None, intact: bool = False, covers_whole_document: bool = False,
         trusted: bool = False) -> Signature:
    who = identity or {}
    return Signature(
        field_name=str(name),  # pyHanko's TextStringObject keeps its reader (and open file) alive
        signer_name=who.get("signer_name"),
        signer_email=who.get("signer_email"),
        organization=who.get("organization"),
        signed_at=signed_at.isoformat() if signed_at is not None else None,
        intact=intact,
        covers_whole_document=covers_whole_document,
        trusted=trusted,
        certificate_issuer=who.get("certificate_issuer"),
        page=page,
        summary=summary,
        cms_signed_at=cms_time.isoformat() if cms_time is not None else None,
    )


def _first(value: Any) -> str | None:
    """A name attribute may repeat (asn1crypto gives a list): keep the first."""
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def _san_email(cert: Any) -> str | None:
    san = cert.subject_alt_name_value
    for general_name in san or ():
        if general_name.name == "rfc822_name":
            return str(general_name.native)
    return None


def _entry(obj: Any, key: str) -> Any:
    """`obj[key]`, dereferenced, or None when `obj` is no dictionary or lacks `key`.

    pyHanko's DictionaryObject dereferences in `[]` but not in `.get()`.
    """
    if not isinstance(obj, dict):
        return None
    try:
        return obj[key]
    except KeyError:
        return None


def _signature_dict(field: Any) -> dict:
    """The field's signature dictionary (/V), or an empty dict when /V is not a dictionary."""
    value = _entry(field, "/V")
    return value if isinstance(value, dict) else {}


def _pdf_date(raw: Any) -> tuple[datetime | None, str]:
    """`D:20190419091149+07'00'` → (datetime, ""); (None, a note for the summary) when malformed."""
    from pyhanko.pdf_utils.generic import parse_pdf_date
    from pyhanko.pdf_utils.misc import PdfReadError

    if raw is None:
        return None, ""
    try:
        return parse_pdf_date(str(raw), strict=False), ""
    except (PdfReadError, ValueError) as e:
        return None, f"; /M ignored, not a PDF date ({e})"


def _ref_key(obj: Any) -> tuple[int, int] | None:
    """(object number, generation) of an indirect object or reference, else None."""
    ref = getattr(obj, "reference", obj)
    idnum, generation = getattr(ref, "idnum", None), getattr(ref, "generation", None)
    return (idnum, generation) if idnum is not None else None


def _annotation_pages(reader: Any) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Walks the page tree once: annotation ref → page number, page ref → page number (1-based).

    Stops after MAX_PAGE_NODES nodes and never revisits one, so a looping tree ends.
    """
    annots: dict[tuple[int, int], int] = {}
    pages: dict[tuple[int, int], int] = {}
    stack = [reader.root.raw_get("/Pages")]
    seen: set[tuple[int, int]] = set()
    number = 0
    while stack and len(seen) < MAX_PAGE_NODES:
        node_ref = stack.pop()
        key = _ref_key(node_ref)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        node = node_ref.get_object()
        kids = _entry(node, "/Kids")
        if isinstance(kids, list):
            stack.extend(reversed([kids.raw_get(i) for i in range(len(kids))]))
            continue
        number += 1
        if key is not None:
            pages[key] = number
        page_annots = _entry(node, "/Annots")
        for i in range(len(page_annots) if isinstance(page_annots, list) else 0):
            annot_key = _ref_key(page_annots.raw_get(i))
            if annot_key is not None:
                annots[annot_key] = number
    return annots, pages


def _widget_page(field_ref: Any, annots: dict, pages: dict) -> int | None:
    """Page number of the signature's widget: from the pages' /Annots, else from the widget's /P."""
    kids = _entry(field_ref.get_object(), "/Kids")
    widget_ref = kids.raw_get(0) if isinstance(kids, list) and kids else field_ref
    page = annots.get(_ref_key(widget_ref))
    if page is None:
        widget = widget_ref.get_object()
        page = pages.get(_ref_key(widget.raw_get("/P"))) if isinstance(widget, dict) and "/P" in widget else None
    return page


@contextlib.contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs tracebacks for untrusted certificates; the row's summary says it instead."""
    quiet_crypto_warnings()
    loggers = [logging.getLogger(name) for name in _PYHANKO_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
