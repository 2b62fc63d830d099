"""What signing systems draw over a page: typed numbers and days are read, signer boxes are stamps.

Real files of ../shared/dev-real-scans (VGCA/VGP-signed, as offices receive them), and a
PDF with a form field made here.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from congvan.ingest.annotations import printed_page, split_stamp_lines
from congvan.ingest.pdf import read_text_layer
from congvan.ingest.render import render_pages
from congvan.ingest.signatures import read_signatures

SCANS = Path(__file__).resolve().parents[1].parent / "shared" / "dev-real-scans" / "pdf"
needs_scans = pytest.mark.skipif(not SCANS.is_dir(), reason="../shared/dev-real-scans is absent")


def test_a_form_field_value_is_part_of_the_page_text(tmp_path):
    """A number typed into a form field over "So:" (what a signing system does) is read with it."""
    path = tmp_path / "field.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    pdf.setFont("Helvetica", 13)
    pdf.drawString(72, 760, "So:            /STP-VP")
    pdf.drawString(72, 700, "Kinh gui: Cac phong chuyen mon thuoc So Tu phap va cac don vi truc thuoc.")
    pdf.acroForm.textfield(name="So", value="687", x=98, y=756, width=40, height=18, borderWidth=0,
                           fontName="Helvetica", fontSize=13, fillColor=None)
    pdf.showPage()
    pdf.save()
    page = read_text_layer(path)[0]
    assert page.text.split("\n")[0] == "So: 687 /STP-VP"
    assert page.stamps == ()


@needs_scans
def test_typed_number_and_day_of_a_vgca_signed_file_are_read():
    page = read_text_layer(SCANS / "s17-8151-BNV-CCHC-signed.pdf")[0]
    lines = page.text.split("\n")
    assert "Số: 8151 /BNV-CCHC" in lines
    assert "Hà Nội, ngày 18 tháng 9 năm 2025" in lines
    assert page.stamps == ()


@needs_scans
def test_signer_box_is_kept_as_a_stamp_and_left_out_of_the_text():
    page = read_text_layer(SCANS / "s03-2191-CT-CS-signed.pdf")[0]
    assert (page.source, page.reason) == ("ocr", "no text layer")  # a scan: the box alone is no text layer
    assert page.stamps == ("Ký bởi: CỤC THUẾ", "Địa chỉ: 1A Nguyễn Công Trứ, Hai Bà Trưng, Hà Nội",
                           "Thời gian ký: 08.04.2026 17:35")


@needs_scans
def test_a_scanners_text_layer_in_a_broken_font_is_read_by_ocr():
    page = read_text_layer(SCANS / "s08-687-STP-VB-signed.pdf")[0]
    assert (page.source, page.reason) == ("ocr", "text layer is not Vietnamese as written (0% of words with its letters)")
    assert page.stamps == ("Ký bởi: Sở Tư pháp", "Email: stp@tphcm.gov.vn", "Cơ quan: Thành phố Hồ Chí Minh",
                           "Thời gian ký: 25.02.2021 15:12:01")


def _ink(image, box) -> bool:
    x0, top, x1, bottom = (round(v) for v in box)
    return bool((np.asarray(image.convert("L"))[top:bottom, x0:x1] < 128).any())


@needs_scans
def test_ocr_image_shows_typed_numbers_and_not_signer_boxes():
    image = render_pages(SCANS / "s17-8151-BNV-CCHC-signed.pdf", [0], 72)[0][0]
    # the widgets holding "8151", "18" and "9" (their /Rect, top-left origin, points)
    assert [_ink(image, box) for box in [(120, 93, 158, 113), (388, 94, 412, 114), (445, 94, 462, 114)]] == [
        True, True, True]
    image = render_pages(SCANS / "s03-2191-CT-CS-signed.pdf", [0], 72)[0][0]
    assert image.mode == "L"  # the scan's own JPEG: nothing but the signer box was drawn over it
    assert _ink(image, (334, 4, 572, 55)) is False  # where the signer box was


def test_a_signature_stamp_drawn_by_pyhanko_is_a_stamp(tmp_path):
    """pyHanko writes its stamp's box upside down (/BBox [0 20 30 0]): the box is known by its text."""
    from datetime import datetime

    from tests.signing import ICT, make_pdf, make_pki, sign_pdf

    pki = make_pki(tmp_path / "pki", common_name="So Tu phap")
    plain = make_pdf(tmp_path / "plain.pdf", ["Kinh gui: Cac phong chuyen mon thuoc So Tu phap va cac don vi."] * 2)
    signed = sign_pdf(plain, tmp_path / "signed.pdf", pki, "Sig1", signed_at=datetime(2021, 2, 25, 15, 12, 1, tzinfo=ICT),
                      box=(330, 700, 560, 830), stamp_text="Ký bởi: Sở Tư pháp\nThời gian ký: 25.02.2021 15:12:01")
    page = read_text_layer(signed)[0]
    assert (page.text.count("Kinh gui"), page.stamps) == (2, ("Ký bởi: Sở Tư pháp", "Thời gian ký: 25.02.2021 15:12:01"))


