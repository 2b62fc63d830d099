"""Wiring of `congvan serve`: the PDF folder a database was read from, the private site folder
(metadata, plugins) and the `datasette serve` command line."""

from __future__ import annotations

import sys
from pathlib import Path

from congvan.ingest.word import CONVERTED

METADATA = Path(__file__).resolve().parent.parent / "db" / "metadata.yaml"


def pdf_folder(db_path: Path, given: Path | None) -> tuple[Path | None, str | None]:
    """The folder of the PDFs a database was read from (stored at ingest), or why links will not open."""
    from congvan.db import register, schema

    if given is not None:
        return (given, None) if given.is_dir() else (None, f"thư mục {given} không tồn tại: liên kết "
                                                           "“Mở PDF” sẽ không mở được.")
    db = schema.connect(db_path)
    try:
        stored = register.corpus_root(db)
    finally:
        db.close()
    if stored is None:
        return None, (f"{db_path} không ghi thư mục PDF (nhập bằng phiên bản cũ): chạy lại congvan ingest "
                      "<thư mục> hoặc thêm --corpus <thư mục> để liên kết “Mở PDF” mở được.")
    if not Path(stored).is_dir():
        return None, (f"thư mục PDF {stored} (nơi đã nhập {db_path}) không còn: thêm --corpus <thư mục> "
                      "để liên kết “Mở PDF” mở được.")
    return Path(stored), None


def _site_folder(db_path: Path, corpus: Path | None, base_url: str) -> Path:
    """A private folder (0700, unpredictable name) with the metadata retargeted at this database's
    name (Datasette applies metadata by database name), the plugin of db/serve.py and the officer's
    pages of db/plugins (Datasette takes one plugins folder)."""
    import json
    import shutil
    import tempfile

    import yaml

    from congvan.db.serve import plugin_source

    folder = Path(tempfile.mkdtemp(prefix="congvan-serve-"))
    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    data["databases"] = {db_path.stem: data["databases"]["congvan"]}
    (folder / "metadata.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    plugins = folder / "plugins"
    plugins.mkdir()
    resolved = Path(corpus).resolve() if corpus and Path(corpus).is_dir() else None
    converted = db_path.resolve().parent / CONVERTED   # PDFs of the corpus's Word files (ingest.word)
    (plugins / "congvan_site.py").write_text(plugin_source(resolved, base_url, converted), encoding="utf-8")
    for plugin in (METADATA.parent / "plugins").glob("*.py"):
        shutil.copy2(plugin, plugins / plugin.name)
    return folder


def datasette_command(db_path: Path, *, port: int, host: str = "127.0.0.1", corpus: Path | None = None,
                      base_url: str = "", sql: bool = True) -> list[str]:
    """The `datasette serve` command line congvan uses (tests start it the same way)."""
    site = _site_folder(Path(db_path), corpus, base_url)
    cmd = [sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host, "--port", str(port),
           "--metadata", str(site / "metadata.json"), "--plugins-dir", str(site / "plugins"),
           "--template-dir", str(METADATA.parent / "templates"),
           "--setting", "allow_download", "off", "--setting", "sql_time_limit_ms", "3000",
           "--setting", "truncate_cells_html", "400"]
    if not sql:
        cmd += ["--setting", "default_allow_sql", "off"]
    cmd += ["--static", f"congvan-static:{METADATA.parent / 'static'}"]
    return cmd
