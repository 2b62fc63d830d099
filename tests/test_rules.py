"""Every example and counterexample of every rules/*.yaml file, run through the parser that uses it.

A clerk who adds a phrase to a rules file adds an example next to it; this file proves
it. A known miss stays under `known_gaps:` and runs as xfail.
"""
from __future__ import annotations

import pytest

from congvan import rules
from congvan.extract import (citations, criteria, deadlines, header, obligations, points, recipients, score_tables,
                     scores, signer, units)
from congvan.extract.model import Header
from congvan.ingest.model import Document, Page


def _doc(text: str) -> Document:
    return Document("x", "x.pdf", (Page(1, text, "text"),))


def _subset(expected: dict, actual: dict) -> bool:
    return all(actual.get(k) == v or (isinstance(v, (int, float)) and actual.get(k) is not None
                                      and abs(float(actual[k]) - float(v)) < 1e-9) for k, v in expected.items())


def _facts(module, example) -> list[dict]:
    from dataclasses import asdict

    head = Header(issuer=example.get("issuer"), reference=example.get("own_reference"))
    return [asdict(f) for f in module.find(_doc(example["text"]), head)]


def run_doc_types(ex):
    return header.find(_doc(ex["text"])).doc_type


def _lines(text: str) -> list:
    from congvan.extract.text import Line

    return [Line(1, 0, 0, t.strip()) for t in text.split("\n") if t.strip()]


HEADER_PARSERS = {
    "recipients": lambda text: list(recipients.find(_lines(text))) or None,
    "subject": lambda text: header.find(_doc(text)).subject,
    "signer": lambda text: list(signer.find(_lines(text))[1:]) if signer.find(_lines(text))[1] else None,
}


def run_signers(ex):
    """rules/signers.yaml: a name restored from the officeholders (`parser: restore`), or a signing block."""
    from congvan.extract.signer_names import officeholders

    if ex["parser"] == "restore":
        return officeholders().restore(ex["text"], ex.get("title"))
    found = signer.find(_lines(ex["text"]))[1:]
    return list(found) if any(found) else None


def run_header(ex):
    if "parser" in ex:
        return HEADER_PARSERS[ex["parser"]](ex["text"])
    m = rules.pattern("header", ex["pattern"]).search(ex["text"])
    return None if m is None else {k: m.group(k) for k in ex.get("expect", {})}


def run_units(ex):
    return [m.unit for m in units.find(ex["text"], ex.get("issuer"))]


def run_deadlines(ex):
    """The first deadline's date and whether it recurs; its text too when the example names it."""
    found = deadlines.find(ex["text"])
    if not found:
        return None
    out = {"date": found[0].date, "recurring": found[0].recurring}
    return {**out, "text": found[0].text} if "text" in (ex.get("expect") or {}) else out


def run_verbs(ex):
    """[unit, deadline] per obligation; [unit, deadline, task] when the example names the tasks too."""
    with_task = any(len(e) == 3 for e in ex.get("expect") or [])
    return [[o.unit, o.deadline] + ([o.action] if with_task else [])
            for o in obligations.find(_doc(ex["text"]), Header(issuer=ex.get("issuer")))]


def run_places(ex):
    name = header.title_case_place(ex["text"])
    return name if name in rules.load("places")["provinces"] else None


def run_ocr_lexicon(ex):
    from congvan.ingest.correct import correct_text
    from congvan.ingest.ocr import correct_abbreviation

    fixed = correct_text(" ".join(correct_abbreviation(w) for w in ex["text"].split(" ")))
    return fixed if fixed != ex["text"] else None


def run_criteria(ex):
    return [c.code for c in criteria.find_in_text(ex["text"], 1)]


def run_score_tables(ex):
    kind = ex.get("kind", "column")
    if kind == "column":
        return score_tables.column_role(ex["text"])
    if kind == "area":
        return score_tables.area_of(ex["text"])
    if kind == "index":
        return score_tables.index_of(ex["text"])
    return score_tables.is_summary(ex["text"]) or None


RUNNERS = {
    "doc_types": run_doc_types,
    "header": run_header,
    "units": run_units,
    "deadlines": run_deadlines,
    "verbs": run_verbs,
    "criteria": run_criteria,
    "places": run_places,
    "ocr_lexicon": run_ocr_lexicon,
    "citations": lambda ex: _facts(citations, ex),
    "points": lambda ex: _facts(points, ex),
    "scores": lambda ex: _facts(scores, ex),
    "score_tables": run_score_tables,
    "signers": run_signers,
}
EMPTY = {"doc_types": None, "header": None, "units": [], "deadlines": None, "verbs": [], "criteria": [], "places": None, "ocr_lexicon": None,
         "citations": [], "points": [], "scores": [], "score_tables": None, "signers": None}


