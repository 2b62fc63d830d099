"""Task lists per unit (danh sách nhiệm vụ theo đơn vị): obligations → XLSX, CSV, Markdown, ICS.

A clerk of Sở Nội vụ wants the tasks the corpus gives her unit: hạn (deadline), nhiệm vụ
(task), nguồn (số ký hiệu, ngày, cơ quan ban hành), trang, tiêu chí, số ngày còn lại.

    >>> db = sqlite_utils.Database(memory=True)
    >>> from congvan.db import schema; schema.create(db); create_views(db)
    >>> _ = db["units"].insert({"name": "Sở Nội vụ", "aliases": '["SNV"]', "level": "sở"})
    >>> resolve_unit(db, "snv"), resolve_unit(db, "SO NOI VU")
    ('Sở Nội vụ', 'Sở Nội vụ')
    >>> slug("Phòng Kế hoạch - Tài chính - Tổng hợp")
    'phong-ke-hoach-tai-chinh-tong-hop'

The SQL views the exports and Datasette read are in db/views.py.
"""
from __future__ import annotations

import csv
import difflib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import regex

from congvan.rules import TIMEOUT
import sqlite_utils

from congvan.db.register import FINISHED, criteria_display
from congvan.ingest.errors import Status
from congvan.db.views import VIEWS, create_views, pdf_url_sql  # noqa: F401  (the SQL views, re-exported)
from congvan.ingest.textnorm import fold

FORMATS = ("xlsx", "csv", "md", "ics")



class UnknownUnit(LookupError):
    """A unit name that neither the registry nor the stored tasks know; `suggestions` are close names."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name, self.suggestions = name, suggestions
        hint = f" Có phải: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f'Không có đơn vị "{name}".{hint} '
                         "Xem danh sách đơn vị trên trang chủ (congvan serve) hoặc trong bảng units.")


@dataclass(frozen=True, slots=True)
class Task:
    """One row of a unit's task list (nhiệm vụ), with where it was read."""

    unit: str
    action: str
    deadline: date | None
    deadline_text: str | None
    days_left: int | None
    reference: str | None
    issued_date: str | None
    issuer: str | None
    doc_type: str | None
    path: str
    page: int | None
    clause: str | None
    criteria: tuple[str, ...]
    recurring: bool
    task_id: str | None = None
    status: str = "đang thực hiện"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def source(self) -> str:
        """'001/UBND-KSTTHC ngày 2021-07-06, UBND tỉnh Đắk Lắk' (parts the document states)."""
        head = self.reference or self.path
        if self.issued_date:
            head += f" ngày {self.issued_date}"
        return f"{head}, {self.issuer}" if self.issuer else head


def _names(db: sqlite_utils.Database) -> dict[str, set[str]]:
    """canonical name → the names it is known by (itself, aliases), from `units` and the tasks."""
    names: dict[str, set[str]] = {}
    for row in db.query("select name, aliases from units"):
        names.setdefault(row["name"], {row["name"]}).update(json.loads(row["aliases"] or "[]"))
    for row in db.query("select distinct unit from obligations where unit is not null"):
        names.setdefault(row["unit"], {row["unit"]})
    return names


