"""The fixture builder makes what it claims: broken inputs are broken, scans have no text.

Also checks that the committed files (tests/fixtures/bad/*, corpus/sample-*.pdf) are
exactly what tests/fixtures/build.py makes today, so they can always be regenerated.
"""
from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from tests.fixtures import build

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
FPDF_ERR_FORMAT, FPDF_ERR_PASSWORD = 3, 4  # pdfium's FPDF_GetLastError codes


SMALL_LETTER = build.DocSpec(
    kind="cong_van",
    parent="UBND TỈNH HÀ NAM",
    issuer=("SỞ NỘI VỤ",),
    number="Số: 12/SNV-VP",
    subject="V/v báo cáo kết quả tự chấm điểm Chỉ số CCHC năm 2024",
    place_date="Hà Nam, ngày 05 tháng 3 năm 2024",
    recipients=("Sở Tư pháp.",),
    body=("Giao Sở Tư pháp chủ trì tổng hợp, báo cáo trước ngày 15/4/2024./.",),
    cc=("Như trên;", "Lưu: VT, VP."),
    signer_titles=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
    signer_name="Trần Văn Bình",
)


def _text(path: Path, password: str | None = None) -> list[str]:
    pdf = pdfium.PdfDocument(str(path), password=password)
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, Path]:
    return build.build_bad_inputs(tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def letter(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("letter")
    digital = build.build_digital(SMALL_LETTER, folder / "letter.pdf")
    return digital, build.build_scan(digital, folder / "letter-scan.pdf", seed=7)


def test_bad_inputs_are_the_six_named_files(bad):
    assert sorted(bad) == ["blank-page.pdf", "empty.pdf", "encrypted.pdf", "not-a-pdf.pdf",
                           "truncated.pdf", "zero-pages.pdf"]


def test_empty_pdf_has_no_bytes_and_pdfium_calls_it_a_format_error(bad):
    assert bad["empty.pdf"].stat().st_size == 0
    with pytest.raises(pdfium.PdfiumError) as err:
        pdfium.PdfDocument(str(bad["empty.pdf"]))
    assert err.value.err_code == FPDF_ERR_FORMAT


def test_not_a_pdf_is_an_html_error_page(bad):
    assert bad["not-a-pdf.pdf"].read_bytes().startswith(b"<!DOCTYPE html>\n<html lang=\"vi\">")
    with pytest.raises(pdfium.PdfiumError) as err:
        pdfium.PdfDocument(str(bad["not-a-pdf.pdf"]))
    assert err.value.err_code == FPDF_ERR_FORMAT
    with pytest.raises(PdfminerException):
        pdfplumber.open(bad["not-a-pdf.pdf"])


def test_truncated_pdf_is_the_first_half_of_a_good_one_and_opens_nowhere(bad):
    data = bad["truncated.pdf"].read_bytes()
    assert (data[:8], len(data), b"%%EOF" in data) == (b"%PDF-1.4", 47202, False)
    with pytest.raises(pdfium.PdfiumError) as err:
        pdfium.PdfDocument(str(bad["truncated.pdf"]))
    assert err.value.err_code == FPDF_ERR_FORMAT
    with pytest.raises(PdfminerException):
        pdfplumber.open(bad["truncated.pdf"])


def test_encrypted_pdf_needs_its_user_password(bad):
    with pytest.raises(pdfium.PdfiumError) as err:
        pdfium.PdfDocument(str(bad["encrypted.pdf"]))
    assert err.value.err_code == FPDF_ERR_PASSWORD
    with pytest.raises(PdfminerException) as plumber_err:
        pdfplumber.open(bad["encrypted.pdf"])
    assert isinstance(plumber_err.value.args[0], PDFPasswordIncorrect)
    pages = _text(bad["encrypted.pdf"], password="congvan")
    assert (len(pages), "Số: 312/SNV-CCHC" in pages[0]) == (2, True)


def test_zero_pages_pdf_is_valid_but_empty(bad):
    with pikepdf.open(bad["zero-pages.pdf"]) as pdf:
        assert (len(pdf.pages), int(pdf.Root.Pages.Count)) == (0, 0)
    with pdfplumber.open(bad["zero-pages.pdf"]) as pdf:
        assert len(pdf.pages) == 0
    # pdfium refuses a document without pages; its error code is whatever the previous
    # failure left behind (FPDF_GetLastError is not reset), so only the refusal is checked.
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(str(bad["zero-pages.pdf"]))


def test_blank_page_pdf_has_one_page_and_no_text(bad):
    assert _text(bad["blank-page.pdf"]) == [""]
    with pdfplumber.open(bad["blank-page.pdf"]) as pdf:
        assert (len(pdf.pages), pdf.pages[0].extract_text(), pdf.pages[0].images) == (1, "", [])


def test_committed_bad_inputs_are_what_the_builder_makes(bad):
    for name, path in bad.items():
        assert (FIXTURES / "bad" / name).read_bytes() == path.read_bytes(), name


def test_digital_letter_has_header_recipient_and_signer_in_its_text_layer(letter):
    pages = _text(letter[0])
    assert len(pages) == 1
    lines = [line.strip() for line in pages[0].splitlines()]
    for expected in ("UBND TỈNH HÀ NAM", "SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Số: 12/SNV-VP", "Hà Nam, ngày 05 tháng 3 năm 2024",
                     "Kính gửi: Sở Tư pháp.", "Nơi nhận:", "- Lưu: VT, VP.", "KT. GIÁM ĐỐC",
                     "PHÓ GIÁM ĐỐC", "Trần Văn Bình"):
        assert expected in lines, expected


def test_scan_of_the_letter_is_one_jpeg_per_page_and_no_text(letter):
    assert _text(letter[1]) == [""]
    with pikepdf.open(letter[1]) as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        found = (len(pdf.pages), int(image.Width), int(image.Height), str(image.ColorSpace), str(image.Filter))
    assert found == (1, 1654, 2339, "/DeviceRGB", "/DCTDecode")  # RGB: the red seal is on it


def test_scan_without_seal_is_grayscale(letter, tmp_path):
    scan = build.build_scan(letter[0], tmp_path / "gray.pdf", red_seal=False, dpi=150)
    with pikepdf.open(scan) as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        assert (int(image.Width), str(image.ColorSpace)) == (1240, "/DeviceGray")


def test_samples_yaml_holds_the_three_sample_documents():
    specs = build.load_samples()
    assert {stem: (spec.kind, spec.number) for stem, spec in specs.items()} == {
        "sample-01-cong-van": ("cong_van", "Số: 312/SNV-CCHC"),
        "sample-02-ke-hoach": ("ke_hoach", "Số: 145/KH-UBND"),
        "sample-03-bang-phan-cong": ("bang_phan_cong", ""),
    }


def test_committed_scan_sample_has_no_text_layer():
    assert _text(REPO / "corpus" / "sample-02-ke-hoach-scan.pdf") == ["", ""]


def test_committed_digital_samples_carry_their_key_facts():
    texts = {stem: " ".join(" ".join(_text(REPO / "corpus" / f"{stem}.pdf")).split())
             for stem in build.load_samples()}
    assert "Thực hiện Quyết định số 1234/QĐ-UBND ngày 05/01/2024 của UBND tỉnh" in texts["sample-01-cong-van"]
    assert "Giao Sở Tư pháp chủ trì" in texts["sample-01-cong-van"]
    assert "đạt 85,12/100 điểm (mất 14,88 điểm), xếp hạng thứ 05/13" in texts["sample-02-ke-hoach"]
    assert "- Tiêu chí 2.1.3 về kiểm tra, xử lý văn bản quy phạm pháp luật: 0,5/01 điểm." in texts[
        "sample-02-ke-hoach"]
    assert texts["sample-03-bang-phan-cong"].count("ĐTXHH") == 5


@pytest.mark.skipif("liberation2" not in str(build._font_files()["Serif"]),
                    reason="the committed samples were typeset with fonts-liberation2")
def test_committed_samples_are_what_the_builder_makes(tmp_path):
    specs = build.load_samples()
    for stem, spec in specs.items():
        made = build.build_digital(spec, tmp_path / f"{stem}.pdf")
        assert made.read_bytes() == (REPO / "corpus" / f"{stem}.pdf").read_bytes(), stem
    scan = build.build_scan(tmp_path / "sample-02-ke-hoach.pdf", tmp_path / "scan.pdf", seed=2)
    assert scan.read_bytes() == (REPO / "corpus" / "sample-02-ke-hoach-scan.pdf").read_bytes()
