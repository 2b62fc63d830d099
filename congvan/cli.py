"""congvan command line: a thin layer over congvan.pipeline, db.export and Datasette.

Exit codes: 0 when every file is fine, 1 when any file failed, 2 on usage errors.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from congvan import pipeline
from ingest.errors import IngestError

DEFAULT_DB = Path("db/congvan.db")
DEFAULT_CORPUS = Path("corpus")
METADATA = Path(__file__).resolve().parent.parent / "db" / "metadata.yaml"


def _trust_roots(values: tuple[str, ...]) -> list[Path]:
    env = os.environ.get("CONGVAN_TRUST")
    return [Path(v) for v in values] + ([Path(p) for p in env.split(os.pathsep)] if env else [])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="congvan")
def main() -> None:
    """congvan: Vietnamese official correspondence → a searchable register of obligations."""


@main.command()
@click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), default=DEFAULT_CORPUS)
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True, help="SQLite database to write.")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="OCR processes (default: one per core).")
@click.option("--trust", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="PEM file or folder of trusted root certificates for signature checks (repeatable; "
                   "also $CONGVAN_TRUST).")
@click.option("--force", is_flag=True, help="Re-read files even when they are unchanged.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
@click.option("--cluster", envvar="CONGVAN_CLUSTER", default=None, metavar="ADDRESS",
              help="Read and extract on a Dask cluster: a scheduler (tcp://host:8786) or local[:N] for N worker "
                   "processes here (also $CONGVAN_CLUSTER). Workers must see CORPUS at the same path.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="OCR page cache folder (default: ocr-cache beside the database); on a cluster, put it on "
                   "storage every worker shares.")
def ingest(corpus: Path, db_path: Path, workers: int | None, trust: tuple[str, ...], force: bool, quiet: bool,
           cluster: str | None, cache_dir: Path | None) -> None:
    """Read every PDF under CORPUS (default corpus/) into the database.

    Unchanged files are skipped; a changed file replaces its old rows; a file that
    cannot be read is recorded as failed and the run goes on.

    Example: congvan ingest corpus --db db/congvan.db
    """
    from congvan.progress import Progress

    started = time.monotonic()
    try:
        with Progress(enabled=not quiet) as progress:
            summary = pipeline.ingest(corpus, db_path, workers=workers, trust_roots=_trust_roots(trust),
                                      force=force, progress=progress.advance, on_start=progress.start,
                                      cluster=cluster or None, cache_dir=cache_dir)
    except IngestError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    ocr_pages = _after_ingest(db_path, [f.path for f in summary.files if f.status != "skipped"])
    click.echo("\n".join(summary_lines(summary, db_path, time.monotonic() - started, ocr_pages)))
    for f in summary.failed:
        click.echo(f"  failed: {f.path}: {f.error}", err=True)
    sys.exit(1 if summary.failed else 0)


def summary_lines(summary: pipeline.RunSummary, db_path: Path, seconds: float, ocr_pages: int) -> list[str]:
    """The one-screen report of an ingest run: counts by status, pages, OCR pages, time.

    >>> s = pipeline.RunSummary([pipeline.FileResult("a.pdf", "ok", "text", 3),
    ...                          pipeline.FileResult("b.pdf", "ok", "mixed", 9),
    ...                          pipeline.FileResult("c.pdf", "skipped")])
    >>> print("\\n".join(summary_lines(s, Path("db/congvan.db"), 12.34, 4)))
    2 ok, 0 failed, 1 unchanged (skipped) → db/congvan.db
      files read: 2 in 12.3 s (6.2 s per file)
      pages: 12, of which read by OCR: 4
      text source: mixed 1, text 1
    """
    read = [f for f in summary.files if f.status != "skipped"]
    pages = sum(f.pages for f in read)
    sources: dict[str, int] = {}
    for f in read:
        sources[f.text_source or "none"] = sources.get(f.text_source or "none", 0) + 1
    lines = [f"{summary.count('ok')} ok, {summary.count('failed')} failed, "
             f"{summary.count('skipped')} unchanged (skipped) → {db_path}",
             f"  files read: {len(read)} in {seconds:.1f} s"
             + (f" ({seconds / len(read):.1f} s per file)" if read else "")]
    if read:
        lines.append(f"  pages: {pages}, of which read by OCR: {ocr_pages}")
        lines.append("  text source: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())))
    return lines


def _after_ingest(db_path: Path, paths: list[str]) -> int:
    """Creates the views Datasette and the exports read (db.export.VIEWS); returns the OCR'd pages of `paths`."""
    from db import schema
    from db.export import create_views

    db = schema.connect(db_path)
    try:
        create_views(db)
        return sum(db.execute(
            "select count(*) from pages p join documents d on d.id = p.document_id "
            "where p.source = 'ocr' and d.path = ?", [path]).fetchone()[0] for path in paths)
    finally:
        db.close()


@main.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True)
def extract(db_path: Path) -> None:
    """Re-run the rules on stored page text, without reading any PDF again.

    Example: congvan extract --db db/congvan.db
    """
    n = pipeline.extract_stored(db_path)
    click.echo(f"{n} documents re-extracted in {db_path}")


