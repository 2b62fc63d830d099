"""Reading order for positioned words (OCR boxes): lines, and column blocks where a page has columns.

Vietnamese official letters put two columns side by side in the header (cơ quan ban hành |
"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"; "Số:", "V/v …" | địa danh, ngày tháng) and in the
footer ("Nơi nhận:" list | chức vụ, chữ ký, họ tên người ký). Reading those line by line
interleaves the columns. Here a run of lines that share a vertical whitespace channel is a
column region; it is cut into rows at horizontal whitespace bands, and each row is read
left column first, then the right one. Everything else is read one visual line per line.

>>> from congvan.ingest.model import Word
>>> def w(text, x0, top, x1):
...     return Word(text, x0, top, x1, top + 12)
>>> header = [w("UBND", 60, 50, 100), w("TỈNH", 104, 50, 140), w("CỘNG", 330, 50, 380),
...           w("HÒA", 384, 50, 420), w("SỞ", 70, 66, 90), w("Độc", 340, 66, 370),
...           w("lập", 374, 66, 400), w("Kính", 120, 120, 150), w("gửi:", 154, 120, 180),
...           w("các", 186, 120, 210), w("phòng", 214, 120, 260), w("chuyên", 264, 120, 310),
...           w("môn", 314, 120, 350), w("thuộc", 354, 120, 400), w("Sở.", 404, 120, 430)]
>>> print(words_to_text(header, 595))
UBND TỈNH
SỞ
CỘNG HÒA
Độc lập
Kính gửi: các phòng chuyên môn thuộc Sở.
"""
from __future__ import annotations

import math
import statistics
import unicodedata
from collections.abc import Sequence
from bisect import insort
from dataclasses import dataclass, field

from congvan.ingest.model import Word

COLUMN_GAP = 0.045  # of the page width (~27 pt on A4): a gap this wide on one line splits columns
CHANNEL_GAP = 0.009  # of the page width (~5 pt): a gap kept through several lines is a channel,
# used only when one line of the run has a COLUMN_GAP-wide gap around it (or it is that wide)
MAX_REGION_LEAP = 3.5  # line heights: a vertical gap this large ends a column region
ROW_BAND = 0.9  # line heights: a horizontal whitespace band this tall starts a new row …
ROW_BAND_OCR = 2.0  # … of OCR'd words, whose boxes hold the ink only (a text layer's, the font's full height)
ROW_BAND_HEADER = 1.5  # … of a header's OCR'd words: the blank line between agency | motto and "Số:" | date
DEBRIS_CONFIDENCE = 25  # OCR words read with less confidence do not hold a column gap open or shut
SPLIT_GAP = 0.02  # of the page width (~12 pt), and …
SPLIT_RATIO = 3.0  # … times the line's usual word space: a line's gap that may still part columns
NARROWED = 0.5  # a one-sided line that leaves less than this share of a wide channel lies across it


@dataclass(slots=True)
class _Line:
    words: list[Word]
    top: float
    bottom: float
    tops: list[float] = field(default_factory=list)      # sorted, for the running median
    bottoms: list[float] = field(default_factory=list)
    free: dict[float, list[tuple[float, float]]] = field(default_factory=dict)  # by min_gap

    def add(self, word: Word) -> None:
        """Takes a word; the line's band is the median box, so tall diacritics don't widen it."""
        self.words.append(word)
        insort(self.tops, word.top)
        insort(self.bottoms, word.bottom)
        self.top, self.bottom = _median(self.tops), _median(self.bottoms)

    def drop(self, word: Word) -> None:
        """Gives a word up (`_rehome_tall`); the band of the words left. A line left empty keeps its band."""
        self.words.remove(word)
        self.tops.remove(word.top)
        self.bottoms.remove(word.bottom)
        if self.words:
            self.top, self.bottom = _median(self.tops), _median(self.bottoms)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def spans(self) -> list[tuple[float, float]]:
        return [(w.x0, w.x1) for w in self.words if _solid(w)]


def _solid(word: Word) -> bool:
    """A word that places a column: a text layer's, or one OCR read with some confidence holding a
    letter or digit, not the debris a seal, a receipt stamp or a signature leaves in a column gap."""
    return word.conf is None or (word.conf >= DEBRIS_CONFIDENCE and any(c.isalnum() for c in word.text))


