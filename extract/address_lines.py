"""What a line of an address block (Kính gửi) is, line by line: where the block wraps, where the body starts.

`extract.recipients` reads the addressees with these; `extract.text` splits paragraphs with `body_follows`
(the body's first line after a one-line Kính gửi is a paragraph of its own).
"""
from __future__ import annotations

from functools import lru_cache

import regex

from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern

WRAPS = 50  # characters: an address line shorter than this ended where it was meant to


def recipient_rules() -> dict:
    """rules/header.yaml `recipients`."""
    return load("header")["recipients"]


@lru_cache(maxsize=1)
def body_opener() -> regex.Pattern:
    """A sentence of the body starting inside an address line: "… trung ương Triển khai việc …"."""
    words = "|".join(regex.escape(w) for w in sorted(recipient_rules()["body_openers"], key=len, reverse=True))
    return regex.compile(rf"(?:^|(?<=[\p{{L}}\d)]\s))(?:{words})(?![\p{{L}}])|(?:^|\s)Ngày\s+\d")


def body_follows(previous: str, line: str) -> bool:
    """Whether `line` is the body's first line after `previous`, a one-line "Kính gửi: X" without a closing
    mark: the block ends where `extract.recipients` ends it (a body opener, or an address short enough not to wrap).

    >>> body_follows("Kính gửi: Bộ Nông nghiệp và Phát triển nông thôn", "Ngày 03 tháng 8 năm 2012, Thông tấn xã")
    True
    >>> body_follows("Kính gửi: Bộ trưởng", "Bộ Công Thương"), body_follows("Kính gửi: Thuế", "tỉnh Nghệ An.")
    (False, False)
    >>> body_follows("Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung", "ương")
    False
    """
    m = pattern("header", "kinh_gui").match(previous) or pattern("header", "dong_kinh_gui").match(previous)
    rest = m["rest"].strip() if m else ""
    if not rest or not line[:1].isupper():
        return False
    if body_opener().match(line) or pattern("header", "body_start").match(line) or body_verb(line):
        return True
    wraps = len(previous.strip()) >= WRAPS or rest.endswith((":", ",")) or bare_title(rest)
    return not wraps and not starts_unit(line)


def body_verb(text: str) -> bool:
    """A line that is a sentence of the body, by its verb: "Sở Tư pháp nhận được Phiếu chuyển …".

    >>> body_verb("Sở Tư pháp nhận được Phiếu chuyển số 3578/PC-VP"), body_verb("- Sở Tư pháp;")
    (True, False)
    """
    verbs = "|".join(regex.escape(v) for v in recipient_rules()["body_verbs"])
    return regex.search(rf"(?<=\p{{L}}\s)(?:{verbs})(?!\p{{L}})", text, timeout=_T) is not None


def bare_title(text: str) -> bool:
    """An address that is only a title, its unit on the next line: "Bộ trưởng" / "Bộ Công Thương"."""
    folded = regex.sub(r"[^a-z ]", "", fold(text.lstrip("-–•+ "))).strip()
    return any(folded == fold(p) for p in load("header")["positions"])


def starts_unit(text: str) -> bool:
    heads = "|".join(regex.escape(h) for h in recipient_rules()["unit_heads"])
    return regex.match(rf"(?:{heads})\b", text, timeout=_T) is not None
