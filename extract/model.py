"""The facts extraction reads out of a document, one dataclass per fact family.

Every fact read from running text carries `page` (1-based) and `start`/`end`, the
character span in that page's stored text, so a value in Datasette can be checked
against the PDF. Dates are ISO text with only the precision the document gives.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """Where a fact was read: page number and character offsets into that page's text."""

    page: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Header:
    """Thể thức of the document: the `documents` columns of SCHEMA.md."""

    doc_type: str | None = None
    reference: str | None = None
    number: str | None = None
    symbol: str | None = None
    issuer: str | None = None
    parent_issuer: str | None = None
    place: str | None = None
    issued_date: str | None = None
    subject: str | None = None
    recipients: tuple[str, ...] = ()
    copy_to: tuple[str, ...] = ()
    signer_name: str | None = None
    signer_title: str | None = None
    signer_authority: str | None = None
    # written by hand and not read (extract.handwritten): which of "số", "ngày", "tháng" in that order
    # (stored joined, "số, ngày"), and the date as far as it is known ("2025-10") while `issued_date` stays null
    handwritten_unread: tuple[str, ...] = ()
    issued_date_partial: str | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A document cited in the text (căn cứ, thực hiện, theo …): `Quyết định số 2450/QĐ-UBND`."""

    reference: str
    doc_type: str | None
    date: str | None
    issuer: str | None
    page: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline phrase: the date it fixes (or None), its text, and whether it repeats."""

    date: str | None
    text: str
    recurring: bool
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Obligation:
    """One (task, assigned unit) pair: `Giao Sở Nội vụ … trước ngày 30/7/2021`."""

    unit: str
    unit_mention: str
    action: str
    deadline: str | None
    deadline_text: str | None
    recurring: bool
    criteria: tuple[str, ...]
    page: int
    start: int
    end: int
    clause: str | None = None


@dataclass(frozen=True, slots=True)
class Criterion:
    """A code of the CCHC index named in the document, with the unit in charge if assigned."""

    code: str
    level: str
    title: str | None
    unit: str | None
    survey: bool
    note: str | None
    page: int
    start: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class PointLoss:
    """Points lost on a criterion: `Tiêu chí 1.7 …: 0,5/01 điểm` → achieved 0.5 of 1."""

    code: str
    title: str | None
    achieved: float | None
    max_points: float | None
    lost: float | None
    reason: str | None
    year: int | None
    page: int
    start: int
    end: int
    subject: str | None = None   # the unit that lost the points, when the document scores several


@dataclass(frozen=True, slots=True)
class IndexScore:
    """An index result: `đạt 83,74/100 điểm (mất 16,26 điểm), xếp hạng thứ 04/15`."""

    subject: str | None
    year: int | None
    score: float
    max_score: float | None
    lost: float | None
    rank: int | None
    of_total: int | None
    page: int
    start: int
    end: int
    area: str | None = None          # the lĩnh vực when the score covers one area only
    assessed_by: str | None = None   # self / appraised, when the document gives both
    index_name: str | None = None    # PAR INDEX, SIPAS, PAPI, PCI, …; None = the Chỉ số CCHC


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything extracted from one document."""

    header: Header = field(default_factory=Header)
    citations: tuple[Citation, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    point_losses: tuple[PointLoss, ...] = ()
    index_scores: tuple[IndexScore, ...] = ()
    errors: tuple[str, ...] = ()      # fact families that failed (a bug): "obligations: KeyError: 'x'"
