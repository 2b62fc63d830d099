"""Speed of congvan's ingestion against the floors a user could reach without it.

Four measurements, each with its methods run round-robin in the same loop (the order
rotates every round) so they share the machine's noise; the figure is the median:

  scan       congvan reading the scans (ingest.reader.read_pdfs, as pipeline.ingest does:
             all files at once on all cores, no cache) vs the bare tesseract CLI on
             pre-rendered pages (same dpi, psm and core count), one process per page (the
             floor) and, for information, 4 pages of a file per process (as congvan batches
             them) vs `ocrmypdf --sidecar` + pdftotext, per file.
  digital    congvan reading the digital files (read_pdfs: text layer, tables, signatures,
             all cores) and in one process (read_pdf one file after another) vs
             `pdftotext` (one process per document, one after another).
  re-ingest  pipeline.ingest of one scan, then of the same file renamed: into the same
             database (reingest_speedup) and into a fresh database that shares only the
             OCR cache (reingest_fresh_db_speedup); speed-up = first / again.
  memory     peak RSS of this process plus the largest child (getrusage maxrss).

The output ends with key=value lines (a ratio above 1 means congvan is faster):
scan_pages_per_s, scan_vs_tesseract, scan_vs_tesseract_batched, scan_vs_ocrmypdf,
digital_pages_per_s, digital_vs_pdftotext, reingest_speedup, reingest_fresh_db_speedup,
peak_rss_mb.

Usage (`make bench` runs the first line; ~5-8 minutes on 2 cores):
    .venv/bin/python bench/bench.py --corpus ../shared/corpus
    .venv/bin/python bench/bench.py --corpus ../shared/corpus --scan-docs 000 001 002 --rounds 2
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"  # every tesseract single-threaded (MEASUREMENTS.md §4.2)
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pypdfium2 as pdfium
import sqlite_utils

from congvan import pipeline
from congvan.ingest import ocr
from congvan.ingest.pdf import read_pdf, read_text_layer
from congvan.ingest.reader import read_pdfs

OCRMYPDF = REPO / ".venv" / "bin" / "ocrmypdf"  # from the [test] extra, which `make install` installs
if not OCRMYPDF.exists():
    OCRMYPDF = Path(shutil.which("ocrmypdf") or OCRMYPDF)


@dataclass
class Timings:
    """Seconds per round for each method, plus CPU seconds (own, children) per round."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    cpu_self: dict[str, list[float]] = field(default_factory=dict)
    cpu_children: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def median(self, method: str) -> float:
        return statistics.median(self.seconds[method])

    def ratio(self, slow: str, fast: str) -> float:
        """Median over rounds of seconds(slow) / seconds(fast): > 1 means `fast` is faster."""
        pairs = zip(self.seconds[slow], self.seconds[fast])
        return statistics.median(a / b for a, b in pairs)


def _cpu() -> tuple[float, float]:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def round_robin(methods: dict[str, Callable[[], object]], rounds: int, warmup: bool) -> Timings:
    """Runs every method once per round, rotating the order; an optional untimed first round."""
    timings = Timings()
    names = list(methods)
    if warmup:
        for name in names:
            methods[name]()
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            cpu0, start = _cpu(), time.perf_counter()
            methods[name]()
            elapsed, cpu1 = time.perf_counter() - start, _cpu()
            timings.seconds.setdefault(name, []).append(elapsed)
            timings.cpu_self.setdefault(name, []).append(cpu1[0] - cpu0[0])
            timings.cpu_children.setdefault(name, []).append(cpu1[1] - cpu0[1])
    return timings


