"""Datasette as the front door: a real `congvan serve` over HTTP on 127.0.0.1, on real ingested PDFs.

The glossary test needs no server: every column of db/schema.py TABLES and of db.export.VIEWS
has a description in db/metadata.yaml ("Nhãn — ý nghĩa. Ví dụ: …").
"""
from __future__ import annotations

import hashlib
import sqlite3
import urllib.parse

import pytest
import yaml

from congvan.cli import METADATA
from congvan.db import register
from congvan.db.export import VIEWS
from congvan.db.schema import SEARCH, TABLES
from congvan.ingest.textnorm import fold
from tests.conftest import due_soon_date, pages_whose_folded_text_has
from tests.datasette_server import get, get_json

DB = "congvan"


def metadata_tables() -> dict:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"][DB]["tables"]


def view_columns(db_path) -> dict[str, list[str]]:
    with sqlite3.connect(db_path) as c:
        return {v: [r[1] for r in c.execute(f"pragma table_info([{v}])")] for v in VIEWS}


def test_every_column_of_every_table_and_view_has_a_glossary_entry(ingested_db):
    tables = metadata_tables()
    wanted = ({t: list(spec["columns"]) for t, spec in TABLES.items()} | view_columns(ingested_db)
              | {t: list(columns) for t, (columns, _) in register.TABLES.items()})
    missing = [f"{t}.{c}" for t, cols in wanted.items() for c in cols
               if not (tables.get(t, {}).get("columns") or {}).get(c)]
    assert missing == []
    no_example = [f"{t}.{c}" for t, cols in wanted.items() for c in cols
                  if "Ví dụ:" not in tables[t]["columns"][c]]
    assert no_example == []
    assert [t for t in wanted if not tables[t].get("description")] == []


def test_metadata_names_only_existing_columns(ingested_db):
    tables = metadata_tables()
    known = {t: set(spec["columns"]) for t, spec in TABLES.items()} | {
        v: set(c) for v, c in view_columns(ingested_db).items()} | {
        t: set(columns) for t, (columns, _) in register.TABLES.items()}
    extra = [f"{t}.{c}" for t, spec in tables.items() if t in known for c in (spec.get("columns") or {})
             if c not in known[t]]
    facets = [f"{t}.{f}" for t, spec in tables.items() if t in known for f in spec.get("facets", [])
              if f not in known[t]]
    assert (extra, facets) == ([], [])


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pages_matching(served, query: str) -> set[tuple[str, int]]:
    status, rows = get_json(served, f"/{DB}/pages.json", _search=query, _shape="array", _col="page",
                            _size="max")
    assert status == 200
    return {(r["document_id"], r["page"]) for r in rows}


def test_a_phrase_of_a_sample_document_finds_its_page(served, small_corpus):
    found = pages_matching(served, '"Nhóm đánh giá chất lượng nội bộ"')
    assert found == {(sha(small_corpus / "002-digital.pdf"), 2)}


@pytest.mark.parametrize("plain, marked, pattern", [
    ("so noi vu", "Sở Nội vụ", r"\bso\W+noi\W+vu\b"),
    ("dak lak", "Đắk Lắk", r"\bdak\W+lak\b"),
])
def test_search_with_and_without_diacritics_finds_the_same_pages(served, tasks_db, small_corpus,
                                                                 plain, marked, pattern):
    phrase = pages_matching(served, f'"{plain}"')
    assert phrase == pages_matching(served, f'"{marked}"')
    assert phrase == pages_whose_folded_text_has(tasks_db, pattern)
    assert (sha(small_corpus / "001-digital.pdf"), 1) in phrase
    assert pages_matching(served, plain) == pages_matching(served, marked)


def test_document_subjects_search_without_diacritics(served, tasks_db):
    with sqlite3.connect(tasks_db) as c:
        expected = {p for p, s in c.execute("select path, subject from documents")
                    if s and "cai cach hanh chinh" in fold(s)}
    results = []
    for q in ("cai cach hanh chinh", "cải cách hành chính"):
        status, rows = get_json(served, f"/{DB}/documents.json", _search=q, _shape="array", _col="path")
        assert status == 200
        results.append({r["path"] for r in rows})
    assert results == [expected, expected]
    assert "002-digital.pdf" in expected


def test_task_search_in_the_view_ignores_diacritics(served):
    for q in ("so noi vu", "Sở Nội vụ"):
        status, rows = get_json(served, f"/{DB}/obligations_view.json", _search=q, _shape="array")
        assert status == 200
        assert sorted((r["unit"], r["deadline"] or "") for r in rows) == [
            ("Sở Nội vụ", ""), ("Sở Nội vụ", "2021-07-17"), ("Sở Nội vụ", "2021-07-30"),
            ("Sở Tư pháp", "2021-07-17")]


