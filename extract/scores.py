"""Index score (kết quả Chỉ số CCHC): "Thành phố đạt 83,74/100 điểm (mất 16,26 điểm), xếp hạng thứ 04/15".

A result of an index: the score after "đạt"/"là", the maximum and the points lost when
written, the rank "xếp … R/N" in the same clause, the year ("Năm 2018 đạt …", "Chỉ số
CCHC tỉnh Đắk Lắk năm 2020 đạt …", or the published result named earlier in the
paragraph: "công bố Chỉ số cải cách hành chính năm 2021 … Theo đó, Thành phố đạt …"), and
the subject: the unit or place named before the score, the issuer when the text names it
only by its kind ("Thành phố", "Sở"). A clause is an index result when it has a rank, a
score out of 100 or the words "Chỉ số"; differences ("tăng 5,75 điểm"), criteria's points
(`extract.points`) and targets ("phấn đấu … trở lên") are not. Patterns: rules/scores.yaml.

>>> from congvan.ingest.model import Document, Page
>>> from congvan.extract.model import Header
>>> doc = Document("x", "x.pdf", (Page(1, "Năm 2016 đạt 81 điểm, xếp loại tốt trong tốp 3/20 Sở, ban, ngành;", "text"),))
>>> [(s.subject, s.year, s.score, s.rank, s.of_total, s.start, s.end) for s in find(doc, Header(issuer="Sở Công Thương"))]
[('Sở Công Thương', 2016, 81.0, 3, 20, 0, 49)]
>>> find(Document("x", "x.pdf", (Page(1, "Năm 2018 tăng 5,75 điểm so với năm 2017", "text"),)), Header())
[]
"""
from __future__ import annotations

import regex

from congvan.extract.header import agency_name
from congvan.extract.model import Header, IndexScore
from congvan.extract.score_tables import index_end, index_of
from congvan.extract.text import Paragraph, paragraphs
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import load, pattern

_MAX_SUBJECT_WORDS = 8


def _decimal(text: str | None) -> float | None:
    """'83,74' → 83.74, '04' → 4.0 (the decimal comma of Vietnamese documents)."""
    return None if text is None else float(text.replace(",", "."))


def _clause_start(folded: str, at: int) -> int:
    """Start of the clause holding `at`: after the last ". ", "; " or ": " before it."""
    cut = max(folded.rfind(". ", 0, at), folded.rfind("; ", 0, at), folded.rfind(": ", 0, at))
    return cut + 2 if cut >= 0 else 0


def _sentence_start(folded: str, at: int) -> int:
    """Start of the sentence holding `at` (a heading "- Chỉ số PAPI năm 2024: đạt …" is one sentence)."""
    cut = max(folded.rfind(". ", 0, at), folded.rfind("; ", 0, at))
    return cut + 2 if cut >= 0 else 0


def _clause_end(folded: str, at: int) -> int:
    ends = [i for i in (folded.find(". ", at), folded.find("; ", at)) if i >= 0]
    return min(ends) if ends else len(folded.rstrip(" ."))


def _subject(text: str, folded: str, header: Header) -> str | None:
    """Who was scored, from the words before the score; the issuer when named by its kind only."""
    for m in pattern("scores", "subject_year").finditer(folded, timeout=_T):
        text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
        folded = folded[:m.start()] + " " * (m.end() - m.start()) + folded[m.end():]
    lead = pattern("scores", "subject_lead").match(folded, timeout=_T)
    cut = lead.end() if lead else 0
    named = index_end(folded, cut)   # "Chỉ số hài lòng … (SIPAS) của tỉnh": the subject follows the index's name
    if named is not None:
        cut = named + len(regex.match(r"[\s)\],.:-]*(?:cua\s+)?", folded[named:], timeout=_T).group(0))
    owner = list(regex.finditer(r"(?<![\p{L}])cua\s+", folded[cut:], timeout=_T))
    if owner and len(text[cut:].split()) > _MAX_SUBJECT_WORDS:  # "Chỉ số … năm 2024 của tỉnh"
        cut += owner[-1].end()
    words = text[cut:].split()
    while words and fold(words[-1]) in {"da", "cung", "van", "deu"}:
        words.pop()
    subject = " ".join(words).strip(" ,")
    if len(words) > _MAX_SUBJECT_WORDS:
        return None
    kind = fold(subject)
    if not kind or kind in {fold(w) for w in load("scores")["self_words"]}:
        for issuer in (header.issuer, header.parent_issuer):
            own = regex.sub(r"^(?:UBND|HĐND)\s+", "", issuer or "", timeout=_T)
            if own and (not kind or fold(own).startswith(kind + " ") or fold(own) == kind):
                return own
        return subject or None
    return agency_name(subject) if subject.isupper() else subject


