"""Shared fixtures: a small corpus of real PDFs ingested once per session, and a copy with known tasks.

    small_corpus   three digital PDFs of ../shared/corpus (000, 001, 002) copied to a tmp folder
    ingested_db    that corpus through the real pipeline (db named congvan.db, views created)
    tasks_db       a copy of ingested_db whose facts are FIXTURE_TASKS/… (known rows, whatever
                   the parsers do today), for exports, canned queries and the browser
    served         a real Datasette over tasks_db and small_corpus: its base URL

Tests that need ../shared skip cleanly when it is absent.
"""
from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlite_utils

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
SMALL = ("000-digital.pdf", "001-digital.pdf", "002-digital.pdf")

DUE_SOON_DAYS = 5   # the fixture task of Phòng KH-TC-TH falls due this many days after today

# (path, unit, action, deadline, deadline_text, page, clause, criteria)
FIXTURE_TASKS = (
    ("001-digital.pdf", "Sở Nội vụ",
     "Xây dựng, đề xuất giải pháp nâng cao Chỉ số CCHC tỉnh năm 2021, gửi về Sở Nội vụ trước ngày 17/7/2021",
     "2021-07-17", "trước ngày 17/7/2021", 1, "1.", '["1", "4", "5"]'),
    ("001-digital.pdf", "Sở Tư pháp",
     "Xây dựng, đề xuất giải pháp nâng cao Chỉ số CCHC tỉnh năm 2021, gửi về Sở Nội vụ trước ngày 17/7/2021",
     "2021-07-17", "trước ngày 17/7/2021", 1, "1.", '["2"]'),
    ("001-digital.pdf", "Sở Nội vụ",
     "Xây dựng Kế hoạch cải thiện Chỉ số CCHC năm 2021, trình UBND tỉnh trước ngày 30/7/2021",
     "2021-07-30", "trước ngày 30/7/2021", 1, "2.", "[]"),
    ("001-digital.pdf", "Sở Nội vụ",
     "Đề xuất Chủ tịch UBND tỉnh khen thưởng 01 đến 02 tập thể và 01 đến 02 cá nhân",
     None, None, 2, "2.", "[]"),
    ("002-digital.pdf", "Phòng Kế hoạch - Tài chính - Tổng hợp",
     "Tổng hợp báo cáo kết quả cải cách hành chính của Sở",
     "due-soon", "trong 5 ngày", 2, "(3)", '["1.3"]'),
)
# (path, reference, doc_type, date, page)
FIXTURE_CITATIONS = (
    ("000-digital.pdf", "2450/QĐ-UBND", "Quyết định", "2021-09-06", 1),
    ("001-digital.pdf", "1149/QĐ-UBND", "Quyết định", "2020-12-30", 1),
)
# (path, code, title, achieved, max_points, lost, year, page)
FIXTURE_POINT_LOSSES = (
    ("000-digital.pdf", "1.2", "Tổ chức thực hiện kế hoạch CCHC", 0.0, 0.5, 0.5, 2020, 1),
    ("001-digital.pdf", "1.2", "Tổ chức thực hiện kế hoạch CCHC", 0.25, 0.5, 0.25, 2020, 1),
    ("001-digital.pdf", "2.2.2", "Kiểm tra văn bản QPPL", 0.5, 1.0, 0.5, 2020, 1),
)


def due_soon_date() -> date:
    return date.today() + timedelta(days=DUE_SOON_DAYS)


def pages_whose_folded_text_has(db_path: Path, pattern: str) -> set[tuple[str, int]]:
    """(document_id, page) of the pages whose folded text matches `pattern`: what search should find."""
    import regex

    from congvan.ingest.textnorm import fold

    with sqlite3.connect(db_path) as c:
        rows = c.execute("select document_id, page, text from pages").fetchall()
    return {(d, p) for d, p, text in rows if regex.search(pattern, fold(text), timeout=5)}


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a (WAL) SQLite database through the backup API."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


