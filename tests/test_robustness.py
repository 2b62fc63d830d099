"""Junk input never breaks a parser: empty text, OCR noise and a 1 MB string each give [] quickly."""
from __future__ import annotations

import time

import pytest

from congvan.extract import (citations, criteria, criterion_scores, deadlines, header, index_tables, obligations, points,
                     score_tables, scores, units)
from congvan.extract.model import Header
from congvan.ingest.model import Document, Page
from tests.texts import document as _doc
from tests.texts import noise

JUNK = {
    "empty": "",
    "ocr noise": noise(20_000, 7),
    "1 MB": noise(1_000_000, 11),
}
FAMILIES = (citations, obligations, criteria, points, scores, score_tables, criterion_scores, index_tables)
# a megabyte of near-misses of each family's own phrases: must be read as nothing, quickly
NEAR_MISSES = {
    citations: "Quyết định số 1/ Tiêu chí 1.1 đạt 1/ điểm xếp 12-/ 2016-2020 ",
    points: "Tiêu chí 1.1 đạt 1/ điểm, mất điểm năm 2021; Tiêu chí 9 Lý do: 0,5 / điểm. ",
    scores: "Năm 2018 tăng 5,75 điểm so với năm 2017, đạt điểm xếp hạng 1/ chỉ số; ",
}


@pytest.mark.parametrize("kind", JUNK)
@pytest.mark.parametrize("module", FAMILIES, ids=lambda m: m.__name__.split(".")[-1])
def test_fact_family_returns_empty_list_on_junk(module, kind):
    started = time.perf_counter()
    found = module.find(_doc(JUNK[kind]), Header(issuer="UBND tỉnh Đắk Lắk"))
    elapsed = time.perf_counter() - started
    assert found == []
    assert elapsed < 30, f"{module.__name__} took {elapsed:.1f} s on {kind}"


@pytest.mark.parametrize("module", NEAR_MISSES, ids=lambda m: m.__name__.split(".")[-1])
def test_a_megabyte_of_near_misses_gives_nothing_quickly(module):
    text = (NEAR_MISSES[module] * (1_000_000 // len(NEAR_MISSES[module]) + 1))[:1_000_000]
    started = time.perf_counter()
    assert module.find(_doc(text), Header()) == []
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("module", (score_tables, criterion_scores, index_tables), ids=lambda m: m.__name__.split(".")[-1])
def test_table_families_ignore_junk_tables(module):
    rows = tuple(tuple(noise(12, seed + col) for col in range(6)) for seed in range(0, 4000, 7))
    junk = Document("x", "x.pdf", (Page(1, noise(2000, 3), "text", tables=(rows, ((None,),), ())),))
    assert module.find(junk, Header(issuer="UBND tỉnh Lâm Đồng")) == []


@pytest.mark.parametrize("kind", ["empty", "ocr noise"])
def test_header_of_junk_is_empty(kind):
    h = header.find(_doc(JUNK[kind]))
    assert (h.reference, h.issuer, h.issued_date, h.signer_name) == (None, None, None, None)


def test_units_and_deadlines_ignore_oversized_or_empty_text():
    assert units.find("") == []
    assert units.find("x" * 300_000) == []
    assert deadlines.find("") == []
    assert deadlines.find("y" * 200_000) == []