def resolve_unit(db: sqlite_utils.Database, name: str) -> str:
    """The canonical unit for a name as a user types it (any case, with or without marks, an alias).

    Raises UnknownUnit with close matches (on folded names) when nothing fits.
    """
    from congvan.extract.units import canonical

    wanted = regex.sub(r"\s+", " ", name).strip()
    names = _names(db)
    key = fold(canonical(wanted))
    exact = sorted(n for n, known in names.items() if key == fold(n))
    alias = sorted(n for n, known in names.items() if key in {fold(k) for k in known})
    hits = exact or alias
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        with_tasks = {r["unit"] for r in db.query("select distinct unit from obligations")}
        busy = [h for h in hits if h in with_tasks]
        if len(busy) == 1:
            return busy[0]
        raise UnknownUnit(name, hits)
    by_fold: dict[str, str] = {}
    for canonical_name, known in names.items():
        for k in known:
            by_fold.setdefault(fold(k), canonical_name)
    close = difflib.get_close_matches(key, list(by_fold), n=8, cutoff=0.6)
    suggestions = list(dict.fromkeys(by_fold[c] for c in close))[:5]
    raise UnknownUnit(name, suggestions)


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def tasks_for_unit(db: sqlite_utils.Database, unit: str, *, today: date | None = None,
                   dedupe: bool = True) -> list[Task]:
    """The tasks of one canonical unit, dated ones first by deadline, then the undated.

    With `dedupe`, a document saved as several files (digital, scan, signed copy) gives each
    task once: from its primary copy (db/register.py: text layer before OCR) when the files
    were grouped as one document, and otherwise from the first file in path order, a task
    being dropped when one already kept has the same deadline, page and clause and an action
    at least 90 % alike once folded (OCR slips). Each task carries its stable id and status.
    """
    today = today or date.today()
    primary = "and coalesce(c.is_primary, 1) = 1" if dedupe else ""
    rows = db.query(
        f"""select o.*, d.reference, d.issued_date, d.issuer, d.doc_type, d.path, t.task_id,
                   coalesce(s.status, 'đang thực hiện') as status
            from obligations o join documents d on d.id = o.document_id
            left join document_copies c on c.document_id = o.document_id
            left join obligation_tasks t on t.obligation_id = o.id
            left join task_status s on s.task_id = t.task_id
            where o.unit = ? and d.status != '{Status.REMOVED}' {primary}
            order by o.deadline is null, o.deadline, d.path, o.page, o.id""", [unit])
    tasks = []
    for r in rows:
        deadline = _parse_date(r["deadline"])
        tasks.append(Task(
            r["unit"], r["action"] or "", deadline, r["deadline_text"],
            (deadline - today).days if deadline else None, r["reference"], r["issued_date"], r["issuer"],
            r["doc_type"], r["path"], r["page"], r["clause"],
            tuple(c for c in criteria_display(r["criteria"]).split(", ") if c), bool(r["recurring"]),
            r["task_id"], r["status"]))
    return _distinct(tasks) if dedupe else tasks


def _distinct(tasks: list[Task]) -> list[Task]:
    kept: dict[tuple, list[str]] = {}
    out = []
    for t in tasks:
        seen = kept.setdefault((t.deadline, t.deadline_text if t.deadline is None else None, t.page, t.clause), [])
        action = " ".join(fold(t.action).split())
        if any(difflib.SequenceMatcher(None, action, other).ratio() >= 0.9 for other in seen):
            continue
        seen.append(action)
        out.append(t)
    return out


def units_with_tasks(db: sqlite_utils.Database) -> list[str]:
    """Every unit that has at least one task, in Vietnamese alphabetical order of the folded name."""
    return sorted((r["unit"] for r in db.query(
        "select distinct o.unit from obligations o join documents d on d.id = o.document_id "
        f"where o.unit is not null and d.status != '{Status.REMOVED}'")),
                  key=lambda u: (fold(u), u))


def slug(unit: str) -> str:
    """A file name stem for a unit: folded, words joined by '-'."""
    return "-".join(regex.findall(r"[a-z0-9]+", fold(unit), timeout=TIMEOUT))[:80] or "don-vi"


HEADERS = ("Hạn", "Còn (ngày)", "Nhiệm vụ", "Đơn vị", "Số ký hiệu", "Ngày văn bản", "Cơ quan ban hành",
           "Trang", "Mục", "Tiêu chí", "Hạn (nguyên văn)", "Tệp", "Trạng thái", "Mã nhiệm vụ")


def _cells(t: Task) -> list:
    return [neutral(v) for v in (t.deadline, t.days_left, t.action, t.unit, t.reference, t.issued_date, t.issuer,
                                 t.page, t.clause, ", ".join(t.criteria), t.deadline_text, t.path, t.status,
                                 t.task_id)]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(value):
    """A text cell that a spreadsheet would run as a formula (= + - @, or a tab or CR first) gets a
    leading apostrophe, shown as text by Excel and LibreOffice; other values are unchanged.

    >>> neutral("=1+2"), neutral("- trước ngày 17/7/2021"), neutral("Sở Nội vụ"), neutral(-3)
    ("'=1+2", "'- trước ngày 17/7/2021", 'Sở Nội vụ', -3)
    """
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def write_xlsx(tasks: list[Task], path: Path, *, unit: str) -> None:
    """One sheet, Vietnamese headers, frozen header row, autofilter, deadlines as real dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Nhiệm vụ"
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for t in tasks:
        ws.append(_cells(t))
        ws.cell(row=ws.max_row, column=1).number_format = "DD/MM/YYYY"
        ws.cell(row=ws.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{ws.cell(row=max(ws.max_row, 1), column=len(HEADERS)).coordinate}"
    for letter, width in zip("ABCDEFGHIJKLMN", (12, 10, 70, 28, 18, 12, 26, 7, 8, 14, 30, 24, 16, 12)):
        ws.column_dimensions[letter].width = width
    wb.properties.title = f"Nhiệm vụ — {unit}"
    wb.save(path)


def write_csv(tasks: list[Task], path: Path) -> None:
    """UTF-8 with BOM (Excel opens it with the right accents), ISO dates."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS)
        for t in tasks:
            out.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in _cells(t)])