def page_count(path: Path) -> int:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def run_quiet(command: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {result.returncode}: {result.stderr.strip()[-400:]}")
    return result


# ---------------------------------------------------------------------------------------- scan


def render_floor_images(scans: list[Path], dpi: int, folder: Path) -> list[Path]:
    """Each page rendered once to PGM (grayscale) with pypdfium2 at `dpi`: the floor's input."""
    images = []
    for path in scans:
        pdf = pdfium.PdfDocument(str(path))
        try:
            for index in range(len(pdf)):
                image = pdf[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
                target = folder / f"{path.stem}-p{index + 1}.pgm"
                image.save(target)
                images.append(target)
        finally:
            pdf.close()
    return images


def bench_scan(scans: list[Path], workers: int, rounds: int, work: Path) -> tuple[Timings, int]:
    settings = ocr.DEFAULT_SETTINGS
    pages = {path: page_count(path) for path in scans}
    images = render_floor_images(scans, settings.dpi, work)

    def congvan() -> None:
        documents = list(read_pdfs(list(pages), workers=workers, cache_dir=None))
        assert [len(d.pages) for d in documents] == list(pages.values())
        assert all(d.status == "ok" and d.text_source == "ocr" for d in documents)

    # Warm-up (untimed): imports, tesseract's model in the page cache.
    list(read_pdfs(list(pages), workers=workers, cache_dir=None))

    def tesseract_floor() -> None:
        def one(image: Path) -> None:
            run_quiet(["tesseract", str(image), "stdout", "-l", settings.languages, "--psm", str(settings.psm)])

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, images))

    per_file = [[image for image in images if image.name.startswith(f"{path.stem}-p")] for path in pages]
    chunks = [names[i:i + 4] for names in per_file for i in range(0, len(names), 4)]

    def tesseract_batched() -> None:
        def some(chunk: list[Path]) -> None:
            listing = chunk[0].with_suffix(".list.txt")
            listing.write_text("".join(f"{image}\n" for image in chunk), encoding="utf-8")
            run_quiet(["tesseract", str(listing), "stdout", "-l", settings.languages, "--psm", str(settings.psm)])

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(some, chunks))

    def ocrmypdf_route() -> None:
        for path in pages:
            out_pdf, sidecar = work / f"{path.stem}.ocr.pdf", work / f"{path.stem}.txt"
            run_quiet([str(OCRMYPDF), "--skip-text", "-l", settings.languages, "--jobs", str(workers), "--output-type", "pdf",
                       "--sidecar", str(sidecar), str(path), str(out_pdf)])
            run_quiet(["pdftotext", "-enc", "UTF-8", str(out_pdf), str(work / f"{path.stem}.pdftotext.txt")])

    methods = {"congvan read_pdfs": congvan, "tesseract CLI (floor)": tesseract_floor,
               "tesseract CLI, 4 pages a call": tesseract_batched, "ocrmypdf + pdftotext": ocrmypdf_route}
    if not OCRMYPDF.exists():  # reported as scan_vs_ocrmypdf=nan
        del methods["ocrmypdf + pdftotext"]
    run_quiet(["tesseract", str(images[0]), "stdout", "-l", settings.languages, "--psm", str(settings.psm)])
    return round_robin(methods, rounds, warmup=False), sum(pages.values())


# ------------------------------------------------------------------------------------- digital


def bench_digital(files: list[Path], trust: list[Path], rounds: int, workers: int, work: Path
                  ) -> tuple[Timings, int]:
    def all_cores() -> None:
        documents = list(read_pdfs(files, workers=workers, trust_roots=trust, cache_dir=work / "unused-cache"))
        assert all(d.status == "ok" and d.text_source == "text" for d in documents)

    def one_process() -> None:
        for path in files:
            document = read_pdf(path, trust_roots=trust, cache_dir=work / "unused-cache")
            assert document.status == "ok", document.error

    def text_layer_only() -> None:
        for path in files:
            read_text_layer(path, tables=False)

    def pdftotext() -> None:
        for path in files:
            run_quiet(["pdftotext", "-enc", "UTF-8", str(path), "-"])

    methods = {"congvan read_pdfs (all cores)": all_cores, "congvan read_pdf (1 process)": one_process,
               "congvan text layer only (1 p.)": text_layer_only, "pdftotext (1 process/doc)": pdftotext}
    return round_robin(methods, rounds, warmup=True), sum(page_count(p) for p in files)


# ------------------------------------------------------------------------------------ re-ingest


