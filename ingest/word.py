"""Word files (.docx, .doc, .odt): converted to PDF by headless LibreOffice, then read as a PDF.

Many CCHC documents circulate as Word files. Each one dropped into the corpus is converted
with `soffice --headless --convert-to pdf` into a folder beside the database (never into
corpus/): `<db folder>/converted/<path in the corpus>.pdf`. The Document keeps the Word
file's name and hash, and its pages are the converted PDF's pages, so a link
`/converted/<path>.pdf#page=N` (what `congvan serve` publishes) opens the page a fact was
read on. Text and ruled tables come from the PDF as for any digital file.

>>> is_word(Path("Báo cáo tự đánh giá.DOCX")), is_word(Path("a.pdf")), converted_path(Path("db/x.db"), "sub/a.doc")
(True, False, PosixPath('db/converted/sub/a.doc.pdf'))
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from congvan.ingest import errors
from congvan.ingest.errors import LibreOfficeMissing, WordConversionFailed
from congvan.ingest.model import Document

SUFFIXES = (".docx", ".doc", ".odt")
CONVERTED = "converted"
_TIMEOUT = 180  # seconds for one file; a 60-page table converts in about 10 s


def is_word(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def converted_path(db_path: Path, relative: str) -> Path:
    """Where the PDF of a Word file of the corpus is kept: beside the database, under converted/."""
    return Path(db_path).parent / CONVERTED / f"{relative}.pdf"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(source: Path, target: Path) -> Path:
    """Converts one Word file to `target` (a PDF) with headless LibreOffice; raises an IngestError."""
    program = soffice()
    if program is None:
        raise LibreOfficeMissing(source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="congvan-lo-") as work:
        profile = Path(work) / "profile"   # a profile of its own: two conversions at once do not lock each other
        command = [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", work, str(source.resolve())]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT,
                                  env={**os.environ, "HOME": work})
        except subprocess.TimeoutExpired as e:
            raise WordConversionFailed(source.name, f"no result after {_TIMEOUT} s") from e
        produced = Path(work) / f"{source.stem}.pdf"
        if done.returncode != 0 or not produced.exists():
            raise WordConversionFailed(source.name, (done.stderr or done.stdout or "no PDF written").strip()[:300])
        shutil.move(str(produced), target)
    return target


def read_word(path: Path, corpus: Path, db_path: Path, read: Callable[..., Document], *, sha256: str,
              **options) -> Document:
    """The Document of a Word file: its converted PDF read by `read` (ingest.pdf.read_pdf), under the Word name."""
    from dataclasses import replace

    from congvan.ingest.pdf import empty_document, failed

    relative = str(path.relative_to(corpus))
    target = converted_path(db_path, relative)
    try:
        convert(path, target)
    except errors.IngestError as e:
        return failed(empty_document(path, relative_to=corpus, sha256=sha256), e)
    document = read(target, relative_to=target.parent, sha256=sha256, **options)
    return replace(document, path=relative, size=path.stat().st_size)
