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
from congvan.serve import METADATA, datasette_command, pdf_folder  # noqa: F401  (re-exported for tests)
from congvan.db import stored
from congvan.ingest.errors import IngestError, Status
from congvan.ingest.limits import DEFAULT as DEFAULT_LIMITS
from congvan.ingest.signatures import quiet_crypto_warnings

DEFAULT_DB = Path("db/congvan.db")
DEFAULT_CORPUS = Path("corpus")


def _trust_roots(values: tuple[str, ...]) -> list[Path]:
    env = os.environ.get("CONGVAN_TRUST")
    return [Path(v) for v in values] + ([Path(p) for p in env.split(os.pathsep)] if env else [])


def limit_options(command):
    """The bounds on one file (ingest.limits.Limits) as options of `ingest` and `watch`."""
    for option in reversed((
        click.option("--max-pages", type=click.IntRange(1), default=DEFAULT_LIMITS.max_pages, show_default=True,
                     help="Pages a file may have (more: failed, too_many_pages)."),
        click.option("--max-seconds", type=click.FloatRange(1), default=DEFAULT_LIMITS.seconds, show_default=True,
                     help="Seconds a worker may spend on a file's text layer or on one batch of its scanned "
                          "pages (more: failed, too_slow)."),
        click.option("--max-memory-mb", type=click.IntRange(64), default=DEFAULT_LIMITS.memory_mb,
                     show_default=True, help="Memory a worker may take for one file (more: failed, too_large)."),
        click.option("--max-pixels", type=click.IntRange(1_000_000), default=DEFAULT_LIMITS.max_pixels,
                     show_default=True, help="Pixels of one scanned page rendered for OCR (more: failed, too_large)."),
    )):
        command = option(command)
    return command


def _limits(max_pages: int, max_seconds: float, max_memory_mb: int, max_pixels: int):
    from congvan.ingest.limits import Limits

    return Limits(seconds=max_seconds, memory_mb=max_memory_mb, max_pages=max_pages, max_pixels=max_pixels)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="congvan")
def main() -> None:
    """congvan: Vietnamese official correspondence → a searchable register of obligations."""
    quiet_crypto_warnings()   # before any worker forks (ingest.signatures)


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
@limit_options
def ingest(corpus: Path, db_path: Path, workers: int | None, trust: tuple[str, ...], force: bool, quiet: bool,
           cluster: str | None, cache_dir: Path | None, max_pages: int, max_seconds: float, max_memory_mb: int,
           max_pixels: int) -> None:
    """Read every PDF under CORPUS (default corpus/) into the database.

    Unchanged files are skipped; a changed file replaces its old rows (a changed file that
    cannot be read keeps its last good version, marked stale); a file that cannot be read
    is recorded as failed and the run goes on; documents whose files are gone are marked
    removed. Each file is read under the limits below. Another ingest or watch writing to
    the same database is waited for.

    Example: congvan ingest corpus --db db/congvan.db
    """
    from congvan.progress import Progress

    limits = _limits(max_pages, max_seconds, max_memory_mb, max_pixels)
    started = time.monotonic()
    try:
        with Progress(enabled=not quiet) as progress:
            summary = pipeline.ingest(corpus, db_path, workers=workers, trust_roots=_trust_roots(trust),
                                      force=force, progress=progress.advance, on_start=progress.start,
                                      limits=limits, on_wait=lambda e: click.echo(f"Đang chờ: {e}", err=True),
                                      cluster=cluster or None, cache_dir=cache_dir)
    except IngestError as e:
        click.echo(f"Lỗi: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Đã dừng: các tệp đã ghi được giữ nguyên; chạy lại congvan ingest để đọc tiếp.", err=True)
        sys.exit(130)
    for note in summary.notes:
        click.echo(f"  {note}", err=True)
    for path in summary.removed:
        click.echo(f"  đã gỡ: {path} (không còn trong corpus; giữ lại để tra cứu, không còn trong danh sách nhiệm vụ)")
    ocr_pages = stored.ocr_page_count(db_path, [f.path for f in summary.files if f.status != Status.SKIPPED])
    click.echo("\n".join(summary_lines(summary, db_path, time.monotonic() - started, ocr_pages)))
    kept = set(stored.stale_paths(db_path)) if summary.failed else set()
    for f in summary.failed:
        click.echo(f"  lỗi: {problem(f.path, f.error)}"
                   + (" — bản đọc được lần trước vẫn được giữ" if f.path in kept else ""), err=True)
    for f in summary.partial:
        click.echo(f"  thiếu dữ kiện (lỗi của congvan, xin báo lại): {problem(f.path, f.error)}", err=True)
    sys.exit(1 if summary.failed or summary.partial else 0)