def test_ranked_search_puts_exact_diacritics_first(served):
    status, rows = get_json(served, f"/{DB}/search.json", q="Sở Nội vụ", _shape="array")
    assert status == 200
    assert (rows[0]["Tệp"], rows[0]["Trang"]) == ("001-digital.pdf", 1)
    status, empty = get_json(served, f"/{DB}/search.json", q="", _shape="array")
    assert (status, empty) == (200, [])


@pytest.mark.parametrize("typed", ["so noi vu", "Sở Nội vụ", "SNV"])
def test_unit_tasks_by_name_or_alias(served, typed):
    status, rows = get_json(served, f"/{DB}/unit_tasks.json", unit=typed, _shape="array")
    assert status == 200
    assert [r["Hạn"] for r in rows] == ["2021-07-17", "2021-07-30", None]
    assert {r["Đơn vị"] for r in rows} == {"Sở Nội vụ"}
    assert [r["Mở PDF"].split("/pdf/", 1)[1] for r in rows] == [
        "001-digital.pdf#page=1", "001-digital.pdf#page=1", "001-digital.pdf#page=2"]


def test_unit_tasks_khtcth_and_due_soon(served):
    status, rows = get_json(served, f"/{DB}/unit_tasks.json", unit="KHTCTH", _shape="array")
    assert (status, [r["Đơn vị"] for r in rows]) == (200, ["Phòng Kế hoạch - Tài chính - Tổng hợp"])
    status, rows = get_json(served, f"/{DB}/due_soon.json", days="30", _shape="array")
    assert (status, [(r["Hạn"], r["Còn (ngày)"]) for r in rows]) == (200, [(due_soon_date().isoformat(), 5)])
    status, rows = get_json(served, f"/{DB}/due_soon.json", days="3", _shape="array")
    assert (status, rows) == (200, [])


def test_overdue_points_and_citations_queries(served):
    status, rows = get_json(served, f"/{DB}/overdue.json", _shape="array")
    assert (status, [(r["Hạn"], r["Đơn vị"]) for r in rows]) == (200, [
        ("2021-07-30", "Sở Nội vụ"), ("2021-07-17", "Sở Nội vụ"), ("2021-07-17", "Sở Tư pháp")])
    status, rows = get_json(served, f"/{DB}/points_lost_by_criterion.json", _shape="array")
    assert (status, [(r["Tiêu chí"], r["Tổng điểm mất"], r["Số văn bản"]) for r in rows]) == (
        200, [("1.2", 0.75, 2), ("2.2.2", 0.5, 1)])
    status, rows = get_json(served, f"/{DB}/citing_documents.json", reference="2450/QĐ-UBND", _shape="array")
    assert (status, [(r["Tệp"], r["Trang"]) for r in rows]) == (200, [("000-digital.pdf", 1)])


def test_deadline_month_facet_and_the_pdf_link(served):
    status, data = get_json(served, f"/{DB}/obligations_view.json")
    assert status == 200
    months = {f["value"]: f["count"] for f in data["facet_results"]["deadline_month"]["results"]}
    assert months == {"2021-07": 3, due_soon_date().isoformat()[:7]: 1}
    status, rows = get_json(served, f"/{DB}/unit_tasks.json", unit="Sở Tư pháp", _shape="array")
    assert rows[0]["Mở PDF"] == "/pdf/001-digital.pdf#page=1"   # relative: never built from the Host header
    url = urllib.parse.urldefrag(rows[0]["Mở PDF"]).url
    code, headers, body = get(served + url)
    assert (code, headers["content-type"], body[:5]) == (200, "application/pdf", b"%PDF-")


def test_table_pages_show_the_vietnamese_glossary(served):
    code, _, body = get(f"{served}/{DB}/obligations")
    html = body.decode("utf-8")
    assert code == 200
    assert "Đơn vị thực hiện — tên chuẩn theo danh mục đơn vị" in html
    code, _, body = get(f"{served}/")
    assert "Sổ đăng ký công văn" in body.decode("utf-8")


def test_search_tables_are_the_ones_the_schema_indexes():
    tables = metadata_tables()
    assert {f"{t}_fts" for t in SEARCH} == {t for t, spec in tables.items()
                                             if spec.get("hidden") and t.endswith("_fts")}
