"""Numbers and days written by hand into the header slots (ingest.handwriting, extract.handwritten).

Real scans of ../shared/dev-real-scans, where offices wrote the number and the day by pen
into the printed "Số: ____/…" and "ngày __ tháng __": a figure is read when two readers
agree, a slot with ink no reading is sure of is recorded as unreadable and its field left
unknown (never guessed), and the synthetic blanks of ../shared/corpus ("Số:      /SCT-VP",
"ngày   tháng 9 năm 2021") stay blank.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from extract import extract
from ingest.engine import tesseract_calls
from ingest.ocr import ocr_pages_together
from ingest.pdf import read_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared"
SCANS = SHARED / "dev-real-scans" / "pdf"
CORPUS = SHARED / "corpus"
needs_scans = pytest.mark.skipif(not SCANS.is_dir(), reason="../shared/dev-real-scans is absent")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")


def _states(slots) -> dict[str, tuple[str, str | None]]:
    return {slot.name: (slot.state, slot.value) for slot in slots}


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ocr-cache")


@needs_scans
def test_a_day_written_by_hand_is_read_and_an_unsure_number_left_unknown(cache):
    # 5240/BCA-V01: "Số: 5240/BCA-V01" and "ngày 23 tháng 11" written by pen; page OCR reads "5 22" and "I]"
    path = SCANS / "s18-5240-BCA-V01-signed.pdf"
    page = ocr_pages_together(path, [0], cache_dir=cache)[0]
    assert _states(page.handwriting) == {"number": ("unreadable", None), "day": ("read", "23"),
                                         "month": ("unreadable", None)}
    header = extract(read_pdf(path, cache_dir=cache)).header
    # the number is there but unread: no "/BCA-V01" (that says the number was left blank); the
    # month unread: no partial date (that says the day and month were left blank)
    assert (header.reference, header.number, header.symbol, header.issued_date) == (None, None, "BCA-V01", None)


@needs_scans
def test_a_handwritten_day_read_completes_the_date(cache):
    # 464/TTg-CĐS: "ngày 30 tháng 4 năm 2026", the day by pen; the number "464" is not read sure
    path = SCANS / "s04-464-TTg-C-S-signed.pdf"
    header = extract(read_pdf(path, cache_dir=cache)).header
    assert (header.reference, header.symbol, header.issued_date) == (None, "TTg-CĐS", "2026-04-30")
    page = ocr_pages_together(path, [0], cache_dir=cache)[0]
    assert _states(page.handwriting) == {"number": ("unreadable", None), "day": ("read", "30")}


@needs_scans
def test_a_number_page_ocr_read_unsure_is_confirmed_by_two_readers(cache):
    # 01/2016/TTLT-…: the typed "01" came out of page OCR at confidence 33; re-read, both readers agree
    path = SCANS / "s22-01-2016-TTLT-TANDTC-VKSNDTC-BTP-signed.pdf"
    page = ocr_pages_together(path, [0], cache_dir=cache)[0]
    assert _states(page.handwriting)["number"] == ("read", "01")
    assert extract(read_pdf(path, cache_dir=cache)).header.number == "01"


@needs_scans
def test_the_slots_are_read_once_then_answered_from_the_cache(cache):
    path = SCANS / "s18-5240-BCA-V01-signed.pdf"
    first = ocr_pages_together(path, [0], cache_dir=cache)[0]
    before = tesseract_calls()
    again = ocr_pages_together(path, [0], cache_dir=cache)[0]
    assert (tesseract_calls() - before, again.handwriting) == (0, first.handwriting)


@needs_corpus
@pytest.mark.parametrize("name, reference, issued", [
    ("000-scan", "/SCT-VP", "2021-09"),        # "Số:      /SCT-VP", "ngày   tháng 9 năm 2021"
    ("001-scan", "/UBND-KSTTHC", "2021"),      # day and month left blank
    ("003-scan", "/KH-UBND", "2022-09"),
])
def test_slots_left_blank_in_the_source_stay_blank(cache, name, reference, issued):
    document = read_pdf(CORPUS / f"{name}.pdf", cache_dir=cache)
    assert {slot.state for slot in document.pages[0].handwriting} == {"blank"}
    header = extract(document).header
    assert (header.reference, header.number, header.issued_date) == (reference, None, issued)
