"""Golden files: what congvan reads out of each of the project's sample documents, and out of the
shared development corpus (its gold annotations are the golden files there).

On a difference pytest shows the two dicts side by side. After a deliberate change, rewrite the
sample golden files with `CONGVAN_REGOLDEN=1 pytest tests/test_golden.py` and review `git diff`.
"""
from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import pytest

from congvan.extract import extract
from congvan.ingest.pdf import read_pdf
from tests.gold import norm

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SHARED = ROOT.parent / "shared" / "corpus"
FIELDS = ("doc_type", "reference", "number", "symbol", "issuer", "parent_issuer", "place", "issued_date",
          "subject", "recipients", "copy_to", "signer_name", "signer_title", "signer_authority")


def _read(path: Path) -> dict:
    if path.suffix == ".txt":                       # a typed text, as a one-page text layer
        from congvan.ingest.model import Document, Page

        document = Document("x", path.name, (Page(1, path.read_text(encoding="utf-8"), "text"),))
    else:
        document = read_pdf(path, ocr=None)
    facts = extract(document)
    h = facts.header
    out = {f: list(getattr(h, f)) if f in ("recipients", "copy_to") else getattr(h, f) for f in FIELDS}
    out["obligations"] = [[o.unit, o.deadline] for o in facts.obligations]
    out["criteria"] = [[c.code, c.unit] for c in facts.criteria if c.unit]
    out["citations"] = [c.reference for c in facts.citations]
    out["point_losses"] = [[p.code, p.achieved, p.max_points, p.lost] for p in facts.point_losses]
    out["index_scores"] = [[s.year, s.score, s.rank, s.of_total] for s in facts.index_scores]
    return out


SAMPLES = [ROOT / "corpus" / f"{n}.pdf" for n in ("sample-01-cong-van", "sample-02-ke-hoach", "sample-03-bang-phan-cong")]
TEXTS = sorted((ROOT / "tests" / "fixtures" / "texts").glob("*.txt"))


@pytest.mark.parametrize("path", SAMPLES + TEXTS, ids=lambda p: p.stem)
def test_sample_document_reads_as_its_golden_file(path):
    name = path.stem
    actual = _read(path)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("CONGVAN_REGOLDEN"):
        golden.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


_norm = partial(norm, em_dash=False)   # stricter than score.py: an em dash is not read as a hyphen


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpus is not beside the repository")
@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_digital_document_header_matches_the_gold_annotation(number):
    gold = json.loads((SHARED / f"{number}.gold.json").read_text(encoding="utf-8"))
    actual = _read(SHARED / f"{number}-digital.pdf")
    aliases = {_norm(a): _norm(c) for c, al in gold.get("units", {}).items() for a in [c, *al]}
    expected = {f: _norm(gold["document"].get(f)) for f in FIELDS if f not in ("recipients", "copy_to")}
    got = {f: _norm(actual[f]) for f in expected}
    for f in ("issuer", "parent_issuer"):
        got[f] = aliases.get(got[f], got[f])
    assert got == expected
    assert sorted(_norm(r) for r in actual["recipients"]) == sorted(_norm(r) for r in gold["document"]["recipients"])
    pairs = {(aliases.get(_norm(u), _norm(u)), d) for u, d in actual["obligations"]}
    assert pairs == {(aliases.get(_norm(o["unit"]), _norm(o["unit"])), o["deadline"]) for o in gold["obligations"]}
