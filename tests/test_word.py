"""Word files in the corpus: a .docx and a .doc, made at test time with LibreOffice from HTML,
ingested through their converted PDFs with their tables, and opened by Datasette at the
page a fact was read on."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdfium2
import pytest

from congvan import pipeline
from congvan.db import schema
from congvan.ingest import word
from tests.datasette_server import get, get_json, serve

pytestmark = pytest.mark.skipif(word.soffice() is None, reason="LibreOffice is not installed (make install)")

# An appraisal annex of one lĩnh vực: a title page, then the score table on page 2.
ANNEX = """<html><head><meta charset="utf-8"></head><body>
<p align="center"><b>Phụ lục II</b></p>
<p align="center"><b>KẾT QUẢ ĐÁNH GIÁ CÁC TIÊU CHÍ THUỘC CẢI CÁCH THỂ CHẾ NĂM 2025</b></p>
<p style="page-break-before: always">I. ĐỐI VỚI CẤP SỞ</p>
<table border="1" cellspacing="0" cellpadding="4">
<tr><th>STT</th><th>Đơn vị</th><th>Điểm chuẩn tối đa</th><th>Điểm tự đánh giá</th><th>Điểm thẩm định</th><th>Chỉ số</th></tr>
<tr><td>1</td><td>Sở Tư pháp</td><td>6,50</td><td>6,50</td><td>6,00</td><td>92,31%</td></tr>
<tr><td>2</td><td>Sở Văn hoá, Thể thao và<br>Du lịch</td><td>6,00</td><td>5,50</td><td>4,50</td><td>75,00%</td></tr>
<tr><td></td><td>Chỉ số cao nhất</td><td></td><td></td><td></td><td>92,31%</td></tr>
</table></body></html>"""

# A unit's self-assessment table: code | criterion | maximum | self-assessed | evidence.
SELF_ASSESSMENT = """<html><head><meta charset="utf-8"></head><body>
<p align="center"><b>BẢNG TỰ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2025 CỦA SỞ TƯ PHÁP</b></p>
<table border="1" cellspacing="0" cellpadding="4">
<tr><th>STT</th><th>Lĩnh vực/Tiêu chí/Tiêu chí thành phần</th><th>Điểm tối đa</th><th>Điểm tự đánh giá</th><th>Tài liệu kiểm chứng</th></tr>
<tr><td>1</td><td>CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH</td><td>14,5</td><td>13,5</td><td></td></tr>
<tr><td>1.1</td><td>Kế hoạch CCHC năm</td><td>2</td><td>2</td><td>Kế hoạch số 10/KH-STP</td></tr>
<tr><td>1.3</td><td>Thực hiện chế độ báo cáo<br>định kỳ</td><td>1</td><td>0</td><td>Chưa gửi báo cáo quý I</td></tr>
<tr><td>3.4.1</td><td>Tỷ lệ hồ sơ giải quyết đúng hạn</td><td>1,5</td><td>1,25</td><td>Báo cáo số 5/BC-STP</td></tr>
<tr><td></td><td>Tổng điểm</td><td>100</td><td>96,25</td><td></td></tr>
</table></body></html>"""


def _word_file(html: str, folder: Path, name: str, export_filter: str) -> Path:
    """Writes `html` and has LibreOffice save it as a Word file `name` in `folder`."""
    work = folder / "html"
    work.mkdir(exist_ok=True)
    source = work / (Path(name).stem + ".html")
    source.write_text(html, encoding="utf-8")
    subprocess.run([word.soffice(), f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                    "--convert-to", f"{Path(name).suffix[1:]}:{export_filter}", "--outdir", str(work), str(source)],
                   check=True, capture_output=True, timeout=180, env={"HOME": str(work), "PATH": "/usr/bin:/bin"})
    target = folder / name
    shutil.move(str(work / name), target)
    return target


@pytest.fixture(scope="module")
def word_db(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("word")
    corpus = root / "corpus"
    corpus.mkdir()
    _word_file(ANNEX, corpus, "phu-luc-the-che.docx", "MS Word 2007 XML")
    _word_file(SELF_ASSESSMENT, corpus, "tu-danh-gia.doc", "MS Word 97")
    shutil.rmtree(corpus / "html")
    db_path = root / "db" / "word.db"
    summary = pipeline.ingest(corpus, db_path, workers=1)
    assert [(f.path, f.status) for f in summary.files] == [("phu-luc-the-che.docx", "ok"), ("tu-danh-gia.doc", "ok")]
    return corpus, db_path


def test_docx_score_table_is_read_on_the_page_of_its_converted_pdf(word_db):
    corpus, db_path = word_db
    db = schema.connect(db_path)
    doc = next(db.query("select id, pages, status from documents where path = 'phu-luc-the-che.docx'"))
    rows = [(r["subject"], r["score"], r["max_score"], r["area"], r["assessed_by"], r["year"], r["page"])
            for r in db.query("select * from index_scores where document_id = ? order by id", [doc["id"]])]
    assert rows == [
        ("Sở Tư pháp", 6.5, 6.5, "Cải cách thể chế", "self", 2025, 2),
        ("Sở Tư pháp", 6.0, 6.5, "Cải cách thể chế", "appraised", 2025, 2),
        ("Sở Văn hoá, Thể thao và Du lịch", 5.5, 6.0, "Cải cách thể chế", "self", 2025, 2),
        ("Sở Văn hoá, Thể thao và Du lịch", 4.5, 6.0, "Cải cách thể chế", "appraised", 2025, 2)]
    converted = word.converted_path(db_path, "phu-luc-the-che.docx")
    assert (doc["pages"], len(pypdfium2.PdfDocument(converted))) == (2, 2)
    assert not list(corpus.glob("*.pdf"))   # nothing is written into the corpus


def test_doc_self_assessment_gives_point_losses_below_the_maximum(word_db):
    _, db_path = word_db
    db = schema.connect(db_path)
    rows = [(r["code"], r["title"], r["achieved"], r["max_points"], r["lost"], r["year"], r["subject"])
            for r in db.query("select p.* from point_losses p join documents d on d.id = p.document_id "
                              "where d.path = 'tu-danh-gia.doc' order by p.id")]
    assert rows == [
        ("1", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH", 13.5, 14.5, 1.0, 2025, "Sở Tư pháp"),
        ("1.3", "Thực hiện chế độ báo cáo định kỳ", 0.0, 1.0, 1.0, 2025, "Sở Tư pháp"),
        ("3.4.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", 1.25, 1.5, 0.25, 2025, "Sở Tư pháp")]


def test_datasette_link_opens_the_converted_pdf_at_the_page(word_db):
    corpus, db_path = word_db
    with serve(db_path, corpus=corpus) as base:
        status, rows = get_json(base, f"/{db_path.stem}/search.json", q="Sở Tư pháp", _shape="array")
        links = sorted(r["Mở PDF"].removeprefix("/") for r in rows)   # relative links (db/serve.py)
        assert (status, links) == (200, ["converted/phu-luc-the-che.docx.pdf#page=2", "converted/tu-danh-gia.doc.pdf#page=1"])
        status, headers, body = get(base + "/converted/phu-luc-the-che.docx.pdf")
        assert (status, body[:5]) == (200, b"%PDF-")


def test_word_file_without_libreoffice_fails_with_the_apt_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))   # no soffice on the PATH
    source = tmp_path / "a.docx"
    source.write_bytes(b"PK\x03\x04 not really a docx")
    with pytest.raises(word.LibreOfficeMissing, match="apt-get install libreoffice-writer-nogui"):
        word.convert(source, tmp_path / "a.docx.pdf")


def test_a_docx_dropped_into_a_watched_corpus_is_read(word_db, tmp_path):
    from congvan.watch import Watcher
    from tests.test_watch import status_of, wait_for

    source, _ = word_db
    corpus, db_path = tmp_path / "corpus", tmp_path / "db" / "congvan.db"
    corpus.mkdir()
    results = []
    with Watcher(corpus, db_path, on_result=results.append, settle=1.0):
        shutil.copy(source / "phu-luc-the-che.docx", corpus / "moi.docx")
        wait_for(lambda: status_of(db_path, "moi.docx") == "ok", timeout=120)
        wait_for(lambda: results, timeout=5)
    assert [(r.path, r.result.status, r.result.pages) for r in results] == [("moi.docx", "ok", 2)]
    with schema.connect(db_path).conn as c:
        assert c.execute("select count(*) from index_scores").fetchone() == (4,)
