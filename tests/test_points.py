"""Point losses (the examples of rules/points.yaml run in test_rules.py): spans, years, the gold
point losses of the five corpus texts, and junk input."""
from __future__ import annotations


import pytest

from congvan.extract import header, points
from congvan.extract.model import Header
from tests.texts import corpus_case
from tests.texts import document as one_page

FIELDS = ("code", "title", "achieved", "max_points", "lost", "reason", "year")


def _found(text: str) -> list[dict]:
    return [{f: getattr(p, f) for f in FIELDS} for p in points.find(one_page(text), Header())]


def test_span_runs_from_the_criterion_to_its_reason():
    text = "a. Tiêu chí bị mất điểm\n- Tiêu chí 2.2.2: Góp ý văn bản QPPL: 0,5/01 điểm. Lý do: có 29/35 góp ý. Hết."
    (p,) = points.find(one_page(text), Header())
    assert text[p.start:p.end] == "Tiêu chí 2.2.2: Góp ý văn bản QPPL: 0,5/01 điểm. Lý do: có 29/35 góp ý"


def test_year_is_that_of_the_lost_points_not_of_the_next_plan():
    text = ("Để khắc phục các hạn chế gây mất điểm và cải thiện vị trí xếp hạng năm 2024, UBND huyện xây dựng Kế hoạch.\n"
            "1. Khắc phục tồn tại trong thực hiện Chỉ số CCHC năm 2023, nhất là các tiêu chí bị mất điểm;\n"
            "- Tiêu chí 1.3 về kiểm tra công tác CCHC: 0,5/01 điểm.")
    assert [p.year for p in points.find(one_page(text), Header())] == [2023]


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_corpus_text_gives_the_gold_point_losses(number):
    document, gold = corpus_case(number)
    found = points.find(document, header.find(document))
    assert [(p.code, p.achieved, p.max_points, p.lost) for p in found] == \
        [(g["code"], g["achieved"], g["max"], g["lost"]) for g in gold.get("point_losses", [])]
