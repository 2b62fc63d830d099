"""The officer's pages in headless Chromium over a real `congvan serve` on 127.0.0.1.

From the home page to Sở Nội vụ's counts and tasks in two clicks; a task marked done stays
done after the corpus is ingested again and `congvan extract` re-runs the rules, and leaves
the overdue list. A document stored as several files counts once (the shared corpus' 003
plan in four files: criterion 7.3 lost 3,0 points, not 12,0), and what its copies read
differently is shown (sample-02's scan reads "quý II/2024" where its text layer says
"quý III/2024"). The screenshots of docs/ are made by docs/screenshots.py, run here.
"""
from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from congvan import pipeline
from congvan.cli import main
from tests.conftest import SHARED_CORPUS
from tests.datasette_server import get_json, serve
from tests.test_browser import WAIT, browser  # noqa: F401  (the headless Chromium fixture)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SNV = "Sở Nội vụ"


@pytest.fixture(scope="module")
def register_site(small_corpus, tmp_path_factory):
    """(base URL, db, corpus): the three digital PDFs ingested by the real pipeline, served."""
    folder = tmp_path_factory.mktemp("officer")
    corpus = folder / "corpus"
    shutil.copytree(small_corpus, corpus)
    db = folder / "congvan.db"
    pipeline.ingest(corpus, db, workers=1)
    with serve(db, corpus=corpus) as base:
        yield base, db, corpus


def counts(driver) -> dict[str, int]:
    return {k: int(driver.find_element(By.ID, f"count-{k}").text)
            for k in ("overdue", "due7", "due30", "undated", "done")}


def task_rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "table.congvan-tasks tbody tr")


def test_mark_a_task_done_and_it_stays_done_after_reingest_and_extract(browser, register_site):
    base, db, corpus = register_site
    browser.get(base + "/")
    Select(browser.find_element(By.ID, "ten")).select_by_value(SNV)            # click 1
    browser.find_element(By.ID, "xem-don-vi").click()                           # click 2
    WebDriverWait(browser, WAIT).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), f"Nhiệm vụ của {SNV}"))
    start = counts(browser)
    assert (start["overdue"], start["due7"], start["due30"], start["done"]) == (2, 0, 0, 0)
    assert start["undated"] == len(task_rows(browser)) - 2
    first = task_rows(browser)[0]
    assert first.find_element(By.CSS_SELECTOR, "td.deadline").text.splitlines()[0] == "17/07/2021"
    assert first.find_element(By.CSS_SELECTOR, "td.deadline").value_of_css_property("color") == "rgba(192, 57, 43, 1)"
    assert first.find_element(By.CSS_SELECTOR, "a.pdf").text == "Mở PDF (trang 1)"
    assert first.find_element(By.CSS_SELECTOR, "a.pdf").get_attribute("href").endswith("/pdf/001-digital.pdf#page=1")
    task_id = first.get_attribute("id")
    Select(first.find_element(By.NAME, "status")).select_by_value("đã hoàn thành")
    first.find_element(By.NAME, "note").send_keys("đã gửi báo cáo")
    first.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(EC.presence_of_element_located((By.ID, "da-luu")))
    assert counts(browser) == {**start, "overdue": 1, "done": 1}

    pipeline.ingest(corpus, db, workers=1, force=True)
    assert CliRunner().invoke(main, ["extract", "--db", str(db)]).exit_code == 0
    browser.refresh()
    WebDriverWait(browser, WAIT).until(EC.presence_of_element_located((By.ID, task_id)))
    row = browser.find_element(By.ID, task_id)
    assert Select(row.find_element(By.NAME, "status")).first_selected_option.text == "đã hoàn thành"
    assert row.find_element(By.NAME, "note").get_attribute("value") == "đã gửi báo cáo"
    assert counts(browser) == {**start, "overdue": 1, "done": 1}
    status, overdue = get_json(base, "/congvan/overdue.json", _shape="array")
    assert (status, [r["Hạn"] for r in overdue if r["Đơn vị"] == SNV]) == (200, ["2021-07-30"])