def summary_lines(summary: pipeline.RunSummary, db_path: Path, seconds: float, ocr_pages: int) -> list[str]:
    """The one-screen report of an ingest run: counts by status, pages, OCR pages, time.

    >>> s = pipeline.RunSummary([pipeline.FileResult("a.pdf", "ok", "text", 3),
    ...                          pipeline.FileResult("b.pdf", "ok", "mixed", 9),
    ...                          pipeline.FileResult("c.pdf", "skipped")])
    >>> print("\\n".join(summary_lines(s, Path("db/congvan.db"), 12.34, 4)))
    2 tệp đọc được, 0 tệp lỗi, 1 tệp không đổi (bỏ qua) → db/congvan.db
      đã đọc 2 tệp trong 12,3 giây (6,2 giây mỗi tệp)
      số trang: 12, trong đó đọc bằng OCR: 4
      nguồn chữ: mixed 1, text 1
    """
    read = [f for f in summary.files if f.status != Status.SKIPPED]
    pages = sum(f.pages for f in read)
    sources: dict[str, int] = {}
    for f in read:
        sources[f.text_source or "none"] = sources.get(f.text_source or "none", 0) + 1
    lines = [f"{summary.count(Status.OK) + summary.count(Status.PARTIAL)} tệp đọc được, "
             f"{summary.count(Status.FAILED)} tệp lỗi, {summary.count(Status.SKIPPED)} tệp không đổi (bỏ qua) → {db_path}",
             f"  đã đọc {len(read)} tệp trong {_decimal(seconds)} giây"
             + (f" ({_decimal(seconds / len(read))} giây mỗi tệp)" if read else "")]
    if read:
        lines.append(f"  số trang: {pages}, trong đó đọc bằng OCR: {ocr_pages}")
        lines.append("  nguồn chữ: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())))
    return lines


def _decimal(value: float) -> str:
    """One decimal, written with a comma as Vietnamese readers do: 12,3."""
    return f"{value:.1f}".replace(".", ",")


@main.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True)
def extract(db_path: Path) -> None:
    """Re-run the rules on stored page text, without reading any PDF again.

    Example: congvan extract --db db/congvan.db
    """
    n = pipeline.extract_stored(db_path)
    click.echo(f"Đã đọc lại {n} văn bản bằng quy tắc hiện hành trong {db_path}")


@main.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True)
def status(db_path: Path) -> None:
    """Counts by status and text source, every failed file with its error, and every file read
    only in part because of a bug in congvan (`partial`, to report).

    Example: congvan status --db db/congvan.db
    """
    s = pipeline.status(db_path)
    click.echo("tệp: " + (", ".join(f"{k} {v}" for k, v in sorted(s["status"].items())) or "chưa có"))
    click.echo("nguồn chữ: " + ", ".join(f"{k} {v}" for k, v in sorted(s["text_source"].items())))
    click.echo("dữ kiện: " + ", ".join(f"{k} {v}" for k, v in s["facts"].items()))
    for row in s["failed"]:
        click.echo(f"lỗi: {problem(row['path'], row['error'])}")
    for row in s["partial"]:
        click.echo(f"thiếu dữ kiện (lỗi của congvan, xin báo lại kèm dòng này): {problem(row['path'], row['error'])}")
    for path in s["stale"]:
        click.echo(f"giữ bản cũ: {path}: tệp hiện không đọc được; dữ kiện của bản đọc được gần nhất vẫn được giữ")
    sys.exit(1 if s["failed"] or s["partial"] else 0)


