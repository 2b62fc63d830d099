"""Ruled tables with vertically merged cells, from a text layer and from a page image.

Corpus files come from ../shared/corpus (skipped when absent). 004 is a bảng phân công whose
unit column ("Đơn vị thực hiện") has merged cells; 001 page 3 is an appendix table. The scan
renders are rotated (004 p.1 by +0.83°, 004 p.3 by −1.403°, 001 p.3 by −1.07°, MANIFEST.md).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from congvan.ingest import ocr
from congvan.ingest.model import Word
from congvan.ingest.tables import tables_from_image, tables_from_pdfplumber

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SCALE = 300 / 72
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")

FIRST_15_CODES_AND_UNITS = [
    ("STT", "Đơn vị thực hiện"),
    ("1", ""),
    ("1.1", "Văn phòng Sở"),
    ("1.1.1", None),
    ("1.1.2", None),
    ("1.2", None),
    ("1.3", None),
    ("1.3.1", None),
    ("1.3.2", None),
    ("1.3.3", None),
    ("1.4", "Phòng KH-TC-TH"),
    ("1.4.1", None),
    ("1.4.2", None),
    ("1.5", "Văn phòng"),
    ("1.5.1", None),
]


def _render(name: str, index: int) -> np.ndarray:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(CORPUS / name))
    try:
        return np.array(pdf[index].render(scale=SCALE, grayscale=True).to_pil().convert("L"))
    finally:
        pdf.close()


def _rotate_words(words: list[Word], degrees: float, width: float, height: float) -> list[Word]:
    """Words moved as PIL's counter-clockwise rotation about the page centre moves pixels."""
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    moved = []
    for w in words:
        dx, dy = (w.x0 + w.x1) / 2 - width / 2, (w.top + w.bottom) / 2 - height / 2
        x, y = width / 2 + dx * cos + dy * sin, height / 2 - dx * sin + dy * cos
        half_w, half_h = (w.x1 - w.x0) / 2, (w.bottom - w.top) / 2
        moved.append(Word(w.text, x - half_w, y - half_h, x + half_w, y + half_h))
    return moved


@pytest.fixture(scope="session")
def digital() -> dict[tuple[str, int], tuple]:
    """(tables, text-layer words) of the digital pages used here, read once."""
    import pdfplumber

    out = {}
    for name, index in (("004-digital.pdf", 0), ("004-digital.pdf", 2), ("001-digital.pdf", 2)):
        with pdfplumber.open(CORPUS / name) as pdf:
            page = pdf.pages[index]
            words = [Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in page.extract_words()]
            out[(name[:3], index)] = (tables_from_pdfplumber(page), words, page.width, page.height)
    return out


@pytest.fixture(scope="session")
def scan_004_p1() -> np.ndarray:
    return _render("004-scan.pdf", 0)


@needs_corpus
def test_digital_merged_unit_is_in_first_row_of_its_span(digital) -> None:
    (table,), _, _, _ = digital[("004", 0)]
    assert table[2] == ("1.1", "Kế hoạch CCHC hàng năm", "Văn phòng Sở", "")
    assert [(row[0], row[2]) for row in table[3:10]] == [
        ("1.1.1", None), ("1.1.2", None), ("1.2", None), ("1.3", None),
        ("1.3.1", None), ("1.3.2", None), ("1.3.3", None),
    ]


@needs_corpus
def test_digital_cell_lines_are_joined_with_one_space(digital) -> None:
    (table,), _, _, _ = digital[("004", 0)]
    assert table[0] == ("STT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Đơn vị thực hiện", "Ghi chú")
    assert len(table) == 25


@needs_corpus
@pytest.mark.parametrize(
    ("scan", "doc", "index", "degrees"),
    [("004-scan.pdf", "004", 0, 0.83), ("004-scan.pdf", "004", 2, -1.403), ("001-scan.pdf", "001", 2, -1.07)],
)
def test_scan_image_with_exact_words_gives_the_digital_table(digital, scan, doc, index, degrees) -> None:
    """The image path alone: rules from the scan, words placed where the scan prints them."""
    tables, words, width, height = digital[(doc, index)]
    gray = _render(scan, index)
    got = tables_from_image(gray, _rotate_words(words, degrees, width, height), scale=SCALE)
    assert got == tables
    if index == 0 and doc == "004":
        assert [(row[0], row[2]) for row in got[0][:15]] == FIRST_15_CODES_AND_UNITS