def render_markdown(tasks: list[Task], *, unit: str, today: date) -> str:
    """A short list to paste into an email or a chat."""
    lines = [f"# Nhiệm vụ của {unit}", "", f"Tính đến ngày {today:%d/%m/%Y}: {len(tasks)} nhiệm vụ.", ""]
    for t in tasks:
        if t.deadline:
            left = (f"quá hạn {-t.days_left} ngày" if t.days_left < 0 else
                    "hôm nay" if t.days_left == 0 else f"còn {t.days_left} ngày")
            due = f"**{t.deadline:%d/%m/%Y}** ({left})"
        else:
            due = f"**{t.deadline_text}**" if t.deadline_text else "**không có hạn**"
        extra = f" — tiêu chí {', '.join(t.criteria)}" if t.criteria else ""
        page = f", trang {t.page}" if t.page else ""
        lines.append(f"- {due}: {t.action.strip()} _(Nguồn: {t.source}{page}{extra})_")
    return "\n".join(lines) + "\n"


def write_ics(tasks: list[Task], path: Path, *, unit: str, remind_days: int = 3) -> int:
    """One all-day event per dated open task, on the deadline, with a reminder `remind_days` before.

    Returns the number of events written.
    """
    Path(path).write_bytes(render_ics(tasks, unit=unit, remind_days=remind_days))
    return sum(1 for t in tasks if t.deadline is not None and not t.finished)


def render_ics(tasks: list[Task], *, unit: str, remind_days: int = 3) -> bytes:
    """The calendar of a unit's tasks (the file of `write_ics`, the feed `/lich/<unit>.ics`).

    An event's UID is the task's stable id (db/register.py), so a calendar app that imports
    or subscribes again updates the events instead of duplicating them; finished tasks
    (đã hoàn thành, không thuộc đơn vị) and undated ones are left out.
    """
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//congvan//nhiem vu//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Nhiệm vụ — {unit}")
    count = 0
    for t in tasks:
        if t.deadline is None or t.finished:
            continue
        event = Event()
        event.add("uid", f"{t.task_id}@congvan" if t.task_id else
                  f"{slug(t.path)}-p{t.page}-{slug(t.unit)}-{t.deadline:%Y%m%d}-{count}@congvan")
        event.add("dtstamp", _stamp())
        event.add("dtstart", t.deadline)
        event.add("dtend", t.deadline + timedelta(days=1))
        event.add("summary", _shorten(t.action, 120))
        event.add("description", f"{t.action}\n\nHạn: {t.deadline_text or t.deadline.isoformat()}\n"
                                 f"Nguồn: {t.source}, trang {t.page}\nTệp: {t.path}")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Sắp đến hạn: {_shorten(t.action, 80)}")
        alarm.add("trigger", timedelta(days=-remind_days))
        event.add_component(alarm)
        cal.add_component(event)
        count += 1
    return cal.to_ical()


def _stamp():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class ExportResult:
    unit: str
    path: Path
    tasks: int
    events: int | None = None     # ICS only: events written
    undated: int = 0              # tasks with no date (not in a calendar)
    finished: int = 0             # tasks marked đã hoàn thành / không thuộc đơn vị


def export_unit(db: sqlite_utils.Database, unit: str, fmt: str, out: Path, *,
                today: date | None = None) -> ExportResult:
    """Writes the task list of `unit` (already canonical) to `out` in format `fmt`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    today = today or date.today()
    tasks = tasks_for_unit(db, unit, today=today)
    out = Path(out)
    events = None
    if fmt == "xlsx":
        write_xlsx(tasks, out, unit=unit)
    elif fmt == "csv":
        write_csv(tasks, out)
    elif fmt == "md":
        out.write_text(render_markdown(tasks, unit=unit, today=today), encoding="utf-8")
    else:
        events = write_ics(tasks, out, unit=unit)
    return ExportResult(unit, out, len(tasks), events, sum(1 for t in tasks if t.deadline is None),
                        sum(1 for t in tasks if t.finished))


def export_all(db: sqlite_utils.Database, fmt: str, out_dir: Path, *,
               today: date | None = None) -> list[ExportResult]:
    """One file per unit that has tasks: `<out_dir>/<slug(unit)>.<fmt>` (the folder must exist)."""
    return [export_unit(db, unit, fmt, Path(out_dir) / f"{slug(unit)}.{fmt}", today=today)
            for unit in units_with_tasks(db)]
