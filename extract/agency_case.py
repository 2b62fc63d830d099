"""An agency's name written back from capitals, as Nghị định 30/2020/NĐ-CP writes one ("CỤC QUẢN LÝ THỊ
TRƯỜNG" → "Cục Quản lý thị trường"): shared by the header's issuer lines (extract.header) and the signer's
title ("VỤ TRƯỞNG VỤ PHÁP CHẾ", extract.signer_titles).
"""
from __future__ import annotations

import regex

from congvan.rules import alternation

AGENCY_START = regex.compile(rf"(?i)^(?:{alternation('header', 'agency_starts')})\b")
ACRONYMS = {"UBND", "HĐND", "MTTQ", "TP", "TW", "CP", "VN"}
_DOTTED = regex.compile(r"[A-Z]{1,4}(?:\.[A-Z]{1,4})+\.?")   # an abbreviation with its dots: "TP.HCM"


def sentence_case(upper: str) -> str:
    """An upper-case agency name written as Nghị định 30/2020 writes one: its kind word, and the first word
    of what it does, capitalised (the kinds: header.yaml `agency_starts`); acronyms kept.

    >>> sentence_case("CỤC QUẢN LÝ THỊ TRƯỜNG"), sentence_case("BAN QUẢN LÝ DỰ ÁN"), sentence_case("KHOA HỆ THỐNG THÔNG TIN")
    ('Cục Quản lý thị trường', 'Ban Quản lý dự án', 'Khoa Hệ thống thông tin')

    Each part of a name joined by a dash opens with a capital, as the parts of a merged office do (a comma
    may join two verbs of one name: "Hội đồng Thẩm định, đánh giá …"):

    >>> sentence_case("VỤ KẾ HOẠCH - TÀI CHÍNH"), sentence_case("HỘI ĐỒNG THẨM ĐỊNH, ĐÁNH GIÁ CHỈ SỐ")
    ('Vụ Kế hoạch - Tài chính', 'Hội đồng Thẩm định, đánh giá chỉ số')
    >>> sentence_case("UBND TP.HCM"), sentence_case("CỤC THUẾ")
    ('UBND TP.HCM', 'Cục Thuế')
    """
    words = upper.split()
    kind = AGENCY_START.match(upper)
    after = len(kind.group().split()) if kind else None
    return " ".join(w if w in ACRONYMS or _DOTTED.fullmatch(w) else
                    w.capitalize() if i in (0, after) or kind and i > after and words[i - 1] in ("-", "–") else w.lower()
                    for i, w in enumerate(words))