@needs_corpus
def test_ocr_of_the_scan_keeps_the_merged_spans_and_reads_the_codes(digital) -> None:
    """Real OCR (`ingest.ocr.ocr_page`): the structure of the digital table, its merged unit
    cell, and the codes of the first column read again on their own."""
    (expected,), _, _, _ = digital[("004", 0)]
    (table,) = ocr.ocr_page(CORPUS / "004-scan.pdf", 0).tables
    assert {len(row) for row in table} == {4} and len(table) >= len(expected) - 2
    assert table[2] == ("1.1", "Kế hoạch CCHC hàng năm", "Văn phòng Sở", "")
    assert table[3][2] is None  # the unit cell spans the rows below it
    codes = " ".join(row[0] or "" for row in table).split()
    assert sum(row[0] in codes for row in expected[1:]) >= len(expected) - 3


def _synthetic_grid(degrees: float = 0.0) -> tuple[np.ndarray, list[Word]]:
    """A 300×200 pt page at 2 px/pt: 3×3 grid whose middle column merges rows 2 and 3."""
    scale = 2
    image = Image.new("L", (300 * scale, 200 * scale), 255)
    draw = ImageDraw.Draw(image)
    xs, ys = [20, 100, 200, 280], [20, 60, 100, 140]
    for x in xs:
        draw.line([(x * scale, ys[0] * scale), (x * scale, ys[-1] * scale)], fill=0, width=2)
    for y in ys:
        if y == 100:  # the merged cell: no rule across the middle column
            draw.line([(xs[0] * scale, y * scale), (xs[1] * scale, y * scale)], fill=0, width=2)
            draw.line([(xs[2] * scale, y * scale), (xs[3] * scale, y * scale)], fill=0, width=2)
        else:
            draw.line([(xs[0] * scale, y * scale), (xs[3] * scale, y * scale)], fill=0, width=2)
    words = [
        Word("A1", 50, 35, 70, 45), Word("B1", 140, 35, 160, 45), Word("C1", 230, 35, 250, 45),
        Word("Văn", 30, 66, 50, 76), Word("phòng", 55, 66, 85, 76), Word("Sở", 30, 80, 45, 90),
        Word("B2", 140, 95, 160, 105), Word("C2", 230, 75, 250, 85),
        Word("A3", 50, 115, 70, 125), Word("C3", 230, 115, 250, 125), Word("|", 99, 115, 101, 125),
    ]
    if degrees:
        image = image.rotate(degrees, resample=Image.Resampling.BILINEAR, fillcolor=255)
        words = _rotate_words(words, degrees, 300, 200)
    return np.array(image), words


SYNTHETIC_TABLE = (
    ("A1", "B1", "C1"),
    ("Văn phòng Sở", "B2", "C2"),
    ("A3", None, "C3"),
)


def test_synthetic_grid_with_merged_cell_has_none_below_it() -> None:
    gray, words = _synthetic_grid()
    assert tables_from_image(gray, words, scale=2) == (SYNTHETIC_TABLE,)
    assert ocr.table_grid(Image.fromarray(gray), 0.5) is not None


def test_synthetic_grid_rotated_one_degree_gives_the_same_table() -> None:
    gray, words = _synthetic_grid(degrees=1.0)
    assert tables_from_image(gray, words, scale=2) == (SYNTHETIC_TABLE,)


def test_blank_page_has_no_table() -> None:
    gray = np.full((3508, 2481), 245, dtype=np.uint8)
    assert tables_from_image(gray, [Word("x", 10, 10, 20, 20)], scale=SCALE) == ()
    assert ocr.table_grid(Image.fromarray(gray), 1 / SCALE) is None


@needs_corpus
def test_running_text_scan_page_has_no_table() -> None:
    gray = _render("003-scan.pdf", 1)
    assert tables_from_image(gray, [], scale=SCALE) == ()
    assert ocr.table_grid(Image.fromarray(gray), 1 / SCALE) is None


@needs_corpus
def test_table_scan_pages_are_detected(scan_004_p1) -> None:
    """`table_grid` wants a level page, as the OCR stage makes it."""
    for gray in (scan_004_p1, _render("001-scan.pdf", 2)):
        image = Image.fromarray(gray)
        level = image.rotate(ocr.estimate_skew(image), fillcolor=255)
        assert len(ocr.table_grid(level, 1 / SCALE).cells) > 20


def _pdfplumber_tables(path: Path) -> list[tuple]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [tables_from_pdfplumber(page) for page in pdf.pages]


def _text_layer_tables(path: Path) -> list[tuple]:
    from congvan.ingest.pdf import read_text_layer

    return [page.tables for page in read_text_layer(path)]


