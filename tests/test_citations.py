"""Citations (the examples of rules/citations.yaml run in test_rules.py): spans, cut references, the gold
references of the five corpus texts, and junk input."""
from __future__ import annotations

import pytest

from congvan.extract import citations, header
from congvan.extract.model import Header
from tests.texts import corpus_case
from tests.texts import document as one_page

FIELDS = ("reference", "doc_type", "date", "issuer")


def _found(text: str, own: str | None = None) -> list[dict]:
    return [{f: getattr(c, f) for f in FIELDS} for c in citations.find(one_page(text), Header(reference=own))]


def test_span_points_at_the_whole_mention_in_the_page_text():
    text = "Tiêu đề\nThực hiện Quyết định số 1337/QĐ-UBND ngày 14/06/2022 của UBND tỉnh Đắk Lắk về việc"
    (c,) = citations.find(one_page(text), Header())
    assert (c.page, text[c.start:c.end]) == (1, "Quyết định số 1337/QĐ-UBND ngày 14/06/2022 của UBND tỉnh Đắk Lắk")


def test_reference_cut_by_the_header_columns_is_completed_from_the_body():
    text = ("V/v triển khai Quyết định 2450/QĐ-\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Căn cứ Quyết định số 2450/QĐ-UBND ngày 06/9/2021 của UBND tỉnh ban hành Bộ Chỉ số.")
    (c,) = citations.find(one_page(text), Header())
    assert (c.reference, c.date, c.issuer, text[c.start:c.end]) == \
        ("2450/QĐ-UBND", "2021-09-06", "UBND tỉnh", "Quyết định 2450/QĐ")


def test_reference_cut_with_nothing_to_complete_it_is_dropped():
    assert citations.find(one_page("V/v triển khai Quyết định 2450/QĐ-\nCỘNG HÒA XÃ HỘI"), Header()) == []


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_corpus_text_gives_the_gold_references(number):
    document, gold = corpus_case(number)
    found = citations.find(document, header.find(document))
    assert sorted(c.reference for c in found) == sorted(r["reference"] for r in gold["references"])
