"""Document → Facts. The fact families, in the order they are read.

Each module has one public function `find(document, header) -> list[Fact]` (the
header gives the issuer, which decides how unit names resolve); `header.find`
reads the header itself. An empty list means nothing was found.

Assignment tables feed two families. A task table (Nội dung | Chủ trì | Thời
gian hoàn thành) gives one obligation per row. A criteria table gives each unit
its criteria, and, in a document that is itself such a table (a bảng phân công
sent as an annex), also obligations; in a letter with such an annex, the annex's
codes are attached to the obligations of the same unit.
"""
from __future__ import annotations

from dataclasses import replace

from extract import (assignment_tables, citations, criteria, criterion_scores, header, index_tables, obligations,
                     points, score_tables, scores)
from extract.model import Facts, Obligation
from ingest.model import Document

FAMILIES = (citations, obligations, criteria, points, criterion_scores, scores, score_tables, index_tables)


def _table_obligations(document: Document, issuer: str | None, kinds: set[str]) -> list[Obligation]:
    from extract import deadlines

    out = []
    for row in assignment_tables.table_rows(document, issuer):
        if not row.unit or row.kind not in kinds:
            continue
        found = deadlines.in_cell(row.deadline_text) if row.deadline_text else []
        dated = next((d for d in found if d.date), None)
        out.append(Obligation(unit=row.unit, unit_mention=row.unit_text or row.unit, action=row.title or "",
                              deadline=dated.date if dated else None,
                              deadline_text=row.deadline_text, recurring=bool(found and found[0].recurring),
                              criteria=(row.code,) if row.code and row.kind == "criteria" else (),
                              page=row.page, start=0, end=0, clause=row.code or row.number))
    return out


def _index_scores(document: Document, head) -> tuple:
    """Results in the text, in score tables and in tables of indices by year; one stated twice once."""
    out, seen = [], set()
    for s in scores.find(document, head) + score_tables.find(document, head) + index_tables.find(document, head):
        key = (s.subject, s.year, s.score, s.area, s.assessed_by, s.index_name)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return tuple(out)


def extract(document: Document) -> Facts:
    """Reads every fact family out of an ingested document."""
    if document.status != "ok" or not document.pages:
        return Facts()
    head = header.find(document)
    found_criteria = criteria.find(document, head)
    found_obligations = obligations.find(document, head)
    by_unit: dict[str, list[str]] = {}
    for c in found_criteria:
        if c.unit:
            by_unit.setdefault(c.unit, []).append(c.code)
    if found_obligations:
        found_obligations = [
            replace(o, criteria=tuple(dict.fromkeys(o.criteria + tuple(by_unit.get(o.unit, ())))))
            for o in found_obligations
        ] + _table_obligations(document, head.issuer, {"task"})
    else:
        found_obligations = _table_obligations(document, head.issuer, {"task", "criteria"})
    return Facts(
        header=head,
        citations=tuple(citations.find(document, head)),
        obligations=tuple(found_obligations),
        criteria=tuple(found_criteria),
        point_losses=tuple(points.find(document, head)) + tuple(criterion_scores.find(document, head)),
        index_scores=_index_scores(document, head),
    )
