"""Obligations (nhiệm vụ được giao): "Giao Sở Nội vụ … trình UBND tỉnh trước ngày 30/7/2021".

One row per (task, assigned unit, deadline). The forms, each a rule in `rules/verbs.yaml`:

* a verb before the units: `Giao X …`, `Yêu cầu X …`, `Đề nghị X …` (clause start, or after the
  issuer's own name: "Bộ Nội vụ trân trọng đề nghị X …");
* units as the subject of a task verb: `X chủ trì …`, `Bộ trưởng Bộ X chỉ đạo …` (a title stands for
  its unit), `Các Bộ: A, B theo chức năng, nhiệm vụ được giao khẩn trương …`, `Điều 3. Chánh Văn
  phòng …, Giám đốc các Sở … chịu trách nhiệm thi hành`;
* units as a heading whose tasks follow as items (`1. Ủy ban nhân dân tỉnh Đồng Nai:`, `7. Trách
  nhiệm của các sở, ban, ngành`); a heading with no items tasks its units with its own words;
* a lead-in tasking "các cơ quan, đơn vị" gives its items to every addressee (extract.addressees).

Units named by their form (extract.unit_forms) are units too. Units after `phối hợp với`, `gửi về`,
`báo cáo` … are objects; address blocks, generic closings, conditional instructions ("Trường hợp …")
and annexes describing how a procedure runs assign nothing. A task runs from its units to the next
sentence naming other assignees; each of its sentences gives its own deadline or none (GOLD.md O5),
a "Thời hạn hoàn thành:" label dates the whole item, and a dated heading dates the items under it.

>>> from congvan.ingest.model import Document, Page
>>> from congvan.extract.model import Header
>>> doc = Document("x", "x.pdf", (Page(1, "2. Giao Sở Nội vụ\\n- Xây dựng Kế hoạch, trình UBND tỉnh trước ngày 30/7/2021.", "text"),))
>>> [(o.unit, o.deadline, o.clause) for o in find(doc, Header(issuer="UBND tỉnh Đắk Lắk"))]
[('Sở Nội vụ', '2021-07-30', '2')]
"""
from __future__ import annotations

from dataclasses import replace

import regex

from congvan.extract import addressees, clauses, deadlines, unit_aliases, units
from congvan.extract.model import Header, Obligation
from congvan.extract.items import Part as _Part
from congvan.extract.items import child_of as _child_of
from congvan.extract.items import clause as _clause
from congvan.extract.items import joined as _joined
from congvan.extract.items import part as _part
from congvan.extract.items import sentences as _sentences
from congvan.extract.text import Line, paragraphs
from congvan.extract.unit_lists import unit_lists as _unit_lists
from congvan.extract.unit_lists import listed_across as _listed_across
from congvan.extract.unit_lists import units_only as _units_only
from congvan.extract.verb_rules import rules as _rules
from congvan.ingest.model import Document
from congvan.ingest.textnorm import fold
from congvan.rules import TIMEOUT as _T

# what a report states under a unit, not a task: "Sở Nội vụ: 26,9%", "+ Có 2/14 cơ quan, đơn vị đạt …", "Kết quả khảo
# sát đối với 02 đơn vị …" (an appraisal report's results)
_FIGURES = regex.compile(r"(?i)\s*(?:[-+•]\s*)?(?:\d+(?:[.,]\d+)?\s*%|có\s+\d|kết\s+quả\s|\d+\s+(?:/\s*\d+\s+)?"
                         r"(?:nhiệm\s+vụ|đơn\s+vị|cơ\s+quan|hồ\s+sơ|TTHC|thủ\s+tục|văn\s+bản|kiến\s+nghị)\b)")
_CRITERION_CODE = regex.compile(r"(?i)\b(?:tiêu\s+chí(?:\s+thành\s+phần)?|TC|lĩnh\s+vực)\s+(\d{1,2}(?:\.\d{1,2}){0,2})\b")