def test_facet_values_never_break_inside_a_word(browser, served):
    browser.get(served + "/congvan/obligations_view")
    items = WebDriverWait(browser, WAIT).until(
        EC.presence_of_all_elements_located((By.CSS_SELECTOR, ".facet-info ul.tight-bullets li")))
    assert {(li.value_of_css_property("word-break"), li.value_of_css_property("overflow-wrap")) for li in items} == {
        ("normal", "normal")}


def test_screenshots_of_home_unit_and_charts(register_site, tmp_path):
    from PIL import Image

    sys.path.insert(0, str(REPO / "docs"))
    import screenshots

    base, _, _ = register_site
    written = screenshots.shoot(base, tmp_path, unit=SNV)
    assert [p.name for p in written] == ["home.png", "unit.png", "charts.png"]
    for path in written:
        image = Image.open(path).convert("L")
        assert image.size[0] == 1280
        low, high = image.getextrema()
        assert low < 100 < high


@pytest.fixture(scope="module")
def copies_db(tmp_path_factory):
    """The 003 plan in its four files and sample-02 with its scan, read for real (OCR included)."""
    if not (SHARED_CORPUS / "003-scan.pdf").is_file():
        pytest.skip("../shared/corpus is absent")
    corpus = tmp_path_factory.mktemp("copies")
    for name in ("003-digital.pdf", "003-signed.pdf", "003-mixed.pdf", "003-scan.pdf"):
        shutil.copy2(SHARED_CORPUS / name, corpus / name)
    for name in ("sample-02-ke-hoach.pdf", "sample-02-ke-hoach-scan.pdf"):
        shutil.copy2(REPO / "corpus" / name, corpus / name)
    db = tmp_path_factory.mktemp("copies-db") / "congvan.db"
    summary = pipeline.ingest(corpus, db)
    assert [f.status for f in summary.files] == ["ok"] * 6
    with serve(db, corpus=corpus) as base:
        yield base, db


def test_the_003_plan_in_four_files_loses_its_points_once(copies_db):
    base, db = copies_db
    with sqlite3.connect(db) as c:
        assert c.execute("select sum(lost) from point_losses where code = '7.3'").fetchone() == (12.0,)
    status, rows = get_json(base, "/congvan/points_lost_by_criterion.json", _shape="array")
    by_code = {r["Tiêu chí"]: (r["Tổng điểm mất"], r["Số văn bản"]) for r in rows}
    assert (status, by_code["7.3"]) == (200, (3.0, 1))
    status, documents = get_json(base, "/congvan/documents_register.json", _shape="array")
    assert sorted((d["primary_path"], d["copies"]) for d in documents) == [
        ("003-signed.pdf", 4), ("sample-02-ke-hoach.pdf", 2)]


def test_charts_count_each_document_once(browser, copies_db):
    base, _ = copies_db
    browser.get(base + "/bieu-do")
    texts = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".chart-criterion svg text")]
    assert texts[texts.index("7.3") + 1] == "3 điểm"


def test_the_scan_and_text_copies_of_sample_02_disagree_visibly(browser, copies_db):
    base, _ = copies_db
    status, documents = get_json(base, "/congvan/documents_register.json", _shape="array")
    key = next(d["document_key"] for d in documents if d["primary_path"] == "sample-02-ke-hoach.pdf")
    browser.get(f"{base}/van-ban/{key}")
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in browser.find_elements(By.CSS_SELECTOR, "table.disagreements tbody tr")]
    assert rows[:2] == [
        ["Hạn của nhiệm vụ mục II.2.a (Phòng Nội vụ)", "sample-02-ke-hoach.pdf", "lớp chữ số",
         "trong quý III/2024 ✔ dùng"],
        ["sample-02-ke-hoach-scan.pdf", "OCR ảnh quét", "trong quý II/2024"]]
