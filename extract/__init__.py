"""Document → Facts. The fact families, in the order they are read.

Each module has one public function `find(document, header) -> list[Fact]` (the
header gives the issuer, which decides how unit names resolve); `header.find`
reads the header itself. An empty list means nothing was found.

`STEPS` lists the families after the header, each a function `(document, header)
-> {Facts field: values}`. A step that raises (a bug in congvan, never the
document's fault) does not lose the others: its error goes into `Facts.errors`,
which the pipeline stores as `status = partial` (`congvan status` lists it).

Assignment tables feed two families. A task table (Nội dung | Chủ trì | Thời
gian hoàn thành) gives one obligation per row. A criteria table gives each unit
its criteria, and, in a document that is itself such a table (a bảng phân công
sent as an annex), also obligations; in a letter with such an annex, the annex's
codes are attached to the obligations of the same unit (`table_obligations.with_tables`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from congvan.extract import (citations, criteria, criterion_scores, header, index_tables, points, score_tables, scores,
                     table_obligations)
from congvan.extract.model import Facts, Header
from congvan.extract.signer_names import Registry
from congvan.ingest.errors import Status
from congvan.ingest.model import Document

log = logging.getLogger(__name__)

FAMILIES = (citations, obligations, criteria, points, criterion_scores, scores, score_tables, index_tables)


def _index_scores(document: Document, head) -> tuple:
    """Results in the text, in score tables and in tables of indices by year; one stated twice once."""
    out, seen = [], set()
    for s in scores.find(document, head) + score_tables.find(document, head) + index_tables.find(document, head):
        key = (s.subject, s.year, s.score, s.area, s.assessed_by, s.index_name)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return tuple(out)


def _obligations_and_criteria(document: Document, head: Header) -> dict:
    found_criteria = criteria.find(document, head)
    return {"criteria": tuple(found_criteria),
            "obligations": tuple(table_obligations.with_tables(document, head, found_criteria))}


STEPS: tuple[tuple[str, Callable[[Document, Header], dict]], ...] = (
    ("citations", lambda document, head: {"citations": tuple(citations.find(document, head))}),
    ("obligations", _obligations_and_criteria),
    ("point_losses", lambda document, head: {"point_losses": tuple(points.find(document, head))
                                             + tuple(criterion_scores.find(document, head))}),
    ("index_scores", lambda document, head: {"index_scores": _index_scores(document, head)}),
)


def _failure(name: str, document: Document, error: Exception) -> str:
    log.error("extraction of %s failed for %s", name, document.path, exc_info=error)
    return f"{name}: {type(error).__name__}: {error}"


def extract(document: Document, signers: Registry | None = None) -> Facts:
    """Reads every fact family out of an ingested document; a family that fails is named in `errors`.

    `signers` is the registry of signers OCR'd names are restored from (extract.signer_names: the
    officeholders of rules/signers.yaml and the names the database has seen); by default the rules' alone."""
    if document.status not in (Status.OK, Status.PARTIAL) or not document.pages:
        return Facts()
    errors = []
    try:
        head = header.find(document, signers)
    except Exception as e:  # noqa: BLE001 — a bug in one family must not lose the others
        head = Header()
        errors.append(_failure("header", document, e))
    found: dict = {}
    for name, step in STEPS:
        try:
            found.update(step(document, head))
        except Exception as e:  # noqa: BLE001 — idem
            errors.append(_failure(name, document, e))
    return Facts(header=head, errors=tuple(errors), **found)
