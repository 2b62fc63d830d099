"""Citation (văn bản được viện dẫn): "Căn cứ Quyết định số 2450/QĐ-UBND ngày 06/9/2021 của UBND tỉnh".

Every số ký hiệu written in the text is a citation, with the type written before it
("Quyết định số", "Văn bản số", or none: then the type the ký hiệu names), the date and
the issuer ("của …") written after it, each left None when the text does not say.
Three grammars (rules/citations.yaml): hành chính `2450/QĐ-UBND`, QPPL `45/2016/QĐ-TTg`,
party `01-NQ/TU`. The document's own number (`header.reference`) and the annex pointer
"(Kèm theo Công văn số … )" are not citations. A reference cited several times gives one
row: the first mention's span, with the most complete type, date and issuer seen.
Types and issuers are read on fold()ed text, so upper case and lost diacritics match.

>>> from congvan.ingest.model import Document, Page
>>> from congvan.extract.model import Header
>>> doc = Document("x", "x.pdf", (Page(1, "Căn cứ Quyết định số 2450/QĐ-UBND ngày 06/9/2021 của UBND tỉnh ban hành", "text"),))
>>> [(c.reference, c.doc_type, c.date, c.issuer, c.start, c.end) for c in find(doc, Header())]
[('2450/QĐ-UBND', 'Quyết định', '2021-09-06', 'UBND tỉnh', 7, 62)]
>>> find(Document("x", "x.pdf", (Page(1, "Năm 2016 đạt 81 điểm, xếp loại tốt trong tốp 3/20 Sở, ban, ngành", "text"),)), Header())
[]
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

import regex

from congvan.extract.header import agency_name
from congvan.extract.model import Citation, Header
from congvan.extract.symbols import _abbreviations, _one_letter_off, _repair, repair_symbol, strokes_for_t  # noqa: F401
from congvan.extract.text import paragraphs
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern

_LOOKBACK = 48    # characters before a number searched for its type ("Chương trình hành động số")


@dataclass(frozen=True, slots=True)
class _TypeName:
    folded: str
    name: str


@lru_cache(maxsize=1)
def _type_names() -> tuple[_TypeName, ...]:
    """Type names of doc_types.yaml, folded, longest first ("thong tu lien tich" before "thong tu")."""
    names = [_TypeName(fold(t["name"]), t["name"]) for t in load("doc_types")["types"]]
    return tuple(sorted(names, key=lambda t: -len(t.folded)))


def _iso(year: str, month: str | None, day: str | None) -> str:
    if not month:
        return year
    if not day:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _type_before(text: str, folded: str, start: int) -> tuple[str | None, int]:
    """(type name, where it starts) written right before a number at `start`, else (None, start)."""
    lo = max(0, start - _LOOKBACK)
    before = folded[lo:start]
    marker = pattern("citations", "number_marker").search(before, timeout=_T)
    head = before[: marker.start()] if marker else before
    head = head.rstrip()
    for t in _type_names():
        if head.endswith(t.folded) and (len(head) == len(t.folded) or not head[-len(t.folded) - 1].isalnum()):
            return t.name, lo + len(head) - len(t.folded)
    word = text[lo:lo + len(head)].split()[-1:] if head else []
    if word and word[0] in _abbreviations():
        return _abbreviations()[word[0]], lo + len(head) - len(word[0])
    if marker:  # "số" alone: the mention starts there
        return None, lo + marker.start() + len(marker.group()) - len(marker.group().lstrip())
    return None, start


def _tail(text: str, folded: str, end: int) -> tuple[str | None, str | None, int]:
    """(date, issuer, end of the mention) written after the reference ending at `end`."""
    date = issuer = None
    for _ in range(2):  # date then issuer, or issuer then date
        if date is None:
            m = pattern("citations", "date_after").match(folded, end, timeout=_T)
            if m:
                date, end = _iso(m.group("year"), m.group("month"), m.group("day")), m.end()
                continue
        if issuer is None:
            m = pattern("citations", "issuer_after").match(text, end, timeout=_T)
            if m:
                issuer, end = agency_name(m.group("issuer")), m.end()
                continue
        break
    return date, issuer, end


def _reference(m: regex.Match) -> tuple[str, str | None, bool]:
    """(normalised reference, type named by the ký hiệu, whether the form alone proves it a citation)."""
    if m.group("party_type"):
        ptype = _repair(m.group("party_type"))
        issuer = regex.sub(r"\s+", "", m.group("party_issuer"))
        return f"{m.group('number')}-{ptype}/{issuer}", _abbreviations(party=True).get(ptype), True
    groups = [_repair(g) for g in regex.split(r"\s?[-–]\s?['‘’`]?", m.group("symbol"))]
    groups = [_one_letter_off(groups[0], qppl=bool(m.group("year"))), *map(strokes_for_t, groups[1:])]
    year = m.group("year")
    reference = f"{m.group('number')}/{year + '/' if year else ''}{'-'.join(groups)}"
    doc_type = _abbreviations().get(groups[0]) if len(groups) > 1 else None
    return reference, doc_type, bool(year) or len(groups) > 1


def _mentions(document: Document) -> list[tuple[Citation, bool]]:
    """Every mention, with whether its ký hiệu is cut at the end of the paragraph ("2450/QĐ-")."""
    out = []
    annex = pattern("citations", "annex_pointer")
    for para in paragraphs(document):
        text = para.text
        if not regex.search(r"\d\s?[-/]", text, timeout=_T):
            continue
        folded = fold(text)
        if annex.match(folded, timeout=_T):
            continue
        for m in pattern("citations", "reference").finditer(text, timeout=_T):
            reference, symbol_type, certain = _reference(m)
            written_type, start = _type_before(text, folded, m.start())
            if not certain and written_type is None and start == m.start():
                continue  # "12/UBND" with neither a type, "số" nor a second group: too weak
            if pattern("citations", "not_document").search(folded[max(0, m.start() - 20):m.start()], timeout=_T):
                continue  # "mẫu số 01/MGTH": a form
            date, issuer, end = _tail(text, folded, m.end())
            page, s, e = para.span(start, end)
            cut = m.end() < len(text) and text[m.end()] in "-–" and not text[m.end() + 1:].strip()
            out.append((Citation(reference, written_type or symbol_type, date, issuer, page, s, e), cut))
    return out


def _as_seen(reference: str, counts: Counter) -> str:
    """A ký hiệu group with a letter OCR doubled, spelled as the same document spells it more often:
    "1000/QĐ-BNNMTT" beside two mentions of "…-BNNMT" → "1000/QĐ-BNNMT".

    >>> _as_seen("1000/QĐ-BNNMTT", Counter({"BNNMT": 2, "BNNMTT": 1}))
    '1000/QĐ-BNNMT'
    >>> _as_seen("21/2020/TT-BTTTT", Counter({"BTTT": 1, "BTTTT": 1}))
    '21/2020/TT-BTTTT'
    """
    parts = regex.split(r"([-/])", reference)
    for i, g in enumerate(parts):
        if len(g) < 5 or not g.isupper():
            continue
        single = {g[:k] + g[k + 1:] for k in range(1, len(g)) if g[k] == g[k - 1]}
        match = [x for x in single if counts[x] > counts[g]]
        if len(match) == 1:
            parts[i] = match[0]
    return "".join(parts)


def find(document: Document, header: Header) -> list[Citation]:
    """Documents cited in the text, one per distinct reference, in order of first mention."""
    own = regex.sub(r"\s+", "", header.reference) if header.reference else None
    mentions = _mentions(document)
    counts = Counter(g for c, _ in mentions for g in regex.split(r"[-/]", c.reference))
    mentions = [(replace(c, reference=_as_seen(c.reference, counts)), cut) for c, cut in mentions]
    whole = [c.reference for c, cut in mentions if not cut]
    merged: dict[str, Citation] = {}
    for c, cut in mentions:
        if cut:  # a two-column header cut "2450/QĐ-" from "UBND": complete it from another mention
            completion = next((r for r in whole if r.startswith(c.reference + "-")), None)
            if completion is None:
                continue
            c = replace(c, reference=completion)
        if c.reference == own:
            continue
        first = merged.get(c.reference)
        if first is None:
            merged[c.reference] = c
        else:
            merged[c.reference] = replace(first, doc_type=first.doc_type or c.doc_type,
                                          date=first.date or c.date, issuer=first.issuer or c.issuer)
    return list(merged.values())