@needs_scans
def test_printed_page_leaves_the_document_open_for_more_pages():
    pdf = pdfium.PdfDocument(str(SCANS / "s29-185-VKTQG-QLKH-signed.pdf"))
    pages = [printed_page(pdf, i) for i in range(len(pdf))]
    assert [p.get_textpage().get_text_range().count("185") >= 1 for p in pages] == [True, True]
    pdf.close()


@needs_scans
def test_signatures_of_a_file_with_junk_before_its_header_verify():
    rows = read_signatures(SCANS / "s09-3070-KH-UBND-signed.pdf")
    assert [(r.signer_name, r.signed_at, r.intact) for r in rows] == [
        ("Trịnh Tuấn Thành", "2024-10-02T20:48:59+07:00", True),
        ("ỦY BAN NHÂN DÂN THỊ XÃ BỈM SƠN", "2024-10-03T07:54:09+07:00", True),
        ("ỦY BAN NHÂN DÂN THỊ XÃ BỈM SƠN", "2024-10-03T07:54:10+07:00", True),
        ("ỦY BAN NHÂN DÂN THỊ XÃ BỈM SƠN", "2024-10-03T07:55:27+07:00", True),
    ]
    assert {r.summary.split("; ", 1)[1] for r in rows} == {"read from byte 21, after the junk before %PDF"}


def test_a_signer_box_read_by_ocr_is_split_from_the_header():
    lines = ["Ký bởi: Văn phòng Chính phủ", "Email: vpcp@chinhphu.vn", "Thời gian ký: 07.01.2025", "16:02:32 +07:00",
             "THỦ TƯỚNG CHÍNH PHỦ", "Số: 01/2025/QĐ-TTg", "Cơ quan: Bộ Nội vụ"]
    assert split_stamp_lines(lines) == (
        ["THỦ TƯỚNG CHÍNH PHỦ", "Số: 01/2025/QĐ-TTg", "Cơ quan: Bộ Nội vụ"],
        ["Ký bởi: Văn phòng Chính phủ", "Email: vpcp@chinhphu.vn", "Thời gian ký: 07.01.2025", "16:02:32 +07:00"],
    )


def test_lines_about_the_ban_co_yeu_chinh_phu_are_text_and_its_contact_line_is_a_stamp():
    # body lines of a BQP circular (dev-real-scans s02), a Quyết định's member list (s15) and a provincial
    # Quyết định (dev-real r30); the issuer line of the Ban's own letters; the CA line of a VGCA box (corpus)
    text = ["quân nhân công tác tại Ban Cơ yếu Chính phủ; quân nhân dự bị trong",
            "- Phó Trưởng Ban Cơ yếu Chính phủ Đại tá Hồ Văn Hương.",
            "người làm việc trong tổ chức cơ yếu thuộc Ban Cơ yếu Chính phủ mất tích trong chiến",
            "BAN CƠ YẾU CHÍNH PHỦ", "Số: 12/BCY-VP"]
    box = ["BAN CƠ YẾU CHÍNH PHỦ - ĐT: 0243.7738668; Fax: 0243.7738668; Email: ca@bcy.gov.vn"]
    assert split_stamp_lines(text + box) == (text, box)


def test_a_receiving_offices_stamp_takes_its_name_line():
    # dev-real-scans s02 (a BQP circular as the Văn phòng Chính phủ received it): the stamp's name, then its head
    lines = ["VĂN PHÒNG CHÍNH PHỦ", "CÔNG VĂN ĐẾN", "Kính chuyển:", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "THÔNG TƯ"]
    assert split_stamp_lines(lines) == (["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "THÔNG TƯ"],
                                        ["VĂN PHÒNG CHÍNH PHỦ", "CÔNG VĂN ĐẾN", "Kính chuyển:"])
    # a title line above a heading that is no stamp stays
    assert split_stamp_lines(["BỘ NỘI VỤ", "CÔNG VĂN"]) == (["BỘ NỘI VỤ", "CÔNG VĂN"], [])


def test_a_receipt_stamp_read_by_ocr_is_split_from_the_header():
    lines = ["THỦ TƯỚNG CHÍNH PHỦ", "QUYẾT ĐỊNH", "ĐẾN Số: 125", "Ngày...06..19.1.2026.", "Giờ: 15h",
             "Ban hành Kế hoạch hành động quốc gia", "ĐẾN NĂM 2030", "Chuyển: Vụ KGVX"]
    assert split_stamp_lines(lines) == (
        ["THỦ TƯỚNG CHÍNH PHỦ", "QUYẾT ĐỊNH", "Ban hành Kế hoạch hành động quốc gia", "ĐẾN NĂM 2030"],
        ["ĐẾN Số: 125", "Ngày...06..19.1.2026.", "Giờ: 15h", "Chuyển: Vụ KGVX"],
    )
