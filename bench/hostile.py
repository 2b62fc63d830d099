"""`make bench-hostile`: peak memory and wall time of `congvan ingest` on each class of hostile file.

Each hostile class (tests/fixtures/build.py `build_hostile_inputs`: a 5 KB Flate bomb of 2 GiB,
a 419-byte PDF with a 14400 pt page, 1000 blank pages), a good digital sample and a scanned
one are ingested alone, each into a fresh database, by the real command line with default
limits (`congvan ingest --workers 2 -q`); then all of them together in one run. The process
tree (the ingest, its workers, their tesseracts) is sampled every 10 ms:

    rss max   the largest single process
    rss sum   all processes added up (pages shared between a worker and its parent counted twice)
    pss sum   all processes added up, shared pages divided among the processes that share them:
              the memory the run takes from the machine

Then "flat with pages": blank files of 100 and 1000 pages read through OCR (--max-pages 2000).
Exits 1 when the whole run's peak (rss sum) is over 1 GB.

    .venv/bin/python bench/hostile.py [--skip-flat]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fixtures import build  # noqa: E402

CONGVAN = Path(sys.executable).with_name("congvan")
LIMIT = 1024 ** 3


@dataclass
class Peak:
    seconds: float = 0.0
    rss_max: int = 0
    rss_sum: int = 0
    pss_sum: int = 0
    processes: int = 0
    exit_code: int = 0
    summary: str = ""


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def _memory(pid: int) -> tuple[int, int]:
    """(rss, pss) of one process in bytes; (0, 0) once it is gone."""
    try:
        rss = pss = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
        return rss, pss
    except (OSError, ValueError):
        return 0, 0


def measure(command: list[str]) -> Peak:
    """Runs `command`, sampling its process tree's memory until it exits."""
    peak = Peak()
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None:
        sizes = [_memory(p) for p in _tree(proc.pid)]
        peak.rss_max = max(peak.rss_max, max((r for r, _ in sizes), default=0))
        peak.rss_sum = max(peak.rss_sum, sum(r for r, _ in sizes))
        peak.pss_sum = max(peak.pss_sum, sum(p for _, p in sizes))
        peak.processes = max(peak.processes, len(sizes))
        time.sleep(0.01)
    out, err = proc.communicate()
    peak.seconds, peak.exit_code = time.monotonic() - started, proc.returncode
    peak.summary = (out.splitlines() or [""])[0]
    if "Traceback" in err:
        raise SystemExit(f"a traceback in {command}:\n{err}")
    return peak


def _ingest(files: list[Path], work: Path, name: str, *extra: str) -> Peak:
    corpus = work / name / "corpus"
    corpus.mkdir(parents=True)
    for f in files:
        shutil.copy(f, corpus / f.name)
    return measure([str(CONGVAN), "ingest", str(corpus), "--db", str(work / name / "congvan.db"), "-q",
                    "--workers", "2", *extra])


def _row(name: str, peak: Peak) -> str:
    mb = 1024 * 1024
    return (f"{name:<28} {peak.seconds:7.1f} s {peak.rss_max / mb:8.0f} {peak.rss_sum / mb:8.0f} "
            f"{peak.pss_sum / mb:8.0f} MB  {peak.processes:3d}  {peak.summary.split(' → ')[0]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-flat", action="store_true", help="leave out the 100/1000 blank pages OCR runs")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="congvan-bench-hostile-"))
    try:
        hostile = build.build_hostile_inputs(work / "files")
        good = [REPO / "corpus" / "sample-01-cong-van.pdf", REPO / "corpus" / "sample-02-ke-hoach-scan.pdf"]
        print(f"{'class':<28} {'wall':>9} {'rss max':>8} {'rss sum':>8} {'pss sum':>8}     procs  result")
        for f in list(hostile.values()) + good:
            print(_row(f.stem, _ingest([f], work, f.stem)), flush=True)
        whole = _ingest(list(hostile.values()) + good, work, "whole-run")
        print(_row("whole run (all of them)", whole), flush=True)
        if not args.skip_flat:
            for pages in (100, 1000):
                blank = build.build_hostile_inputs(work / f"blank-{pages}", bomb_bytes=1 << 20,
                                                   many_pages=pages)["many-pages.pdf"]
                peak = _ingest([blank], work, f"flat-{pages}", "--max-pages", "2000")
                print(_row(f"{pages} blank pages, OCR'd", peak), flush=True)
        ok = whole.rss_sum <= LIMIT
        print(f"whole run peak (rss sum) {whole.rss_sum / 1024 ** 2:.0f} MB "
              f"{'≤' if ok else '>'} {LIMIT / 1024 ** 2:.0f} MB: {'ok' if ok else 'OVER'}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
