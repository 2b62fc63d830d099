"""Who a clause tasks, and with what: the role of a list of units in its clause (`role`: given the task, given it
by a closing article, a heading over items, or none), the task after them (`task`), where the clause starts after
an opening adverbial (`clause_start`: "Đối với hồ sơ …, Trung tâm … thực hiện") and the deadline it opens with
(`lead_deadline`: "Trước ngày 20/12/2025, Sở Tài chính tổng hợp …"). The words are `rules/verbs.yaml`'s;
extract.obligations puts the rows together.

>>> from congvan.extract import units
>>> text = "Giao Sở Nội vụ chủ trì, phối hợp với Sở Tư pháp rà soát."
>>> group = units.find(text, "UBND tỉnh Gia Lai")[:1]
>>> role(text, group, clause_start(text, group[0].start), issuer="UBND tỉnh Gia Lai"), task(text, group)
('assigned', 'chủ trì, phối hợp với Sở Tư pháp rà soát.')
"""
from __future__ import annotations

from dataclasses import replace

import regex

from congvan.extract import deadlines, speakers, units
from congvan.extract.unit_lists import strip_titles as _strip_titles
from congvan.extract.verb_rules import rules as _rules
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T


def role(text: str, group: list[units.UnitMention], clause_start: int, article: bool = False,
          issuer: str | None = None) -> str | None:
    """`assigned` (the list is given the task), `article` (given it by a closing article's "… chịu trách nhiệm
    thi hành"), `heading` (tasks follow), or None (object, description)."""
    rules = _rules()
    start, end = group[0].start, group[-1].end
    pre = _strip_titles(fold(text[clause_start:start]))
    post = fold(text[end:])
    m = rules["assign"].search(pre)
    if m and (rules["recounted"].search(text[clause_start:start], timeout=_T)
              or rules["recounted_lead"].search(text[text.rfind(".", 0, start) + 1:start], timeout=_T)):
        return None                     # "… đã có Công văn số … giao X …": an earlier instruction recounted (O7)
    if rules["cooperate_only"].match(post):
        return None                     # "… Sở Công Thương theo chức năng, nhiệm vụ phối hợp thực hiện.": a partner
    if m:
        before = pre[: m.start(1)]
        speaker = before.strip(" ,").rsplit(",", 1)[-1].strip()   # after an opening phrase ("Thực hiện …, X đề nghị")
        if regex.match(r"\s*(?:de|nham)\s[^.;:]*,\s*$", before):
            speaker = ""                # after a purpose: "2. Để đảm bảo tiến độ …, đề nghị Bộ Y tế …" (the issuer asks)
        if m.group(1) in rules["assign_start_only"] and speaker and not speakers.issuer_speaks(speaker, issuer) \
                and not speakers.leader_speaks(speaker):
            return None
        return "assigned"
    heading_form = rules["heading_tail"].match(post)
    topic = rules["heading_lead"].match(pre.strip(" ,:;"))
    if heading_form and topic:
        return "heading"                # "7. Trách nhiệm của các sở, ban, ngành, UBND các xã, phường"
    if topic and rules["verb"].match(post):
        return "assigned"               # the clause's topic acts: "1. Đối với các sở, ban, ngành báo cáo theo phụ lục 1"
    if rules["object"].search(pre):
        return None
    if rules["owing"].match(post) and len(pre.split()) <= 6:
        return "assigned"               # "X đến nay chưa có báo cáo …, khẩn trương gửi báo cáo …"
    if rules["negation"].match(post) or rules["accountable"].match(post) \
            or rules["recounted_after"].match(text[end:], timeout=_T):
        return None                     # "… ban hành Quyết định số 10797/QĐ-HĐTĐ …": issued already (O7)
    if heading_form and not pre.strip(" ,:;"):
        return "heading"
    if rules["verb"].match(post) and len(pre.split()) <= 6:
        return "assigned"
    if rules["qualified"].match(post) and len(pre.split()) <= 6 and any(" cac " in f" {fold(m.unit)} " for m in group):
        return "assigned"               # "UBND các tỉnh, thành phố có dự án đi qua chủ động phối hợp …"
    # "Điều 3. Chánh Văn phòng …, Giám đốc Sở …, Thủ trưởng các cơ quan … chịu trách nhiệm thi hành …"
    if article and _ARTICLE_TASK.match(post):
        return "article"
    return None


