"""OCR of scanned pages: real tesseract on a real corpus page, plus the cheap image steps."""
from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from congvan.ingest import ocr
from congvan.ingest.errors import IngestError, TesseractMissing
from congvan.ingest.layout import words_to_text
from congvan.ingest.model import OcrResult, Word

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCAN = SHARED / "corpus" / "000-scan.pdf"
needs_corpus = pytest.mark.skipif(not SCAN.exists(), reason="shared/corpus is not present")
FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")


@pytest.fixture(scope="module")
def first_page(tmp_path_factory) -> tuple[OcrResult, Path, int]:
    """Page 1 of 000-scan.pdf through the cache, OCR'd once for the whole module."""
    cache = tmp_path_factory.mktemp("ocr-cache")
    before = ocr.tesseract_calls()
    result = ocr.ocr_pages(SCAN, [0], workers=1, cache_dir=cache)[0]
    return result, cache, ocr.tesseract_calls() - before


@needs_corpus
def test_scanned_header_words_come_out_exactly(first_page):
    result, _, _ = first_page
    lines = result.text.splitlines()
    assert "SỞ CÔNG THƯƠNG" in lines
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines
    assert any(line.startswith("Kính gửi") for line in lines)
    assert result.confidence is not None and result.confidence > 85
    assert result.tables == ()


@needs_corpus
def test_header_columns_are_read_left_block_then_right_block(first_page):
    lines = first_page[0].text.splitlines()
    assert lines.index("SỞ CÔNG THƯƠNG") < lines.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")


@needs_corpus
def test_header_second_row_reads_number_and_subject_then_place_and_date(first_page):
    """As the text layer of 000-digital.pdf reads it: the trích yếu, wider than the agency's name and
    reaching into the gap between the columns, stays in the left column under "Số:"."""
    lines = first_page[0].text.splitlines()
    assert lines[2:10] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: /SGT-VP",
        "V/v triển khai Quyết định 2450/QĐ-", "UBND ngày 06/9/2021 của UBND tỉnh",
        "về Bộ Chỉ số đánh giá, xếp hạng công tác", "cải cách hành chính", "Đắk Lắk, ngày tháng 9 năm 2021"]


@needs_corpus
def test_word_boxes_are_in_pdf_points(first_page):
    words = first_page[0].words
    assert all(0 <= w.x0 < w.x1 <= 596 and 0 <= w.top < w.bottom <= 842 for w in words)
    so = next(w for w in words if w.text == "SỞ")
    assert 60 < so.x0 < 120 and 50 < so.top < 110


@needs_corpus
def test_cache_returns_the_same_result_without_tesseract(first_page):
    result, cache, calls = first_page
    assert calls == 1
    assert len(list(cache.glob("*.json"))) == 1
    before = ocr.tesseract_calls()
    again = ocr.ocr_pages(SCAN, [0], workers=1, cache_dir=cache)[0]
    assert ocr.tesseract_calls() == before
    assert again == result


@needs_corpus
@pytest.mark.parametrize("name, pages, together_calls, alone_calls", [
    ("000-scan.pdf", [0, 1], 1, 2),   # two pages of running text: one tesseract reads both
    # two ruled tables (004 pages 2 and 3): one tesseract reads the pages, one more the doubtful cells of
    # both (one stacked image per page); read alone, each page takes two
    ("004-scan.pdf", [1, 2], 2, 4),
])
def test_pages_read_together_start_fewer_tesseracts_and_read_as_pages_read_alone(name, pages, together_calls,
                                                                                    alone_calls):
    scan = SHARED / "corpus" / name
    before = ocr.tesseract_calls()
    together = ocr.ocr_pages_together(scan, pages)
    assert ocr.tesseract_calls() - before == together_calls
    alone = {index: ocr.ocr_page(scan, index) for index in pages}
    assert ocr.tesseract_calls() - before == together_calls + alone_calls
    assert together == alone
    assert list(together) == pages