def _rows(group, task: str, part: _Part, clause: str | None, offset: int, inherited=None,
          item=None) -> list[Obligation]:
    chosen_all = deadlines.for_task(task)
    if item is not None:                    # "Thời hạn hoàn thành: …" dates every task of the item
        chosen_all = [d if d and d.date else item for d in chosen_all]
    if inherited is not None and not any(d and d.date for d in chosen_all):
        chosen_all = [inherited]            # an item detailing a dated heading ("…, hoàn thành trong tháng 11, cụ thể:")
    codes = tuple(dict.fromkeys(m.group(1) for m in _CRITERION_CODE.finditer(task, timeout=_T)))
    page, s, e = part.paragraph.span(offset, offset + len(task))
    return [
        Obligation(unit=m.unit, unit_mention=m.mention, action=task.strip(" ;./") or part.body.strip(),
                   deadline=chosen.date if chosen else None, deadline_text=chosen.text if chosen else None,
                   recurring=bool(chosen and chosen.recurring), criteria=codes, page=page, start=s, end=e,
                   clause=clause)
        for chosen in dict.fromkeys(chosen_all) for m in group
    ]


def _dated(task: str):
    return next((d for d in deadlines.find(task) if d.date), None)


_RANK = {"trung ương": 0, "bộ": 0, "tỉnh": 1, "sở": 2, "huyện": 3}


def _assignable(mentions: list[units.UnitMention], issuer: str | None) -> list[units.UnitMention]:
    """The mentions of units this issuer can task: not itself or a unit above it, never the Government's leadership."""
    never = _rules()["never"]
    return [m for m in mentions if not _not_assignable(m.unit, issuer, m.mention) and m.unit not in never]


def _not_assignable(unit: str, issuer: str | None, mention: str = "") -> bool:
    """The issuer itself (also as written: "Thuế tỉnh Tây Ninh trả lời …" in its own letter), or a unit above
    it: a city's plan cannot give the province a task."""
    if not issuer:
        return False
    if fold(mention) == fold(issuer):
        return True
    def short(name: str) -> str:
        return fold(name).replace("hoi dong nhan dan", "hdnd").replace("uy ban nhan dan", "ubnd")

    u, i = short(unit), short(issuer)
    if u == i or (i.startswith(u) and u.split()[0] in ("ubnd", "hdnd", "so") and (len(u.split()) >= 2 or u != "so")):
        return True
    levels = {x.name: x.level for x in units.registry()}
    if levels.get(units.canonical(issuer)) in ("bộ", "trung ương"):
        return False            # a central issuer (Thủ tướng, a Bộ, Văn phòng Chính phủ) may task any unit
    level, scope = levels.get(unit), units.scope_of(issuer)
    # a district's Phòng ranks with its district ("Đề nghị Sở Nội vụ hướng dẫn …" in its report asks upwards); an
    # issuer of no known rank (Công an tỉnh, Bảo hiểm xã hội tỉnh, Tỉnh ủy, a Hội đồng …) may ask any unit
    rank = _RANK.get(scope, _RANK["huyện"] if fold(issuer).startswith("phong ") else None)
    return rank is not None and level in _RANK and _RANK[level] < rank


def _table_words(document: Document) -> dict[int, set[str]]:
    """Per page, the words printed inside its tables (their rows are read by extract.criteria)."""
    return {p.number: {w for t in p.tables for row in t for c in row if c for w in fold(c).split()}
            for p in document.pages if p.tables}


def _inside_table(line: Line, table_words: dict[int, set[str]]) -> bool:
    words = fold(line.text).split()
    cells = table_words.get(line.page)
    return bool(cells and words) and sum(w in cells for w in words) >= 0.8 * len(words)


