"""The SQL views shared by the exports (db/export.py) and by Datasette (db/metadata.yaml).

The view `obligations_view` (one row per task, with its source document, the deadline
month for facets, the days left and the PDF address `/pdf/<path>#page=N`); `create_views`
makes them. Views list a document held by several files once, from its primary copy
(db/register.py); `tasks_view` adds the stable task id and the officer's status. `stale` = 1 marks
the tasks of a file whose newer version could not be read: they come from its last readable version.
"""

from __future__ import annotations

import sqlite_utils

from congvan.ingest.errors import Status

# '/pdf/' || path || '#page=N', with the characters that would end a URL path escaped; a Word file
# opens its converted PDF, '/converted/' || path || '.pdf' (ingest.word)
_ESCAPED_PATH = "replace(replace(replace(replace(d.path, '%', '%25'), ' ', '%20'), '#', '%23'), '?', '%3F')"


def pdf_url_sql(page: str) -> str:
    """SQL for the link that opens a row's file (documents `d`) at the page in column `page`."""
    return (f"case when lower(d.path) like '%.pdf' then '/pdf/' || {_ESCAPED_PATH} "
            f"else '/converted/' || {_ESCAPED_PATH} || '.pdf' end || coalesce('#page=' || {page}, '')")


_PDF_URL = pdf_url_sql("o.page")
_TODAY = "date('now', 'localtime')"
_FINISHED = "('đã hoàn thành', 'không thuộc đơn vị')"
# ISO date → dd/mm/yyyy (a month → mm/yyyy, a year stays)
_DISPLAY_DATE = ("case when length({col}) = 10 then strftime('%d/%m/%Y', {col}) "
                 "when length({col}) = 7 then substr({col}, 6, 2) || '/' || substr({col}, 1, 4) else {col} end")

VIEWS = {
    # the address that opens each document's file (a Word file: its converted PDF), for the canned queries
    "document_links": f"""
select d.id as document_id, d.path, {pdf_url_sql("null")} as pdf from documents d""",
    "obligations_view": f"""
select o.id, o.deadline, substr(o.deadline, 1, 7) as deadline_month,
  cast(julianday(o.deadline) - julianday({_TODAY}) as integer) as days_left,
  case when o.deadline is null or length(o.deadline) < 10 then 'không có hạn'
       when o.deadline < {_TODAY} then 'quá hạn'
       when o.deadline <= date({_TODAY}, '+7 days') then 'trong 7 ngày'
       else 'còn hạn' end as due_state,
  o.unit, o.action, o.deadline_text, o.recurring, o.criteria, o.clause, o.page,
  {_PDF_URL} as pdf, d.reference, d.doc_type, d.issuer, d.issued_date, d.subject, d.path, o.document_id,
  coalesce(d.stale, 0) as stale
from obligations o join documents d on d.id = o.document_id
  left join document_copies c on c.document_id = o.document_id
where coalesce(c.is_primary, 1) = 1 and d.status != '{Status.REMOVED}'""",
    "criteria_view": """
select c.id, cast(substr(c.code, 1, instr(c.code || '.', '.') - 1) as integer) as area, c.code, c.level,
  c.title, c.unit, c.survey, c.note, c.page, d.reference, d.issuer, d.path, c.document_id
from criteria c join documents d on d.id = c.document_id
  left join document_copies k on k.document_id = c.document_id
where coalesce(k.is_primary, 1) = 1""",
    # one row per task of a document (its primary copy), with the officer's status (db/register.py)
    "tasks_view": f"""
select t.task_id, o.deadline, {_DISPLAY_DATE.format(col="o.deadline")} as deadline_display,
  case when length(o.deadline) = 10 then cast(julianday(o.deadline) - julianday({_TODAY}) as integer) end
    as days_left,
  case when s.status in {_FINISHED} then s.status
       when o.deadline is null or length(o.deadline) < 10 then 'chưa có hạn'
       when o.deadline < {_TODAY} then 'quá hạn'
       when o.deadline <= date({_TODAY}, '+7 days') then 'trong 7 ngày'
       when o.deadline <= date({_TODAY}, '+30 days') then 'trong 30 ngày'
       else 'còn hạn' end as due_state,
  coalesce(s.status, 'đang thực hiện') as status, s.note as status_note, s.status_date,
  o.unit, o.action, o.deadline_text, o.recurring, t.criteria_display as criteria, o.clause, o.page,
  {_PDF_URL} as pdf, d.reference, d.doc_type, d.issuer, d.issued_date, d.subject, d.path, c.copies,
  t.document_key, o.id as obligation_id, coalesce(d.stale, 0) as stale
from obligation_tasks t join obligations o on o.id = t.obligation_id
  join document_copies c on c.document_id = o.document_id and c.is_primary = 1
  join documents d on d.id = o.document_id
  left join task_status s on s.task_id = t.task_id""",
    # every status an officer recorded, flagged when its task is no longer read from any copy
    "task_history_view": """
select s.task_id, s.status, s.note, s.status_date, s.updated_at, s.source, s.unit, s.action, s.deadline,
  s.reference, s.path, s.page,
  case when exists (select 1 from obligation_tasks t where t.task_id = s.task_id) then 0 else 1 end
    as disappeared
from task_status s""",
    # one row per document, whatever the number of files holding it
    "documents_register": f"""
select c.document_key, d.doc_type, d.reference, d.issuer, d.issued_date,
  {_DISPLAY_DATE.format(col="d.issued_date")} as issued_display, d.subject, c.copies,
  (select group_concat(d2.path, ', ') from document_copies c2 join documents d2 on d2.id = c2.document_id
   where c2.document_key = c.document_key) as files,
  d.path as primary_path, d.text_source,
  (select count(distinct x.fact) from copy_disagreements x where x.document_key = c.document_key)
    as disagreements
from document_copies c join documents d on d.id = c.document_id where c.is_primary = 1""",
    # point losses and index results counted once per document (read from its primary copy)
    "point_losses_view": """
select l.id, l.code, cast(substr(l.code, 1, instr(l.code || '.', '.') - 1) as integer) as area, l.title,
  l.achieved, l.max_points, l.lost, l.reason, l.year, l.page, d.reference, d.issuer, d.path, c.document_key
from point_losses l join document_copies c on c.document_id = l.document_id and c.is_primary = 1
  join documents d on d.id = l.document_id""",
    "index_scores_view": """
select s.id, s.subject, s.year, s.score, s.max_score, s.lost, s.rank, s.of_total, s.page,
  d.reference, d.issuer, d.path, c.document_key
from index_scores s join document_copies c on c.document_id = s.document_id and c.is_primary = 1
  join documents d on d.id = s.document_id""",
}


def create_views(db: sqlite_utils.Database) -> None:
    """(Re)creates the views of `VIEWS`; cheap and idempotent, safe to call on every run."""
    for name, sql in VIEWS.items():
        db.execute(f"drop view if exists [{name}]")
        db.execute(f"create view [{name}] as {sql}")
    db.conn.commit()
