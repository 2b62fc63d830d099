"""congvan command line: a thin layer over congvan.pipeline, db.export and Datasette.

Exit codes: 0 when every file is fine, 1 when any file failed, 2 on usage errors.
"""
from __future__ import annotations

import os
import subprocess
import sys
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
def ingest(corpus: Path, db_path: Path, workers: int | None, trust: tuple[str, ...], force: bool, quiet: bool) -> None:
    """Read every PDF under CORPUS (default corpus/) into the database.

    Unchanged files are skipped; a changed file replaces its old rows; a file that
    cannot be read is recorded as failed and the run goes on.

    Example: congvan ingest corpus --db db/congvan.db
    """
    from congvan.progress import Progress

    try:
        with Progress(enabled=not quiet) as progress:
            summary = pipeline.ingest(corpus, db_path, workers=workers, trust_roots=_trust_roots(trust),
                                      force=force, progress=progress.advance,
                                      on_start=progress.start)
    except IngestError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    click.echo(f"{summary.count('ok')} ok, {summary.count('failed')} failed, "
               f"{summary.count('skipped')} unchanged (skipped) → {db_path}")
    for f in summary.failed:
        click.echo(f"  failed: {f.path}: {f.error}", err=True)
    sys.exit(1 if summary.failed else 0)


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


def datasette_command(db_path: Path, *, port: int, host: str = "127.0.0.1", corpus: Path | None = None) -> list[str]:
    """The `datasette serve` command line congvan uses (tests start it the same way)."""
    cmd = [sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host, "--port", str(port),
           "--metadata", str(METADATA), "--setting", "allow_download", "off",
           "--setting", "sql_time_limit_ms", "3000", "--setting", "truncate_cells_html", "400"]
    if corpus and Path(corpus).is_dir():
        cmd += ["--static", f"pdf:{Path(corpus).resolve()}"]
    return cmd


if __name__ == "__main__":
    main()
