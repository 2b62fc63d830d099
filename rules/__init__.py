"""Rules as data: the YAML files beside this module, read once and cached.

Each file starts with `source:` (where its content comes from) and carries
`examples:` (text → expected value) and `counterexamples:` (text that must not
match, with why) that `tests/test_rules.py` runs.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import regex
import yaml


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """The parsed content of `rules/<name>.yaml`."""
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir() if p.name.endswith(".yaml"))


@lru_cache(maxsize=None)
def pattern(name: str, key: str) -> regex.Pattern:
    """A verbose regex from a rules file: `patterns: {key: "(?x) …"}`."""
    return regex.compile(load(name)["patterns"][key], regex.VERBOSE)
