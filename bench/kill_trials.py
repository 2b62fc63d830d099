"""`make bench-kill`: `kill -9` an ingest at random moments; the database must survive every time.

A clean run of a small corpus (the repository's samples: digital, scanned, broken files; five
documents of ../shared/corpus when present) gives the reference database. Each trial starts
with a copy of the clean run's OCR cache (the scanned pages come from it: a trial is a few
seconds, not a minute of tesseract; killing a worker in the middle of OCR is
tests/test_hostile.py's job). Then, for each trial (random moments from a seeded generator), a fresh
`congvan ingest` of the same corpus is killed with SIGKILL after a random delay within the
clean run's time — the whole process group (the run, its workers, their tesseracts) on even
trials, only the main process on odd ones (its workers must die with it) — and:

1. `pragma integrity_check` says `ok`;
2. no process of the killed run is left after 5 s;
3. the ingest run again to its end (the lock released by the kernel, nothing to clean up)
   gives a database equal to the clean run's: every table, every row (timestamps and
   fact row ids aside).

    .venv/bin/python bench/kill_trials.py --trials 50 --seed 13
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from congvan.db.stored import snapshot

REPO = Path(__file__).resolve().parents[1]
CONGVAN = Path(sys.executable).with_name("congvan")


def corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for f in sorted((REPO / "corpus").glob("*.pdf")) + sorted((REPO / "tests" / "fixtures" / "bad").glob("*.pdf")):
        shutil.copy(f, folder / f.name)
    shared = REPO.parent / "shared" / "corpus"
    for f in sorted(shared.glob("00[0-4]-digital.pdf")):   # more documents: more moments between commits
        shutil.copy(f, folder / f.name)
    return folder


def ingest(source: Path, db: Path, *, session: bool = False) -> subprocess.Popen:
    return subprocess.Popen([str(CONGVAN), "ingest", str(source), "--db", str(db), "-q", "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=session)


def _group_alive(pgid: int) -> list[int]:
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid and "Z" not in (entry / "stat").read_text().split()[2]:
                    alive.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return alive


def trial(number: int, source: Path, work: Path, delay: float, reference: dict, whole_group: bool,
          cache: bool = True) -> str:
    db = work / f"trial-{number:02d}" / "congvan.db"
    db.parent.mkdir()
    if cache:
        shutil.copytree(work / "clean" / "ocr-cache", db.parent / "ocr-cache")
    run = ingest(source, db, session=True)
    time.sleep(delay)
    still_running = run.poll() is None
    try:
        if whole_group:
            os.killpg(run.pid, signal.SIGKILL)
        elif still_running:
            os.kill(run.pid, signal.SIGKILL)
    except ProcessLookupError:    # it ended on its own just before
        still_running = False
    run.wait()
    deadline = time.monotonic() + 5
    while _group_alive(run.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _group_alive(run.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    integrity = "no database yet"
    if db.exists():
        with sqlite3.connect(db) as c:
            integrity = c.execute("pragma integrity_check").fetchone()[0]
    again = ingest(source, db)
    _, err = again.communicate(timeout=900)
    equal = snapshot(db) == reference
    problems = [p for p, bad in (("integrity " + integrity, integrity not in ("ok", "no database yet")),
                                 (f"{len(left)} processes left", bool(left)),
                                 ("traceback in the re-run", "Traceback" in err),
                                 ("re-run differs from the clean run", not equal)) if bad]
    shutil.rmtree(db.parent, ignore_errors=True)
    what = "group" if whole_group else "main "
    return (f"trial {number:2d}: kill -9 ({what}) at {delay:5.2f} s{'' if still_running else ' (already done)'}"
            f" integrity {integrity:<15} re-run {'equal' if equal else 'DIFFERENT'}"
            + (f"  PROBLEMS: {', '.join(problems)}" if problems else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--fresh-cache", action="store_true",
                        help="start each trial with no OCR cache (kills land in the middle of OCR too; slower)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="congvan-kill-"))
    try:
        source = corpus(work / "corpus")
        clean_db = work / "clean" / "congvan.db"
        clean_db.parent.mkdir()
        ingest(source, clean_db).communicate(timeout=1800)
        reference = snapshot(clean_db)
        timed = work / "timed" / "congvan.db"        # a run as the trials make it: with the OCR cache (or not)
        timed.parent.mkdir()
        if not args.fresh_cache:
            shutil.copytree(work / "clean" / "ocr-cache", timed.parent / "ocr-cache")
        started = time.monotonic()
        ingest(source, timed).communicate(timeout=900)
        seconds = time.monotonic() - started
        assert snapshot(timed) == reference, "a run with the OCR cache differs from the clean run"
        print(f"clean run: {seconds:.1f} s, {len(reference['documents'])} documents, "
              f"{len(reference['obligations'])} obligations; {args.trials} trials, seed {args.seed}", flush=True)
        failures = 0
        for number in range(1, args.trials + 1):
            line = trial(number, source, work, rng.uniform(0.0, seconds), reference, whole_group=number % 2 == 0,
                         cache=not args.fresh_cache)
            failures += "PROBLEMS" in line
            print(line, flush=True)
        print(f"{args.trials - failures}/{args.trials} trials: integrity ok and the re-run equal to the clean run")
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
