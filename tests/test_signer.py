"""Who signs: a signing block OCR damaged is restored from the registry of signers the database has
seen (names printed in digital documents, personal signing certificates) and from the file's own
certificate; real PDFs through the pipeline, text as real scans read (extract/signer.py, signer_names.py)."""
from __future__ import annotations

from pathlib import Path

import sqlite_utils

from congvan import pipeline
from congvan.db import stored
from congvan.extract import signer
from congvan.extract.signer_names import Registry, officeholders
from congvan.extract.text import Line
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.fixtures.build import _register_fonts
from tests.signing import make_pki, sign_pdf

HEADER = ["ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ", "Số: 3/2025/QĐ-UBND", "QUYẾT ĐỊNH",
          "Về việc quy định chức năng, nhiệm vụ của Sở Công Thương", "Điều 1. Quyết định này có hiệu lực từ ngày ký./.",
          "Nơi nhận:", "- Như trên;", "- Lưu: VT."]


def make_pdf(dst: Path, lines: list[str]) -> Path:
    """An A4 page with `lines` in a serif font that has the Vietnamese letters (tests/fixtures/build.py)."""
    _register_fonts()
    pdf = canvas.Canvas(str(dst), pagesize=A4, invariant=True)
    pdf.setFont("Serif", 13)
    for i, line in enumerate(lines):
        pdf.drawString(72, A4[1] - 72 - 20 * i, line)
    pdf.showPage()
    pdf.save()
    return dst


def _no_ocr(path, indexes, **_):
    raise AssertionError(f"OCR was asked for pages {indexes} of {path}")


def _lines(*texts: str) -> list[Line]:
    return [Line(1, 0, 0, t) for t in texts]


