"""`congvan task …`: the officer's status of a task from the command line (db/register.py).

    congvan task list --unit "Sở Nội vụ"          the unit's tasks with their IDs and status
    congvan task done ID [--note TEXT]            đã hoàn thành
    congvan task not-ours ID [--note TEXT]        không thuộc đơn vị
    congvan task reopen ID                        back to đang thực hiện
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

DEFAULT_DB = Path("db/congvan.db")


@click.group()
def task() -> None:
    """The officer's status of a task: đang thực hiện, đã hoàn thành, không thuộc đơn vị.

    A task's ID (shown by `congvan task list` and in exports) comes from the document and the task's
    text, so the status stays after re-ingest and `congvan extract`.

    Example: congvan task done 3f2a9c01d4 --note "Đã gửi báo cáo số 12/BC-SNV"
    """


_DB_OPTION = click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                          default=DEFAULT_DB, show_default=True)


def _set_task(db_path: Path, typed: str, status: str, note: str | None) -> None:
    from congvan.db import register, schema

    db = schema.connect(db_path)
    try:
        register.refresh(db)
        task_id = register.resolve_task(db, typed)
        row = register.set_status(db, task_id, status, note=note, source="cli")
    except register.UnknownTask as e:
        click.echo(f"Lỗi: {e}", err=True)
        sys.exit(2)
    finally:
        db.close()
    action = " ".join((row.get("action") or "").split())
    click.echo(f"{task_id}: {status} — {row.get('unit') or ''}: {action[:80]}")


@task.command("done")
@click.argument("task_id")
@click.option("--note", help="Ghi chú (số văn bản đã gửi, người làm…).")
@_DB_OPTION
def task_done(task_id: str, note: str | None, db_path: Path) -> None:
    """Mark a task đã hoàn thành (done). Example: congvan task done 3f2a9c01d4 --note "đã gửi" """
    _set_task(db_path, task_id, "đã hoàn thành", note)


@task.command("not-ours")
@click.argument("task_id")
@click.option("--note", help="Ghi chú (vì sao không thuộc đơn vị).")
@_DB_OPTION
def task_not_ours(task_id: str, note: str | None, db_path: Path) -> None:
    """Mark a task không thuộc đơn vị. Example: congvan task not-ours 3f2a9c01d4"""
    _set_task(db_path, task_id, "không thuộc đơn vị", note)


@task.command("reopen")
@click.argument("task_id")
@click.option("--note", help="Ghi chú.")
@_DB_OPTION
def task_reopen(task_id: str, note: str | None, db_path: Path) -> None:
    """Set a task back to đang thực hiện. Example: congvan task reopen 3f2a9c01d4"""
    _set_task(db_path, task_id, "đang thực hiện", note)


@task.command("list")
@click.option("--unit", required=True, help="Tên đơn vị (tên chuẩn, viết tắt, có dấu hay không dấu).")
@_DB_OPTION
def task_list(unit: str, db_path: Path) -> None:
    """A unit's tasks with their IDs and status. Example: congvan task list --unit "Sở Nội vụ" """
    from congvan.db import export as exports
    from congvan.db import register, schema
    from congvan.db.web import display_date

    db = schema.connect(db_path)
    try:
        register.refresh(db)
        try:
            name = exports.resolve_unit(db, unit)
        except exports.UnknownUnit as e:
            click.echo(f"Lỗi: {e}", err=True)
            sys.exit(2)
        tasks = exports.tasks_for_unit(db, name)
    finally:
        db.close()
    click.echo(f"{len(tasks)} nhiệm vụ của {name}")
    for t in tasks:
        due = display_date(t.deadline.isoformat()) if t.deadline else "chưa có hạn"
        click.echo(f"{t.task_id or '-':<12} {due:<11} {t.status:<18} {' '.join(t.action.split())[:70]}")