def _matches(name: str, expected, actual) -> bool:
    if name in ("citations", "points", "scores"):
        return len(expected) == len(actual) and all(_subset(e, a) for e, a in zip(expected, actual))
    return expected == actual


def _cases(kind: str):
    for name in rules.names():
        data = rules.load(name)
        for i, ex in enumerate(data.get(kind) or []):
            yield pytest.param(name, ex, id=f"{name}-{kind[:7]}-{i}")
        if kind == "examples":
            for i, ex in enumerate(data.get("known_gaps") or []):
                if "expect" in ex:
                    yield pytest.param(name, ex, id=f"{name}-gap-{i}",
                                       marks=pytest.mark.xfail(reason=ex.get("why", "known gap"), strict=True))


def test_every_rules_file_says_where_its_content_comes_from():
    for name in rules.names():
        data = rules.load(name)
        assert data.get("source"), name
        assert data.get("examples"), f"{name}.yaml has no examples"
        assert data.get("counterexamples"), f"{name}.yaml has no counterexamples"
        assert name in RUNNERS, f"no runner for rules/{name}.yaml"


@pytest.mark.parametrize("name, example", list(_cases("examples")))
def test_example_gives_its_expected_value(name, example):
    actual = RUNNERS[name](example)
    assert _matches(name, example["expect"], actual), f"{example['text']!r}: expected {example['expect']!r}, got {actual!r}"


@pytest.mark.parametrize("name, example", list(_cases("counterexamples")))
def test_counterexample_does_not_match(name, example):
    if example.get("known_gap"):
        pytest.xfail(example.get("why", "known gap"))
    actual = RUNNERS[name](example)
    assert actual == EMPTY[name] or actual in ([], None), f"{example['text']!r} ({example.get('why')}): got {actual!r}"


def test_units_registry_entries_are_well_formed():
    """A name with a comma left unquoted in a YAML flow mapping would silently become two keys."""
    for unit in rules.load("units")["units"]:
        assert set(unit) <= {"name", "level", "scope", "aliases", "parent"}, unit
        assert unit["level"] and all(isinstance(a, str) and a for a in unit.get("aliases") or []), unit


def test_every_rules_file_passes_its_schema_when_loaded():
    """`rules.load` checks each file (required keys, types, examples present), as spaCy checks patterns."""
    assert [rules.check(name, rules.load(name)) is rules.load(name) for name in rules.names()] == [True] * 13


@pytest.mark.parametrize("data, message", [
    ({"examples": [{"text": "a", "expect": 1}]}, "rules/t.yaml: start with `source:` (where the content comes from)"),
    ({"source": "s"}, "rules/t.yaml: add `examples:` (text → expected value, from a real document)"),
    ({"source": "s", "examples": [{"text": "a"}]}, "rules/t.yaml examples[0]: add expect"),
    ({"source": "s", "examples": [{"text": "a", "expect": 1}],
      "counterexamples": [{"text": "Năm 2016 xếp loại tốt", "why": "a rank", "not a ký hiệu": None}]},
     "rules/t.yaml counterexamples[0]: unknown key ['not a ký hiệu']; quote a value that holds ', ' or ': '"),
    ({"source": "s", "examples": [{"text": "a", "expect": 1}], "patterns": {"p": "(?x) ( unclosed"}},
     "rules/t.yaml patterns.p: not a regex (missing ) at position 15)"),
    ({"source": "s", "examples": [{"text": "a", "expect": 1}], "kinds_list": ["Sở", ["y"]]},
     "rules/t.yaml kinds_list: a word list holds strings only"),
])
def test_a_rules_file_off_its_schema_names_what_to_fix(data, message):
    with pytest.raises(rules.RuleError) as caught:
        rules.check("t", data)
    assert str(caught.value) == message


def test_rule_words_python_reads_from_the_rules_files():
    """Each rule word stands once, in rules/: the Python that uses it reads it from there."""
    assert set(rules.words("verbs", "assign_before_unknown")) <= set(rules.words("verbs", "assign_before"))
    assert units.LOCAL_WORDS == ("thành phố", "huyện", "thị xã", "quận", "xã", "phường", "đặc khu")
    assert set(units.LOCAL_WORDS) <= set(rules.words("units", "level_words"))
    assert rules.alternation("units", "kinds") == "Phòng|ngành|Ban|Cục|Sở|Bộ|Vụ"
    assert rules.alternation("verbs", "assign_before_unknown") == \
        r"giao\s+trách\s+nhiệm\s+cho|phân\s+công|giao\s+cho|yêu\s+cầu|đề\s+nghị|giao"