_ARTICLE_TASK = regex.compile(r"^[^.]{0,600}?\b(?P<task>chiu trach nhiem (?:thi hanh|thuc hien|to chuc thuc hien)"
                              r"|to chuc thuc hien|can cu quyet dinh (?:nay )?(?:thi hanh|thuc hien)|thi hanh quyet dinh nay)\b")


def task(text: str, group: list[units.UnitMention], article: bool = False) -> str:
    """The task after the units; in a closing article, from its verb on: "Điều 3. Chánh Văn phòng …; Chủ tịch UBND
    các huyện, thị xã, thành phố thuộc tỉnh; Các thành viên Tổ công tác … chịu trách nhiệm thi hành …" (757/QĐ-UBND
    Quảng Ninh) → "chịu trách nhiệm thi hành …", not "thuộc tỉnh; Các thành viên …"."""
    rest = text[group[-1].end:]
    folded = fold(rest)
    if _rules()["heading_tail"].fullmatch(folded.rstrip(" .")):   # "4. Các Sở Xây dựng nêu trên": a heading
        return ":" if rest.rstrip().endswith(":") else ""
    verb = _ARTICLE_TASK.match(folded) if article else None
    if verb:
        rest = rest[verb.start("task"):]
    rest = regex.sub(r"^\s*(?:\([^)]{0,80}\))?\s*[:,]?\s*", "", rest)
    return rest.strip()


def lead_deadline(text: str, position: int):
    """The deadline that opens the clause of the units at `position`, before them and a comma: "Trước ngày
    20/12/2025, Sở Tài chính tổng hợp …" → 2025-12-20; "Hằng tháng, các sở, ban, ngành báo cáo …" → recurring.

    >>> lead_deadline("Trước ngày 20/12/2025, Sở Tài chính tổng hợp.", 23).date
    '2025-12-20'
    >>> lead_deadline("Hằng tháng, trước ngày 20, các sở báo cáo.", 27).text
    'Hằng tháng, trước ngày 20'
    >>> lead_deadline("Ngày 03 tháng 8 năm 2012, Thông tấn xã Việt Nam có tin.", 26)
    """
    before = text[clause_cut(text, position):position]
    found = deadlines.find(before)
    if not found or not regex.fullmatch(r"(?:[^,]{0,40}?,\s*){1,2}(?:(?:" + units.verb_words("titles") + r")\s+)?",
                                        fold(before[found[-1].end:]), timeout=_T):
        return None
    dated = [d for d in found if d.date]
    if dated:
        return dated[-1]
    comma = before.rfind(",")             # a recurring one, as written: "Hằng tháng, trước ngày 20"
    return replace(found[0], text=before[found[0].start:comma].strip(), end=comma)


def clause_cut(text: str, position: int) -> int:
    """Where the clause holding `position` starts: after the last '.', ';' or ':' before it (0: none).

    >>> clause_cut("Sở A rà soát; chậm nhất ngày 15/01/2026, Sở B gửi.", 40)
    13
    """
    return max(text.rfind(c, 0, position) for c in ".;:") + 1


def clause_start(text: str, position: int) -> int:
    """Where the clause of the unit at `position` starts, after an opening adverbial ("Đối với …, X thực hiện")."""
    start = clause_cut(text, position)
    comma = text.rfind(",", start, position)
    if comma >= 0 and _rules()["intro"].match(fold(text[start:comma]).strip()):
        return comma + 1
    return start