def group_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into visual lines (vertical overlap), top to bottom, each left to right."""
    return [line.words for line in _group(words)]


def _group(words: Sequence[Word]) -> list[_Line]:
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        height = max(word.bottom - word.top, 1e-6)
        best, best_overlap = None, 0.0
        for line in lines[-4:]:
            overlap = min(line.bottom, word.bottom) - max(line.top, word.top)
            ratio = overlap / min(height, max(line.height, 1e-6))
            if ratio >= 0.5 and ratio > best_overlap:
                best, best_overlap = line, ratio
        if best is None:
            lines.append(_Line([word], word.top, word.bottom, [word.top], [word.bottom]))
        else:
            best.add(word)
    _rehome_tall(lines)
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    lines.sort(key=lambda ln: (ln.top + ln.bottom) / 2)
    return lines


def _rehome_tall(lines: list[_Line]) -> None:
    """Moves a word whose box a seal, a fold or a stroke stretched upwards (or downwards) from the
    line it was put in to the line below (or above) that holds its foot (or head).

    Words join lines in the order of their box's middle, so a stretched box can reach a line
    above before its own line exists: "Quyết" (box 184–206 pt, its line 193–206) joined the
    heading "QUYẾT ĐỊNH" (175–196) of a real scan, and the title lost its word. A word moves only
    when neither its top nor its foot lies near its line's and the other line takes its whole
    band and one of its edges while it spans only part of its own line's band (a word that spans all of
    its line's band and more, as "Thủy" between its hook and its tail, stays).

    >>> from congvan.ingest.model import Word
    >>> heading = [Word("QUYẾT", 264, 174.5, 321, 196.1), Word("ĐỊNH", 325, 176.3, 361, 192.5)]
    >>> title = [Word("Bãi", 104, 193.6, 124, 203.3), Word("bỏ", 128, 193.3, 141, 203.3), Word("Quyết", 191, 184.3, 226, 206.2),
    ...          Word("định", 229, 193.6, 254, 206.2), Word("số", 258, 190.7, 270, 203.7)]
    >>> [[w.text for w in line] for line in group_lines(heading + title)]
    [['QUYẾT', 'ĐỊNH'], ['Bãi', 'bỏ', 'Quyết', 'định', 'số']]
    """
    if len(lines) < 2:
        return
    moves = []
    for i, line in enumerate(lines):
        for word in line.words:
            if _covers(word, line) >= 0.8 or not _solid(word):
                continue
            for other in lines[max(0, i - 4):i + 5]:
                if other is not line and _covers(word, other) >= 0.8 and sum(map(_solid, other.words)) >= 2 and \
                        min(abs(word.top - other.top), abs(word.bottom - other.bottom)) <= 0.3 * other.height:
                    moves.append((word, line, other))
                    break
    for word, line, other in moves:
        line.drop(word)
        other.add(word)
    lines[:] = [line for line in lines if line.words]


def _covers(word: Word, line: _Line) -> float:
    """The share of the line's band the word's box spans."""
    return (min(line.bottom, word.bottom) - max(line.top, word.top)) / max(line.height, 1e-6)


def _median(values: list[float]) -> float:
    """Median of a sorted list (as `statistics.median`)."""
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _free(line: _Line, min_gap: float) -> list[tuple[float, float]]:
    """The x-ranges of one line without words, at least `min_gap` wide (the two open ends included)."""
    if min_gap not in line.free:
        merged = _merge(line.spans())
        if not merged:  # debris only: no say in where columns part
            line.free[min_gap] = [(-math.inf, math.inf)]
            return line.free[min_gap]
        line.free[min_gap] = [(-math.inf, merged[0][0])] + [
            (a[1], b[0]) for a, b in zip(merged, merged[1:]) if b[0] - a[1] >= min_gap
        ] + [(merged[-1][1], math.inf)]
    return line.free[min_gap]


def _intersect(free: list[tuple[float, float]], other: list[tuple[float, float]], min_gap: float
               ) -> list[tuple[float, float]]:
    """The ranges free in both lists, at least `min_gap` wide (both lists sorted, disjoint)."""
    both, i, j = [], 0, 0
    while i < len(free) and j < len(other):
        start, end = max(free[i][0], other[j][0]), min(free[i][1], other[j][1])
        if end - start >= min_gap:
            both.append((start, end))
        if free[i][1] < other[j][1]:
            i += 1
        else:
            j += 1
    return both


def _bounded(free: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(a, b) for a, b in free if a != -math.inf and b != math.inf]


def _channels(lines: list[_Line], min_gap: float) -> list[tuple[float, float]]:
    """x-ranges free of words in all `lines`, at least `min_gap` wide, with words on both sides.

    The intersection of every line's free ranges (each line's are worked out once).
    """
    free = _free(lines[0], min_gap)
    for line in lines[1:]:
        free = _intersect(free, _free(line, min_gap), min_gap)
    return _bounded(free)


def _is_page_number(line: _Line, page_width: float) -> bool:
    if len(line.words) != 1:
        return False
    word = line.words[0]
    centre = (word.x0 + word.x1) / 2
    return word.text.isdigit() and len(word.text) <= 3 and abs(centre - page_width / 2) < 0.1 * page_width


def _one_side(line: _Line, channel: tuple[float, float]) -> bool:
    solid = [w for w in line.words if _solid(w)]
    return all(w.x1 <= channel[0] for w in solid) or all(w.x0 >= channel[1] for w in solid)


def _widest(free: list[tuple[float, float]]) -> tuple[float, float] | None:
    bounded = _bounded(free)
    return max(bounded, key=lambda c: c[1] - c[0]) if bounded else None


def _left_only(line: _Line, channel: tuple[float, float] | None) -> bool:
    """All of `line` left of the far side of `channel`: a line of the left column alone."""
    return channel is not None and all(w.x1 <= channel[1] for w in line.words if _solid(w))


def _lies_across(line: _Line, before: list[tuple[float, float]], after: list[tuple[float, float]],
                 wide: float, left_goes_on: bool = False) -> bool:
    """True when `line` (OCR'd), all on one side, shuts most of the run's wide channel: a centred
    title ("THÔNG BÁO", "QUYẾT ĐỊNH") under a header whose columns part where it starts.

    `left_goes_on`: in a header run (it began with the agency | national motto line), a line
    set close under the one before it that reaches into the channel from its left (the trích
    yếu under "Số:", wider than the agency's name above it: "V/v triển khai Quyết định
    2450/QĐ-") is the left column going on, not a title."""
    was, now = _widest(before), _widest(after)
    if not _read_by_ocr(line) or was is None or now is None or was[1] - was[0] < wide:
        return False
    if left_goes_on and now[1] == was[1] and min(w.x0 for w in line.words) < was[0] and _one_side(line, now):
        return False
    return now[1] - now[0] < min(NARROWED * (was[1] - was[0]), wide) and _one_side(line, now)


def _confirmed(lines: list[_Line], page_width: float) -> list[tuple[float, float]]:
    """Channels of a run that are real column gaps.

    A channel counts when it is COLUMN_GAP wide or lies inside one line's COLUMN_GAP-wide
    gap, and no line of the run has words on both sides of it across a narrower gap
    (that line is running text, not two columns).
    """
    wide = COLUMN_GAP * page_width
    line_gaps = [_channels([line], wide) for line in lines]

    def inside(channel: tuple[float, float], gaps: list[tuple[float, float]]) -> bool:
        return any(ga <= channel[0] and channel[1] <= gb for ga, gb in gaps)

    def respected(channel: tuple[float, float], line: _Line, gaps: list[tuple[float, float]]) -> bool:
        return _one_side(line, channel) or inside(channel, gaps) or \
            (_read_by_ocr(line) and _upper(line) and inside(channel, _column_like_gaps(line, page_width)))

    return [
        c
        for c in _channels(lines, CHANNEL_GAP * page_width)
        if (c[1] - c[0] >= wide or any(inside(c, g) for g in line_gaps))
        and all(respected(c, line, g) for line, g in zip(lines, line_gaps))
    ]


def _read_by_ocr(line: _Line) -> bool:
    """OCR'd words (they carry a confidence): the rules for scans apply (text layers keep theirs)."""
    return any(w.conf is not None for w in line.words)


def _upper(line: _Line) -> bool:
    """All capitals: the first row of a header (agency | national motto), never running text."""
    letters = [c for w in line.words if _solid(w) for c in w.text if c.isalpha()]
    return len(letters) >= 8 and all(c.isupper() for c in letters)


def _column_like_gaps(line: _Line, page_width: float) -> list[tuple[float, float]]:
    """The gaps of an upper-case line that may part two columns: COLUMN_GAP wide, or SPLIT_GAP
    wide and SPLIT_RATIO times its usual space between words ("THỦ TƯỚNG CHÍNH PHỦ   CỘNG HÒA …"
    set close, a scan's or a text layer's)."""
    merged = _merge(line.spans())
    spaces = sorted(b[0] - a[1] for a, b in zip(merged, merged[1:]))
    if not spaces:
        return []
    usual = spaces[len(spaces) // 2]
    least = min(COLUMN_GAP * page_width, max(SPLIT_GAP * page_width, SPLIT_RATIO * usual))
    return [(a[1], b[0]) for a, b in zip(merged, merged[1:]) if b[0] - a[1] >= least]


def _regions(lines: list[_Line], page_width: float) -> list[tuple[list[_Line], list[tuple[float, float]]]]:
    """Consecutive lines → runs with their column channels (none for plain lines)."""
    typical = statistics.median(ln.height for ln in lines)
    runs: list[tuple[list[_Line], list[tuple[float, float]]]] = []
    i = 0
    gap = CHANNEL_GAP * page_width
    while i < len(lines):
        end, free = i, _free(lines[i], gap)
        header = _upper(lines[i]) and _read_by_ocr(lines[i])  # a scan's agency | national motto line
        while end + 1 < len(lines):
            leap = lines[end + 1].top - lines[end].bottom
            blank = leap > ROW_BAND_HEADER * typical  # a blank line: the header's left column has ended
            before, free = free, _intersect(free, _free(lines[end + 1], gap), gap)  # channels of lines[i : end + 2]
            if leap > MAX_REGION_LEAP * typical or not _bounded(free) or \
                    _lies_across(lines[end + 1], before, free, COLUMN_GAP * page_width, header and not blank) \
                    or (header and blank and _left_only(lines[end + 1], _widest(before))):
                break
            end += 1
        channels = _confirmed(lines[i : end + 1], page_width)
        while not channels and end > i:  # the last lines were running text: give them back
            end -= 1
            channels = _confirmed(lines[i : end + 1], page_width)
        if channels:
            runs.append((lines[i : end + 1], channels))
            i = end + 1
        else:
            runs.append(([lines[i]], []))
            i += 1
    return runs


def _read_region(region: list[_Line], channels: list[tuple[float, float]]) -> list[str]:
    if not channels:
        return [" ".join(w.text for w in line.words) for line in region]
    typical = statistics.median(ln.height for ln in region)
    ocr = sum(map(_read_by_ocr, region)) * 2 > len(region)
    band = ((ROW_BAND_HEADER if _upper(region[0]) else ROW_BAND_OCR) if ocr else ROW_BAND) * typical
    rows: list[list[_Line]] = [[region[0]]]
    for prev, line in zip(region, region[1:]):
        if line.top - prev.bottom > band:
            rows.append([line])
        else:
            rows[-1].append(line)
    out: list[str] = []
    bounds = [-float("inf")] + [(a + b) / 2 for a, b in channels] + [float("inf")]
    for row in rows:
        for left, right in zip(bounds, bounds[1:]):
            for line in row:
                cell = [w.text for w in line.words if left <= (w.x0 + w.x1) / 2 < right]
                if cell:
                    out.append(" ".join(cell))
    return out


def words_to_text(words: Sequence[Word], page_width: float) -> str:
    """Page text in reading order (NFC), one visual line per line; columns read block by block.

    A lone page number centred on the first line (pages 2+) is dropped.
    """
    lines = _group(words)
    if lines and _is_page_number(lines[0], page_width):
        lines = lines[1:]
    if not lines:
        return ""
    out: list[str] = []
    for region, channels in _regions(lines, page_width):
        out.extend(_read_region(region, channels))
    return unicodedata.normalize("NFC", "\n".join(out))
