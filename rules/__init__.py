"""Rules as data: the YAML files beside this module, read once, checked and cached.

Each file starts with `source:` (where its content comes from) and carries
`examples:` (text → expected value) and `counterexamples:` (text that must not
match, with why) that `tests/test_rules.py` runs. `load` checks every file against
the schema below when it reads it (as spaCy checks patterns), so a mistyped key or a
`why:` that YAML split at a comma stops the run with the file and entry to fix.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import regex
import yaml

TIMEOUT = 1.0   # seconds: the one time-out every `regex` call on document text passes

_EXAMPLE_KEYS = {"text", "expect", "from", "pattern", "parser", "kind", "issuer", "title"}
_COUNTER_KEYS = {"text", "why", "pattern", "parser", "kind", "issuer", "own_reference", "known_gap", "title"}
_GAP_KEYS = {"text", "expect", "why", "pattern", "parser", "kind", "issuer"}


class RuleError(ValueError):
    """A rules file that does not follow its schema: the message names the file, the entry and the fix."""


def _check_entries(name: str, section: str, entries, required: set[str], allowed: set[str]) -> None:
    if not isinstance(entries, list):
        raise RuleError(f"rules/{name}.yaml: `{section}` must be a list")
    for i, entry in enumerate(entries):
        where = f"rules/{name}.yaml {section}[{i}]"
        if not isinstance(entry, dict):
            raise RuleError(f"{where}: write a mapping {{text: …, …}}")
        if missing := required - set(entry):
            raise RuleError(f"{where}: add {', '.join(sorted(missing))}")
        if extra := set(entry) - allowed:
            raise RuleError(f"{where}: unknown key {sorted(extra)}; quote a value that holds ', ' or ': '")
        if not isinstance(entry["text"], str) or not entry["text"].strip():
            raise RuleError(f"{where}: `text` must be a non-empty string")
        for key in ("why", "from"):
            if key in entry and not isinstance(entry[key], str):
                raise RuleError(f"{where}: `{key}` must be a string")


def _check_value(name: str, key: str, value) -> None:
    """Word lists hold strings; `patterns:` and `(?…)` strings compile as verbose regexes."""
    where = f"rules/{name}.yaml {key}"
    if isinstance(value, list) and value and all(not isinstance(v, dict) for v in value):
        if not all(isinstance(v, (str, int, float)) for v in value):
            raise RuleError(f"{where}: a word list holds strings only")
    if key == "patterns":
        if not isinstance(value, dict):
            raise RuleError(f"{where}: write a mapping name → regex")
        for k, v in value.items():
            try:
                regex.compile(v, regex.VERBOSE)
            except (regex.error, TypeError) as e:
                raise RuleError(f"{where}.{k}: not a regex ({e})") from e


def check(name: str, data) -> dict:
    """`data` if it follows the rules schema, else a RuleError naming what to fix.

    >>> check("x", {"source": "s", "examples": [{"text": "a", "expect": 1}]})["source"]
    's'
    >>> check("x", {"source": "s", "examples": [{"text": "a", "expect": 1, "not a ký hiệu": None}]})
    Traceback (most recent call last):
    ...
    congvan.rules.RuleError: rules/x.yaml examples[0]: unknown key ['not a ký hiệu']; quote a value that holds ', ' or ': '
    """
    if not isinstance(data, dict):
        raise RuleError(f"rules/{name}.yaml: the file must be a mapping")
    if not isinstance(data.get("source"), str):
        raise RuleError(f"rules/{name}.yaml: start with `source:` (where the content comes from)")
    if not data.get("examples"):
        raise RuleError(f"rules/{name}.yaml: add `examples:` (text → expected value, from a real document)")
    _check_entries(name, "examples", data["examples"], {"text", "expect"}, _EXAMPLE_KEYS | {"why"})
    _check_entries(name, "counterexamples", data.get("counterexamples") or [], {"text", "why"}, _COUNTER_KEYS)
    _check_entries(name, "known_gaps", data.get("known_gaps") or [], {"text", "why"}, _GAP_KEYS)
    for key, value in data.items():
        _check_value(name, key, value)
    return data


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """The parsed content of `rules/<name>.yaml`, checked against the schema."""
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return check(name, yaml.safe_load(text))


def names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir() if p.name.endswith(".yaml"))


@lru_cache(maxsize=None)
def pattern(name: str, key: str) -> regex.Pattern:
    """A verbose regex from a rules file: `patterns: {key: "(?x) …"}`."""
    return regex.compile(load(name)["patterns"][key], regex.VERBOSE)


@lru_cache(maxsize=None)
def words(name: str, key: str) -> tuple[str, ...]:
    """A word list of a rules file, as written: `kinds`, `level_words`, `assign_before`, …"""
    value = load(name)[key]
    return tuple(value) if isinstance(value, list) else tuple(value)


def alternation(name: str, key: str) -> str:
    """A regex alternation of one word list, longest first, spaces matching any run of space."""
    return "|".join(regex.escape(w).replace(r"\ ", r"\s+") for w in sorted(words(name, key), key=len, reverse=True))
