"""Where the header slots a number or a day is written into lie on a first page, from the
printed words' boxes page OCR gave: "Số: ____/SYMBOL", "ngày __ tháng __ năm 2025".

OCR runs a handwritten figure into the printed words beside it ("ngày25tháng",
"Só:Š/KH-DCT"): each line is taken as one string with an x position for every character,
the printed anchors are found in it by pattern (on folded text), and the slot between them
is measured from the words' ends in printed letter widths (`_span`). `ingest.handwriting`
reads what is written there.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import regex

from congvan.ingest.model import Word
from congvan.ingest.textnorm import fold

SLOT_NAMES = ("number", "day", "month")


@dataclass(frozen=True, slots=True)
class Span:
    """Where a slot lies on a printed line (points), and the text page OCR read there."""

    name: str
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    confidence: float | None = None   # page OCR's lowest confidence over the words in the slot


# on folded line text: "Số:" (OCR: "Só:", "S6:", "số,") … the slot … "/SYMBOL"; "ngày … tháng … năm 2025"
_NUMBER = regex.compile(r"(?<![a-z])s[o6&]\s*[:.,;]?(?P<slot>.{0,24}?)"
                        r"(?=/\s*(?:\d{4}\s*/\s*)?\S{0,3}?[a-z]{2}|[a-z]{3,}-|(?<=\s)[a-z]{1,8}-[a-z])")
# the date of a document cited just before ("… số 2034/QĐ-BGDĐT ngày 13 tháng 7 năm 2023"), not the header's
_CITED = regex.compile(r"(?:/\S*|\bso)\s*$")
WIDE = ROOM = 1.5   # a word box this many times wider than its letters took in ink; its letters keep this room
NEAR = 6.0   # the header's date lies within this many line heights of its "Số:" line (beside it, or a few lines down)
_DATE = regex.compile(r"ngay(?P<day>.{0,12}?)thang(?P<month>.{0,12}?)nam\s*[^\s\d]{0,2}\d{4}")


MEASURED_UP_TO = 10   # printed letters after a slot inside a word measured back from its end up to this many
#                       (a long ký hiệu, "/2016/TTLT-TANDTC-VKSNDTC-BTP", is laid out proportionally instead)


@dataclass(frozen=True, slots=True)
class _Line:
    words: tuple[Word, ...]
    text: str                   # the words joined by one space
    left: tuple[float, ...]     # each character's left edge (points)
    right: tuple[float, ...]
    owner: tuple[int, ...]      # each character's word (-1: the space between two words)
    char_width: float | None = None   # a printed letter's width on this line (clean words), when known

    @property
    def top(self) -> float:
        return float(np.median([w.top for w in self.words]))

    @property
    def bottom(self) -> float:
        return float(np.median([w.bottom for w in self.words]))


def _same_line(a: Word, b: Word) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap > 0.3 * min(a.bottom - a.top, b.bottom - b.top)


def _lines(words: Sequence[Word]) -> list[_Line]:
    """Words grouped into lines by vertical overlap, each line left to right, top to bottom."""
    rows: list[list[Word]] = []
    refs: list[Word] = []   # each row's word of median height, which a word must overlap to join it
    for word in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        for n, row in enumerate(rows):
            if _same_line(refs[n], word):
                row.append(word)
                refs[n] = sorted(row, key=lambda w: w.bottom - w.top)[len(row) // 2]
                break
        else:
            rows.append([word])
            refs.append(word)
    return [_line(sorted(row, key=lambda w: w.x0)) for row in rows]


def _line(words: list[Word]) -> _Line:
    text, left, right, owner = [], [], [], []
    for n, word in enumerate(words):
        if n:
            text.append(" ")
            left.append(words[n - 1].x1)
            right.append(max(words[n - 1].x1, word.x0))
            owner.append(-1)
        step = (word.x1 - word.x0) / max(1, len(word.text))
        for k, ch in enumerate(word.text):
            text.append(ch)
            left.append(word.x0 + k * step)
            right.append(word.x0 + (k + 1) * step)
            owner.append(n)
    clean = [(w.x1 - w.x0) / len(w.text) for w in words
             if len(w.text) >= 3 and w.text.strip(",.").isalpha() and (w.conf is None or w.conf >= 70)]
    width = float(np.median(clean)) if clean else None
    return _Line(tuple(words), "".join(text), tuple(left), tuple(right), tuple(owner), width)


def _span(line: _Line, name: str, start: int, end: int) -> Span:
    """The slot between characters `start` and `end` of the line: from the right edge of the
    character before it to the left edge of the character after it."""
    while start > 0 and line.text[start - 1] == " ":
        start -= 1
    while end < len(line.text) and line.text[end] == " ":
        end += 1
    x0 = line.right[start - 1] if start > 0 else line.left[0]
    x1 = line.left[end] if end < len(line.text) else line.right[-1]
    if line.char_width:   # a slot inside a word OCR ran together ("ngày25tháng"): printed letters measured from its ends
        if 0 < start < len(line.text) and line.owner[start - 1] == line.owner[start] >= 0:
            word = line.words[line.owner[start]]
            x0 = min(word.x1, word.x0 + (start - line.text.rfind(" ", 0, start) - 1) * line.char_width)
        after = line.text.find(" ", end)
        printed = (after if after >= 0 else len(line.text)) - end
        if 0 < end < len(line.text) and line.owner[end - 1] == line.owner[end] >= 0 and printed <= MEASURED_UP_TO:
            word = line.words[line.owner[end]]
            x1 = max(word.x0, word.x1 - printed * line.char_width)
        # a word whose box took in the pen figures beside it ("tháng" boxed with the "7" it touches)
        before = line.words[line.owner[start - 1]] if start > 0 and line.owner[start - 1] >= 0 else None
        if before is not None and (start == len(line.text) or line.owner[start] != line.owner[start - 1]):
            x0 = min(x0, _printed_end(before, line.char_width))
        after_word = line.words[line.owner[end]] if end < len(line.text) and line.owner[end] >= 0 else None
        if after_word is not None and line.owner[end - 1] != line.owner[end]:
            x1 = max(x1, _printed_start(after_word, line.char_width))
    owners = {line.owner[k] for k in range(start, end) if line.owner[k] >= 0}
    confs = [line.words[k].conf for k in owners if line.words[k].conf is not None]
    return Span(name, x0, max(x0, x1), line.top, line.bottom, line.text[start:end].strip(),
                min(confs) if confs else None)


def _printed_end(word: Word, char_width: float) -> float:
    """Where a word's printed letters end: its box's right edge, unless the box is `WIDE` times
    wider than its letters (it took in a pen figure beside them), then `ROOM` times its letters' width.

    >>> _printed_end(Word("ngày", 0, 0, 24, 10), 6.0), _printed_end(Word("ngày", 0, 0, 60, 10), 6.0)
    (24, 36.0)
    """
    printed = len(word.text) * char_width
    return word.x0 + ROOM * printed if word.x1 - word.x0 > WIDE * printed else word.x1


def _printed_start(word: Word, char_width: float) -> float:
    """Where a word's printed letters start (`_printed_end` from the other side).

    >>> _printed_start(Word("tháng", 376.5, 0, 428, 10), 5.5)
    386.75
    """
    printed = len(word.text) * char_width
    return word.x1 - ROOM * printed if word.x1 - word.x0 > WIDE * printed else word.x0


def find_slots(words: Sequence[Word], page_height: float, share: float = 0.45) -> list[Span]:
    """The number slot after the first "Số:" and the day and month slots of the first
    "ngày … tháng … năm <year>" in the top `share` of the page, from the printed words' boxes
    (OCR runs words together: "ngày30", "ngày22tháng", "Só:Š/KH-DCT").

    >>> w = [Word("Số:", 100, 100, 115, 110), Word("/BCA-C04", 140, 100, 190, 110), Word("Nội,", 270, 100, 296, 110),
    ...      Word("ngày", 300, 100, 325, 110), Word("tháng", 345, 100, 372, 110), Word("năm", 390, 100, 410, 110),
    ...      Word("2025", 414, 100, 440, 110)]
    >>> [(s.name, s.x0, s.x1, s.text) for s in find_slots(w, 842)]
    [('number', 115.0, 140.0, ''), ('day', 325.0, 345.0, ''), ('month', 372.0, 390.0, '')]
    >>> [(s.name, s.text) for s in find_slots([Word("Só:Š/KH-DCT", 116, 120, 204, 136, 13.0)], 842)]
    [('number', 'Š')]
    >>> cited = [Word("Quyết", 60, 200, 90, 210), Word("định", 92, 200, 115, 210), Word("2034/QĐ-BGDĐT", 118, 200, 190, 210),
    ...          Word("ngày", 192, 200, 215, 210), Word("13", 217, 200, 228, 210), Word("tháng", 230, 200, 257, 210),
    ...          Word("7", 259, 200, 264, 210), Word("năm", 266, 200, 286, 210), Word("2023", 288, 200, 312, 210)]
    >>> find_slots(cited, 842)
    []
    """
    found: dict[str, Span] = {}
    for line in _lines([w for w in words if w.top < page_height * share]):
        folded = fold(line.text)
        if "number" not in found:
            m = _NUMBER.search(folded, timeout=1)
            if m and (line.text[m.start()] == "S" or ":" in m.group(0)[:4]):
                found["number"] = _span(line, "number", m.start("slot"), m.end("slot"))
        if "day" not in found:
            m = _DATE.search(folded, timeout=1)
            if m and not _CITED.search(folded[:m.start()], timeout=1):
                found["day"] = _span(line, "day", m.start("day"), m.end("day"))
                found["month"] = _span(line, "month", m.start("month"), m.end("month"))
    number = found.get("number")
    if number is not None and "day" in found and abs(found["day"].top - number.top) > NEAR * (number.bottom - number.top):
        del found["day"], found["month"]   # a date far from the number: a cited document's, not the header's
    return [found[name] for name in SLOT_NAMES if name in found]


def typed_value(span: Span, sure_from: float = 50.0) -> str | None:
    """The figures page OCR read in the slot when they are clean and at least `sure_from` sure (typed), else None.

    >>> typed_value(Span("number", 0, 1, 0, 1, "222", 96.0)), typed_value(Span("number", 0, 1, 0, 1, "2IØJ", 12.0))
    ('222', None)
    >>> typed_value(Span("day", 0, 1, 0, 1, "3", 40.0)) is None
    True
    """
    text = span.text.strip(" .,")
    if text.isdigit() and (span.confidence is None or span.confidence >= sure_from):
        return text
    return None


def possible_figures(name: str, count: int) -> tuple[str, ...]:
    """The figures that can stand at each place of a slot's `count` figures: a two-figure day starts
    with 0–3, a two-figure month with 0 or 1; anything else anywhere.

    >>> possible_figures("month", 2), possible_figures("day", 1)
    (('01', '0123456789'), ('0123456789',))
    """
    first = {("day", 2): "0123", ("month", 2): "01"}.get((name, count))
    every = "0123456789"
    return tuple(first if n == 0 and first else every for n in range(count))