@main.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True)
def status(db_path: Path) -> None:
    """Counts by status and text source, and every failed file with its error.

    Example: congvan status --db db/congvan.db
    """
    s = pipeline.status(db_path)
    click.echo("documents: " + ", ".join(f"{k} {v}" for k, v in sorted(s["status"].items())) or "none")
    click.echo("text source: " + ", ".join(f"{k} {v}" for k, v in sorted(s["text_source"].items())))
    click.echo("facts: " + ", ".join(f"{k} {v}" for k, v in s["facts"].items()))
    for row in s["failed"]:
        click.echo(f"failed: {row['path']}: {row['error']}")
    sys.exit(1 if s["failed"] else 0)


@main.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CORPUS,
              show_default=True, help="Folder whose PDFs are served read-only under /pdf/.")
def serve(db_path: Path, port: int, host: str, corpus: Path) -> None:
    """Publish the database with Datasette (full-text search, facets, canned queries).

    Example: congvan serve --db db/congvan.db --port 8001
    """
    os.execvp(sys.executable, datasette_command(db_path, port=port, host=host, corpus=corpus))


def _metadata_for(db_path: Path) -> Path:
    """Datasette applies metadata by database name: retarget db/metadata.yaml at this file's name."""
    name = db_path.stem
    if name == "congvan":
        return METADATA
    import json
    import tempfile

    import yaml

    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    data["databases"] = {name: data["databases"]["congvan"]}
    target = Path(tempfile.gettempdir()) / f"congvan-metadata-{name}.json"
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


def datasette_command(db_path: Path, *, port: int, host: str = "127.0.0.1", corpus: Path | None = None) -> list[str]:
    """The `datasette serve` command line congvan uses (tests start it the same way)."""
    cmd = [sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host, "--port", str(port),
           "--metadata", str(_metadata_for(Path(db_path))), "--setting", "allow_download", "off",
           "--setting", "sql_time_limit_ms", "3000", "--setting", "truncate_cells_html", "400"]
    cmd += ["--static", f"congvan-static:{METADATA.parent / 'static'}"]
    if corpus and Path(corpus).is_dir():
        cmd += ["--static", f"pdf:{Path(corpus).resolve()}"]
    return cmd


@main.command()
@click.option("--unit", help="Unit name as you know it: canonical, alias (KHTCTH), with or without diacritics.")
@click.option("--all-units", is_flag=True, help="One file per unit that has tasks, into the folder --out.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "md", "ics"]), default="xlsx",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="File to write (a folder: <unit>.<format> inside it). Default: <unit>.<format> here; "
                   "with --all-units: the folder export/.")
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True)
def export(unit: str | None, all_units: bool, fmt: str, out: Path | None, db_path: Path) -> None:
    """Task list of a unit (hạn, nhiệm vụ, nguồn, trang, tiêu chí, còn bao nhiêu ngày).

    XLSX for Excel, CSV (UTF-8 with BOM), Markdown for email or chat, ICS for a calendar
    (one all-day event per deadline, with a reminder 3 days before).

    Example: congvan export --unit "Sở Nội vụ" --format xlsx --out so-noi-vu.xlsx
    """
    from db import export as exports
    from db import schema

    if bool(unit) == all_units:
        click.echo("Error: give either --unit NAME or --all-units.", err=True)
        sys.exit(2)
    db = schema.connect(db_path)
    try:
        exports.create_views(db)
        if all_units:
            folder = out or Path("export")
            results = exports.export_all(db, fmt, folder)
            for r in results:
                click.echo(f"{r.tasks:4d}  {r.unit} → {r.path}")
            click.echo(f"{len(results)} files, {sum(r.tasks for r in results)} tasks → {folder}")
            return
        try:
            name = exports.resolve_unit(db, unit)
        except exports.UnknownUnit as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(2)
        path = out or Path(f"{exports.slug(name)}.{fmt}")
        if path.is_dir():
            path = path / f"{exports.slug(name)}.{fmt}"
        result = exports.export_unit(db, name, fmt, path)
        click.echo(f"{result.tasks} tasks of {result.unit} → {result.path}")
    finally:
        db.close()


@main.command()
@click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), default=DEFAULT_CORPUS)
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True, help="SQLite database to write.")
@click.option("--trust", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="PEM file or folder of trusted root certificates (repeatable; also $CONGVAN_TRUST).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="OCR processes (default: one per core).")
@click.option("--settle", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="Seconds a file must stay unchanged before it is read.")
def watch(corpus: Path, db_path: Path, trust: tuple[str, ...], workers: int | None, settle: float) -> None:
    """Keep the database up to date: ingest every PDF dropped or replaced in CORPUS.

    Files already there are checked first (unchanged ones are skipped). Stop with Ctrl+C.

    Example: congvan watch corpus --db db/congvan.db
    """
    from congvan.watch import watch_forever

    def report(w) -> None:
        if w.result is None:
            click.echo(f"error   {w.path}: {w.error}", err=True)
        elif w.result.status == "skipped":
            click.echo(f"same    {w.path}")
        else:
            extra = f": {w.result.error}" if w.result.error else f" ({w.result.pages} pages, {w.result.text_source})"
            click.echo(f"{w.result.status:<7} {w.path}{extra} in {w.seconds:.1f} s")

    click.echo(f"Watching {corpus} → {db_path} (Ctrl+C to stop)")
    try:
        watch_forever(corpus, db_path, trust_roots=_trust_roots(trust), workers=workers or os.cpu_count(),
                      settle=settle, on_result=report)
    except IngestError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
