"""A watched corpus: PDFs dropped into the folder reach the database, half-written ones do not."""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from congvan.watch import Watcher, WatchResult, ends_with_eof, is_candidate


def status_of(db_path: Path, name: str) -> str | None:
    if not db_path.exists():
        return None
    with sqlite3.connect(db_path, timeout=10) as c:
        row = c.execute("select status from documents where path = ?", [name]).fetchone()
    return row[0] if row else None


def wait_for(predicate, timeout: float) -> float:
    """Seconds until predicate() is true; fails the test after `timeout` seconds."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not true within {timeout} s")
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.fixture
def watched(tmp_path):
    corpus, db_path = tmp_path / "corpus", tmp_path / "db" / "congvan.db"
    corpus.mkdir()
    results: list[WatchResult] = []
    lock = threading.Lock()

    def record(r: WatchResult) -> None:
        with lock:
            results.append(r)

    with Watcher(corpus, db_path, on_result=record, settle=1.0) as w:
        yield corpus, db_path, results, w


def test_candidates_are_pdfs_but_not_lock_files():
    assert [is_candidate(Path(n)) for n in ("a.pdf", "B.PDF", ".~lock.a.pdf#", "~$a.pdf", "a.txt")] == [
        True, True, False, False, False]
    assert [is_candidate(Path(n)) for n in ("kh.docx", "CV.DOC", "bang.odt", "~$kh.docx", ".~lock.kh.docx#")] == [
        True, True, True, False, False]


def test_a_digital_pdf_copied_in_appears_within_10_seconds(watched, shared_corpus):
    corpus, db_path, results, _ = watched
    shutil.copy(shared_corpus / "000-digital.pdf", corpus / "moi.pdf")
    seconds = wait_for(lambda: status_of(db_path, "moi.pdf") == "ok", timeout=10)
    assert seconds < 10
    assert [(r.path, r.result.status, r.result.pages) for r in results] == [("moi.pdf", "ok", 2)]


def test_a_half_written_file_is_not_ingested_half_way(watched, shared_corpus):
    corpus, db_path, results, _ = watched
    data = (shared_corpus / "002-digital.pdf").read_bytes()
    target = corpus / "dang-chep.pdf"
    with open(target, "wb") as f:
        f.write(data[: len(data) // 2])
        f.flush()
        assert ends_with_eof(target) is False
        time.sleep(2.0)
        assert status_of(db_path, "dang-chep.pdf") in (None, "failed")
        assert results == []
        f.write(data[len(data) // 2:])
    wait_for(lambda: status_of(db_path, "dang-chep.pdf") == "ok", timeout=10)
    wait_for(lambda: results, timeout=5)      # the result is reported just after it is written
    assert [(r.path, r.result.status, r.result.pages) for r in results] == [("dang-chep.pdf", "ok", 3)]


def test_a_signed_pdf_is_taken_only_once_its_signature_update_is_written(watched, shared_corpus):
    corpus, db_path, results, _ = watched
    data = (shared_corpus / "001-signed.pdf").read_bytes()
    first_eof = data.index(b"%%EOF") + len(b"%%EOF\n")        # the unsigned first revision ends here
    target = corpus / "dang-ky.pdf"
    with open(target, "wb") as f:
        f.write(data[:first_eof] + data[first_eof:first_eof + 4000])   # … and the signing tool is appending
        f.flush()
        assert ends_with_eof(target) is False
        time.sleep(2.5)                                             # quiet for longer than the settle time
        assert (status_of(db_path, "dang-ky.pdf"), results) == (None, [])
        f.write(data[first_eof + 4000:])
    wait_for(lambda: status_of(db_path, "dang-ky.pdf") == "ok", timeout=15)
    with sqlite3.connect(db_path) as c:
        (signatures,) = c.execute("select count(*) from signatures s join documents d on d.id = s.document_id "
                                  "where d.path = 'dang-ky.pdf'").fetchone()
    wait_for(lambda: results, timeout=5)
    assert (signatures, len(results)) == (3, 1)                     # every signature, read once


def test_a_replaced_file_is_read_again_and_a_moved_in_file_is_taken(watched, shared_corpus):
    corpus, db_path, results, _ = watched
    target = corpus / "thay.pdf"
    shutil.copy(shared_corpus / "000-digital.pdf", target)
    wait_for(lambda: status_of(db_path, "thay.pdf") == "ok", timeout=10)
    staging = corpus.parent / "staging.pdf"
    shutil.copy(shared_corpus / "001-digital.pdf", staging)
    staging.replace(target)
    wait_for(lambda: len(results) >= 2, timeout=10)
    with sqlite3.connect(db_path) as c:
        pages = c.execute("select pages from documents where path = 'thay.pdf'").fetchone()[0]
    assert pages == 3
    assert [(r.path, r.result.status) for r in results] == [("thay.pdf", "ok"), ("thay.pdf", "ok")]


def test_files_already_there_are_caught_up_at_start(tmp_path, shared_corpus):
    corpus, db_path = tmp_path / "corpus", tmp_path / "congvan.db"
    corpus.mkdir()
    shutil.copy(shared_corpus / "000-digital.pdf", corpus / "co-san.pdf")
    seen: list[WatchResult] = []
    with Watcher(corpus, db_path, on_result=seen.append, settle=0.5):
        wait_for(lambda: len(seen) == 1, timeout=10)
    assert (seen[0].path, seen[0].result.status, status_of(db_path, "co-san.pdf")) == ("co-san.pdf", "ok", "ok")
    with sqlite3.connect(db_path) as c:
        views = sorted(r[0] for r in c.execute("select name from sqlite_master where type = 'view'"))
    from congvan.db.export import VIEWS

    assert views == sorted(VIEWS)


def test_ingest_prints_a_one_screen_summary(tmp_path, shared_corpus):
    import re

    from click.testing import CliRunner

    from congvan.cli import main

    corpus, db_path = tmp_path / "corpus", tmp_path / "congvan.db"
    corpus.mkdir()
    shutil.copy(shared_corpus / "000-digital.pdf", corpus / "a.pdf")
    r = CliRunner().invoke(main, ["ingest", str(corpus), "--db", str(db_path), "--quiet"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == f"1 tệp đọc được, 0 tệp lỗi, 0 tệp không đổi (bỏ qua) → {db_path}"
    assert re.fullmatch(r"  đã đọc 1 tệp trong \d+,\d giây \(\d+,\d giây mỗi tệp\)", lines[1])
    assert lines[2:] == ["  số trang: 2, trong đó đọc bằng OCR: 0", "  nguồn chữ: text 1"]
    again = CliRunner().invoke(main, ["ingest", str(corpus), "--db", str(db_path), "--quiet"])
    assert again.output.splitlines()[0] == f"0 tệp đọc được, 0 tệp lỗi, 1 tệp không đổi (bỏ qua) → {db_path}"
