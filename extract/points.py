"""Point loss (tiêu chí bị mất điểm): "Tiêu chí 1.7 thực hiện các nhiệm vụ UBND tỉnh giao: 0,5/01 điểm".

A criterion of the CCHC index named by its code, then the points it got: `0,5/01 điểm`
(achieved 0.5 of 1, lost 0.5), `mất 0/0,5 điểm`, `mất 01 điểm (0/01 điểm)`, or only what
it lost (`mất 0,5 điểm`). The title is the criterion's text between code and points, the
reason the sentence after "Lý do:", the year that of the "mất điểm … năm 2021" phrase
nearest before it (or the one index year the document names). Full marks and targets
("phấn đấu đạt …") are not losses; index totals are `extract.scores`. Patterns in
rules/points.yaml run on fold()ed text (decimal comma: 0,5 = 0.5; 01 = 1).

>>> from congvan.ingest.model import Document, Page
>>> from congvan.extract.model import Header
>>> doc = Document("x", "x.pdf", (Page(1, "- Tiêu chí 1.2 về thực hiện chế độ báo cáo: 0/0,5 điểm.", "text"),))
>>> [(p.code, p.title, p.achieved, p.max_points, p.lost, p.start, p.end) for p in find(doc, Header())]
[('1.2', 'về thực hiện chế độ báo cáo', 0.0, 0.5, 0.5, 2, 54)]
>>> find(Document("x", "x.pdf", (Page(1, "- Phấn đấu đạt điểm tối đa đối với Tiêu chí 6.2.2 trong Bộ chỉ số CCHC", "text"),)), Header())
[]
"""
from __future__ import annotations

from dataclasses import replace

import regex

from congvan.extract.model import Header, PointLoss
from congvan.extract.text import Paragraph, paragraphs
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T
from congvan.rules import pattern

_NEAR = 30  # characters before the points searched for a target word ("phấn đấu đạt tối thiểu")


def _decimal(text: str | None) -> float | None:
    """'0,5' → 0.5, '01' → 1.0 (the decimal comma of Vietnamese documents)."""
    return None if text is None else float(text.replace(",", "."))


def _title(text: str) -> str | None:
    """The criterion's text between code and points, without its colon, quotes or brackets."""
    title = text.strip(" \t:;,.-–")
    if len(title) >= 2 and title[0] in "“\"" and title[-1] in "”\"":
        title = title[1:-1].strip()
    if title.startswith("(") and title.endswith(")") and title[1:-1].count("(") == title[1:-1].count(")") \
            and ")" not in title[1:-1].split("(")[0]:
        title = title[1:-1].strip()
    return title if any(ch.isalnum() for ch in title) else None   # "TCTP 3.1.2 (đạt 0,5/1 điểm)": a bracket, no title


def _points(m: regex.Match) -> tuple[float | None, float | None, float | None]:
    """(achieved, max, lost) of a score match; None where the text does not say."""
    achieved = _decimal(m.group("achieved") or m.group("achieved_in"))
    maximum = _decimal(m.group("max") or m.group("max_in"))
    lost = _decimal(m.group("lost"))
    if lost is None and achieved is not None and maximum is not None:
        lost = round(maximum - achieved, 4)
    return achieved, maximum, lost


def _years(folded: list[str]) -> tuple[list[list[tuple[int, int]]], list[int | None], int | None]:
    """Per paragraph, the (offset, year) of each "mất điểm … năm YYYY" and the last such year in the
    paragraphs before it; and the document's only index year, if it names just one."""
    losses = [[(m.start(), int(m.group("year"))) for m in pattern("points", "loss_year").finditer(f, timeout=_T)]
              for f in folded]
    carried, last = [], None
    for found in losses:
        carried.append(last)
        last = found[-1][1] if found else last
    index_years = {int(m.group("year")) for f in folded
                   for m in pattern("points", "index_year").finditer(f, timeout=_T)}
    return losses, carried, (next(iter(index_years)) if len(index_years) == 1 else None)


def _year(years: tuple, para: int, clause: str, offset: int) -> int | None:
    """The year a sentence opens with, else the nearest "mất điểm … năm" before, else the only index year."""
    losses, carried, only = years
    m = pattern("points", "sentence_year").match(clause, timeout=_T)
    if m:
        return int(m.group("year"))
    here = [year for at, year in losses[para] if at < offset]
    if here:
        return here[-1]
    return carried[para] if carried[para] is not None else only


def _clause_start(folded: str, at: int) -> int:
    """Start of the clause holding offset `at`: after the last full stop or semicolon before it."""
    cut = max(folded.rfind("; ", 0, at), folded.rfind(". ", 0, at))
    return cut + 2 if cut >= 0 else 0


def _in_paragraph(para: Paragraph, folded: str) -> list[tuple[int, int, PointLoss]]:
    """(clause start, anchor start, loss with year unset) for each criterion with points lost."""
    text = para.text
    anchors = list(pattern("points", "criterion").finditer(folded, timeout=_T))
    out = []
    for k, a in enumerate(anchors):
        stop = anchors[k + 1].start() if k + 1 < len(anchors) else len(text)
        end = pattern("points", "sentence_end").search(folded, a.end(), stop, timeout=_T)
        m = pattern("points", "score").search(folded, a.end(), end.end() if end else stop, timeout=_T)
        if m is None:
            continue
        achieved, maximum, lost = _points(m)
        if lost is None or lost <= 0 or (achieved is not None and maximum is not None and achieved > maximum):
            continue  # full marks, or not a score
        clause = _clause_start(folded, a.start())
        target = pattern("points", "target")
        if target.search(folded, clause, a.start(), timeout=_T) or \
                target.search(folded, max(a.end(), m.start() - _NEAR), m.start(), timeout=_T):
            continue
        reason, finish = None, m.end()
        r = pattern("points", "reason").search(folded, m.end(), stop, timeout=_T)
        if r and not folded[m.end():r.start()].strip(" .,;:)-–"):
            r_end = pattern("points", "sentence_end").search(folded, r.end(), stop, timeout=_T)
            finish = r_end.start() if r_end else stop
            reason = text[r.end():finish].strip(" ;,.") or None
        page, s, e = para.span(a.start(), finish)
        out.append((clause, a.start(), PointLoss(a.group("code"), _title(text[a.end():m.start()]), achieved,
                                                 maximum, lost, reason, None, page, s, e)))
    return out


def find(document: Document, header: Header) -> list[PointLoss]:
    """Criteria with points lost, in reading order; a loss restated later (same code, points, year) once."""
    paras = paragraphs(document)
    folded = [fold(p.text) for p in paras]
    years = None
    seen: set[tuple] = set()
    out: list[PointLoss] = []
    for i, (para, f) in enumerate(zip(paras, folded)):
        for clause, at, loss in _in_paragraph(para, f):
            years = years or _years(folded)
            loss = replace(loss, year=_year(years, i, f[clause:], at))
            key = (loss.code, loss.achieved, loss.max_points, loss.lost, loss.year)
            if key not in seen:
                seen.add(key)
                out.append(loss)
    return out