def find(document: Document, header: Header) -> list[Obligation]:
    """Every (task, unit) assignment of the running text, in reading order (tables: extract.criteria)."""
    issuer = header.issuer
    rules = _rules()
    out: list[Obligation] = []
    in_tables = _table_words(document)
    parts = [_part(p) for p in _joined(paragraphs(document, skip=lambda line: _inside_table(line, in_tables)))]
    skipped, addressed = addressees.blocks([(p.kind, p.paragraph.text) for p in parts], issuer)
    aliases = unit_aliases.defined("\n".join(p.paragraph.text for p in parts), issuer)
    addressed = _assignable(addressed, issuer)
    aliases += unit_aliases.addressed("\n".join(p.paragraph.text for p in parts), addressed)   # "Quý cơ quan"
    stack: dict[int, str] = {}
    inherited: list[tuple[_Part, tuple]] = []     # open headings: (part, (units, date, task, at, clause))
    used: set[int] = set()                        # headings whose items took their units
    owning: set[int] = set()                      # "list" headings with an item that names its own units
    in_procedure = False
    in_article = False                            # in the text of a Điều, not in a numbered item of it
    for index, part in enumerate(parts):
        if rules["annex"].match(part.paragraph.text):
            in_procedure = bool(rules["procedure_annex"].match(part.paragraph.text))
        if index in skipped or in_procedure:      # an annex describing how a procedure runs assigns nothing
            continue
        if part.kind and part.level <= 4:
            stack = {k: v for k, v in stack.items() if k < part.level}
            stack[part.level] = part.marker
        closed = [(h, g) for h, g in inherited if not _child_of(h, part)]
        inherited = [(h, g) for h, g in inherited if _child_of(h, part)]
        out += [row for h, g in closed if id(h) not in used for row in _own_rows(h, g)]
        if part.kind is not None:       # a plain paragraph after "Điều 3." (or "… có hiệu lực …") is still the article's:
            in_article = part.kind == "dieu"        # "Chánh Văn phòng …, Giám đốc các Sở … chịu trách nhiệm thi hành"
        body = part.body
        if not body:
            continue
        closing = bool(rules["closing"].match(body))  # its later sentences may still task someone
        clause = _clause(stack)
        out += _labelled_leads(parts, index, issuer, aliases, clause)
        heading_date = inherited[-1][1][1] if inherited else None
        own = False
        pending_heading = None
        for group, task, at, lead in _assignments(body, in_article, issuer, aliases):
            group = addressees.named_members(group, addressed, body)
            own = True
            if not task or task.endswith(":"):
                pending_heading = (group, _dated(task) if task else lead, task, at, clause)  # tasks follow as items
            else:                               # "- UBND các phường, xã: Rà soát …" has its task inline
                out += _rows(group, task, part, clause, part.body_start + at, inherited=heading_date,
                             item=lead or deadlines.for_item(body))
        head = inherited[-1][0] if inherited else None
        # a "list" heading's item is its units' task when it opens with a task verb ("1. Báo cáo …"), not when
        # it tells something ("1. Trong thời gian qua, nước ta đã …": the heading's own words are the task)
        takes = head is not None and not own and not closing and id(head) not in owning and not _FIGURES.match(body) \
            and (head.kind != "list" or bool(rules["verb"].match(" " + fold(body))))
        if head is not None and (head.kind != "list" or own or takes):
            used.add(id(head))
        if own and head is not None and head.kind == "list":
            owning.add(id(head))
        if takes:
            out += _rows(inherited[-1][1][0], _until_closing(body), part, clause, part.body_start,
                         inherited=heading_date)
        if pending_heading:
            inherited.append((_list_heading(part, parts[index + 1:index + 2]), pending_heading))
        elif not own and part.kind in (None, "dash") and addressed and addressees.generic_lead(body):
            inherited.append((_Part(part.paragraph, "lead", None, 0, 0), (addressed, None)))
    out += [row for h, g in inherited if id(h) not in used for row in _own_rows(h, g)]
    return _dedupe(out)


def _list_heading(part: _Part, following: list[_Part]) -> _Part:
    """A plain paragraph that names units and ends in ':' is a "list" heading when numbered items follow it:
    "Bộ Nội vụ đề nghị các Bộ, ngành, địa phương:" over "1. Báo cáo …", "2. Gửi báo cáo … trước ngày …" (each
    item a task of those units, GOLD.md O5) down to the first item's level; an item naming units of its own
    makes it a preamble ("Thủ tướng Chính phủ yêu cầu … thực hiện các nhiệm vụ sau:" over "1. Bộ Tài chính …"),
    and its later items inherit nothing. Under other headings only bullets and lettered items are its items."""
    if part.kind is not None or not following or following[0].kind != "arabic":
        return part
    return _Part(part.paragraph, "list", None, following[0].level - 1, part.body_start)


