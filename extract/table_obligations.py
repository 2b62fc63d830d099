"""Obligations from assignment tables (bảng phân công): one per row naming a unit, and the
text's obligations joined with the criteria codes and task-table rows of the same document."""

from __future__ import annotations

from dataclasses import replace

from congvan.extract import assignment_tables, deadlines
from congvan.extract.model import Header, Obligation
from congvan.extract.obligations import find
from congvan.ingest.model import Document


def from_tables(document: Document, issuer: str | None, kinds: set[str]) -> list[Obligation]:
    """One obligation per row of an assignment table of one of `kinds` ("task", "criteria") naming a unit."""
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


def with_tables(document: Document, head: Header, found_criteria) -> list[Obligation]:
    """The obligations of the text, each with the criteria codes of its unit, then the task tables' rows;
    a document with none in its text is itself a table (a bảng phân công): its task and criteria rows."""
    found = find(document, head)
    if not found:
        return from_tables(document, head.issuer, {"task", "criteria"})
    by_unit: dict[str, list[str]] = {}
    for c in found_criteria:
        if c.unit:
            by_unit.setdefault(c.unit, []).append(c.code)
    return [replace(o, criteria=tuple(dict.fromkeys(o.criteria + tuple(by_unit.get(o.unit, ()))))) for o in found] \
        + from_tables(document, head.issuer, {"task"})
