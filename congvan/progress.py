"""A progress bar for long ingest runs (rich), drawn on stderr only when it is a terminal."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn


class Progress:
    """`with Progress() as p: pipeline.ingest(..., on_start=p.start, progress=p.advance)`."""

    def __init__(self, enabled: bool = True) -> None:
        console = Console(stderr=True)
        self.enabled = enabled and sys.stderr.isatty()
        self._bar = RichProgress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[pages]} pages, {task.fields[ocr]} OCR"),
                                 TimeElapsedColumn(), console=console, transient=True, disable=not self.enabled)
        self._task = None
        self._pages = self._ocr = 0

    def __enter__(self) -> "Progress":
        self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.__exit__(*exc)

    def start(self, total: int) -> None:
        self._task = self._bar.add_task("ingest", total=total, pages=0, ocr=0)

    def advance(self, result) -> None:
        self._pages += result.pages
        if result.text_source in ("ocr", "mixed"):
            self._ocr += result.pages
        if self._task is not None:
            self._bar.update(self._task, advance=1, pages=self._pages, ocr=self._ocr,
                             description=result.path[-40:])
