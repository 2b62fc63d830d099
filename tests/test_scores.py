"""Index scores (the examples of rules/scores.yaml run in test_rules.py): names, maxima, the gold
index scores of the five corpus texts, and junk input."""
from __future__ import annotations


import pytest

from congvan.extract import header, scores
from congvan.extract.model import Header
from tests.texts import corpus_case
from tests.texts import document as one_page

FIELDS = ("subject", "year", "score", "max_score", "lost", "rank", "of_total")


def _found(text: str, issuer: str | None = None, fields: tuple[str, ...] = FIELDS) -> list[dict]:
    return [{f: getattr(s, f) for f in fields} for s in scores.find(one_page(text), Header(issuer=issuer))]


def test_index_other_than_cchc_keeps_its_name():
    text = "Chỉ số SIPAS năm 2024 của tỉnh đạt 83,46 điểm, xếp thứ 40/63. Chỉ số CCHC năm 2024 của tỉnh đạt 85,2 điểm, xếp thứ 20/63."
    found = [(s.index_name, s.score, s.rank) for s in scores.find(one_page(text), Header(issuer="UBND tỉnh Lâm Đồng"))]
    assert found == [("SIPAS", 83.46, 40), (None, 85.2, 20)]


def test_maximum_of_a_part_is_not_a_result():
    assert _found("Phần thứ nhất: Thẩm định, đánh giá qua kết quả thực hiện công tác CCHC. Điểm tối đa là 75/100 điểm.") == []


def test_kind_word_names_the_province_of_a_sos_letter():
    text = "Năm 2023, Chỉ số CCHC của tỉnh đạt 86,47/100 điểm, xếp thứ 21/63 tỉnh, thành phố trực thuộc Trung ương;"
    found = scores.find(one_page(text), Header(issuer="Sở Nội vụ", parent_issuer="UBND tỉnh Hà Nam"))
    assert [(s.subject, s.year, s.score, s.lost, s.rank, s.of_total) for s in found] == \
        [("tỉnh Hà Nam", 2023, 86.47, 13.53, 21, 63)]


def test_span_runs_from_the_subject_to_the_rank():
    text = "Theo đó, Thành phố đạt 83,74/100 điểm (mất 16,26 điểm), xếp hạng thứ 04/15 huyện, thị xã."
    (s,) = scores.find(one_page(text), Header(issuer="UBND thành phố Buôn Ma Thuột"))
    assert text[s.start:s.end] == "Theo đó, Thành phố đạt 83,74/100 điểm (mất 16,26 điểm), xếp hạng thứ 04/15"


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_corpus_text_gives_the_gold_index_scores(number):
    document, gold = corpus_case(number)
    found = scores.find(document, header.find(document))
    assert [(s.subject, s.year, s.score, s.rank, s.of_total) for s in found] == \
        [(g["subject"], g["year"], g["score"], g["rank"], g["of"]) for g in gold.get("index_scores", [])]
