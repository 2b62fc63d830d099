"""Reading on a Dask cluster (congvan.cluster): the tables of a local run, a worker lost on the way
costs only its tasks, and a re-run reads no page again. Real LocalClusters, real tesseract."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from congvan import cluster, pipeline
from congvan.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpus"
BAD = ROOT / "tests" / "fixtures" / "bad"
TABLES = ("documents", "pages", "signatures", "citations", "obligations", "criteria", "point_losses",
          "index_scores", "units")
# files of the shared corpus the killed-worker run reads: four scans (13 pages of OCR) and two letters
KILL_RUN = ("000-digital.pdf", "000-scan.pdf", "001-digital.pdf", "001-scan.pdf", "002-scan.pdf", "004-scan.pdf")


def table_rows(db_path: Path, document_ids: set[str] | None = None) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without what differs between two runs by design: the surrogate row
    `id` of the fact tables (rows are numbered in the order files finish) and `ingested_at`."""
    out = {}
    with sqlite3.connect(db_path) as db:
        for table in TABLES:
            columns = [r[1] for r in db.execute(f"pragma table_info([{table}])")
                       if r[1] != "ingested_at" and (r[1] != "id" or table == "documents")]
            rows = db.execute(f"select {', '.join(f'[{c}]' for c in columns)} from [{table}]").fetchall()
            if document_ids is not None and table != "units":
                key = columns.index("id" if table == "documents" else "document_id")
                rows = [r for r in rows if r[key] in document_ids]
            out[table] = sorted(rows, key=repr)
    db.close()
    return out


def _summary(output: str) -> list[str]:
    """The CLI's summary without the line that has the time in it."""
    return [line for line in output.splitlines() if line and "giây mỗi tệp" not in line and "Warning" not in line
            and "import" not in line]


