"""A table header row repeated at the top of later OCR pages stays in the page text once.

Rows as OCR read them on the scans of ../shared/corpus/004 and ../shared/dev-real-scans s25
(bảng phân công and phụ lục tables whose header row repeats on every page).
"""
from __future__ import annotations

from congvan.ingest.model import Page
from congvan.ingest.pdf import _drop_repeated_headers

HEADER_P2 = ("STT", "Lĩnh vực/Tiêu chíứ/Tiêu chí thành phần", "Đơn vị thực hiệ", "Ghi chú")
HEADER_P3 = ("STT", "Lãnh vực/Tiêu chí/Tiêu chí thành phần", "Đơn vị thực hiện", "Ghi chú")
ANNEX = ("STT", "Ngành, lĩnh vực ưu tiên, đặc thù; dự án đầu tư", "Sản phẩm, vật liệu, chất thải và dịch vụ")
ANNEX_RUN_ON = ("STT", "Ngành, lĩnh vực ưu tiên, đặc thù; dự án đầu tư", "Sản phẩm, vật liệu @) trang, sửa chữa")


def _page(number: int, header: tuple, body: str, source: str = "ocr") -> Page:
    line = "\t".join(header)
    return Page(number, f"PHỤ LỤC\n{line}\n{body}", source, tables=((header, ("1", body, "Văn phòng Sở", "")),))


def _texts(pages: list[Page]) -> list[str]:
    return [p.text for p in _drop_repeated_headers(pages)]


def test_a_header_row_read_again_on_later_pages_is_kept_on_the_first_only():
    pages = [_page(2, HEADER_P2, "1 Công tác chỉ đạo"), _page(3, HEADER_P3, "2 Xây dựng thể chế"),
             _page(4, HEADER_P3, "3 Cải cách TTHC")]
    assert _texts(pages) == ["PHỤ LỤC\n" + "\t".join(HEADER_P2) + "\n1 Công tác chỉ đạo",
                             "PHỤ LỤC\n2 Xây dựng thể chế", "PHỤ LỤC\n3 Cải cách TTHC"]


def test_the_first_header_of_another_table_stays_and_its_repeats_go_even_with_a_cell_run_on():
    pages = [_page(14, HEADER_P3, "1 Nhiệm vụ"), _page(24, ANNEX, "1 Du lịch"), _page(28, ANNEX_RUN_ON, "5 Dịch vụ")]
    assert _texts(pages) == ["PHỤ LỤC\n" + "\t".join(HEADER_P3) + "\n1 Nhiệm vụ",
                             "PHỤ LỤC\n" + "\t".join(ANNEX) + "\n1 Du lịch", "PHỤ LỤC\n5 Dịch vụ"]


def test_rows_with_digits_and_text_layer_pages_are_left_alone():
    numbered = ("1", "Kế hoạch CCHC", "Văn phòng Sở", "")
    pages = [_page(1, numbered, "a"), _page(2, numbered, "b"), _page(3, HEADER_P3, "c", source="text"),
             _page(4, HEADER_P3, "d", source="text")]
    assert _texts(pages) == [p.text for p in pages]
