"""Numbers and days written by hand into the header slots (ingest.handwriting, extract.handwritten).

Real scans of ../shared/dev-real-scans, where offices wrote the number and the day by pen
into the printed "Số: ____/…" and "ngày __ tháng __": a figure is read when two readers
agree, a slot with ink no reading is sure of is recorded as unreadable and its field left
unknown (never guessed), and the synthetic blanks of ../shared/corpus ("Số:      /SCT-VP",
"ngày   tháng 9 năm 2021") stay blank.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from congvan.extract import extract
from congvan.ingest.engine import tesseract_calls
from congvan.ingest.ocr import ocr_pages_together
from congvan.ingest.pdf import complete_ocr, read_layer

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


def _first_page(path: Path, cache: Path):
    """The document as read with its first page only (the header): page OCR and slots, no other page read."""
    document = read_layer(path)
    page = ocr_pages_together(path, [0], cache_dir=cache)[0]
    first = complete_ocr(replace(document, pages=document.pages[:1]), {0: page})
    return first, extract(first).header


@needs_scans
def test_handwritten_figures_no_reading_is_sure_of_leave_the_number_and_date_unknown(cache):
    # 4409/BCA-C04, "ngày 01 tháng 10" in blue pen: the "44" of the number touch, the "1"s carry the long
    # upstroke MNIST's do not (read "6", "4", "7", "2"), tesseract reads "209" and "40": nothing is sure
    document, header = _first_page(SCANS / "s13-4409-BCA-C04-signed.pdf", cache)
    assert _states(document.pages[0].handwriting) == {
        "number": ("unreadable", None), "day": ("unreadable", None), "month": ("unreadable", None)}
    # not "/BCA-C04" (that says the number was left blank), no partial date (that says the day was)
    assert (header.reference, header.number, header.symbol, header.issued_date) == (None, None, "BCA-C04", None)
    # what is known stays, and the clerk is told what to read on the page
    assert (header.issued_date_partial, header.handwritten_unread) == ("2025", ("số", "ngày", "tháng"))


@needs_scans
def test_a_month_by_pen_beside_a_typed_day_makes_the_date_whole(cache):
    # 5240/BCA-V01: "ngày 23 tháng 11" with the "11" by pen: page OCR reads the typed "23" sure and "I]" for the
    # month; the MNIST digits nearest by pixels and by edges read 11 (7 of 7 each), tesseract the second 1
    # alone; the typed day is recorded beside it (it was 2025-11, as if the day had been left blank)
    document, header = _first_page(SCANS / "s18-5240-BCA-V01-signed.pdf", cache)
    assert _states(document.pages[0].handwriting) == {
        "number": ("unreadable", None), "day": ("read", "23"), "month": ("read", "11")}
    assert (header.reference, header.number, header.symbol, header.issued_date) == (None, None, "BCA-V01", "2025-11-23")
    assert (header.issued_date_partial, header.handwritten_unread) == (None, ("số",))


@needs_scans
@pytest.mark.parametrize("name, slots, number, issued", [
    # "ngày 28 tháng 8" by pen: no tesseract reading is sure; pixels and edges agree on the 2, UCI and edges on the 8
    ("s12-3980-C04-P6-scan", {"day": ("read", "28"), "month": ("read", "8")}, None, "2025-08-28"),
    # "16" with a long-flagged 1: MNIST by pixels and by edges 7 of 7; tesseract's "46" is no day
    ("s14-5689-BCA-C04-signed", {"number": ("unreadable", None), "day": ("read", "16"), "month": ("read", "12")}, None,
     "2025-12-16"),
    # "464" with open 4s: the first read by pixels and edges (6 of 7), the last by UCI and tesseract alone
    ("s04-464-TTg-C-S-signed", {"number": ("read", "464")}, "464", "2026-04-30"),
])
def test_figures_read_by_the_edge_orientation_reader_and_another(cache, name, slots, number, issued):
    document, header = _first_page(SCANS / f"{name}.pdf", cache)
    assert (_states(document.pages[0].handwriting), header.number, header.issued_date) == (slots, number, issued)


@needs_scans
def test_a_figure_page_ocr_read_unsure_is_read_again_and_kept_when_two_readers_agree(cache):
    # 01/2016/TTLT-…: page OCR read the "01" at confidence 33; tesseract and the nearest UCI digits agree on 01
    document, header = _first_page(SCANS / "s22-01-2016-TTLT-TANDTC-VKSNDTC-BTP-signed.pdf", cache)
    assert _states(document.pages[0].handwriting) == {"number": ("read", "01")}
    assert header.number == "01"


@needs_scans
def test_a_handwritten_day_page_ocr_misread_is_read_again_by_the_figure_readers(cache):
    # 851/KH-SYT, "ngày 09 tháng 02 năm 2021" by pen: page OCR read the day as "3" (confidence 40), so the
    # register said 2021-02-03; the nearest MNIST digits and tesseract (the figure alone, and the English model
    # twice on the whole) read 9; the number, its strokes running over the printed "/KH-SYT", stays unknown
    document, header = _first_page(SCANS / "s07-851-KH-SYT-signed.pdf", cache)
    assert _states(document.pages[0].handwriting) == {
        "number": ("unreadable", None), "day": ("read", "9"), "month": ("read", "02")}   # the month typed
    assert (header.reference, header.number, header.issued_date) == (None, None, "2021-02-09")


@needs_scans
def test_a_reading_that_cannot_stand_first_in_a_month_is_no_opinion(cache):
    # 4552/BCA-C04, "ngày 9 tháng 10" in blue pen: the "9" is read by the nearest UCI and MNIST digits (7 of 7,
    # 5 of 7 neighbours); in the "10" the UCI digits take the flagged 1 for a 7, which cannot start a month:
    # MNIST by pixels and by edges read 1 and 0 (7 of 7 each), tesseract's "40" is no month. Not "4552" (its
    # "52" touch): no number
    document, header = _first_page(SCANS / "s11-4552-BCA-C04-signed.pdf", cache)
    assert _states(document.pages[0].handwriting) == {
        "number": ("unreadable", None), "day": ("read", "9"), "month": ("read", "10")}
    assert (header.reference, header.number, header.symbol, header.issued_date) == (None, None, "BCA-C04", "2025-10-09")


@needs_scans
def test_touching_figures_read_wrong_by_both_digit_readers_are_refused(cache):
    # 753/KH-DCT: the "7" and "5" of "753" touch; the nearest UCI and MNIST digits both take them for an "8"
    # ("83"), tesseract reads the whole "49": no value, rather than a wrong one
    document, header = _first_page(SCANS / "s01-753-KH-DCT-scan.pdf", cache)
    assert _states(document.pages[0].handwriting)["number"] == ("unreadable", None)
    assert (header.reference, header.number) == (None, None)


@needs_scans
def test_page_ocr_figures_in_coloured_ink_are_read_again_however_sure(cache):
    # 298/TTr-CAT-PC04: "ngày 24" in blue pen; page OCR, which whitens coloured ink, read its remains as
    # "23" at confidence 67: pen ink is read again, and no reader is sure of it
    document, header = _first_page(SCANS / "s16-298-TTr-CAT-PC04-scan.pdf", cache)
    assert _states(document.pages[0].handwriting) == {
        "number": ("unreadable", None), "day": ("unreadable", None), "month": ("read", "10")}   # the month typed
    assert (header.number, header.issued_date, header.issued_date_partial) == (None, None, "2025-10")


@needs_scans
def test_the_slots_are_read_once_then_answered_from_the_cache(cache):
    path = SCANS / "s22-01-2016-TTLT-TANDTC-VKSNDTC-BTP-signed.pdf"
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
    document, header = _first_page(CORPUS / f"{name}.pdf", cache)
    assert {slot.state for slot in document.pages[0].handwriting} == {"blank"}
    assert (header.reference, header.number, header.issued_date) == (reference, None, issued)


def test_the_mnist_reader_reads_held_out_mnist_digits():
    # every fifth of the 5,000 MNIST digits, each read by its 7 nearest among the other 4,999: 94.6 % right; the 94.9 %
    # read with 5 of 7 neighbours agreeing (HandwritingSettings.figure_share) are 97.0 % right
    import numpy as np

    from congvan.ingest.digits import _mnist

    vectors, norms, labels = _mnist()
    held = np.arange(0, len(labels), 5)
    distances = norms[None, :] - 2 * vectors[held] @ vectors.T
    distances[np.arange(len(held)), held] = np.inf
    votes = np.array([np.bincount(labels[row], minlength=10) for row in np.argsort(distances, axis=1)[:, :7]])
    right, sure = votes.argmax(axis=1) == labels[held], votes.max(axis=1) / 7 >= 0.7
    assert (len(held), int(right.sum()), int(sure.sum()), int((right & sure).sum())) == (1000, 946, 949, 921)


def test_the_edge_reader_reads_held_out_mnist_digits():
    # every fifth of the 5,000 MNIST digits, each read by its 7 nearest by edge orientations among the others
    # (their turned copies left out too): 96.3 % right; the 96.9 % read with 5 of 7 agreeing are 97.9 % right
    import numpy as np

    from congvan.ingest.digits import GRADIENT_TURNS, _gradient_digits

    vectors, labels = _gradient_digits()
    copies = 1 + len(GRADIENT_TURNS)
    rows = np.arange(0, len(labels) // copies, 5) * copies
    similar = vectors[rows] @ vectors.T
    for copy in range(copies):
        similar[np.arange(len(rows)), rows + copy] = -np.inf
    votes = np.array([np.bincount(labels[row], minlength=10) for row in np.argsort(-similar, axis=1)[:, :7]])
    right, sure = votes.argmax(axis=1) == labels[rows], votes.max(axis=1) / 7 >= 0.7
    assert (len(rows), int(right.sum()), int(sure.sum()), int((right & sure).sum())) == (1000, 963, 969, 949)


@pytest.mark.parametrize("data, key, prepare, recipe, shape", [
    # ingest/data/mnist_5k_prepared.npz spares each OCR process ~1.3 s (normalise, _mnist_vector)
    ("MNIST_PREPARED", "grey", "_prepare_mnist", "PREPARED", (5000, 784)),
    # ingest/data/mnist_5k_gradients.npz: the 5,000 digits and their copies turned by ±10°, as `gradients` describes them
    ("MNIST_GRADIENTS", "vectors", "_prepare_gradients", "GRADIENTS_RECIPE", (15000, 392)),
])
def test_the_stored_digit_data_is_what_the_code_makes(data, key, prepare, recipe, shape):
    # a change of the recipe without `python -m congvan.ingest.digits` fails here
    import numpy as np

    from congvan.ingest import digits

    with np.load(getattr(digits, data)) as stored_file:
        stored, labels, stored_recipe = stored_file[key], stored_file["labels"], int(stored_file["recipe"])
    fresh, fresh_labels = getattr(digits, prepare)()
    assert stored_recipe == getattr(digits, recipe)
    assert stored.shape == shape and np.array_equal(stored, fresh) and np.array_equal(labels, fresh_labels)


@needs_scans
def test_a_long_flagged_one_is_read_by_the_edge_reader_not_by_the_uci_digits(cache):
    # the "1" of "16" in 5689/BCA-C04 ("ngày 16"), cut from the page as ingest.handwriting cuts it: its long
    # upstroke makes the UCI digits say 7; MNIST by pixels and by edges say 1, 7 of 7 each
    from congvan.ingest import handwriting
    from congvan.ingest.digits import classify, classify_gradients, classify_mnist, features, figures
    from congvan.ingest.ocr_settings import DEFAULT_SETTINGS
    from congvan.ingest.render import render_pages
    from congvan.ingest.slots import find_slots

    path = SCANS / "s14-5689-BCA-C04-signed.pdf"
    page = ocr_pages_together(path, [0], cache_dir=cache)[0]
    image, width = render_pages(path, [0], DEFAULT_SETTINGS.dpi, DEFAULT_SETTINGS.native_dpi_up_to)[0]
    day = next(span for span in find_slots(page.words, width * image.height / image.width) if span.name == "day")
    one, six = figures(handwriting.slot_ink(image, day, image.width / width).mask)
    assert [classify(features(one)), classify_mnist(one), classify_gradients(one)] == [("7", 4 / 7), ("1", 1.0), ("1", 1.0)]
    assert classify_gradients(six) == ("6", 1.0)