SAMPLES = Path(__file__).resolve().parents[1] / "corpus"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.pdf")) + sorted(CORPUS.glob("*-digital.pdf"))
                         + sorted(CORPUS.glob("*-signed.pdf")), ids=lambda p: p.name)
def test_text_layer_tables_are_the_tables_pdfplumber_finds(path: Path) -> None:
    from congvan.ingest.pdf import read_text_layer

    pages = read_text_layer(path)
    expected = _pdfplumber_tables(path)
    assert [p.tables if p.source == "text" else () for p in pages] == [
        t if p.source == "text" else () for p, t in zip(pages, expected)]


def test_tables_drawn_as_rectangles_inside_a_form_object(tmp_path: Path) -> None:
    """Cells drawn with `re` (closed sub-paths) inside a scaled, moved form XObject."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    fonts = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
             "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf")
    font = next((f for f in fonts if Path(f).exists()), None)
    if font is None:
        pytest.skip("no TrueType font with Vietnamese letters")
    pdfmetrics.registerFont(TTFont("Body", font))
    path = tmp_path / "rects.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Body", 11)
    c.drawString(72, 780, "Phụ lục: bảng phân công nhiệm vụ cải cách hành chính năm 2021")
    c.beginForm("grid")
    for row in range(3):
        for col, width in enumerate((60, 200)):
            c.rect(20 + sum((60, 200)[:col]), 200 - 30 * row, width, 30)
    c.endForm()
    c.saveState()
    c.translate(52, 400)
    c.scale(1.2, 1.2)
    c.doForm("grid")
    c.restoreState()
    rows = (("STT", "Đơn vị thực hiện"), ("1.1", "Văn phòng Sở"), ("1.2", "Thanh tra Sở"))
    for row, (code, unit) in enumerate(rows):
        top = 400 + 1.2 * (230 - 30 * row) - 24
        c.drawString(52 + 1.2 * 25, top, code)
        c.drawString(52 + 1.2 * 85, top, unit)
    c.save()
    tables = _text_layer_tables(path)
    assert tables[0] == (rows,)
    assert tables == _pdfplumber_tables(path)


@needs_corpus
def test_vertical_rules_are_the_runs_the_transposed_page_gives():
    from congvan.ingest.tables import _binarise, _close_gaps, _runs

    dark = _binarise(np.asarray(ocr.render_page(CORPUS / "004-scan.pdf", 2, 200)))
    along = _runs(_close_gaps(dark, axis=0), 40, axis=0)
    transposed = _runs(_close_gaps(np.ascontiguousarray(dark.T)), 40)
    assert all(np.array_equal(a, b) for a, b in zip(along, transposed))
    assert (len(along[0]), int(along[0].min())) == (246, 126)


def test_text_in_a_frame_and_tables_of_figures_assign_no_one():
    """A report's framed paragraph (one cell a line, dev-cchc 329/BC-UBND p. 12: "đơn vị sự nghiệp công lập"
    read as a header), a statistics table whose "Đơn vị tính" is a unit of measure and a table of units'
    scores (no task column) are no task tables."""
    from congvan.extract.assignment_tables import table_rows
    from congvan.ingest.model import Document, Page

    framed = (("đơn vị sự nghiệp công lập",), ("03/7/2025, Hội đồng nhân dân tỉnh Lâm Đồng ban hành Nghị quyết",),
              ("phủ ban hành Quyết định thành lập Ban Quản lý các Khu công nghiệp tỉnh",))
    statistics = (("", "", "Đơn vị tính", "Số liệu", ""), ("1", "Số thủ tục hành chính", "Sở Tư pháp", "120", ""))
    task = (("STT", "Nội dung", "Đơn vị thực hiện", "Thời gian hoàn thành"),
            ("1", "Rà soát thủ tục hành chính", "Sở Tư pháp", "Quý II/2026"))
    scores = (("STT", "Đơn vị", "Điểm chuẩn tối đa", "Điểm tự đánh giá", "Điểm thẩm định", "Chỉ số"),
              ("1", "Sở Tư pháp", "14,50", "14,50", "13,50", "93,10%"))   # an appraisal annex (dev-cchc): scores
    page = Page(1, "", "text", tables=(framed, statistics, scores))
    assert table_rows(Document("a", "a.pdf", (page,)), "UBND tỉnh Lâm Đồng") == []
    rows = table_rows(Document("b", "b.pdf", (Page(1, "", "text", tables=(task,)),)), "UBND tỉnh Lâm Đồng")
    assert [(r.unit, r.deadline_text) for r in rows] == [("Sở Tư pháp", "Quý II/2026")]
