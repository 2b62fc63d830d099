"""Score tables, criterion tables and tables of indices by year: a real appraisal annex of
dev-cchc, and the layouts of an appraisal report (columns of a converted Word table that do
not line up with their labels, ranked and unranked groups, a listing over a page break)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from congvan.extract import criterion_scores, index_tables, score_tables
from congvan.extract.model import Header
from congvan.ingest.model import Document, Page
from congvan.ingest.pdf import read_pdf

DEV_CCHC = Path(__file__).resolve().parents[1].parent / "shared" / "dev-cchc" / "pdf"


@pytest.fixture(scope="module")
def annex() -> Document:
    path = DEV_CCHC / "ld2025-pl1-chidao-digital.pdf"
    if not path.exists():
        pytest.skip("../shared/dev-cchc is absent")
    return read_pdf(path, ocr=lambda *a, **k: {})


def test_appraisal_annex_gives_self_and_appraised_points_of_every_unit(annex):
    found = score_tables.find(annex, Header())
    assert len(found) == 278
    assert Counter((s.year, s.area, s.assessed_by) for s in found) == {
        (2025, "Công tác chỉ đạo điều hành", "self"): 139, (2025, "Công tác chỉ đạo điều hành", "appraised"): 139}
    assert [(s.subject, s.score, s.max_score, s.assessed_by, s.page) for s in found if s.subject.startswith("Sở Khoa")] == [
        ("Sở Khoa học và Công nghệ", 12.5, 12.5, "self", 1), ("Sở Khoa học và Công nghệ", 9.5, 12.5, "appraised", 1)]
    assert not [s for s in found if "cao nhất" in s.subject or "trung bình" in s.subject]


def _page(number: int, text: str, *tables) -> Page:
    return Page(number, text, "text", tables=tuple(tables))


# Thứ hạng | Đơn vị | Điểm chuẩn tối đa | Điểm đạt được | Chỉ số chung | Xếp loại, as a converted
# Word table gives it: empty columns between the labels, values not under their label.
RANKED = (("", "Thứ", "", "Đơn vị", None, "", "Điểm chuẩn", "", "Điểm", "", "Chỉ số", "Xếp loại"),
          (None, "hạng", None, None, None, None, "tối đa", None, "đạt được", None, "chung", None),
          ("1", None, None, "Sở Tư pháp", None, "89,00", None, None, "82,78", None, "93,01%", "TỐT"),
          ("2", None, None, "Sở Nội vụ", None, "87,00", None, None, "78,95", None, "90,75%", "TỐT"),
          ("", "Chỉ số thấp nhất", None, None, None, None, None, None, None, None, "90,75%", ""))
UNRANKED = (("TT", "Đơn vị", "Điểm chuẩn tối đa", "Điểm đạt được", "Chỉ số chung", "Xếp loại"),
            ("1", "Thanh tra tỉnh", "81,00", "64,23", "79,30%", "KHÁ"))
NEXT_PAGE = (("Thứ hạng", "Đơn vị", "Điểm chuẩn tối đa", "Điểm đạt được", "Chỉ số chung", "Xếp loại"),
             ("3", "Sở Y tế", "89,50", "70,53", "78,80%", "KHÁ"))


def test_ranked_and_unranked_groups_of_a_publication():
    doc = Document("x", "x.pdf", (
        _page(1, "4. Kết quả chung về đánh giá, xếp loại Chỉ số CCHC năm 2025\na) Nhóm 1: xếp loại và xếp hạng\n"
                 "Sở Tư pháp\nSở Nội vụ\nb) Nhóm 2: xếp loại nhưng không xếp hạng\nThanh tra tỉnh", RANKED, UNRANKED),
    ))
    found = [(s.subject, s.year, s.score, s.max_score, s.rank, s.of_total, s.assessed_by, s.area)
             for s in score_tables.find(doc, Header())]
    assert found == [("Sở Tư pháp", 2025, 82.78, 89.0, 1, 2, None, None),
                     ("Sở Nội vụ", 2025, 78.95, 87.0, 2, 2, None, None),
                     ("Thanh tra tỉnh", 2025, 64.23, 81.0, None, None, None, None)]


def test_listing_over_a_page_break_keeps_its_group():
    ranked = RANKED[:4]
    doc = Document("x", "x.pdf", (
        _page(1, "Kết quả Chỉ số CCHC năm 2025 của các sở, ngành:\nSở Tư pháp\nSở Nội vụ", ranked),
        _page(2, "Thứ hạng Đơn vị Điểm chuẩn tối đa Điểm đạt được Chỉ số chung Xếp loại\nSở Y tế", NEXT_PAGE),
    ))
    assert [(s.subject, s.rank, s.of_total, s.page) for s in score_tables.find(doc, Header())] == [
        ("Sở Tư pháp", 1, 3, 1), ("Sở Nội vụ", 2, 3, 1), ("Sở Y tế", 3, 3, 2)]


def test_criterion_table_with_self_and_appraised_points_loses_on_the_appraised():
    table = (("Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Điểm thẩm định", "Ghi chú"),
             ("II", "CẢI CÁCH THỂ CHẾ", "6,5", "6,5", "6,0", ""),
             ("2.1", "Ban hành VBQPPL thuộc thẩm quyền", "2", "2", "2", ""),
             ("2.2", "Theo dõi thi hành pháp luật", "1,5", "1,5", "1,0", "Báo cáo chậm"))
    doc = Document("x", "x.pdf", (_page(1, "KẾT QUẢ THẨM ĐỊNH CHỈ SỐ CCHC NĂM 2025 CỦA SỞ NGOẠI VỤ", table),))
    assert [(p.code, p.achieved, p.max_points, p.lost, p.subject, p.year)
            for p in criterion_scores.find(doc, Header())] == [
        ("2", 6.0, 6.5, 0.5, "Sở Ngoại vụ", 2025), ("2.2", 1.0, 1.5, 0.5, "Sở Ngoại vụ", 2025)]


def test_indices_by_year_with_rank_columns():
    table = (("Chỉ số", "Năm 2023", None, "Năm 2024", None),
             (None, "Điểm", "Xếp hạng", "Điểm", "Xếp hạng"),
             ("PAR INDEX", "85,10", "40/63", "83,10", "62/63"),
             ("PAPI", "42,60", "30/63", "43,05", "21/63"))
    doc = Document("x", "x.pdf", (_page(1, "Kết quả các chỉ số của tỉnh", table),))
    assert [(s.subject, s.index_name, s.year, s.score, s.rank, s.of_total)
            for s in index_tables.find(doc, Header(issuer="UBND tỉnh Lâm Đồng"))] == [
        ("tỉnh Lâm Đồng", "PAR INDEX", 2023, 85.1, 40, 63), ("tỉnh Lâm Đồng", "PAR INDEX", 2024, 83.1, 62, 63),
        ("tỉnh Lâm Đồng", "PAPI", 2023, 42.6, 30, 63), ("tỉnh Lâm Đồng", "PAPI", 2024, 43.05, 21, 63)]


def test_unit_score_table_is_not_an_index_by_year():
    doc = Document("x", "x.pdf", (_page(1, "Chỉ số CCHC năm 2025", UNRANKED),))
    assert index_tables.find(doc, Header(issuer="UBND tỉnh Lâm Đồng")) == []


def test_name_wrapped_into_a_row_of_its_own_is_joined():
    table = (("STT", "Đơn vị", "", "Điểm chuẩn tối đa", "Điểm tự đánh giá", "Điểm thẩm định", "Chỉ số"),
             ("11", "", "Sở Nông nghiệp và Môi", "74,00", "71,00", "61,65", "83,31%"),
             (None, None, "trường", None, None, None, None),
             ("12", "Sở Y tế", None, "74,50", "71,42", "58,89", "79,05%"))
    doc = Document("x", "x.pdf", (_page(1, "Kết quả đánh giá năm 2025 của các sở, ngành như sau:", table),))
    assert [(s.subject, s.score, s.assessed_by) for s in score_tables.find(doc, Header())] == [
        ("Sở Nông nghiệp và Môi trường", 71.0, "self"), ("Sở Nông nghiệp và Môi trường", 61.65, "appraised"),
        ("Sở Y tế", 71.42, "self"), ("Sở Y tế", 58.89, "appraised")]


def test_years_down_the_side_and_a_change_column_that_is_not_a_result():
    by_year = (("Năm", "PAR INDEX", "SIPAS"), ("2023", "85,1 (40/63)", "80,5%"), ("2024", "83,1 (62/63)", "81%"))
    changes = (("TT", "Chỉ số", "Kết quả năm 2024", "Xếp hạng", "So với năm 2023"),
               ("1", "PAPI", "42,82", "34/63", "1,5"))
    doc = Document("x", "x.pdf", (_page(1, "Kết quả các chỉ số", by_year, changes),))
    assert [(s.index_name, s.year, s.score, s.rank, s.of_total)
            for s in index_tables.find(doc, Header(issuer="Sở Nội vụ", parent_issuer="UBND tỉnh Lâm Đồng"))] == [
        ("PAR INDEX", 2023, 85.1, 40, 63), ("SIPAS", 2023, 80.5, None, None),
        ("PAR INDEX", 2024, 83.1, 62, 63), ("SIPAS", 2024, 81.0, None, None), ("PAPI", 2024, 42.82, 34, 63)]


def test_criterion_table_goes_on_over_a_page_without_its_header():
    first = (("TT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Điểm tự đánh giá", "Tài liệu kiểm chứng"),
             ("3", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH", "15", "14,25", ""),
             ("3.1", "Công bố, công khai TTHC", "2", "2", "Quyết định số 12/QĐ-UBND"))
    second = (("", "của đơn vị (tiếp)", "", "", ""),
              ("3.4.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", "1,5", "0,75", "Báo cáo số 5/BC"))
    doc = Document("x", "x.pdf", (_page(1, "BẢNG TỰ ĐÁNH GIÁ NĂM 2025", first), _page(2, "", second)))
    assert [(p.code, p.achieved, p.max_points, p.lost, p.page) for p in criterion_scores.find(doc, Header())] == [
        ("3", 14.25, 15.0, 0.75, 1), ("3.4.1", 0.75, 1.5, 0.75, 2)]


def test_code_opening_the_title_cell_wins_over_a_running_number():
    table = (("STT", "Nội dung tiêu chí", "Điểm tối đa", "Điểm đánh giá"),
             ("1", "1.1. Ban hành kế hoạch CCHC năm", "1", "1"),
             ("2", "1.2. Thực hiện chế độ báo cáo", "1", "0,5"))
    doc = Document("x", "x.pdf", (_page(1, "Kết quả chấm điểm năm 2025", table),))
    assert [(p.code, p.title, p.lost) for p in criterion_scores.find(doc, Header())] == [
        ("1.2", "Thực hiện chế độ báo cáo", 0.5)]


def test_annex_of_a_decision_takes_the_year_of_its_title_and_no_area_from_its_legal_bases():
    decision = ("ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: 95/QĐ-UBND\nLâm Đồng, ngày 10 tháng 02 năm 2026\nQUYẾT ĐỊNH\n"
                "Về việc công bố Chỉ số cải cách hành chính năm 2025 của các sở, ban, ngành\n"
                "Căn cứ Nghị quyết số 76/NQ-CP về cải cách thủ tục hành chính năm 2021;")
    doc = Document("x", "x.pdf", (_page(1, decision), _page(2, "Phụ lục I\nKẾT QUẢ CÁC SỞ, BAN, NGÀNH\nSở Y tế", NEXT_PAGE)))
    assert [(s.subject, s.year, s.area, s.score) for s in score_tables.find(doc, Header())] == [
        ("Sở Y tế", 2025, None, 70.53)]
