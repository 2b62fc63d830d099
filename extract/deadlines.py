"""Deadlines (thời hạn): "trước ngày 17/7/2021" → 2021-07-17; "trong năm 2022" → 2022-12-31.

A deadline needs a trigger word (trước, chậm nhất, hạn, hoàn thành, trong …): a bare
date in the text is a citation or an event. Months, quarters and years give their last
day; relative deadlines ("trong thời hạn 03 ngày làm việc kể từ …") and recurring ones
("chậm nhất vào 10 giờ ngày 15 của tháng cuối kỳ báo cáo", "hằng tháng") keep their
text with no date. Patterns: `rules/deadlines.yaml`.

>>> [(d.date, d.text) for d in find("gửi về Sở Nội vụ trước ngày 17/7/2021, để tổng hợp")]
[('2021-07-17', 'trước ngày 17/7/2021')]
>>> find("Thực hiện Quyết định số 1337/QĐ-UBND ngày 14/06/2022 của UBND tỉnh")
[]
"""
from __future__ import annotations

import calendar
from datetime import date

import regex

from congvan.extract.items import sentences
from congvan.extract.model import Deadline
from congvan.rules import TIMEOUT as _T
from congvan.rules import pattern

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_KEYS = ("period", "recurring", "relative", "date", "month", "quarter", "half", "year")   # in the order they take text
_RECURRING_TRIGGER = regex.compile(r"(?i)(?<!\w)(?:chậm\s+nhất|trước|vào|đến)(?=\s)")
_DAY_KEYS = _KEYS[:4]   # an ongoing task's: no month, quarter or year (`for_task`)


def _valid(y: int, m: int, d: int | None = None) -> str | None:
    try:
        if d is None:
            d = calendar.monthrange(y, m)[1]
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _dated(match, key: str) -> str | None:
    g = match.groupdict()
    if key == "date":
        d, m, y = (g["d"], g["m"], g["y"]) if g.get("y") else (g["d2"], g["m2"], g["y2"])
        return _valid(int(y), int(m), int(d))
    if key == "month":                   # "trước tháng 6/2026": the month before it is the last
        y, m = int(g["y"]), int(g["m"])
        if g.get("before"):
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        return _valid(y, m)
    if key == "quarter":
        q = g["q"].upper()
        q = _ROMAN.get(q) or int(q)
        return _valid(int(g["y"]), 3 * q)
    if key == "half":
        return _valid(int(g["y"]), 6 if g["h"].lower() == "đầu" else 12)
    if key == "year":
        return _valid(int(g["y"]), 12)
    return None


def find(text: str, keys: tuple[str, ...] = _KEYS) -> list[Deadline]:
    """Every deadline phrase in `text`, in order, without overlaps (recurring wins); `keys`: the kinds
    of phrase looked for (`rules/deadlines.yaml` patterns)."""
    if not text or len(text) > 100_000:
        return []
    found: list[Deadline] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for key in keys:
        for m in pattern("deadlines", key).finditer(text, timeout=_T):
            s, e = m.span()
            if key == "recurring":
                s = text.rfind(" ", 0, s + 1) + 1 if s else s
                triggers = list(_RECURRING_TRIGGER.finditer(text, s, e, timeout=_T))
                s = triggers[-1].start() if triggers else s   # "… về UBND tỉnh trước 15 giờ hằng ngày": from its trigger
            if not free(s, e):
                continue
            if key == "period":              # "có hiệu lực từ … đến hết ngày …": its dates are no deadline
                taken.append((s, e))
                continue
            if key in ("recurring", "relative"):
                found.append(Deadline(None, text[s:e].strip(" ,;"), key == "recurring", s, e))
            else:
                iso = _dated(m, key)
                if iso is None:
                    continue
                found.append(Deadline(iso, text[s:e].strip(" ,;"), False, s, e))
            taken.append((s, e))
    return sorted(found, key=lambda d: d.start)


def in_cell(text: str) -> list[Deadline]:
    """Deadlines in a "Thời gian hoàn thành" cell, where the column itself is the trigger.

    >>> [d.date for d in in_cell("Tháng 4/2024")], [d.date for d in in_cell("30/11/2024")]
    (['2024-04-30'], ['2024-11-30'])
    """
    for prefix in ("", "trong ", "hạn "):
        found = find(prefix + text)
        if found:
            return [Deadline(d.date, text.strip(), d.recurring, 0, len(text)) for d in found]
    return []


def for_task(task: str) -> list:
    """The deadline of each sentence of a task (GOLD.md O5): its dates, or its undated phrase, or None.

    A sentence that opens with "Thường xuyên" is an ongoing task (O6: open, no date): a month, quarter
    or year in it names the period it works on ("Thường xuyên theo dõi, đôn đốc … giải ngân vốn ngân sách
    nhà nước trong năm 2026"), not a date to finish by; a day it names is still a deadline.

    >>> [d.date if d else None for d in for_task("Rà soát thiệt hại. Báo cáo trước ngày 30/11/2025.")]
    [None, '2025-11-30']
    >>> for_task("c) Thường xuyên theo dõi, đôn đốc giải ngân vốn ngân sách nhà nước trong năm 2026.")
    [None]
    >>> [d.date for d in for_task("Đăng ký trước ngày 22/12/2011. Thời gian tổ chức Hội thi ngày 30/12/2011.")]
    ['2011-12-22']

    A date after "để" (what the task is for) is another's, once the task has its own: "báo cáo trước ngày
    20/12/2025 để UBND tỉnh báo cáo Bộ Nội vụ trước ngày 25/12/2025" gives 2025-12-20 only.
    """
    out = []
    for sentence, _ in sentences(task, keep_semicolons=True):
        if out and pattern("deadlines", "event_sentence").match(sentence, timeout=_T):
            continue                    # "Thời gian tổ chức Hội thi ngày 30/12/2011": when the event is, no task
        found = find(sentence, _DAY_KEYS if pattern("deadlines", "ongoing").match(sentence, timeout=_T) else _KEYS)
        dated = [d for d in found if d.date]
        purpose = regex.search(r"(?<!\w)để(?!\w)", sentence[dated[0].end:], timeout=_T) if dated else None
        if purpose:                     # "… trước ngày 20/12/2025 để UBND tỉnh báo cáo Bộ Nội vụ trước ngày 25/12/2025":
            cut = dated[0].end + purpose.start()   # a date of what the task is for is not the task's
            dated = [d for d in dated if d.start < cut]
        out += dated or [found[0] if found else None]
    return out


def for_item(body: str, lines: bool = False):
    """The date a label gives a whole item: "Thời hạn hoàn thành: trước ngày 30/11/2025" (or None); `lines`:
    the item's own lines may date it too ("Thời gian thực hiện: Quý III/2026", rules/deadlines.yaml `item_line`).

    >>> for_item("A rà soát. B báo cáo. Thời hạn hoàn thành: trước ngày 30/11/2025.").date
    '2025-11-30'
    >>> for_item("Sở Nội vụ. Thời gian thực hiện: Quý III/2026."), for_item("Sở Nội vụ. Thời gian thực hiện: Quý III/2026.", lines=True).date
    (None, '2026-09-30')
    """
    labels = [m for key in ("item_label", "item_line")[: 2 if lines else 1]
              if (m := pattern("deadlines", key).search(body, timeout=_T))]
    m = min(labels, key=lambda f: f.start(), default=None)   # the first label, as one alternation would find it
    found = in_cell(m.group("when")) if m else []
    return next((d for d in found if d.date), None)
