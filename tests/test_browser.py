"""Tested like a user: headless Chromium searches, opens the unit canned query, follows a PDF link.

Needs Debian's `chromium` and `chromium-driver` (the Makefile installs them) and selenium; skips
cleanly when they are absent.
"""
from __future__ import annotations

import shutil
import urllib.parse

import pytest

from tests.datasette_server import get
from tests.conftest import pages_whose_folded_text_has

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("chromium and chromium-driver are not installed", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT = 20


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--window-size=1280,1024",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def submit(driver, name: str, text: str) -> None:
    box = WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.NAME, name)))
    box.clear()
    box.send_keys(text)
    box.submit()


def result_rows(driver) -> list[list[str]]:
    WebDriverWait(driver, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")]


def test_search_without_diacritics_from_the_pages_table(browser, served, tasks_db):
    browser.get(f"{served}/congvan/pages")
    submit(browser, "_search", '"so noi vu"')
    WebDriverWait(browser, WAIT).until(EC.url_contains("_search="))
    result_rows(browser)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)
    assert query["_search"] == ['"so noi vu"']
    shown = {(a.text, int(b.text)) for a, b in zip(
        browser.find_elements(By.CSS_SELECTOR, "tbody td.col-document_id"),
        browser.find_elements(By.CSS_SELECTOR, "tbody td.col-page"))}
    assert shown == pages_whose_folded_text_has(tasks_db, r"\bso\W+noi\W+vu\b")


def test_unit_query_and_its_link_to_the_pdf_page(browser, served):
    browser.get(f"{served}/congvan/unit_tasks")
    submit(browser, "unit", "so noi vu")
    WebDriverWait(browser, WAIT).until(EC.url_contains("unit="))
    rows = result_rows(browser)
    assert [r[0].strip() for r in rows] == ["2021-07-17", "2021-07-30", ""]
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "td a[href*='/pdf/']")]
    assert [urllib.parse.urlparse(h).path + "#" + urllib.parse.urlparse(h).fragment for h in links] == [
        "/pdf/001-digital.pdf#page=1", "/pdf/001-digital.pdf#page=1", "/pdf/001-digital.pdf#page=2"]
    code, headers, body = get(urllib.parse.urldefrag(links[2]).url)
    assert (code, headers["content-type"], body[:5]) == (200, "application/pdf", b"%PDF-")
    browser.find_elements(By.CSS_SELECTOR, "td a[href*='/pdf/']")[2].click()
    WebDriverWait(browser, WAIT).until(EC.url_contains("/pdf/001-digital.pdf"))
    assert browser.current_url.endswith("/pdf/001-digital.pdf#page=2")


def test_screenshot_of_the_task_list_is_not_blank(browser, served, tmp_path):
    from PIL import Image

    browser.get(f"{served}/congvan/unit_tasks?unit=KHTCTH")
    assert result_rows(browser)[0][3] == "Phòng Kế hoạch - Tài chính - Tổng hợp"
    shot = tmp_path / "unit_tasks.png"
    browser.save_screenshot(str(shot))
    colours = Image.open(shot).convert("L").getextrema()
    assert colours[0] < 100 < colours[1]


def test_a_pdf_named_as_clerks_name_files_opens_from_its_link(browser, named_site):
    name = "Công văn số 12 (bản ký).pdf"
    browser.get(f"{named_site}/congvan/search?q=" + urllib.parse.quote("Sở Tư pháp"))   # pages of every file
    assert len(result_rows(browser)) == 6
    links = [a for a in browser.find_elements(By.CSS_SELECTOR, "td a[href*='/pdf/']")
             if urllib.parse.unquote(urllib.parse.urlparse(a.get_attribute("href")).path) == f"/pdf/{name}"]
    assert len(links) == 2
    href = links[0].get_attribute("href")
    answer = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type'),"
        " String.fromCharCode(...new Uint8Array(b.slice(0, 5)))])));", href)
    assert answer == [200, "application/pdf", "%PDF-"]
    links[0].click()
    WebDriverWait(browser, WAIT).until(EC.url_contains("/pdf/"))
    opened = urllib.parse.urlparse(browser.current_url)
    assert (urllib.parse.unquote(opened.path), opened.fragment) == (f"/pdf/{name}", "page=1")
