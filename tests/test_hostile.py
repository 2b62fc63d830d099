"""Hostile files end `failed` with their own error class within the limits, and cost nothing else.

The files are made at test time by tests/fixtures/build.py (`build_hostile_inputs`): a 5 KB
Flate bomb (2 GiB of spaces), a 419-byte PDF with a 14400 pt page, 1000 blank pages.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from congvan import pipeline
from congvan.ingest import reader
from congvan.ingest.limits import Limits
from tests.fixtures import build

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpus"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    return build.build_hostile_inputs(tmp_path_factory.mktemp("hostile"))


def _corpus(tmp_path: Path, hostile: dict[str, Path], good=("sample-01-cong-van.pdf", "sample-03-bang-phan-cong.pdf"),
            ) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in hostile.values():
        shutil.copy(path, corpus / path.name)
    for name in good:
        shutil.copy(SAMPLES / name, corpus / name)
    return corpus


def _rows(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as c:
        return {p: (s, e) for p, s, e in c.execute("select path, status, error_code from documents")}


def test_hostile_files_are_tiny_on_disk(hostile):
    assert {name: path.stat().st_size < 100_000 for name, path in hostile.items()} == {
        "flate-bomb.pdf": True, "huge-page.pdf": True, "many-pages.pdf": True}


def test_each_hostile_file_fails_with_its_class_and_the_good_files_are_read(tmp_path, hostile):
    corpus = _corpus(tmp_path, hostile)
    started = time.monotonic()
    summary = pipeline.ingest(corpus, tmp_path / "c.db", workers=2)
    seconds = time.monotonic() - started
    assert _rows(tmp_path / "c.db") == {
        "flate-bomb.pdf": ("failed", "too_large"), "huge-page.pdf": ("failed", "too_large"),
        "many-pages.pdf": ("failed", "too_many_pages"),
        "sample-01-cong-van.pdf": ("ok", None), "sample-03-bang-phan-cong.pdf": ("ok", None)}
    assert [f.path for f in summary.failed] == ["flate-bomb.pdf", "huge-page.pdf", "many-pages.pdf"]
    assert seconds < 120
    # the largest worker of this process stayed within the default memory limit (512 MB over its start)
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < 1024 ** 3


def test_messages_name_the_file_say_what_to_do_and_never_say_damaged(tmp_path, hostile):
    corpus = _corpus(tmp_path, hostile, good=())
    summary = pipeline.ingest(corpus, tmp_path / "c.db", workers=2)
    errors = {f.path: f.error for f in summary.files}
    assert [e.split(":")[0] for e in errors.values()] == ["flate-bomb.pdf", "huge-page.pdf", "many-pages.pdf"]
    assert not any("hỏng" in e for e in errors.values())
    assert errors["many-pages.pdf"].endswith("(1.000 trang; giới hạn 500)")
    assert "--max-memory-mb" in errors["flate-bomb.pdf"]


def test_limits_are_configurable(tmp_path):
    small = build.build_hostile_inputs(tmp_path / "small", bomb_bytes=1 << 20, many_pages=3)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(small["many-pages.pdf"], corpus / "three-pages.pdf")
    refused = pipeline.ingest(corpus, tmp_path / "a.db", workers=1, limits=Limits(max_pages=2))
    taken = pipeline.ingest(corpus, tmp_path / "b.db", workers=1, limits=Limits(max_pages=3))
    assert [(f.path, f.status, f.pages) for f in refused.files + taken.files] == [
        ("three-pages.pdf", "failed", 0), ("three-pages.pdf", "ok", 3)]
    assert refused.files[0].error.endswith("(3 trang; giới hạn 2)")


def test_a_task_over_its_time_limit_is_stopped_as_too_slow(tmp_path, monkeypatch):
    def slow_layer(path, **options):
        if Path(path).name == "slow.pdf":
            time.sleep(60)
        return reader_read_layer(path, **options)

    reader_read_layer = reader.read_layer
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLES / "sample-01-cong-van.pdf", corpus / "slow.pdf")
    shutil.copy(SAMPLES / "sample-03-bang-phan-cong.pdf", corpus / "fine.pdf")
    monkeypatch.setattr(reader, "read_layer", slow_layer)
    started = time.monotonic()
    summary = pipeline.ingest(corpus, tmp_path / "c.db", workers=2, limits=Limits(seconds=3))
    assert time.monotonic() - started < 30
    assert _rows(tmp_path / "c.db") == {"fine.pdf": ("ok", None), "slow.pdf": ("failed", "too_slow")}
    assert [f.error.split(":")[0] for f in summary.failed] == ["slow.pdf"]


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_a_worker_killed_mid_run_costs_its_file_and_the_run_completes(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = ["a-scan.pdf", "b.pdf", "c.pdf", "d.pdf"]
    shutil.copy(SAMPLES / "sample-02-ke-hoach-scan.pdf", corpus / names[0])
    for name, sample in zip(names[1:], ("sample-01-cong-van.pdf", "sample-02-ke-hoach.pdf",
                                        "sample-03-bang-phan-cong.pdf")):
        shutil.copy(SAMPLES / sample, corpus / name)
    killed: list[int] = []

    def kill_the_first_worker() -> None:
        deadline, me = time.monotonic() + 60, Path("/proc/self/cmdline").read_bytes()
        while not killed and time.monotonic() < deadline:
            for child in _children(os.getpid()):   # a forked worker has this process's command line …
                try:   # … and, at work on the scan, a tesseract of its own (a kept worker waiting for its next call costs no file)
                    if Path(f"/proc/{child}/cmdline").read_bytes() == me and _children(child):
                        os.kill(child, signal.SIGKILL)
                        killed.append(child)
                        return
                except OSError:
                    continue
            time.sleep(0.005)

    killer = threading.Thread(target=kill_the_first_worker)
    killer.start()
    summary = pipeline.ingest(corpus, tmp_path / "c.db", workers=2, cache_dir=tmp_path / "cache")
    killer.join()
    assert len(killed) == 1
    rows = _rows(tmp_path / "c.db")
    assert sorted(rows) == names
    assert sorted(s for s, _ in rows.values()) == ["failed", "ok", "ok", "ok"]
    assert [e for s, e in rows.values() if s == "failed"] == ["reader_stopped"]
    assert "Run the ingest again" in summary.failed[0].error
    again = pipeline.ingest(corpus, tmp_path / "c.db", workers=2, cache_dir=tmp_path / "cache")
    assert [(f.path, f.status) for f in again.files if f.status != "skipped"] == [(summary.failed[0].path, "ok")]


def test_a_failed_file_in_a_subfolder_is_named_by_its_path_under_the_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "2024" / "thang 3").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "fixtures" / "bad" / "not-a-pdf.pdf", corpus / "2024" / "thang 3" / "cv.pdf")
    summary = pipeline.ingest(corpus, tmp_path / "c.db", workers=1)
    assert [f.error for f in summary.failed] == [
        "2024/thang 3/cv.pdf: Tệp này không phải PDF. Hãy lưu hoặc xuất văn bản ra PDF rồi chép lại vào corpus/."]
