"""Junk input never breaks a parser: empty text, OCR noise and a 1 MB string each give [] quickly."""
from __future__ import annotations

import random
import time

import pytest

from extract import citations, criteria, deadlines, header, obligations, points, scores, units
from extract.model import Header
from ingest.model import Document, Page

LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"


def _noise(n: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    alphabet = LETTERS + LETTERS.upper() + "0123456789 .,;:/-()|_'\"\n"
    return "".join(rnd.choice(alphabet) for _ in range(n))


JUNK = {
    "empty": "",
    "ocr noise": _noise(20_000),
    "1 MB": _noise(1_000_000, 11),
}
FAMILIES = (citations, obligations, criteria, points, scores)


def _doc(text: str) -> Document:
    return Document("x", "x.pdf", (Page(1, text, "text"),))


@pytest.mark.parametrize("kind", JUNK)
@pytest.mark.parametrize("module", FAMILIES, ids=lambda m: m.__name__.split(".")[-1])
def test_fact_family_returns_empty_list_on_junk(module, kind):
    started = time.perf_counter()
    found = module.find(_doc(JUNK[kind]), Header(issuer="UBND tỉnh Đắk Lắk"))
    elapsed = time.perf_counter() - started
    assert found == []
    assert elapsed < 30, f"{module.__name__} took {elapsed:.1f} s on {kind}"


@pytest.mark.parametrize("kind", ["empty", "ocr noise"])
def test_header_of_junk_is_empty(kind):
    h = header.find(_doc(JUNK[kind]))
    assert (h.reference, h.issuer, h.issued_date, h.signer_name) == (None, None, None, None)


def test_units_and_deadlines_ignore_oversized_or_empty_text():
    assert units.find("") == []
    assert units.find("x" * 300_000) == []
    assert deadlines.find("") == []
    assert deadlines.find("y" * 200_000) == []