@main.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder whose PDFs are served read-only under /pdf/ (default: the folder the "
                   "database was ingested from).")
@click.option("--base-url", default="", help="Address the site is reached at (https://congvan.example.vn/), "
              "for the PDF links; default: links relative to the page.")
@click.option("--no-sql", is_flag=True, help="Turn off arbitrary SQL (for a shared deployment): only tables, "
              "search and the canned queries.")
def serve(db_path: Path, port: int, host: str, corpus: Path | None, base_url: str, no_sql: bool) -> None:
    """Publish the database with Datasette (full-text search, facets, canned queries).

    Example: congvan serve --db db/congvan.db --port 8001
    """
    corpus, warning = pdf_folder(db_path, corpus)
    if warning:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(f"Sổ đăng ký công văn: http://{host}:{port}/ (Ctrl+C để dừng)")
    os.execvp(sys.executable, datasette_command(db_path, port=port, host=host, corpus=corpus, base_url=base_url,
                                                sql=not no_sql))


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
    from congvan.db import export as exports
    from congvan.db import register, schema

    if bool(unit) == all_units:
        click.echo("Lỗi: cần --unit TÊN hoặc --all-units (một trong hai).", err=True)
        sys.exit(2)
    db = schema.connect(db_path)
    try:
        exports.create_views(db)
        register.refresh(db)
        if all_units:
            folder = out or Path("export")
            _writable_folder(folder, create=True)
            results = exports.export_all(db, fmt, folder)
            for r in results:
                click.echo(export_message(r))
            click.echo(f"{len(results)} tệp, {sum(r.tasks for r in results)} nhiệm vụ → {folder}")
            return
        try:
            name = exports.resolve_unit(db, unit)
        except exports.UnknownUnit as e:
            click.echo(f"Lỗi: {e}", err=True)
            sys.exit(2)
        path = out or Path(f"{exports.slug(name)}.{fmt}")
        if path.is_dir():
            path = path / f"{exports.slug(name)}.{fmt}"
        _writable_folder(path.parent, create=False)
        try:
            result = exports.export_unit(db, name, fmt, path)
        except OSError as e:
            _cannot_write(path, e)
        click.echo(export_message(result))
    finally:
        db.close()


def export_message(result) -> str:
    """What an export wrote, in the clerk's words; for a calendar, what it left out and why.

    >>> from congvan.db.export import ExportResult
    >>> print(export_message(ExportResult("Sở Nội vụ", Path("snv.ics"), 5, 3, 1, 1)))
    Đã ghi 3 sự kiện lịch cho Sở Nội vụ → snv.ics (5 nhiệm vụ; 1 nhiệm vụ chưa có hạn không có trong lịch; 1 nhiệm vụ đã xong không đưa vào lịch)
    """
    if result.events is None:
        return f"Đã ghi {result.tasks} nhiệm vụ của {result.unit} → {result.path}"
    left_out = [f"{result.undated} nhiệm vụ chưa có hạn không có trong lịch"] if result.undated else []
    finished_dated = result.tasks - result.undated - result.events
    if finished_dated:
        left_out.append(f"{finished_dated} nhiệm vụ đã xong không đưa vào lịch")
    extra = "; ".join([f"{result.tasks} nhiệm vụ"] + left_out)
    return f"Đã ghi {result.events} sự kiện lịch cho {result.unit} → {result.path} ({extra})"


def _cannot_write(path: Path, error: OSError) -> None:
    reason = error.strerror or str(error)
    click.echo(f"Lỗi: không ghi được {path}: {reason}. Chọn một thư mục có quyền ghi với --out.", err=True)
    sys.exit(2)