def test_a_name_ocr_damaged_is_restored_from_a_digital_document_the_database_holds(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "a-digital.pdf", HEADER + ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Duy Đông"])
    # the block as OCR read the scan of 3/2025/QĐ-UBND Phú Thọ (a seal over the surname)
    make_pdf(corpus / "b-scan.pdf", HEADER + ["_TM, ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "DẨ", "“Tân Duy Đông"])
    db_path = tmp_path / "c.db"
    pipeline.ingest(corpus, db_path, ocr=_no_ocr)
    db = sqlite_utils.Database(db_path)
    rows = [tuple(r.values()) for r in db.query("select path, signer_name, signer_title, signer_authority "
                                                "from documents order by path")]
    assert rows == [("a-digital.pdf", "Trần Duy Đông", "Chủ tịch", "TM."), ("b-scan.pdf", "Trần Duy Đông", "Chủ tịch", "TM.")]
    assert stored.known_signers(db) == [("Trần Duy Đông", "Chủ tịch", "UBND tỉnh Phú Thọ")] * 2
    assert pipeline.extract_stored(db_path) == 2
    assert [r["signer_name"] for r in sqlite_utils.Database(db_path).query(
        "select signer_name from documents order by path")] == ["Trần Duy Đông", "Trần Duy Đông"]


def test_without_a_registry_name_the_damaged_name_stays_as_read(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "b-scan.pdf", HEADER + ["_TM, ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "DẨ", "“Tân Duy Đông"])
    pipeline.ingest(corpus, tmp_path / "c.db", ocr=_no_ocr)
    row = next(sqlite_utils.Database(tmp_path / "c.db").query("select signer_name from documents"))
    assert row["signer_name"] == "Tân Duy Đông"


def _signed(tmp_path: Path, common_name: str, block: list[str]) -> Path:
    pki = make_pki(tmp_path / "pki", common_name=common_name, email="thanhtt@thanhhoa.gov.vn",
                   organization="ỦY BAN NHÂN DÂN TỈNH THANH HÓA")
    plain = make_pdf(tmp_path / "plain.pdf", HEADER + block)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sign_pdf(plain, corpus / "signed.pdf", pki, "Sig1", box=(300, 60, 540, 100))
    pipeline.ingest(corpus, tmp_path / "c.db", ocr=_no_ocr)
    row = next(sqlite_utils.Database(tmp_path / "c.db").query(
        "select signer_name, signer_title, signer_authority from documents"))
    return tuple(row.values())


def test_a_block_whose_name_is_unreadable_takes_the_files_own_personal_certificate(tmp_path):
    # a seal over the name: OCR reads debris where "Trịnh Tuấn Thành" stands
    assert _signed(tmp_path, "Trịnh Tuấn Thành", ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Ƒ xi 2z $3"]) == \
        ("Trịnh Tuấn Thành", "Phó Chủ tịch", "KT.")


def test_a_copys_makers_certificate_names_no_signer_of_the_original(tmp_path):
    block = ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Ƒ xi 2z $3", "SAO Y BẢN CHÍNH"]
    assert _signed(tmp_path, "Trịnh Tuấn Thành", block) == (None, "Phó Chủ tịch", "KT.")


def test_an_offices_certificate_names_no_signer(tmp_path):
    assert _signed(tmp_path, "VĂN PHÒNG ỦY BAN NHÂN DÂN", ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Ƒ xi 2z $3"]) == \
        (None, "Phó Chủ tịch", "KT.")


def test_the_certificate_spells_a_name_ocr_read_with_a_mark_swapped(tmp_path):
    assert _signed(tmp_path, "Trịnh Tuấn Thành", ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trịnh Tuân Thánh"]) == \
        ("Trịnh Tuấn Thành", "Phó Chủ tịch", "KT.")


def test_joint_documents_name_every_issuers_signer_in_page_order():
    # 01/2016/TTLT-TANDTC-VKSNDTC-BTP as OCR reads it: three columns one after another, seals over them
    lines = _lines("kịp thời./", "KT. BỘ TRƯỞNG", "—P2 2U PHÁP", "ỞNG", "cŠ 2 Z. 2)", "Đinh Trung Tụng",
                   "XT. VIỆN TRƯỞNG.", "VIÊN KIEW NHA ĐÂNTÓICAO", "ˆN ỞNG", "Ki tý", "Nguyễn Thị Thủy Khiêm",
                   "\\Z", "Ñ", "KT. CHÁNH ÁN", "TÒA ÁN NHÂN DÂN TỐI CAO", "HÁNH ÁN", "/2v4^", "*TÁ Anh Hào",
                   "Nơi nhận", "- Ủy ban pháp luật của Quốc hội;", "- Lưu: VT (TANDTC, VKSNDTC, BTP)")
    assert signer.find(lines) == (("Ủy ban pháp luật của Quốc hội", "Lưu: VT (TANDTC, VKSNDTC, BTP)"),
                                  "Đinh Trung Tụng; Nguyễn Thị Thủy Khiêm",
                                  "Thứ trưởng; Phó Viện trưởng; Phó Chánh án", "KT.")


def test_two_issuers_signing_side_by_side_in_a_typeset_pdf_are_read_row_by_row(tmp_path):
    """A chương trình phối hợp of a province's UBND and its Mặt trận: two blocks side by side, the layout
    reads both title rows, then both names (the space left for the signatures parts the rows)."""
    from congvan.ingest.pdf import read_pdf
    from congvan.extract import extract

    _register_fonts()
    dst = tmp_path / "joint.pdf"
    pdf = canvas.Canvas(str(dst), pagesize=A4, invariant=True)
    pdf.setFont("Serif", 13)
    pdf.drawString(72, 700, "Chương trình phối hợp này có hiệu lực từ ngày ký./.")
    columns = [["TM. BAN THƯỜNG TRỰC", "ỦY BAN MTTQ VIỆT NAM TỈNH", "PHÓ CHỦ TỊCH", "", "", "Lê Văn Bình"],
               ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "", "", "Nguyễn Thị Hoa"]]
    pdf.setFont("Serif", 12)
    for x, column in zip((160, 430), columns):
        for i, line in enumerate(column):
            pdf.drawCentredString(x, 660 - 16 * i, line)
    pdf.setFont("Serif", 11)
    for i, line in enumerate(["Nơi nhận:", "- Thường trực Tỉnh ủy;", "- Lưu: VT."]):
        pdf.drawString(60, 520 - 14 * i, line)
    pdf.showPage()
    pdf.save()
    head = extract(read_pdf(dst, ocr=None)).header
    assert (head.signer_name, head.signer_title, head.signer_authority, head.copy_to) == (
        "Lê Văn Bình; Nguyễn Thị Hoa", "Phó Chủ tịch; Phó Chủ tịch", "TM.", ("Thường trực Tỉnh ủy", "Lưu: VT"))


def test_a_single_block_followed_by_a_copy_list_is_not_a_joint_one():
    lines = _lines("Nơi nhận:", "- Như trên;", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Hữu Hưng",
                   "TL. GIÁM ĐỐC", "- Lưu: VT.")
    assert signer.find(lines)[1:] == ("Nguyễn Hữu Hưng", "Phó Giám đốc", "KT.")


def test_a_ministrys_head_of_department_signs_tl_with_the_title_of_the_vu():
    # a ministry's công văn signed for the minister by the head of a Vụ (Nghị định 30/2020 Phụ lục I, II.7)
    lines = _lines("Nơi nhận:", "- Như trên;", "- Lưu: VT, PLDSKT.", "TL. BỘ TRƯỞNG",
                   "VỤ TRƯỞNG VỤ PHÁP LUẬT DÂN SỰ - KINH TẾ", "Nguyễn Thanh Tú")
    assert signer.find(lines)[1:] == ("Nguyễn Thanh Tú", "Vụ trưởng Vụ Pháp luật dân sự - Kinh tế", "TL.")
    lines = _lines("Nơi nhận:", "- Lưu: VT.", "TL. BỘ TRƯỞNG", "KT. VỤ TRƯỞNG VỤ PHÁP CHẾ", "PHÓ VỤ TRƯỞNG", "Lê Văn Bình")
    assert signer.find(lines)[1:] == ("Lê Văn Bình", "Phó Vụ trưởng", "TL.")


def test_a_seal_over_the_name_leaves_it_unread_when_no_registry_name_fits():
    lines = _lines("Nơi nhận:", "- Như trên;", "- Lưu: VT.", "KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG", "72", "ăn Quyết")
    assert signer.find(lines)[1:] == (None, "Phó Thủ tướng", "KT.")
    assert signer.find(lines, Registry())[1:] == (None, "Phó Thủ tướng", "KT.")


def test_the_registry_keeps_persons_and_restores_only_unambiguous_names():
    known = Registry.from_rules([("Nguyễn Văn Hưng", "Phó Giám đốc", None), ("Nguyễn Văn Hùng", "Phó Giám đốc", None),
                                 ("Sở Y tế", None, None), ("VĂN PHÒNG CHÍNH PHỦ", None, None)])
    assert len(known.names) == len(officeholders().names) + 2
    assert known.restore("Nguyen Van Hung", "Phó Giám đốc") is None          # two names fit: ambiguous
    assert known.restore("Nguyễn Văn Hưng", "Phó Giám đốc") == "Nguyễn Văn Hưng"
    assert known.restore("ức Phớc", "Phó Thủ tướng") == "Hồ Đức Phớc"
    assert known.restore("Phạm Minh Chinh", "Thủ tướng") == "Phạm Minh Chính"
    province = Registry.from_rules([("Trần Duy Đông", "Chủ tịch", "UBND tỉnh Phú Thọ")])
    assert province.restore("Tân Duy Đông", "Chủ tịch", "UBND tỉnh Phú Thọ") == "Trần Duy Đông"
    assert province.restore("Tân Duy Đông", "Chủ tịch", "UBND tỉnh Bình Định") is None   # another office's
    assert province.restore("Tran Duy Dong", None, "UBND tỉnh Bình Định") == "Trần Duy Đông"   # marks only
