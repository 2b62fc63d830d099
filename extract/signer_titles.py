"""Titles in a signing block: the known positions, the quyền hạn prefix (KT., TM., TL., TUQ., Q.),
the deputy who signs for a head, and what a title line OCR damaged still names.

Positions are rules/header.yaml's and rules/signers.yaml's; a title line is matched to them
without diacritics ("CHU TỊCH" → Chủ tịch), and under KT. the signer holds the deputy's title
(Nghị định 30/2020/NĐ-CP Phụ lục I, II.7: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC").
"""
from __future__ import annotations

from difflib import SequenceMatcher
from functools import lru_cache

import regex

from congvan.extract import units
from congvan.extract.agency_case import AGENCY_START, sentence_case
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern


def is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@lru_cache(maxsize=1)
def positions() -> tuple[str, ...]:
    """The positions a signing block names: rules/header.yaml's, then rules/signers.yaml's."""
    return tuple(dict.fromkeys(load("header")["positions"] + load("signers")["positions"]))


def deputy(head: str) -> str:
    """The deputy who signs KT. for a head: Bộ trưởng → Thứ trưởng (header.yaml `deputies`), else Phó + head.

    >>> deputy("Chánh án"), deputy("Bộ trưởng"), deputy("Phó Giám đốc")
    ('Phó Chánh án', 'Thứ trưởng', 'Phó Giám đốc')
    """
    deputies = load("header")["deputies"]
    if head in deputies:
        return deputies[head]
    if head in positions() and not fold(head).startswith(("pho ", "thu truong")):
        return "Phó " + head
    return head


def closest_position(line: str) -> tuple[str | None, float]:
    """The known position (rules/header.yaml, signers.yaml) a title line reads most like, and how closely (0–1)."""
    letters = regex.sub(r"[^a-z ]", "", fold(line)).strip()
    best, score = None, 0.0
    for p in positions():
        ratio = SequenceMatcher(None, letters, fold(p)).ratio()
        if ratio > score:
            best, score = p, ratio
    return best, score


_KEPT_UPPER = frozenset({"HQ", "UBND", "HĐND", "MTTQ", "HĐTV", "TW", "CCHC"})   # abbreviations stay upper case


def title_case(upper: str) -> str:
    """PHÓ GIÁM ĐỐC → Phó Giám đốc; TRƯỞNG BAN BAN CHÍNH SÁCH, THUẾ QUỐC TẾ → Trưởng ban ban chính sách, …

    >>> title_case("PHÓ CHỦ TỊCH UBND TỈNH")
    'Phó Chủ tịch UBND tỉnh'

    A position over a unit's name writes the name as the registry does, or as an agency is written:

    >>> title_case("VỤ TRƯỞNG VỤ PHÁP CHẾ"), title_case("GIÁM ĐỐC SỞ Y TẾ")
    ('Vụ trưởng Vụ Pháp chế', 'Giám đốc Sở Y tế')
    >>> title_case("CỤC TRƯỞNG CỤC KINH TẾ - QUẢN LÝ ĐẦU TƯ XÂY DỰNG")
    'Cục trưởng Cục Kinh tế - Quản lý đầu tư xây dựng'
    """
    head = leading_position(upper)
    if head:
        rest = regex.sub(r"^\S+(?:\s+\S+){%d}\s*" % (len(head.split()) - 1), "", upper.strip(), timeout=_T)
        if rest and AGENCY_START.match(rest):
            known = units.canonical(rest, scopes=("any",))
            return f"{head} {known if known != rest.strip(' -–;,.:') else sentence_case(rest)}"
    words = upper.lower().split()
    if not words:
        return upper
    out = [words[0].capitalize()]
    if words[0] == "phó" and len(words) > 1:
        out.append(words[1].capitalize())
        words = words[1:]
    out += [w.upper() if w.upper() in _KEPT_UPPER else w for w in words[1:]]
    return " ".join(out)