def _year(folded: str, clause: int, at: int, earlier: str) -> int | None:
    """The year in the subject phrase, else the published result named earlier in the paragraph."""
    years = [int(m.group("year")) for m in pattern("scores", "year").finditer(folded, clause, at, timeout=_T)]
    if years:
        return years[-1]
    for text in (folded[:clause], earlier):
        years = [int(m.group("year")) for m in pattern("scores", "published_year").finditer(text, timeout=_T)]
        if years:
            return years[-1]
    return None


def _in_paragraph(para: Paragraph, folded: str, earlier: str, header: Header) -> list[IndexScore]:
    out = []
    anchors = list(pattern("scores", "score").finditer(folded, timeout=_T))
    for k, m in enumerate(anchors):
        clause = _clause_start(folded, m.start())
        end = _clause_end(folded, m.end())
        if k + 1 < len(anchors):
            end = min(end, anchors[k + 1].start())
        if pattern("points", "criterion").search(folded, clause, m.start(), timeout=_T) \
                or pattern("points", "target").search(folded, clause, m.start(), timeout=_T) \
                or pattern("scores", "target_after").match(folded, m.end(), timeout=_T) \
                or pattern("scores", "maximum_before").search(folded, clause, m.start(), timeout=_T):
            continue
        rank = pattern("scores", "rank").search(folded, m.end(), end, timeout=_T)
        before = None if rank else pattern("scores", "rank").search(folded, clause, m.start(), timeout=_T)
        rank = rank or before
        subject_end = before.start() if before else m.start()
        score, maximum, lost = _decimal(m.group("score")), _decimal(m.group("max")), _decimal(m.group("lost"))
        if m.group("percent"):  # a percentage is a result only with a rank and an index named before it
            if not rank or not pattern("scores", "context").search(folded, clause, m.start(), timeout=_T) \
                    or pattern("scores", "aggregate").search(folded, clause, m.start(), timeout=_T):
                continue
            maximum = 100.0
        if not (rank or maximum == 100 or pattern("scores", "context").search(folded, clause, m.start(), timeout=_T)):
            continue
        if maximum is not None and (score > maximum or (lost is None and maximum < 10)):
            continue  # "0,5/01 điểm" with no criterion named is still a criterion's points
        if lost is None and maximum is not None:
            lost = round(maximum - score, 4)
        page, s, e = para.span(clause, max(rank.end(), m.end()) if rank else m.end())
        out.append(IndexScore(
            _subject(para.text[clause:subject_end], folded[clause:subject_end], header),
            _year(folded, clause, m.start(), earlier), score, maximum, lost,
            int(rank.group("rank")) if rank else None, int(rank.group("of")) if rank else None, page, s, e,
            index_name=index_of(para.text[_sentence_start(folded, clause):m.start()])))
    return out


def find(document: Document, header: Header) -> list[IndexScore]:
    """Index results stated in the text, in reading order; a result restated later (same subject,
    year and score) once."""
    out: list[IndexScore] = []
    seen: set[tuple] = set()
    earlier = ""
    for para in paragraphs(document):
        folded = fold(para.text)
        if "diem" in folded or "%" in folded:
            for score in _in_paragraph(para, folded, earlier, header):
                if (score.subject, score.year, score.score, score.index_name) not in seen:
                    seen.add((score.subject, score.year, score.score, score.index_name))
                    out.append(score)
        earlier = folded
    return out
