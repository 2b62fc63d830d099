"""Two writers on one database take turns: no traceback, no `database is locked`, the result of one run."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from congvan.db.lock import writer_lock
from congvan.db.stored import snapshot
from congvan.ingest.errors import IngestRunning

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpus"
BAD = ROOT / "tests" / "fixtures" / "bad"
CONGVAN = Path(sys.executable).with_name("congvan")
def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in ("sample-01-cong-van.pdf", "sample-02-ke-hoach.pdf", "sample-03-bang-phan-cong.pdf"):
        shutil.copy(SAMPLES / f, corpus / f)
    for f in ("truncated.pdf", "not-a-pdf.pdf"):
        shutil.copy(BAD / f, corpus / f)
    return corpus


def test_two_ingests_at_once_take_turns_and_give_the_database_of_one_run(tmp_path):
    corpus = _corpus(tmp_path)
    alone = tmp_path / "alone" / "congvan.db"
    subprocess.run([str(CONGVAN), "ingest", str(corpus), "--db", str(alone), "-q", "--workers", "2"],
                   capture_output=True, timeout=300)
    shared = tmp_path / "shared" / "congvan.db"
    runs = [subprocess.Popen([str(CONGVAN), "ingest", str(corpus), "--db", str(shared), "-q", "--workers", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [1, 1]          # the two bad files fail in both runs
    assert not any("Traceback" in err or "locked" in err for _, err in outputs)
    assert sum("Đang chờ: " in err for _, err in outputs) == 1   # the second said plainly why it waited
    assert sorted(out.splitlines()[0].split(" → ")[0] for out, _ in outputs) == [
        "0 tệp đọc được, 2 tệp lỗi, 3 tệp không đổi (bỏ qua)", "3 tệp đọc được, 2 tệp lỗi, 0 tệp không đổi (bỏ qua)"]
    assert snapshot(shared) == snapshot(alone)
    with sqlite3.connect(shared) as c:
        assert c.execute("pragma integrity_check").fetchone() == ("ok",)


def test_a_writer_that_may_not_wait_says_plainly_that_another_is_running(tmp_path):
    db = tmp_path / "congvan.db"
    with writer_lock(db):
        with pytest.raises(IngestRunning) as caught:
            with writer_lock(db, blocking=False):
                pass
    assert str(caught.value).startswith("congvan.db: Một lệnh congvan ingest hoặc watch khác đang ghi vào cơ sở dữ liệu này")


def test_watch_and_ingest_on_one_database_take_turns(tmp_path):
    from congvan.watch import Watcher
    from tests.test_watch import wait_for

    corpus = _corpus(tmp_path)
    db = tmp_path / "db" / "congvan.db"
    with Watcher(corpus, db, settle=0.3, poll=0.05, workers=2):
        time.sleep(0.5)
        run = subprocess.run([str(CONGVAN), "ingest", str(corpus), "--db", str(db), "-q", "--workers", "2"],
                             capture_output=True, text=True, timeout=300)
        assert "Traceback" not in run.stderr and "locked" not in run.stderr
        wait_for(lambda: snapshot(db)["files"] and len(snapshot(db)["files"]) == 5, 60)
    alone = tmp_path / "alone.db"
    subprocess.run([str(CONGVAN), "ingest", str(corpus), "--db", str(alone), "-q"], capture_output=True, timeout=300)
    assert snapshot(db)["documents"] == snapshot(alone)["documents"]
    assert snapshot(db)["obligations"] == snapshot(alone)["obligations"]