def fill_fixture_facts(db: sqlite_utils.Database) -> None:
    """Replaces the extracted facts with the FIXTURE_* rows (known values for exact assertions)."""
    ids = {r["path"]: r["id"] for r in db.query("select id, path from documents")}
    with db.atomic():
        for table in ("obligations", "citations", "point_losses"):
            db.execute(f"delete from [{table}]")
    from congvan.ingest.textnorm import fold

    db["obligations"].insert_all(
        {"document_id": ids[path], "unit": unit, "unit_mention": unit, "action": action,
         "action_folded": fold(action),
         "deadline": due_soon_date().isoformat() if deadline == "due-soon" else deadline,
         "deadline_text": text, "recurring": 0, "criteria": criteria, "page": page, "clause": clause}
        for path, unit, action, deadline, text, page, clause, criteria in FIXTURE_TASKS)
    db["citations"].insert_all(
        {"document_id": ids[path], "reference": ref, "doc_type": kind, "date": day, "page": page}
        for path, ref, kind, day, page in FIXTURE_CITATIONS)
    db["point_losses"].insert_all(
        {"document_id": ids[path], "code": code, "title": title, "achieved": achieved, "max_points": top,
         "lost": lost, "year": year, "page": page}
        for path, code, title, achieved, top, lost, year, page in FIXTURE_POINT_LOSSES)


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not (SHARED_CORPUS / "001-digital.pdf").is_file():
        pytest.skip("../shared/corpus is absent")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def small_corpus(shared_corpus, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for name in SMALL:
        shutil.copy2(shared_corpus / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def ingested_db(small_corpus, tmp_path_factory) -> Path:
    from congvan import pipeline
    from congvan.db import schema
    from congvan.db.export import create_views

    path = tmp_path_factory.mktemp("ingested") / "congvan.db"
    summary = pipeline.ingest(small_corpus, path, workers=1)
    assert [f.status for f in summary.files] == ["ok", "ok", "ok"]
    db = schema.connect(path)
    create_views(db)
    db.close()
    return path


@pytest.fixture(scope="session")
def tasks_db(ingested_db, tmp_path_factory) -> Path:
    from congvan.db import register
    from congvan.db.export import create_views

    path = copy_db(ingested_db, tmp_path_factory.mktemp("tasks") / "congvan.db")
    db = sqlite_utils.Database(path)
    fill_fixture_facts(db)
    create_views(db)
    register.refresh(db)
    db.close()
    return path


@pytest.fixture(scope="session")
def served(tasks_db, small_corpus):
    from tests.datasette_server import serve

    with serve(tasks_db, corpus=small_corpus) as base:
        yield base


NAMED = ("Công văn số 12 (bản ký).pdf", "a#b?c.pdf", "100% đúng.pdf")   # names real clerks give files


@pytest.fixture(scope="session")
def named_corpus(tmp_path_factory) -> Path:
    """The repository's sample công văn under names with spaces, diacritics, brackets, # ? and %."""
    folder = tmp_path_factory.mktemp("named") / "corpus"
    folder.mkdir()
    sample = Path(__file__).resolve().parents[1] / "corpus" / "sample-01-cong-van.pdf"
    for name, extra in zip(NAMED, (b"", b"\n% copy 2\n", b"\n% copy 3\n")):
        (folder / name).write_bytes(sample.read_bytes() + extra)   # three documents (other bytes), one text
    return folder


@pytest.fixture(scope="session")
def named_site(named_corpus, tmp_path_factory):
    """A real Datasette over the named corpus (ingested through the real pipeline): its base URL."""
    from congvan import pipeline
    from tests.datasette_server import serve

    db = tmp_path_factory.mktemp("named-db") / "congvan.db"
    summary = pipeline.ingest(named_corpus, db, workers=1)
    assert sorted(f.status for f in summary.files) == ["ok", "ok", "ok"]
    with serve(db, corpus=named_corpus) as base:
        yield base
