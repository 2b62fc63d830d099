"""The cluster path against the local pool on the same files, and the single SQLite writer's rate.

Two measurements:

  read     pipeline.ingest of the corpus into a fresh database with a fresh (cold) OCR cache,
           once with the local pool (ingest.reader, one process per core) and once on a
           2-worker LocalCluster (congvan.cluster, one thread per worker), round-robin: the
           order alternates every round so both share the machine's noise. The cluster is
           started before timing, as a standing cluster would be; its start-up (spawned
           workers importing congvan) is shown apart. Figures: pages per second (median over
           rounds), the cluster's overhead = median of seconds(cluster) / seconds(local) − 1
           taken within each round, and the CPU per page of each side (this process, its
           children, the Dask workers and their tesseracts), which load on a shared machine
           disturbs much less than wall time.
  write    db.load.save of the corpus's documents and facts (read once, extracted once) again
           and again under new ids into a fresh database, with its FTS triggers, in one
           process: documents and pages per second the one writer sustains.

The output ends with key=value lines: local_pages_per_s, cluster_pages_per_s,
cluster_overhead, cpu_overhead, cluster_start_s, writer_docs_per_s, writer_pages_per_s,
writer_docs_per_cpu_s.

Usage (`make bench-cluster`; ~6-10 minutes on 2 cores):
    .venv/bin/python bench/cluster.py --corpus ../shared/corpus
    .venv/bin/python bench/cluster.py --corpus ../shared/corpus --rounds 1 --documents 2000
"""
from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psutil  # noqa: E402 — installed with distributed

from congvan import pipeline  # noqa: E402
from congvan.db import load, schema  # noqa: E402
from congvan.extract import extract  # noqa: E402
from congvan.extract.units import registry  # noqa: E402
from congvan.ingest.pdf import read_pdf  # noqa: E402


def _own_cpu() -> float:
    """CPU seconds of this process and of the children it has waited for (pool workers, tesseracts)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _worker_cpu() -> float:
    """On a Dask worker: CPU seconds of the worker process and the tesseracts it has waited for."""
    t = psutil.Process().cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def _run(corpus: Path, folder: Path, trust: list[Path], client=None, address: str | None = None) -> tuple[float, float, int]:
    """One ingest into a fresh database and cache: (seconds, CPU seconds, pages)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    workers_before = sum(client.run(_worker_cpu).values()) if client else 0.0
    cpu, start = _own_cpu(), time.monotonic()
    summary = pipeline.ingest(corpus, folder / "congvan.db", cache_dir=folder / "cache", trust_roots=trust,
                              workers=2, cluster=address)
    seconds = time.monotonic() - start
    cpu = _own_cpu() - cpu + (sum(client.run(_worker_cpu).values()) - workers_before if client else 0.0)
    assert summary.count("failed") == 0, [f.error for f in summary.failed]
    return seconds, cpu, sum(f.pages for f in summary.files)


def bench_read(corpus: Path, trust: list[Path], rounds: int, tmp: Path) -> dict:
    from distributed import Client, LocalCluster

    from congvan.cluster import _check_workers

    start = time.monotonic()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as local, Client(local) as client:
        _check_workers(client)  # imports congvan and loads the rules on every worker
        started = time.monotonic() - start
        _run(corpus, tmp / "warm", trust)  # imports and rules of this process, untimed
        runs: dict[str, list[tuple[float, float, int]]] = {"local": [], "cluster": []}
        for n in range(rounds):
            order = ("local", "cluster") if n % 2 == 0 else ("cluster", "local")
            for side in order:
                runs[side].append(_run(corpus, tmp / side, trust, *((client, local.scheduler_address)
                                                                     if side == "cluster" else ())))
                s, c, p = runs[side][-1]
                print(f"  round {n + 1} {side:<8} {s:6.1f} s  {p / s:5.2f} pages/s  CPU {c / p:5.2f} s/page  "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
    return {"runs": runs, "start": started}


def bench_write(corpus: Path, trust: list[Path], documents: int, tmp: Path) -> tuple[float, float, float, float]:
    """Documents and pages per second of db.load.save into a fresh database (FTS on), per second of
    wall time and per CPU-second of the writer (what it would do with a core to itself), and the
    database's bytes per page."""
    cache = tmp / "local" / "cache"
    read = [(d, extract(d)) for d in (read_pdf(p, cache_dir=cache, trust_roots=trust, relative_to=corpus)
                                     for p in pipeline.find_pdfs(corpus))]
    db = schema.connect(tmp / "writer.db")
    load.save_units(db, registry())
    pages, start, cpu = 0, time.monotonic(), time.process_time()
    for n in range(documents):
        document, facts = read[n % len(read)]
        document = replace(document, sha256=f"{n:064x}", path=f"{n // len(read)}/{document.path}")
        load.save(db, document, facts)
        pages += len(document.pages)
    load.link_citations(db)
    seconds, cpu = time.monotonic() - start, time.process_time() - cpu
    db.close()
    size = sum(f.stat().st_size for f in tmp.glob("writer.db*"))
    return documents / seconds, pages / seconds, documents / cpu, size / pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--documents", type=int, default=3000, help="documents the writer stores")
    args = parser.parse_args()
    trust = [args.corpus / "test-ca.pem"] if (args.corpus / "test-ca.pem").exists() else []
    print(f"corpus {args.corpus}: {len(pipeline.find_pdfs(args.corpus))} files; {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="congvan-bench-cluster-") as folder:
        tmp = Path(folder)
        read = bench_read(args.corpus, trust, args.rounds, tmp)
        docs_per_s, pages_per_s, docs_per_cpu_s, bytes_per_page = bench_write(args.corpus, trust, args.documents, tmp)
    local, remote = read["runs"]["local"], read["runs"]["cluster"]
    pages = local[0][2]
    overhead = statistics.median(c[0] / l[0] for l, c in zip(local, remote)) - 1
    cpu_overhead = statistics.median(c[1] / l[1] for l, c in zip(local, remote)) - 1
    print(f"\nread {pages} pages, fresh OCR cache, {args.rounds} rounds (median):")
    for name, runs in (("local pool", local), ("LocalCluster 2", remote)):
        print(f"  {name:<15} {statistics.median(r[0] for r in runs):6.1f} s  "
              f"{pages / statistics.median(r[0] for r in runs):5.2f} pages/s  "
              f"CPU {statistics.median(r[1] for r in runs) / pages:5.2f} s/page")
    print(f"  cluster start-up (2 spawned workers, imports, rules): {read['start']:.1f} s, not in the run times")
    print(f"writer: {args.documents} documents into a fresh database with FTS: {docs_per_s:.0f} docs/s, "
          f"{pages_per_s:.0f} pages/s; {docs_per_cpu_s:.0f} docs per CPU-second; {bytes_per_page / 1024:.1f} KB "
          f"of database per page")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores; above ~2 seconds are inflated, ratios less)")
    print(f"\nlocal_pages_per_s={pages / statistics.median(r[0] for r in local):.2f}")
    print(f"cluster_pages_per_s={pages / statistics.median(r[0] for r in remote):.2f}")
    print(f"cluster_overhead={overhead:+.1%}")
    print(f"cpu_overhead={cpu_overhead:+.1%}")
    print(f"cluster_start_s={read['start']:.1f}")
    print(f"writer_docs_per_s={docs_per_s:.0f}")
    print(f"writer_pages_per_s={pages_per_s:.0f}")
    print(f"writer_docs_per_cpu_s={docs_per_cpu_s:.0f}")


if __name__ == "__main__":
    main()