def bench_reingest(scan: Path, trust: list[Path], workers: int, rounds: int, work: Path) -> Timings:
    """First ingest (OCR), then the same bytes under a new name: in the same database (what a
    user does: rename or copy the file, ingest again) and in a fresh database that shares only
    the OCR cache (a rebuilt database: no OCR, but reading, extraction and writing again)."""
    timings = Timings()
    warm = work / "reingest-warm"  # untimed: first-use imports (extract rules, pyHanko) and schema code
    warm.mkdir()
    shutil.copy(scan.with_name(scan.name.replace("-scan", "-digital")), warm / "warm.pdf")
    pipeline.ingest(warm, work / "reingest-warm.db", workers=workers, trust_roots=trust)
    for r in range(rounds):
        base = work / f"reingest-{r}"
        cache, corpus = base / "ocr-cache", base / "corpus"
        corpus.mkdir(parents=True)
        shutil.copy(scan, corpus / scan.name)

        def rename() -> Path:
            (corpus / scan.name).rename(corpus / f"renamed-{scan.name}")
            return base / "congvan.db"

        steps = (("first ingest (OCR)", lambda: base / "congvan.db", "ok"),
                 ("renamed, same database", rename, "skipped"),
                 ("renamed, fresh database", lambda: base / "fresh.db", "ok"))
        for label, prepare, expected in steps:
            db = prepare()
            calls, start = ocr.tesseract_calls(), time.perf_counter()
            summary = pipeline.ingest(corpus, db, workers=workers, cache_dir=cache, trust_roots=trust)
            elapsed = time.perf_counter() - start
            statuses = [f.status for f in summary.files]
            assert statuses == [expected], f"{label}: {[(f.path, f.status, f.error) for f in summary.files]}"
            timings.seconds.setdefault(label, []).append(elapsed)
            timings.notes[label] = f"tesseract calls {ocr.tesseract_calls() - calls}"
        paths = [row["path"] for row in sqlite_utils.Database(base / "congvan.db").query("select path from documents")]
        assert paths == [f"renamed-{scan.name}"], paths   # the renamed file's row now has the new name
    return timings


