"""Doctests of the package folders run in the modules as installed (congvan.ingest.pdf for ingest/pdf.py).

ingest/ extract/ db/ rules/ install as congvan.ingest, … (pyproject.toml's package-dir). pytest would
import `pytest ingest/pdf.py` (addopts has --doctest-modules) as a second module named `ingest.pdf`,
whose classes are not congvan.ingest.pdf's, and the folder's `__init__.py` as a package `ingest`:
here those folders are plain directories to pytest and the doctest collector of their files imports
the installed module, so each module exists once. A run that imported one of them by its bare name
(`import ingest.pdf` in a test works from the repository root under `python -m pytest`) fails.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule

ROOT = Path(__file__).resolve().parent
FOLDERS = ("ingest", "extract", "db", "rules", "congvan")


def installed_name(path: Path) -> str | None:
    """congvan.ingest.pdf for ingest/pdf.py, congvan.db for db/__init__.py; None outside the folders."""
    try:
        parts = list(path.resolve().relative_to(ROOT).with_suffix("").parts)
    except ValueError:
        return None
    if not parts or parts[0] not in FOLDERS:
        return None
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts if parts[0] == "congvan" else ["congvan", *parts])


class InstalledDoctestModule(DoctestModule):
    """The doctests of a module imported by its installed name."""

    def _getobj(self):
        return importlib.import_module(installed_name(self.path))


class InstalledModule(pytest.Module):
    """A module named on the command line (`pytest ingest/pdf.py`), imported by its installed name."""

    def _getobj(self):
        return importlib.import_module(installed_name(self.path))


_INSTALLED = {DoctestModule: InstalledDoctestModule, pytest.Module: InstalledModule}


@pytest.hookimpl(wrapper=True)
def pytest_collect_directory(path: Path, parent):
    collected = yield
    if installed_name(path / "__init__.py") is None or type(collected) is not pytest.Package:
        return collected
    return pytest.Dir.from_parent(parent, path=path)


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent):
    collected = yield
    if installed_name(file_path) is None:
        return collected
    return [_INSTALLED[type(c)].from_parent(parent, path=file_path) if type(c) in _INSTALLED else c
            for c in collected]


def pytest_sessionfinish(session, exitstatus):
    stray = sorted(name for name in FOLDERS[:-1] if name in sys.modules)
    if stray:
        writer = session.config.get_terminal_writer()
        writer.line()
        writer.line(
            f"ERROR: {', '.join(stray)} imported by the bare name: write `from congvan.{stray[0]}… import …` "
            "(the folders install as congvan.ingest, congvan.extract, congvan.db, congvan.rules)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
