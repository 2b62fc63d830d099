"""Screenshots of the officer's pages for the README: home, a unit's page, the charts.

    .venv/bin/python docs/screenshots.py --db db/congvan.db --out docs [--unit "Sở Nội vụ"]

Starts the real `congvan serve` Datasette on a free 127.0.0.1 port, opens each page in
headless Chromium (Debian's chromium and chromium-driver) and saves a PNG of the whole page.
tests/test_screenshots.py runs it on the test corpus.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = (("home.png", "/"), ("unit.png", "/don-vi?ten={unit}"), ("charts.png", "/bieu-do"))


def browser(width: int = 1280, height: int = 900):
    """A headless Chromium driven by selenium."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(shutil.which("chromedriver")))


def shoot(base: str, out: Path, *, unit: str) -> list[Path]:
    """Saves one PNG per page of PAGES under `out`, each as tall as its page; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    driver = browser()
    written = []
    try:
        for name, path in PAGES:
            url = base + path.format(unit=urllib.parse.quote(unit))
            driver.get(url)
            height = driver.execute_script("return document.documentElement.scrollHeight")
            inner = driver.execute_script("return window.innerHeight")
            outer = driver.get_window_size()["height"]
            driver.set_window_size(1280, min(max(int(height), 700), 2000) + outer - inner)
            driver.get(url)
            driver.save_screenshot(str(out / name))
            written.append(out / name)
    finally:
        driver.quit()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "db" / "congvan.db")
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--unit", default="Sở Nội vụ")
    args = parser.parse_args()
    from tests.datasette_server import serve

    with serve(args.db, corpus=args.corpus) as base:
        for path in shoot(base, args.out, unit=args.unit):
            print(path)


if __name__ == "__main__":
    main()
