"""Many files read at once (ingest.reader): the same Documents as one after the other, and a
worker that dies fails only files that can be read again."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from congvan import pipeline
from congvan.ingest import reader
from congvan.ingest.pdf import read_layer, read_pdf

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpus"
BAD = ROOT / "tests" / "fixtures" / "bad"


def _files(tmp_path: Path) -> list[Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in sorted(SAMPLES.glob("*.pdf")) + sorted(BAD.glob("*.pdf")):
        shutil.copy(f, corpus / f.name)
    return sorted(corpus.iterdir())


def test_parallel_reading_gives_the_documents_of_one_by_one_reading_in_order(tmp_path):
    files = _files(tmp_path)
    one_by_one = [read_pdf(f, workers=1, cache_dir=tmp_path / "cache-a") for f in files]
    together = list(reader.read_pdfs(files, workers=2, cache_dir=tmp_path / "cache-b", ahead=3))
    assert [d.path for d in together] == [f.name for f in files]
    assert together == one_by_one
    assert {d.status for d in together} == {"ok", "failed"}
    assert any(d.text_source == "ocr" for d in together) and any(d.text_source == "text" for d in together)


def _no_ocr_page(path, indexes, **_):
    raise AssertionError(f"pages {indexes} of {path} were sent to OCR")


def test_pages_read_before_come_from_the_cache_without_a_worker(tmp_path, monkeypatch):
    files = [f for f in _files(tmp_path) if f.name.startswith("sample-02")]   # a digital file and its scan
    cache = tmp_path / "cache"
    first = list(reader.read_pdfs(files, workers=2, cache_dir=cache))
    assert len(list((cache / "by-file").glob("*.json"))) == 2
    monkeypatch.setattr("congvan.ingest.ocr.ocr_pages_together", _no_ocr_page)
    again = list(reader.read_pdfs(files, workers=2, cache_dir=cache))
    assert again == first


def _layer_that_kills_its_worker(path, **options):
    if Path(path).name == "boom.pdf":
        os._exit(3)   # what a segfault in pdfium on a hostile file looks like to the pool
    return read_layer(path, **options)


def test_a_file_that_kills_its_worker_fails_and_the_run_goes_on(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("sample-01-cong-van.pdf", "sample-03-bang-phan-cong.pdf"):
        shutil.copy(SAMPLES / name, corpus / name)
    shutil.copy(SAMPLES / "sample-02-ke-hoach.pdf", corpus / "boom.pdf")
    monkeypatch.setattr(reader, "read_layer", _layer_that_kills_its_worker)
    db = tmp_path / "c.db"
    summary = pipeline.ingest(corpus, db, workers=2)
    by_path = {f.path: f for f in summary.files}
    assert set(by_path) == {"boom.pdf", "sample-01-cong-van.pdf", "sample-03-bang-phan-cong.pdf"}
    assert by_path["boom.pdf"].status == "failed"
    assert "Run the ingest again" in by_path["boom.pdf"].error
    monkeypatch.undo()
    again = pipeline.ingest(corpus, db, workers=2)   # the failed files are read again
    assert {f.path: f.status for f in again.files if f.status != "skipped"} == {
        f.path: "ok" for f in summary.files if f.status == "failed"}


def test_two_copies_of_one_file_in_a_run_are_read_once(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLES / "sample-01-cong-van.pdf", corpus / "a.pdf")
    shutil.copy(SAMPLES / "sample-01-cong-van.pdf", corpus / "b.pdf")
    shutil.copy(SAMPLES / "sample-03-bang-phan-cong.pdf", corpus / "c.pdf")
    summary = pipeline.ingest(corpus, tmp_path / "c.db", workers=2)
    assert [(f.path, f.status) for f in summary.files] == [("a.pdf", "ok"), ("b.pdf", "skipped"), ("c.pdf", "ok")]


CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_signed_files_come_back_from_the_workers_with_their_signatures(tmp_path):
    files = sorted(CORPUS.glob("00[01]-signed.pdf"))
    trust = [CORPUS / "test-ca.pem"]
    together = list(reader.read_pdfs(files, workers=2, trust_roots=trust))
    assert [d.status for d in together] == ["ok", "ok"]
    assert all(d.signatures for d in together)
    assert together == [read_pdf(f, trust_roots=trust) for f in files]


def _layer_that_cannot_be_sent_back(path, **options):
    document = read_layer(path, **options)
    return document if Path(path).name != "odd.pdf" else (document, open(path, "rb"))   # a file handle won't pickle


def test_a_result_the_worker_cannot_send_back_fails_that_file_only(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLES / "sample-01-cong-van.pdf", corpus / "odd.pdf")
    shutil.copy(SAMPLES / "sample-03-bang-phan-cong.pdf", corpus / "plain.pdf")
    monkeypatch.setattr(reader, "read_layer", _layer_that_cannot_be_sent_back)
    documents = list(reader.read_pdfs(sorted(corpus.iterdir()), workers=2, relative_to=corpus))
    assert [(d.path, d.status) for d in documents] == [("odd.pdf", "failed"), ("plain.pdf", "ok")]


def test_words_travel_back_only_for_pages_where_layout_matters():
    """A worker sends its Documents back pickled: running-text pages keep their text and drop
    their words; the first and the last page (header, signature) and table pages keep them."""
    import pickle

    shared = ROOT.parent / "shared" / "corpus" / "003-digital.pdf"
    if not shared.exists():
        pytest.skip("shared/corpus is not present")
    pages = read_layer(shared).pages
    assert len(pages) > 3 and all(page.text for page in pages)
    assert pages[0].words and pages[-1].words
    assert all(page.words == () for page in pages[1:-1] if not page.tables)
    assert pickle.loads(pickle.dumps(pages[0].words)) == pages[0].words