@needs_corpus
def test_a_table_page_gets_its_number_column_and_its_shaded_header_cell():
    """Page 3 of 001-scan.pdf: the STT numbers stand alone in their cells (sparse text drops
    them; the cell re-read finds them) and the shaded header cell has lost a rule (the grid
    puts the missed cell back, so its words are not dropped)."""
    result = ocr.ocr_page(SHARED / "corpus" / "001-scan.pdf", 2)
    (table,) = result.tables
    assert table[0] == ("STT", "Tên cơ quan", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần")
    assert " ".join(row[0] for row in table[1:] if row[0]).split() == ["1", "2", "3", "4", "5", "6", "7"]
    assert "Lĩnh vực/Tiêu chí/Tiêu chí thành phần" in result.text


def test_a_word_in_a_table_outline_but_in_no_cell_is_kept_after_the_table():
    words = (Word("Bảng", 10, 5, 40, 15), Word("A1", 12, 32, 20, 40), Word("B1", 62, 32, 70, 40),
             Word("lạc", 30, 82, 45, 90))  # under the grid's last row, inside the outline
    cells = ((10, 30, 60, 50), (60, 30, 110, 50))
    table = (("A1", "B1"),)
    text = ocr._text_with_tables(words, (table,), [(10, 30, 110, 100)], 595.0, cells)
    assert text.splitlines() == ["Bảng", "A1\tB1", "lạc"]


def test_batches_shrink_to_single_pages_as_the_work_runs_out():
    sizes, left = [], 30
    while left:
        sizes.append(ocr.batch_size(left, workers=2))
        left -= sizes[-1]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == 4 and sizes[-3:] == [1, 1, 1]


def test_stamp_removal_whitens_red_and_keeps_black_text():
    image = Image.new("RGB", (600, 200), (235, 235, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 120, 60), fill=(20, 20, 20))  # black text stroke
    draw.ellipse((300, 40, 420, 160), outline=(205, 60, 70), width=8)  # red seal ring
    draw.line((440, 100, 580, 120), fill=(40, 50, 120), width=4)  # blue signature stroke
    gray = np.asarray(ocr.remove_stamps(image))
    assert gray.shape == (200, 600)
    assert gray[40, 70] == 20
    assert gray[100, 304] == 255
    assert gray[110, 510] == 255
    assert gray[180, 200] == 235


def test_skew_estimate_on_a_rotated_page_is_within_a_fifth_of_a_degree():
    font = ImageFont.truetype(str(FONT), 28)
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    line = "Căn cứ Quyết định số 2450/QĐ-UBND ngày 06/9/2021 của UBND tỉnh ban hành Bộ Chỉ số"
    for row in range(30):
        draw.text((100, 150 + row * 45), line, font=font, fill=0)
    for angle in (1.2, -0.7):
        turned = page.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
        assert abs(ocr.estimate_skew(turned) + angle) <= 0.2


def test_two_columns_are_read_left_then_right():
    def word(text, x0, top):
        return Word(text, x0, top, x0 + 10 * len(text), top + 12)

    words = [
        word("Nơi", 60, 400), word("nhận:", 100, 400), word("GIÁM", 380, 402), word("ĐỐC", 440, 402),
        word("-", 60, 416), word("Như", 70, 416), word("trên;", 110, 416),
        word("-", 60, 430), word("Lưu", 70, 430), word("VT.", 110, 430),
        word("Lưu", 390, 480), word("Văn", 430, 480), word("Khôi", 470, 480),
    ]
    assert words_to_text(words, 595) == "Nơi nhận:\n- Như trên;\n- Lưu VT.\nGIÁM ĐỐC\nLưu Văn Khôi"


def test_scanned_subject_reaching_into_the_column_gap_stays_in_the_left_column():
    """OCR boxes (ink only) laid out as on 000-scan.pdf and 001-scan.pdf: the trích yếu ends at
    x 255–268, inside the gap between the agency (ends at 235) and the motto (starts at 275)."""
    def line(top, *spans):
        return [Word(text, x0, top, x1, top + 10, conf=95.0) for text, x0, x1 in spans]

    words = [
        *line(57, ("UBND", 103, 140), ("TỈNH", 144, 180), ("CỘNG", 275, 320), ("HÒA", 324, 360)),
        *line(75, ("SỞ", 109, 125), ("TƯ", 129, 150), ("PHÁP", 154, 229), ("Độc", 324, 350), ("lập", 354, 380)),
        *line(108, ("Số:", 128, 143), ("/STP-VP", 161, 208), ("Huế,", 300, 330), ("ngày", 334, 380)),
        *line(123, ("V/v", 81, 97), ("triển", 101, 130), ("khai", 134, 160), ("Quyết", 164, 200), ("định", 204, 255)),
        *line(137, ("năm", 74, 100), ("2025", 104, 263)),
        *line(160, ("QUYẾT", 262, 300), ("ĐỊNH", 304, 340)),
    ]
    assert words_to_text(words, 595).splitlines() == [
        "UBND TỈNH", "SỞ TƯ PHÁP", "CỘNG HÒA", "Độc lập", "Số: /STP-VP", "V/v triển khai Quyết định",
        "năm 2025", "Huế, ngày", "QUYẾT ĐỊNH"]


def test_page_number_on_top_is_dropped():
    words = [Word("2", 295, 40, 302, 52), Word("đúng", 60, 70, 100, 82), Word("hạn.", 104, 70, 140, 82)]
    assert words_to_text(words, 595) == "đúng hạn."


def test_all_white_page_gives_empty_text_without_tesseract():
    before = ocr.tesseract_calls()
    result = ocr.ocr_image(Image.new("L", (2481, 3508), 255), page_width_pt=595.3, page_height_pt=841.9)
    assert (result.text, result.words, result.confidence) == ("", (), None)
    assert ocr.tesseract_calls() == before


def test_missing_tesseract_error_names_the_apt_command():
    err = TesseractMissing()
    assert isinstance(err, IngestError)
    assert err.code == "tesseract_missing"
    assert "sudo apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd" in str(err)
    ocr.check_tesseract()  # installed on this machine: no exception


def test_cache_key_changes_with_any_threshold_and_with_the_engine():
    from congvan.ingest.ocr_cache import cache_key
    from congvan.ingest.ocr_settings import OcrSettings

    base = OcrSettings()
    assert base.key("tesseract 5.3.0;vie:aa") == OcrSettings().key("tesseract 5.3.0;vie:aa")
    assert base.key("tesseract 5.3.0;vie:aa") != base.key("tesseract 5.3.0;vie:bb")
    assert base.key("e") != OcrSettings(cell_unsure=41.0).key("e")
    assert base.key("e") != OcrSettings(blank_ink_fraction=0.0004).key("e")
    assert cache_key(base) != cache_key(OcrSettings(languages="vie+osd"))
    assert cache_key(base).startswith("ocr-") and len(cache_key(base)) == 20


def test_importing_the_ocr_modules_leaves_the_environment_alone():
    import subprocess
    import sys

    code = "import os, ingest.ocr, ingest.reader; print(os.environ.get('OMP_THREAD_LIMIT'))"
    env = {k: v for k, v in __import__("os").environ.items() if k != "OMP_THREAD_LIMIT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "None"


def test_tesseract_runs_single_threaded():
    from congvan.ingest.engine import _environment

    assert _environment()["OMP_THREAD_LIMIT"] == "1"


def test_a_scan_finer_than_the_dpi_is_read_at_its_own_resolution_when_asked(tmp_path):
    from congvan.ingest.render import render_page

    pdf = tmp_path / "scan.pdf"
    Image.new("RGB", (2480, 3508), (250, 250, 250)).save(pdf, resolution=300)  # one A4 image at 300 dpi
    assert render_page(pdf, 0, 200).size == (1654, 2339)
    assert render_page(pdf, 0, 200, native_up_to=300).size == (2480, 3508)
    assert render_page(pdf, 0, 200, native_up_to=250).size == (2067, 2924)


def test_brightest_channel_whitens_ink_of_any_colour_and_keeps_black():
    from congvan.ingest.cleaning import remove_stamps

    image = Image.new("RGB", (600, 200), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 120, 60), fill=(20, 20, 20))
    draw.rectangle((300, 40, 400, 80), fill=(200, 40, 50))   # red seal
    draw.rectangle((450, 40, 550, 80), fill=(30, 60, 210))   # blue handwriting
    gray = np.asarray(remove_stamps(image, mode="brightest"))
    assert (gray[40, 70], gray[60, 350], gray[60, 500], gray[150, 300]) == (20, 200, 210, 240)


def test_the_engine_identity_names_tesseract_and_each_model_file():
    from congvan.ingest.engine import engine_identity

    identity = engine_identity("vie+osd")
    assert identity.startswith("tesseract 5.")
    assert [part.split(":")[0] for part in identity.split(";")[1:]] == ["vie", "osd"]
    assert all(len(part.split(":")[1]) == 16 for part in identity.split(";")[1:])


def test_letters_less_tall_than_print_are_a_rule_read_as_letters_not_words():
    """s20's dashed rule under the VGP stamp came out as "——w——-——" and "He", 1 pt tall, inside
    the subject; a real word beside them stays, and so does a list dash (no letter)."""
    from congvan.ingest.engine import _words_from_data

    data = {"text": ["——w——-——", "He", "Quy", "-", "ˆ"], "conf": [5.0, 4.0, 43.0, 60.0, 91.0],
            "left": [737, 1023, 515, 300, 1268], "top": [445, 445, 444, 900, 440],
            "width": [145, 60, 63, 10, 20], "height": [3, 3, 50, 3, 45]}
    words = _words_from_data(data, 72 / 200, 50.0, min_height_pt=2.4)
    assert [w.text for w in words] == ["Quy", "-"]
    assert [w.text for w in _words_from_data(data, 72 / 200, 50.0)] == ["——w——-——", "He", "Quy", "-"]


@needs_corpus
@pytest.mark.parametrize("name, index, mode, start", [("000-scan.pdf", 0, "L", "8f9fe1611646"),
                                                     ("000-scan.pdf", 1, "RGB", "f5010658ab1b")])
def test_the_page_hash_is_the_sha256_of_mode_size_and_pixels_whatever_the_strips(name, index, mode, start):
    image = ocr.render_page(SHARED / "corpus" / name, index, 200)
    whole = hashlib.sha256(f"{mode}:1654x2339:".encode() + image.tobytes()).hexdigest()
    assert (image.mode, whole[:12]) == (mode, start)
    assert ocr.image_sha256(image) == ocr.image_sha256(image, strip_bytes=7777) == whole


@needs_corpus
@pytest.mark.parametrize("name, index, angle", [("000-scan.pdf", 0, -0.16), ("004-scan.pdf", 1, -1.16)])
def test_the_header_slots_are_given_the_skew_page_ocr_levelled_the_page_by(name, index, angle):
    from congvan.ingest.handwriting import _skew

    image, width = ocr.render_pages(SHARED / "corpus" / name, [index], 200)[0]
    assert ocr._prepare(image, width, ocr.DEFAULT_SETTINGS).skew == _skew(image, ocr.DEFAULT_SETTINGS) == angle


@needs_corpus
def test_tesseracts_tsv_is_read_into_columns():
    from congvan.ingest.engine import _run_tesseract

    header = ocr.render_page(SCAN, 0, 200).crop((0, 0, 1654, 400))
    columns = _run_tesseract(header, 11)
    assert list(columns)[:3] + list(columns)[-2:] == ["level", "page_num", "block_num", "conf", "text"]
    assert "THƯƠNG" in [unicodedata.normalize("NFC", t) for t in columns["text"]]