@pytest.fixture(scope="module")
def local_run(shared_corpus, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("local")
    result = CliRunner().invoke(main, ["ingest", str(shared_corpus), "--db", str(folder / "congvan.db"), "-q",
                                       "--trust", str(shared_corpus / "test-ca.pem")])
    assert result.exit_code == 0, result.output
    (folder / "summary.txt").write_text(result.output, encoding="utf-8")
    return folder / "congvan.db"


@pytest.fixture(scope="module")
def cluster_run(shared_corpus, tmp_path_factory) -> tuple[Path, Path, str]:
    """The shared corpus through `--cluster local:2`, with its own (cold) OCR cache."""
    folder = tmp_path_factory.mktemp("cluster")
    result = CliRunner().invoke(main, ["ingest", str(shared_corpus), "--db", str(folder / "congvan.db"), "-q",
                                       "--trust", str(shared_corpus / "test-ca.pem"), "--cluster", "local:2",
                                       "--cache", str(folder / "cache")])
    assert result.exit_code == 0, result.output
    return folder / "congvan.db", folder / "cache", result.output


@pytest.fixture(scope="module")
def scheduler():
    """A LocalCluster of two single-threaded worker processes, shared by the tests below: (address, client)."""
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as local, Client(local) as client:
        yield local.scheduler_address, client


def test_the_shared_corpus_on_a_local_cluster_gives_every_table_of_a_local_run(local_run, cluster_run):
    cluster_db, _, output = cluster_run
    assert table_rows(cluster_db) == table_rows(local_run)
    assert len(table_rows(cluster_db)["documents"]) == 16
    local_output = (local_run.parent / "summary.txt").read_text(encoding="utf-8")
    assert _summary(output) == [line.replace(str(local_run), str(cluster_db)) for line in _summary(local_output)]
    assert _summary(output)[1:] == ["  số trang: 75, trong đó đọc bằng OCR: 24", "  nguồn chữ: mixed 1, ocr 5, text 10"]


def test_a_rerun_on_the_cluster_reads_no_page_again(shared_corpus, cluster_run, scheduler, tmp_path):
    from congvan.ingest.ocr import tesseract_calls

    cluster_db, cache, _ = cluster_run
    address, client = scheduler
    before = client.run(tesseract_calls)
    summary = pipeline.ingest(shared_corpus, tmp_path / "again.db", cluster=address, cache_dir=cache,
                              trust_roots=[shared_corpus / "test-ca.pem"])
    assert (summary.count("ok"), summary.count("failed")) == (16, 0)
    assert client.run(tesseract_calls) == before
    assert table_rows(tmp_path / "again.db") == table_rows(cluster_db)


def _copy(folder: Path, files: list[Path]) -> Path:
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


def test_files_that_cannot_be_read_fail_on_the_cluster_exactly_as_locally(scheduler, tmp_path):
    corpus = _copy(tmp_path / "corpus", sorted(SAMPLES.glob("*.pdf")) + sorted(BAD.glob("*.pdf")))
    local = pipeline.ingest(corpus, tmp_path / "local.db", cache_dir=tmp_path / "cache")
    remote = pipeline.ingest(corpus, tmp_path / "cluster.db", cluster=scheduler[0], cache_dir=tmp_path / "cache")
    assert remote.files == local.files
    assert [(f.path, f.status) for f in remote.files if f.status == "failed"] == [
        ("empty.pdf", "failed"), ("encrypted.pdf", "failed"), ("not-a-pdf.pdf", "failed"),
        ("truncated.pdf", "failed"), ("zero-pages.pdf", "failed")]
    assert table_rows(tmp_path / "cluster.db") == table_rows(tmp_path / "local.db")


def test_unchanged_files_are_skipped_on_the_cluster_as_locally(scheduler, tmp_path):
    corpus = _copy(tmp_path / "corpus", [SAMPLES / "sample-01-cong-van.pdf", SAMPLES / "sample-03-bang-phan-cong.pdf"])
    pipeline.ingest(corpus, tmp_path / "c.db", cluster=scheduler[0])
    shutil.copy(SAMPLES / "sample-02-ke-hoach.pdf", corpus / "sample-02-ke-hoach.pdf")
    again = pipeline.ingest(corpus, tmp_path / "c.db", cluster=scheduler[0])
    assert [(f.path, f.status) for f in again.files] == [
        ("sample-01-cong-van.pdf", "skipped"), ("sample-02-ke-hoach.pdf", "ok"), ("sample-03-bang-phan-cong.pdf", "skipped")]


def test_a_worker_killed_mid_run_costs_only_its_tasks_and_every_document_is_stored_once(
        shared_corpus, local_run, scheduler, tmp_path):
    address, client = scheduler
    corpus = _copy(tmp_path / "corpus", [shared_corpus / name for name in KILL_RUN])
    killed = []

    def kill_a_busy_worker(result) -> None:
        if killed:
            return
        busy = [(worker, len(keys)) for worker, keys in client.processing().items() if keys]
        assert busy, "no task in flight when the first document was stored"
        pid = client.run(os.getpid, workers=[busy[0][0]])[busy[0][0]]
        os.kill(pid, signal.SIGKILL)   # its nanny starts a new worker; its tasks run again elsewhere
        killed.append(busy[0])

    summary = pipeline.ingest(corpus, tmp_path / "c.db", cluster=address, cache_dir=tmp_path / "cache",
                              progress=kill_a_busy_worker)
    assert len(killed) == 1 and killed[0][1] >= 1
    assert [(f.path, f.status) for f in summary.files] == [(name, "ok") for name in KILL_RUN]
    with sqlite3.connect(tmp_path / "c.db") as db:
        stored = db.execute("select path, count(*) from documents group by path order by path").fetchall()
    db.close()
    assert stored == [(name, 1) for name in KILL_RUN]
    ids = {row[0] for row in table_rows(tmp_path / "c.db")["documents"]}
    assert table_rows(tmp_path / "c.db") == table_rows(local_run, ids)


def test_a_worker_that_cannot_see_the_file_fails_it_with_advice(tmp_path):
    document = cluster._layer(tmp_path / "corpus" / "a.pdf", sha256="ab" * 32, size=1234,
                              relative_to=tmp_path / "corpus", trust_roots=())
    assert (document.path, document.status, document.error_code, document.size) == (
        "a.pdf", "failed", "not_on_worker", 1234)
    assert document.error.startswith("a.pdf: Worker Dask không đọc được tệp này. Mọi worker phải thấy corpus")


def test_a_scheduler_that_does_not_answer_says_how_to_start_one():
    with pytest.raises(cluster.ClusterUnreachable) as caught:
        with cluster.connect("tcp://127.0.0.1:9", timeout="2s"):
            pass
    assert caught.value.code == "cluster_unreachable"
    assert "`dask scheduler`" in str(caught.value) and "--cluster local" in str(caught.value)


def test_a_scanned_page_reads_the_same_whatever_pages_are_read_with_it(shared_corpus):
    """Which pages share a batch depends on timing and on the machine: the result must not."""
    from congvan.ingest.ocr import ocr_pages_together

    scan = shared_corpus / "004-scan.pdf"   # page 2: a table whose doubtful cells are read again
    alone = ocr_pages_together(scan, [1])[1]
    together = ocr_pages_together(scan, [0, 1])[1]
    assert (together.text, together.confidence) == (alone.text, alone.confidence)
    assert "3.1.1\t" in alone.text.replace(" 3.1.2", "\t")