# ---------------------------------------------------------------------------------------- report


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def print_table(title: str, timings: Timings, pages: int | None, reference: str | None) -> None:
    print(f"\n{title}")
    header = f"  {'method':32} {'median s':>9} {'min s':>7} {'max s':>7} {'pages/s':>8} {'cpu own':>8} {'cpu kids':>8}"
    header += f" {'congvan faster x' if reference else '':>17}"
    print(header)
    for name, values in timings.seconds.items():
        median = statistics.median(values)
        rate = f"{pages / median:8.2f}" if pages else f"{'':8}"
        own = f"{statistics.median(timings.cpu_self[name]):8.1f}" if name in timings.cpu_self else f"{'':8}"
        kids = f"{statistics.median(timings.cpu_children[name]):8.1f}" if name in timings.cpu_children else f"{'':8}"
        ratio = ""
        if reference and name != reference and not name.startswith("congvan"):
            ratio = f"{timings.ratio(name, reference):17.2f}"
        print(f"  {name:32} {median:9.3f} {min(values):7.3f} {max(values):7.3f} {rate} {own} {kids} {ratio}")
        if name in timings.notes:
            print(f"  {'':32} ({timings.notes[name]})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--scan-docs", nargs="*", default=None,
                        help="document numbers of the *-scan.pdf files to OCR (default: all)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds for scan and re-ingest")
    parser.add_argument("--digital-rounds", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reingest-file", default="001-scan.pdf")
    parser.add_argument("--skip-scan", action="store_true", help="skip the OCR comparison (the slow part)")
    args = parser.parse_args()

    corpus = args.corpus.resolve()
    scans = sorted(corpus.glob("*-scan.pdf"))
    if args.scan_docs:
        scans = [p for p in scans if p.name.split("-")[0] in set(args.scan_docs)]
    digital = sorted(corpus.glob("*-digital.pdf"))
    trust = [corpus / "test-ca.pem"] if (corpus / "test-ca.pem").exists() else []
    if not scans or not digital:
        print(f"no *-scan.pdf / *-digital.pdf under {corpus}", file=sys.stderr)
        return 2

    ocr.check_tesseract()
    settings = ocr.DEFAULT_SETTINGS
    load_start, wall_start = os.getloadavg(), time.perf_counter()
    print(f"congvan bench: {os.cpu_count()} cores, workers={args.workers}, OCR -l {settings.languages} "
          f"dpi={settings.dpi} psm={settings.psm}, rounds={args.rounds} (scan, re-ingest) / {args.digital_rounds} (digital)")
    print(f"load average at start: {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}")
    print("figures are medians; ratios are medians of per-round ratios (> 1: congvan faster)")

    keys: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="congvan-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_scan:
            (work / "scan").mkdir()
            scan, scan_pages = bench_scan(scans, args.workers, args.rounds, work / "scan")
            names = ", ".join(p.name for p in scans)
            print_table(f"SCANNED PAGES: {scan_pages} pages of {names}; {args.workers} workers each",
                        scan, scan_pages, "congvan read_pdfs")
            cong, floor = "congvan read_pdfs", "tesseract CLI (floor)"
            own = statistics.median(scan.cpu_self[cong]) / scan_pages
            kids = statistics.median(scan.cpu_children[cong]) / scan_pages
            floor_cpu = statistics.median(scan.cpu_children[floor]) / scan_pages
            print(f"  CPU per page: congvan {own + kids:.2f} s (this process {own:.2f} + workers and their "
                  f"tesseracts {kids:.2f}), "
                  f"floor {floor_cpu:.2f} s; CPU-only ratio {floor_cpu / (own + kids):.2f} "
                  "(what scan_vs_tesseract would be with no idle core)")
            keys["scan_pages_per_s"] = f"{scan_pages / scan.median(cong):.3f}"
            keys["scan_vs_tesseract"] = f"{scan.ratio(floor, cong):.3f}"
            keys["scan_vs_tesseract_batched"] = f"{scan.ratio('tesseract CLI, 4 pages a call', cong):.3f}"
            if "ocrmypdf + pdftotext" in scan.seconds:
                keys["scan_vs_ocrmypdf"] = f"{scan.ratio('ocrmypdf + pdftotext', cong):.3f}"
            else:
                print(f"  ocrmypdf not found ({OCRMYPDF}): run `make install` (it is in the [test] extra)")

        (work / "digital").mkdir()
        dig, dig_pages = bench_digital(digital, trust, args.digital_rounds, args.workers, work / "digital")
        print_table(f"DIGITAL PAGES: {dig_pages} pages of {len(digital)} *-digital.pdf; text layer, tables, "
                    f"signatures; {args.workers} workers", dig, dig_pages, "congvan read_pdfs (all cores)")
        keys["digital_pages_per_s"] = f"{dig_pages / dig.median('congvan read_pdfs (all cores)'):.3f}"
        keys["digital_vs_pdftotext"] = f"{dig.ratio('pdftotext (1 process/doc)', 'congvan read_pdfs (all cores)'):.3f}"

        reingest = bench_reingest(corpus / args.reingest_file, trust, args.workers, args.rounds, work)
        print_table(f"RE-INGEST: {args.reingest_file} ({page_count(corpus / args.reingest_file)} pages), "
                    "pipeline.ingest with an OCR cache", reingest, None, None)
        for label, key in (("renamed, same database", "reingest_speedup"),
                           ("renamed, fresh database", "reingest_fresh_db_speedup")):
            speedups = [a / b for a, b in zip(reingest.seconds["first ingest (OCR)"], reingest.seconds[label])]
            print(f"  speed-up first / {label}, per round: {', '.join(f'{s:.1f}' for s in speedups)}")
            keys[key] = f"{statistics.median(speedups):.2f}"

    own, kids = peak_rss_mb()
    print(f"\nPEAK RSS: this process {own:.0f} MB, largest child {kids:.0f} MB")
    keys["peak_rss_mb"] = f"{own + kids:.0f}"
    load_end = os.getloadavg()
    print(f"load average at end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}; "
          f"bench wall time {time.perf_counter() - wall_start:.0f} s")
    targets = {"scan_vs_tesseract": 0.9, "scan_vs_ocrmypdf": 1.0, "digital_vs_pdftotext": 0.33,
               "reingest_speedup": 50.0}
    missed = [f"{k} {keys[k]} below {v}" for k, v in targets.items()
              if k in keys and (float(keys[k]) < v or (k == "scan_vs_ocrmypdf" and float(keys[k]) <= v))]
    print(f"targets missed: {'; '.join(missed) if missed else 'none'}\n")
    for name in ("scan_pages_per_s", "scan_vs_tesseract", "scan_vs_tesseract_batched", "scan_vs_ocrmypdf",
                 "digital_pages_per_s",
                 "digital_vs_pdftotext", "reingest_speedup", "reingest_fresh_db_speedup", "peak_rss_mb"):
        print(f"{name}={keys.get(name, 'nan')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
