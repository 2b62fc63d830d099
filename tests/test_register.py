"""The officer's register: stable task ids and status through re-ingest, one row per document,
calendars that keep their UIDs, and the paper cuts a new user found (real PDFs, real Datasette)."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from congvan import pipeline
from congvan.cli import main, pdf_folder
from congvan.db import export, register, web
from tests.conftest import SHARED_CORPUS, copy_db
from tests.datasette_server import get, get_json, serve

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpus"


@pytest.fixture
def own_corpus(small_corpus, tmp_path) -> Path:
    """A corpus folder of its own (000, 001, 002 digital) that a test may add files to."""
    folder = tmp_path / "corpus"
    shutil.copytree(small_corpus, folder)
    return folder


@pytest.fixture
def own_db(ingested_db, own_corpus, tmp_path) -> Path:
    path = copy_db(ingested_db, tmp_path / "db" / "congvan.db")
    db = sqlite_utils.Database(path)
    register.remember_corpus(db, own_corpus)
    db.close()
    return path


def snv_tasks(db_path: Path) -> list[export.Task]:
    with sqlite_utils.Database(db_path) as db:
        return export.tasks_for_unit(db, "Sở Nội vụ")


def test_status_set_from_the_cli_survives_reingest_and_extract(own_db, own_corpus):
    first = snv_tasks(own_db)
    assert [t.deadline.isoformat() for t in first if t.deadline] == ["2021-07-17", "2021-07-30"]
    runner = CliRunner()
    r = runner.invoke(main, ["task", "done", first[0].task_id[:8], "--note", "đã gửi", "--db", str(own_db)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"{first[0].task_id}: đã hoàn thành — Sở Nội vụ: Xây dựng, đề xuất giải pháp")
    with sqlite3.connect(own_db) as c:
        before = c.execute("select min(id) from obligations").fetchone()[0]
    pipeline.ingest(own_corpus, own_db, workers=1, force=True)
    assert runner.invoke(main, ["extract", "--db", str(own_db)]).exit_code == 0
    with sqlite3.connect(own_db) as c:
        assert c.execute("select min(id) from obligations").fetchone()[0] != before   # rows were rewritten
    again = snv_tasks(own_db)
    assert [(t.task_id, t.status) for t in again] == [
        (t.task_id, "đã hoàn thành" if i == 0 else "đang thực hiện") for i, t in enumerate(first)]
    with sqlite3.connect(own_db) as c:
        assert c.execute("select note, source from task_status").fetchall() == [("đã gửi", "cli")]


def test_a_task_that_disappears_keeps_its_history_and_is_flagged(own_db):
    task = snv_tasks(own_db)[1]
    with sqlite_utils.Database(own_db) as db:
        register.set_status(db, task.task_id, "không thuộc đơn vị", note="Sở Tư pháp làm")
        db.execute("update obligations set action = 'Một việc khác' where id = (select obligation_id "
                   "from obligation_tasks where task_id = ?)", [task.task_id])
        db.conn.commit()
        register.refresh(db)
        rows = list(db.query("select task_id, status, note, disappeared from task_history_view"))
    assert rows == [{"task_id": task.task_id, "status": "không thuộc đơn vị", "note": "Sở Tư pháp làm",
                     "disappeared": 1}]
    with sqlite_utils.Database(own_db) as db:
        page = web.unit_page(db, "SNV")
    assert [(v["status"], v["note"], v["action"]) for v in page["vanished"]] == [
        ("không thuộc đơn vị", "Sở Tư pháp làm", task.action)]
    assert task.task_id not in [t["task_id"] for t in page["tasks"]]


def test_unknown_task_id_exits_2_in_vietnamese(own_db):
    r = CliRunner().invoke(main, ["task", "done", "zzzz", "--db", str(own_db)])
    assert (r.exit_code, r.output.splitlines()[0]) == (
        2, "Lỗi: Không có nhiệm vụ mã 'zzzz'. Xem mã bằng: congvan task list --unit \"<đơn vị>\"")


def ics_uids(db_path: Path, out: Path) -> dict[str, str]:
    from icalendar import Calendar

    r = CliRunner().invoke(main, ["export", "--unit", "Sở Nội vụ", "--format", "ics", "--out", str(out),
                                  "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    return {str(e["uid"]): str(e["summary"]) for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}


def test_ics_uids_stay_the_same_after_a_document_is_added(own_db, own_corpus, tmp_path):
    before = ics_uids(own_db, tmp_path / "before.ics")
    shutil.copy2(SHARED_CORPUS / "001-signed.pdf", own_corpus / "001-signed.pdf")   # a copy of 001
    shutil.copy2(SAMPLES / "sample-01-cong-van.pdf", own_corpus / "sample-01-cong-van.pdf")
    pipeline.ingest(own_corpus, own_db, workers=1)
    after = ics_uids(own_db, tmp_path / "after.ics")
    assert after == before
    assert len(before) == 2
    assert all(re.fullmatch(r"[0-9a-f]{10}@congvan", uid) for uid in before)


def test_ics_message_counts_events_and_the_undated_tasks_left_out(own_db, tmp_path):
    out = tmp_path / "snv.ics"
    undated = sum(1 for t in snv_tasks(own_db) if t.deadline is None)
    r = CliRunner().invoke(main, ["export", "--unit", "SNV", "--format", "ics", "--out", str(out),
                                  "--db", str(own_db)])
    assert r.output == (f"Đã ghi 2 sự kiện lịch cho Sở Nội vụ → {out} "
                        f"({2 + undated} nhiệm vụ; {undated} nhiệm vụ chưa có hạn không có trong lịch)\n")


def test_a_finished_task_leaves_the_calendar(own_db, tmp_path):
    task = snv_tasks(own_db)[0]
    with sqlite_utils.Database(own_db) as db:
        register.set_status(db, task.task_id, "đã hoàn thành")
    assert list(ics_uids(own_db, tmp_path / "snv.ics")) == [f"{snv_tasks(own_db)[1].task_id}@congvan"]


# --- paper cuts -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["2450/qd-ubnd", "2450/QD-UBND", "2450/qđ-ubnd", " 2450 / QĐ-UBND "])
def test_citation_lookup_ignores_case_and_diacritics(served, typed):
    status, rows = get_json(served, "/congvan/citing_documents.json", reference=typed, _shape="array")
    assert (status, [(r["Tệp"], r["Viện dẫn"]) for r in rows]) == (200, [("000-digital.pdf", "2450/QĐ-UBND")])


def test_the_search_page_finds_citing_documents_of_a_reference_typed_without_marks(served):
    code, _, body = get(served + "/tim-kiem?" + urllib.parse.urlencode({"q": "2450/qd-ubnd"}))
    html = body.decode("utf-8")
    assert code == 200
    assert re.findall(r'<ul class="found-citing">\s*<li><a href="/van-ban/\w+">(.*?)</a>', html) == [
        "Công văn /SCT-VP"]
    assert "Văn bản viện dẫn 2450/QĐ-UBND (1)" in html


def test_export_into_a_missing_folder_is_a_plain_error(tasks_db, tmp_path):
    out = tmp_path / "no" / "such" / "snv.xlsx"
    r = CliRunner().invoke(main, ["export", "--unit", "SNV", "--out", str(out), "--db", str(tasks_db)])
    assert (r.exit_code, r.exception.__class__) == (2, SystemExit)
    assert r.output == (f"Lỗi: thư mục {out.parent} không tồn tại. Tạo thư mục trước (mkdir -p {out.parent}) "
                        "hoặc chọn thư mục khác với --out.\n")
    assert "Traceback" not in r.output


def test_export_into_an_unwritable_folder_is_a_plain_error(tasks_db, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["export", "--all-units", "--format", "csv", "--out", str(blocker / "out"),
                                  "--db", str(tasks_db)])
    assert (r.exit_code, r.exception.__class__) == (2, SystemExit)
    assert r.output == f"Lỗi: không ghi được {blocker / 'out'}: Not a directory. Chọn một thư mục có quyền ghi với --out.\n"


def test_serve_finds_the_pdfs_of_the_database_it_serves(own_db, own_corpus, tmp_path):
    assert pdf_folder(own_db, None) == (own_corpus.resolve(), None)
    moved = own_corpus.rename(tmp_path / "moved")
    folder, warning = pdf_folder(own_db, None)
    assert folder is None
    assert warning == (f"thư mục PDF {own_corpus.resolve()} (nơi đã nhập {own_db}) không còn: thêm --corpus "
                       "<thư mục> để liên kết “Mở PDF” mở được.")
    assert pdf_folder(own_db, moved) == (moved, None)


def test_served_database_opens_its_pdfs_without_corpus_option(own_db, own_corpus):
    folder, _ = pdf_folder(own_db, None)
    with serve(own_db, corpus=folder) as base:
        code, headers, body = get(base + "/pdf/001-digital.pdf")
    assert (code, headers["content-type"], body[:5]) == (200, "application/pdf", b"%PDF-")


@pytest.mark.parametrize("path", ["/congvan/overdue.csv", "/congvan/overdue.csv?_dl=1",
                                  "/congvan/obligations_view.csv?_size=max"])
def test_web_csv_downloads_start_with_a_bom(served, path):
    code, headers, body = get(served + path)
    assert (code, body[:3]) == (200, b"\xef\xbb\xbf")
    assert body[3:].decode("utf-8").splitlines()[0].split(",")[:3] in (
        ["Hạn", "Còn (ngày)", "Đơn vị"], ["id", "deadline", "deadline_month"])


def test_search_for_so_noi_vu_marks_only_so_noi_vu(served):
    code, _, body = get(served + "/tim-kiem?" + urllib.parse.urlencode({"q": "Sở Nội vụ"}))
    html = body.decode("utf-8")
    assert code == 200
    marks = [m.lower() for m in re.findall(r"<mark>(.*?)</mark>", html)]
    assert "sở nội vụ" in marks
    assert {w for m in marks for w in re.findall(r"\w+", m)} == {"sở", "nội", "vụ"}
    assert "Chỉ số" in html


def test_no_library_warnings_on_the_console(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(SHARED_CORPUS / "000-signed.pdf", corpus)
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    r = subprocess.run([sys.executable, "-m", "congvan.cli", "ingest", str(corpus), "--db", str(tmp_path / "c.db"),
                        "-q"], capture_output=True, text=True, env=env, timeout=300, cwd=REPO)
    assert (r.returncode, r.stderr) == (0, "")


@pytest.mark.parametrize("cookie, token", [(None, None), ("abc", None), (None, "abc"), ("abc", "abd")])
def test_status_post_needs_the_csrf_token_of_its_cookie(served, tasks_db, cookie, token):
    with sqlite_utils.Database(tasks_db) as db:
        task_id = export.tasks_for_unit(db, "Sở Nội vụ")[0].task_id
    fields = {"task_id": task_id, "status": "đã hoàn thành", **({"csrftoken": token} if token else {})}
    request = urllib.request.Request(served + "/-/trang-thai", data=urllib.parse.urlencode(fields).encode(),
                                     method="POST", headers={"Cookie": f"ds_csrftoken={cookie}"} if cookie else {})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=10)
    assert e.value.code == 403
    with sqlite3.connect(tasks_db) as c:
        assert c.execute("select count(*) from task_status").fetchone() == (0,)


def test_calendar_feed_parses_and_uses_the_stable_ids(served, tasks_db):
    from icalendar import Calendar

    code, headers, body = get(served + "/lich/so-noi-vu.ics")
    assert (code, headers["content-type"]) == (200, "text/calendar; charset=utf-8")
    events = list(Calendar.from_ical(body).walk("VEVENT"))
    with sqlite_utils.Database(tasks_db) as db:
        ids = [t.task_id for t in export.tasks_for_unit(db, "Sở Nội vụ") if t.deadline]
    assert [str(e["uid"]) for e in events] == [f"{i}@congvan" for i in ids]
    assert [a.decoded("trigger").days for e in events for a in e.walk("VALARM")] == [-3, -3]


def test_clerk_messages_are_vietnamese(tasks_db, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["export", "--db", str(tasks_db)])
    assert (r.exit_code, r.output) == (2, "Lỗi: cần --unit TÊN hoặc --all-units (một trong hai).\n")
    r = runner.invoke(main, ["export", "--unit", "SNV", "--format", "md", "--out", str(tmp_path / "snv.md"),
                             "--db", str(tasks_db)])
    assert r.output == f"Đã ghi 3 nhiệm vụ của Sở Nội vụ → {tmp_path / 'snv.md'}\n"
    r = runner.invoke(main, ["task", "list", "--unit", "so noi vu", "--db", str(tasks_db)])
    assert r.output.splitlines()[0] == "3 nhiệm vụ của Sở Nội vụ"
    assert [line.split()[1] for line in r.output.splitlines()[1:]] == ["17/07/2021", "30/07/2021", "chưa"]