def position(title: str, authority: str | None = None) -> str:
    """The signer's position: a known one when the line is close to it ("CHU TỊCH" → Chủ tịch),
    and the deputy's when the block ends on the head a deputy signs for (KT. GIÁM ĐỐC → Phó Giám đốc).

    >>> position("CHU TỊCH"), position("2 GIÁM ĐỐ", "KT."), position("PHÓ GIÁM ĐỐC", "KT.")
    ('Chủ tịch', 'Phó Giám đốc', 'Phó Giám đốc')
    >>> position("TRƯỞNG BAN BẠN CHÍNH SÁCH, THUẾ QUỐC TẾ", "KT."), position("CHÁNH ÁN", "KT.")
    ('Phó Trưởng ban', 'Phó Chánh án')
    """
    best, score = closest_position(title)
    name = best if best and score >= 0.8 else title_case(title)
    if authority == "KT." and name not in positions():
        name = leading_position(title) or name   # "KT. TRƯỞNG BAN BAN CHÍNH SÁCH, …": the deputy of its head
    return deputy(name) if authority == "KT." else name


def leading_position(title: str) -> str | None:
    """The longest known position a title line starts with ("TRƯỞNG BAN BẠN CHÍNH SÁCH" → Trưởng ban)."""
    folded = regex.sub(r"[^a-z ]", "", fold(title)).strip() + " "
    starts = [p for p in positions() if folded.startswith(fold(p) + " ")]
    return max(starts, key=len) if starts else None


def split_prefix(text: str) -> tuple[str | None, str]:
    """("KT.", "GIÁM ĐỐC") from "KT. GIÁM ĐỐC"; a bare "KT." gives ("KT.", ""); a prefix one letter off
    before a position ("XT. VIỆN TRƯỞNG") is the one prefix it is one letter from.

    >>> split_prefix("XT. VIỆN TRƯỞNG."), split_prefix("TT. VIỆN TRƯỞNG")
    (('KT.', 'VIỆN TRƯỞNG.'), (None, 'TT. VIỆN TRƯỞNG'))
    """
    text = text.lstrip("_“”\"'‘’ ")   # OCR's stray underscore or quote before "TM,"
    m = pattern("header", "authority").match(text, timeout=_T)
    if m:
        return m.group("authority") + ".", m.group("rest").strip()
    m = regex.match(r"^\s*(TM|KT|TL|TUQ|Q)\s*[.,]?\s*$", text, timeout=_T)
    if m:
        return m.group(1) + ".", ""
    m = regex.match(r"^\s*(\p{Lu}{2})\s*[.,]\s*(\p{Lu}.*)$", text, timeout=_T)   # "XT. VIỆN TRƯỞNG": KT. OCR misread
    near = [a for a in ("TM", "KT", "TL") if m and sum(x != y for x, y in zip(fold(m.group(1)), fold(a))) == 1]
    if len(near) == 1 and names_position(m.group(2)):
        return near[0] + ".", m.group(2).strip()
    return None, text


def names_position(text: str) -> bool:
    """Whether a title segment starts like a position ("PHÓ TRƯỞNG BAN …"), not like stamp debris."""
    folded = regex.sub(r"[^a-z ]", "", fold(text)).strip()
    return any(folded.startswith(fold(p)) for p in positions()) or \
        folded.startswith(("pho ", "truong ", "chanh ", "tong "))


def head_of(text: str) -> str | None:
    """The head a damaged title line still names by its end ("xxx HỦ TƯỜNG", "NN TƯỜNG" → Thủ tướng).

    >>> head_of("&c U TƯỞNG"), head_of("RƯỞNG BAN"), head_of("c§- TƯỜNG"), head_of("TRƯỞNG")
    ('Thủ tướng', 'Trưởng ban', 'Thủ tướng', None)
    """
    words = text.split()
    while words and not is_upper(words[0]) and not (len(words[0]) == 1 and words[0].isupper()):
        words = words[1:]   # stamp debris before the upper-case words
    heads = [p for p in positions() if not fold(p).startswith(("pho ", "thu truong"))]
    folded = [regex.sub(r"[^a-z]", "", fold(w)) for w in words]
    for i in range(len(folded)):
        piece = " ".join(w for w in folded[i:] if w)
        fits = [p for p in heads if fold(p).endswith(piece)] if len(piece.replace(" ", "")) >= 5 else []
        if len(fits) == 1:
            return fits[0]
    return None