_ITEM_LINES = (None, "dash", "plus")   # the lines of an item under its numbered heading
_CONTENT = regex.compile(r"(?i)^\s*(?:nội\s+dung(?:\s+công\s+việc)?|nhiệm\s+vụ)\s*:\s*")


def _labelled_leads(parts: list[_Part], index: int, issuer: str | None, aliases: list[tuple[str, str]],
                    clause: str | None) -> list[Obligation]:
    """The units a labelled line names as in charge of its item (GOLD.md O1), with the item's task and date:

        2. Rà soát thủ tục hành chính
        - Cơ quan chủ trì: Sở Tư pháp; cơ quan phối hợp: các sở, ngành.
        - Thời gian hoàn thành: tháng 6/2026.

    gives (Sở Tư pháp, 2026-06-30) for "Rà soát thủ tục hành chính". The task is the text before the label
    in its paragraph, else the numbered heading above; the date is a "Thời gian/Thời hạn …:" line of the
    same item (`deadlines.for_item`), read as a "Thời gian hoàn thành" cell (a year is its last day; "Thường
    xuyên" none).
    """
    rules = _rules()
    part = parts[index]
    body = part.body
    label = rules["lead_label"].search(body, timeout=_T)
    if not label:
        return []
    named = regex.split(r"[;.]", body[label.end():], maxsplit=1)[0]
    group = _assignable([m for lst in _unit_lists(named, issuer, aliases) for m in lst], issuer)
    if not group:
        return []
    task, task_part = body[:label.start()].strip(" .;:"), part
    if not regex.search(r"\w", task):          # the label opens its line: the task is above it
        task, heading = "", index - 1
        while heading >= 0 and parts[heading].kind in _ITEM_LINES and not _CONTENT.match(parts[heading].body):
            heading -= 1                        # back to a "Nội dung: …" line of the item, or its heading
        if heading >= 0:
            task_part = parts[heading]
            task = task_part.body.strip(" .;:")
    task = _CONTENT.sub("", task)
    if not task:
        return []
    item = [body[label.end():]]
    for later in parts[index + 1:]:
        if later.kind not in _ITEM_LINES or rules["lead_label"].search(later.body, timeout=_T):
            break
        item.append(later.body)
    date = deadlines.for_item(" ".join(item), lines=True)
    page, s, e = task_part.paragraph.span(task_part.body_start, task_part.body_start + len(task))
    return [Obligation(unit=m.unit, unit_mention=m.mention, action=task, deadline=date.date if date else None,
                       deadline_text=date.text if date else None, recurring=bool(date and date.recurring),
                       criteria=(), page=page, start=s, end=e, clause=clause) for m in group]


def _closes(sentence: str) -> bool:
    """A generic closing ("… thông báo để … biết, thực hiện"), or a sentence that only restates the tasks
    given above ("… khẩn trương triển khai hiệu quả các nhiệm vụ nêu trên"): GOLD.md O3."""
    rules = _rules()
    return bool(rules["closing"].search(sentence)
                or rules["restates"].search(sentence) and not rules["restates_unless"].search(sentence))


def _until_closing(body: str) -> str:
    """An item's text up to a closing or conditional sentence ("Văn phòng Chính phủ thông báo để … biết")."""
    rules = _rules()
    for s_text, s_off in _sentences(body):
        if s_off and (_closes(s_text) or rules["conditional"].match(fold(s_text))):
            return body[:s_off].rstrip()
    return body


def _own_rows(heading: _Part, pending: tuple) -> list[Obligation]:
    """A heading whose items name no task of theirs still tasks its units with its own words:
    "Bộ Nội vụ trân trọng đề nghị Ban Tuyên giáo …, Bộ Văn hóa … chỉ đạo …, cụ thể như sau:"."""
    if len(pending) < 5 or len(pending[2].split()) < 4 or _rules()["generic_task"].search(fold(pending[2])):
        return []
    group, _, task, at, clause = pending
    return _rows(group, task, heading, clause, heading.body_start + at)


