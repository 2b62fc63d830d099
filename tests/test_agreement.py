"""The document's own majority reading (ingest.agreement), on phrasings of real scans."""
from __future__ import annotations

from congvan.ingest.agreement import agree
from congvan.ingest.model import Page


def _page(number: int, text: str, source: str = "ocr") -> Page:
    return Page(number, text, source)


def test_a_word_read_once_with_fewer_marks_takes_the_documents_reading():
    """46/VBHN-BQP scan: "cấp bậc quân hầm" once, "quân hàm" throughout; "Lê tang" for "Lễ tang"."""
    body = _page(2, "quân hàm Đại tá\ncấp bậc quân hàm\nquân hàm Thượng tá\ntổ chức Lễ tang\nBan Tổ chức Lễ tang\nLễ tang cấp cao")
    first = _page(1, "đối với quân nhân có cấp bậc quân hầm từ Đại tá\ntổ chức Lê tang tại nhà")
    assert agree([first, body])[0].text == "đối với quân nhân có cấp bậc quân hàm từ Đại tá\ntổ chức Lễ tang tại nhà"


def test_text_layer_pages_are_evidence_but_never_changed():
    layer = _page(1, "ưu đãi thuế TNDN; thuế TNDN; Luật Thuế TNDN; thuê đất", source="text")
    scan = _page(2, "chính sách thuê TNDN")
    out = agree([layer, scan])
    assert out[0] == layer
    assert out[1].text == "chính sách thuế TNDN"


def test_a_pair_that_is_a_word_as_read_stays():
    """r06 (224/CĐ-TTg): "tổng cộng 198 dự án" beside many "Tổng công ty"."""
    pages = [_page(1, "Tổng công ty A\nTổng công ty B\ncác tổng công ty\nvới tổng cộng 198 dự án")]
    assert agree(pages)[0].text.endswith("với tổng cộng 198 dự án")


def test_a_misreading_repeated_on_every_page_is_no_evidence():
    """851/KH-SYT: OCR read "Tô Pháp chế" three times; the one "Tổ Pháp chế" read right stays."""
    pages = [_page(1, "(Tô Pháp chế - Đối ngoại)\n(Tô Pháp chế)\nTô Pháp chế và\nVăn phòng Sở (Tổ Pháp chế)")]
    assert agree(pages)[0].text.endswith("(Tổ Pháp chế)")


def test_frequent_words_and_words_before_a_name_stay():
    """r05: "có quan hệ" is not "cơ quan hệ"; r35: "cơ bản do Ủy ban" beside many "bản đồ"."""
    pages = [_page(1, "cơ quan A; cơ quan B; cơ quan C; đơn vị có quan hệ\n"
                      "bản đồ A; bản đồ B; bản đồ C; nhiệm vụ cơ bản do Ủy ban nhân dân tổ chức")]
    assert agree(pages)[0].text == pages[0].text