def _writable_folder(folder: Path, *, create: bool) -> None:
    """Exits 2 with a plain message when `folder` is missing (and may not be made) or not writable."""
    folder = folder if str(folder) else Path(".")
    if create and not folder.exists():
        try:
            folder.mkdir()
        except OSError as e:
            _cannot_write(folder, e)
    if not folder.is_dir():
        what = "không phải là thư mục" if folder.exists() else "không tồn tại"
        click.echo(f"Lỗi: thư mục {folder} {what}. Tạo thư mục trước (mkdir -p {folder}) hoặc chọn thư mục "
                   "khác với --out.", err=True)
        sys.exit(2)
    if not os.access(folder, os.W_OK):
        click.echo(f"Lỗi: không có quyền ghi vào thư mục {folder}. Chọn thư mục khác với --out.", err=True)
        sys.exit(2)


@main.command()
@click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), default=DEFAULT_CORPUS)
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True, help="SQLite database to write.")
@click.option("--trust", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="PEM file or folder of trusted root certificates (repeatable; also $CONGVAN_TRUST).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="OCR processes (default: one per core).")
@click.option("--settle", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="Seconds a file must stay unchanged before it is read.")
@limit_options
def watch(corpus: Path, db_path: Path, trust: tuple[str, ...], workers: int | None, settle: float,
          max_pages: int, max_seconds: float, max_memory_mb: int, max_pixels: int) -> None:
    """Keep the database up to date: ingest every PDF dropped or replaced in CORPUS.

    Files already there are checked first (unchanged ones are skipped). Stop with Ctrl+C.

    Example: congvan watch corpus --db db/congvan.db
    """
    from congvan.watch import watch_forever

    def report(w) -> None:
        click.echo(watch_line(w.path, w.result, w.error, w.seconds), err=w.result is None)

    click.echo(f"Đang theo dõi {corpus} → {db_path} (Ctrl+C để dừng)")
    try:
        watch_forever(corpus, db_path, trust_roots=_trust_roots(trust), workers=workers or os.cpu_count(),
                      settle=settle, on_result=report,
                      limits=_limits(max_pages, max_seconds, max_memory_mb, max_pixels))
    except IngestError as e:
        click.echo(f"Lỗi: {e}", err=True)
        sys.exit(2)


def watch_line(path: str, result: pipeline.FileResult | None, error: str | None, seconds: float) -> str:
    """One line of `congvan watch` for a file it has just handled, in the words of the ingest report.

    >>> watch_line("cv-599.pdf", pipeline.FileResult("cv-599.pdf", "ok", "text", 3), None, 1.26)
    'đã đọc   cv-599.pdf (3 trang, text) trong 1,3 giây'
    >>> watch_line("cv-599.pdf", pipeline.FileResult("cv-599.pdf", "skipped"), None, 0.01)
    'không đổi cv-599.pdf'
    >>> watch_line("hong.pdf", pipeline.FileResult("hong.pdf", "failed", error="hong.pdf: Tệp PDF bị hỏng."), None, 0.2)
    'lỗi      hong.pdf: Tệp PDF bị hỏng.'
    """
    if result is None:
        return f"lỗi      {problem(path, error)}"
    if result.status == Status.SKIPPED:
        return f"không đổi {path}"
    if result.status == Status.REMOVED:
        return f"đã gỡ    {path} (không còn trong corpus; giữ lại để tra cứu, không còn trong danh sách nhiệm vụ)"
    if result.error:
        label = "lỗi" if result.status == Status.FAILED else "thiếu dữ kiện"
        return f"{label:<8} {problem(path, result.error)}"
    return f"đã đọc   {path} ({result.pages} trang, {result.text_source}) trong {_decimal(seconds)} giây"


def problem(path: str, error: str | None) -> str:
    """`path: error`, the path written once (an ingest error's message already starts with it).

    >>> problem("a.pdf", "a.pdf: Tệp rỗng (0 byte).")
    'a.pdf: Tệp rỗng (0 byte).'
    >>> problem("thu-muc/a.pdf", "lỗi khi trích xuất")
    'thu-muc/a.pdf: lỗi khi trích xuất'
    """
    error = error or ""
    return error if error.startswith(f"{path}:") else f"{path}: {error}"


from congvan.tasks import task  # noqa: E402  (the `congvan task …` group)

main.add_command(task)

if __name__ == "__main__":
    main()