def _assignments(body: str, article: bool, issuer: str | None, aliases: list[tuple[str, str]] = ()
                 ) -> list[tuple[list, str, int, object]]:
    """(unit list, its task, where the task starts, the deadline written before the units) for each assigned
    list of a paragraph.

    A task runs from its units to the next sentence that names other assignees, so the later
    sentences of an item ("…; báo cáo Thủ tướng Chính phủ trong tháng 11 năm 2025") stay with it.
    A deadline may open the clause, before its units: "Trước ngày 20/12/2025, Sở Tài chính tổng hợp …",
    "Hằng tháng, các sở, ban, ngành báo cáo …" (`clauses.lead_deadline`).
    """
    rules = _rules()
    hits, stops = [], []
    pieces = _sentences(body, keep_semicolons=article)
    if len(pieces) > 1 and len(body) < 300 and ";" in body and _units_only(body, issuer, aliases):
        pieces = [(body, 0)]            # a heading naming units across ';': "3. Các sở, ban, ngành; UBND các xã, phường"
    elif len(pieces) > 1 and ";" in body:
        pieces = _listed_across(pieces, body, issuer, aliases)
    for s_text, s_off in pieces:
        if _closes(s_text) or rules["conditional"].match(fold(s_text)):
            stops.append(s_off)             # a generic closing or a conditional instruction (GOLD.md O3)
            continue
        for group in _unit_lists(s_text, issuer, aliases):
            group = _assignable(group, issuer)
            if not group:
                continue
            start = clauses.clause_start(s_text, group[0].start)
            role = clauses.role(s_text, group, start, article=article, issuer=issuer)
            if role is None:
                continue
            task = clauses.task(s_text, group, article=role == "article")
            if role == "heading" and _FIGURES.match(task):
                continue                    # "Sở Nội vụ: 26,9%", "…: Có 2/14 cơ quan đạt …": figures, no task
            at = s_off + (s_text.rfind(task) if task else len(s_text))
            lead = clauses.lead_deadline(s_text, group[0].start)
            own = s_off + clauses.clause_cut(s_text, group[0].start)   # its clause, after a ';'
            group = [replace(m, start=m.start + s_off, end=m.end + s_off) for m in group]   # where they stand in `body`
            hits.append((group, role, at, s_off, s_off + len(s_text), lead, own))
        if s_text.rstrip().endswith(":") and not any(h[3] == s_off for h in hits):
            stops.append(s_off)             # a lead-in to the items below ("… như sau:") is not this task
    out = []
    for group, role, at, s_start, s_end, lead, _ in hits:
        end = min([h[3] for h in hits if h[3] > s_start] + [x for x in stops if x > s_start]
                  + [h[6] for h in hits if h[3] == s_start and h[6] > at], default=None)   # "…; chậm nhất …, B gửi …"
        own_text = body[at:s_end].strip()
        if not own_text or own_text.endswith(":"):    # a heading: its tasks follow as items
            end = s_end
        out.append((group, body[at:end if end is not None else len(body)].strip(), at, lead))
    return out


def _same_collective(rows: list[Obligation]) -> list[Obligation]:
    """In one document a shorter collective is the longer one it begins: "Các Bộ, cơ quan ngang bộ" is
    "Các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ" when the document also names that one."""
    names = {o.unit for o in rows}
    longer = {u: max((v for v in names if fold(v).startswith(fold(u) + ",")), key=len, default=u) for u in names}
    return [replace(o, unit=longer[o.unit]) if longer[o.unit] != o.unit else o for o in rows]


def _dedupe(rows: list[Obligation]) -> list[Obligation]:
    seen, out = set(), []
    for o in _same_collective(rows):
        key = (o.unit, o.action, o.deadline)
        if key not in seen:
            seen.add(key)
            out.append(o)
    return out
