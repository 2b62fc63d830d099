"""Never lose good data: a failed re-read keeps the good version, a deleted file's document is
`removed` (kept, out of the task lists), a copy is a second file of one document, the corpus
folder is a boundary for symlinks."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import sqlite_utils

from congvan import pipeline
from congvan.db import export, web
from congvan.watch import Watcher
from tests.test_watch import wait_for

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpus"
GOOD = SAMPLES / "sample-01-cong-van.pdf"      # a công văn with tasks for Sở Nội vụ and others


def _query(db: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db, timeout=10) as c:
        return c.execute(sql, params).fetchall()


def _corpus(tmp_path: Path, **files: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, source in files.items():
        target = corpus / name.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return corpus


def test_a_truncated_overwrite_keeps_the_good_versions_facts_marked_stale(tmp_path):
    corpus = _corpus(tmp_path, **{"cv.pdf": GOOD})
    db = tmp_path / "c.db"
    pipeline.ingest(corpus, db, workers=1)
    good = _query(db, "select unit, deadline from obligations order by id")
    assert len(good) > 3
    data = GOOD.read_bytes()
    (corpus / "cv.pdf").write_bytes(data[: len(data) // 2])      # a partial download over the good file
    summary = pipeline.ingest(corpus, db, workers=1)
    assert [(f.path, f.status) for f in summary.files] == [("cv.pdf", "failed")]
    assert _query(db, "select status, stale, error_code from documents where path = 'cv.pdf' order by status") == [
        ("failed", None, "damaged_pdf"), ("ok", 1, None)]
    assert _query(db, "select unit, deadline from obligations order by id") == good
    assert pipeline.status(db)["stale"] == ["cv.pdf"]
    assert _query(db, "select distinct stale from tasks_view") == [(1,)]      # the task lists say so
    assert {t["stale"] for t in web.unit_page(sqlite_utils.Database(db), "Sở Tư pháp")["tasks"]} == {True}
    shutil.copy(GOOD, corpus / "cv.pdf")                          # the good file is back: nothing is read
    again = pipeline.ingest(corpus, db, workers=1)
    assert [(f.path, f.status) for f in again.files] == [("cv.pdf", "skipped")]
    assert _query(db, "select status, stale from documents") == [("ok", None)]
    assert _query(db, "select unit, deadline from obligations order by id") == good
    assert _query(db, "select distinct stale from tasks_view") == [(0,)]


def test_the_ingest_report_says_the_good_version_was_kept(tmp_path):
    from click.testing import CliRunner

    from congvan.cli import main

    corpus = _corpus(tmp_path, **{"cv.pdf": GOOD})
    db = tmp_path / "c.db"
    assert CliRunner().invoke(main, ["ingest", str(corpus), "--db", str(db), "-q", "--workers", "1"]).exit_code == 0
    data = GOOD.read_bytes()
    (corpus / "cv.pdf").write_bytes(data[: len(data) // 2])
    result = CliRunner().invoke(main, ["ingest", str(corpus), "--db", str(db), "-q", "--workers", "1"])
    assert result.exit_code == 1
    line = next(l for l in result.output.splitlines() if l.startswith("  lỗi: "))
    assert line.startswith("  lỗi: cv.pdf: Tệp PDF bị hỏng hoặc không trọn vẹn.")
    assert line.endswith(" — bản đọc được lần trước vẫn được giữ")
    assert line.count("cv.pdf") == 1


def _tasks_of_unit(db: Path, unit: str) -> int:
    conn = sqlite_utils.Database(db)
    try:
        return len(export.tasks_for_unit(conn, unit))
    finally:
        conn.close()


def test_a_deleted_file_is_removed_kept_and_out_of_the_task_lists(tmp_path):
    corpus = _corpus(tmp_path, **{"cv.pdf": GOOD, "kh.pdf": SAMPLES / "sample-02-ke-hoach.pdf"})
    db = tmp_path / "c.db"
    pipeline.ingest(corpus, db, workers=1)
    units = _query(db, "select distinct unit from obligations_view where path = 'cv.pdf' order by unit")
    assert len(units) > 1
    before = {unit: _tasks_of_unit(db, unit) for (unit,) in units}
    (corpus / "cv.pdf").unlink()
    summary = pipeline.ingest(corpus, db, workers=1)
    assert summary.removed == ["cv.pdf"]
    assert _query(db, "select path, status, removed_at is not null from documents order by path") == [
        ("cv.pdf", "removed", 1), ("kh.pdf", "ok", 0)]
    assert _query(db, "select count(*) from obligations_view where path = 'cv.pdf'") == [(0,)]
    assert _query(db, "select count(*) from obligations o join documents d on d.id = o.document_id "
                      "where d.path = 'cv.pdf'")[0][0] > 0       # kept for history
    after = {unit: _tasks_of_unit(db, unit) for (unit,) in units}
    assert all(after[u] < before[u] for u in before)
    shutil.copy(GOOD, corpus / "moved-back.pdf")                 # the same bytes come back under a new name
    back = pipeline.ingest(corpus, db, workers=1)
    assert [(f.path, f.status) for f in back.files] == [("kh.pdf", "skipped"), ("moved-back.pdf", "skipped")]
    assert _query(db, "select path, status, removed_at from documents order by path") == [
        ("kh.pdf", "ok", None), ("moved-back.pdf", "ok", None)]


def test_a_byte_identical_copy_is_a_second_file_of_the_same_document(tmp_path):
    corpus = _corpus(tmp_path, **{"a.pdf": GOOD, "sub__b copy.pdf": GOOD})
    db = tmp_path / "c.db"
    summary = pipeline.ingest(corpus, db, workers=1)
    assert [(f.path, f.status) for f in summary.files] == [("a.pdf", "ok"), ("sub/b copy.pdf", "skipped")]
    (doc_id,) = _query(db, "select id from documents")[0]
    assert _query(db, "select path, document_id from files order by path") == [
        ("a.pdf", doc_id), ("sub/b copy.pdf", doc_id)]
    (corpus / "a.pdf").unlink()                                  # the first name goes: the copy carries the document
    again = pipeline.ingest(corpus, db, workers=1)
    assert again.removed == []
    assert _query(db, "select path, status from documents") == [("sub/b copy.pdf", "ok")]
    assert _query(db, "select path from files") == [("sub/b copy.pdf",)]


def test_a_symlink_leaving_the_corpus_is_skipped_with_a_message(tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    shutil.copy(GOOD, outside / "secret.pdf")
    corpus = _corpus(tmp_path, **{"inside.pdf": SAMPLES / "sample-03-bang-phan-cong.pdf"})
    (corpus / "leak.pdf").symlink_to(outside / "secret.pdf")
    (corpus / "folder").symlink_to(outside, target_is_directory=True)
    (corpus / "alias.pdf").symlink_to(corpus / "inside.pdf")     # a link that stays inside is fine
    summary = pipeline.ingest(corpus, tmp_path / "c.db", workers=1)
    assert [(f.path, f.status) for f in summary.files] == [("alias.pdf", "ok"), ("inside.pdf", "skipped")]
    assert summary.notes == [
        "folder: bỏ qua: liên kết tới một thư mục ngoài corpus (chép chính tệp vào corpus để đọc)",
        "leak.pdf: bỏ qua: liên kết tới một tệp ngoài corpus (chép chính tệp vào corpus để đọc)"]
    assert _query(tmp_path / "c.db", "select count(*) from pages where text like '%SNV%'") == [(0,)]


def test_watch_marks_a_deleted_file_removed_and_takes_it_back(tmp_path):
    corpus = _corpus(tmp_path)
    db = tmp_path / "db" / "congvan.db"
    with Watcher(corpus, db, settle=0.5, poll=0.1):
        shutil.copy(GOOD, corpus / "cv.pdf")
        wait_for(lambda: _query(db, "select status from documents") == [("ok",)], 60)
        (corpus / "cv.pdf").unlink()
        wait_for(lambda: _query(db, "select status from documents") == [("removed",)], 30)
        assert _query(db, "select count(*) from obligations_view") == [(0,)]
        shutil.copy(GOOD, corpus / "again.pdf")
        wait_for(lambda: _query(db, "select path, status from documents") == [("again.pdf", "ok")], 60)
