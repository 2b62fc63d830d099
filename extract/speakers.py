"""Who asks: an assignment verb at a clause's start ("… đề nghị", "… yêu cầu") assigns only when the one who
asks is the issuer itself or a leader of the issuing government; another's request is recounted.

>>> issuer_speaks("bo noi vu", "Bộ Nội vụ"), leader_speaks("pho thu tuong chinh phu ho duc phoc")
(True, True)
"""
from __future__ import annotations

import regex

from congvan.extract import unit_forms, units
from congvan.extract.verb_rules import rules
from congvan.ingest.textnorm import fold


def issuer_speaks(speaker: str, issuer: str | None) -> bool:
    """Whether the one who asks ("… đề nghị", folded, after any opening phrase) is the issuer itself:
    "Bộ Nội vụ trân trọng đề nghị …", "Thực hiện chỉ đạo của Chính phủ, Bộ Nội vụ đề nghị …".

    >>> issuer_speaks("bo noi vu tran trong", "Bộ Nội vụ"), issuer_speaks("ubnd tinh lam dong", "Bộ Nội vụ")
    (True, False)

    The one who signs may ask in the first person, as a Thủ tướng's công điện does: "Tôi khẩn thiết đề nghị …".

    >>> issuer_speaks("toi khan thiet", "Thủ tướng Chính phủ"), issuer_speaks("chung toi", "Bộ Y tế")
    (True, True)

    … or by its name without its province, as a province's own letters do: "UBND tỉnh tiếp tục chỉ đạo …".

    >>> issuer_speaks("ubnd tinh tiep tuc", "UBND tỉnh Lâm Đồng"), issuer_speaks("ubnd tinh", "UBND tỉnh Gia Lai")
    (True, True)
    """
    speaker = regex.sub(r"\s*\b(?:tran trong|kinh|xin|trong|thong nhat|khan thiet|cung|tiep tuc)\s*$", "",
                        speaker.strip(" ,"))
    folded = fold(issuer or "")
    return bool(speaker) and (speaker in {folded, fold(units.canonical(issuer or "")), "toi", "chung toi"}
                              or folded.startswith(speaker + " ")
                              and unit_forms.is_province(folded[len(speaker):]))   # "UBND tỉnh" of UBND tỉnh X


def leader_speaks(speaker: str) -> bool:
    """Whether the one who asks (folded) is a leader of the issuing government (verbs.yaml `leader_speakers`):
    "Phó Thủ tướng Chính phủ Hồ Đức Phớc đề nghị …", not "Chủ tịch UBND tỉnh Lâm Đồng đề nghị …".

    >>> leader_speaks("pho thu tuong chinh phu ho duc phoc"), leader_speaks("chu tich ubnd tinh lam dong")
    (True, False)
    """
    m = rules()["leader_speakers"].match(speaker)
    return bool(m) and not (m["name"] and unit_forms.is_province(m["name"]))
