"""Document → Facts. The fact families, in the order they are read.

Each module has one public function `find(document, header) -> list[Fact]` (the
header gives the issuer, which decides how unit names resolve); `header.find`
reads the header itself. An empty list means nothing was found.
"""
from __future__ import annotations

from extract import citations, criteria, header, obligations, points, scores
from extract.model import Facts
from ingest.model import Document

FAMILIES = (citations, obligations, criteria, points, scores)


def extract(document: Document) -> Facts:
    """Reads every fact family out of an ingested document."""
    if document.status != "ok" or not document.pages:
        return Facts()
    head = header.find(document)
    return Facts(
        header=head,
        citations=tuple(citations.find(document, head)),
        obligations=tuple(obligations.find(document, head)),
        criteria=tuple(criteria.find(document, head)),
        point_losses=tuple(points.find(document, head)),
        index_scores=tuple(scores.find(document, head)),
    )
