"""congvan's Datasette plugin: the officer's pages over the register (loaded with --plugins-dir).

    /                      trang chủ: one search box, the unit picker, links to the lists
    /don-vi?ten=…          a unit's page: counts, tasks by deadline, status control, exports
    /tim-kiem?q=…          documents, tasks and page text together
    /van-ban/<key>         one document: its copies and what they read differently
    /bieu-do               charts of points lost and of the index over the years (SVG)
    /lich/<unit>.ics       the unit's calendar feed (stable UIDs, reminder 3 days ahead)
    /xuat?ten=…&dinh_dang= the unit's task list as xlsx, csv, md or ics
    POST /-/trang-thai     records a task's status (CSRF token, from 127.0.0.1 only)

CSV downloads of Datasette itself get a UTF-8 BOM so Excel reads Vietnamese (asgi_wrapper).
"""
from __future__ import annotations

import tempfile
import urllib.parse
from datetime import date
from pathlib import Path

import sqlite_utils
from datasette import hookimpl
from datasette.utils.asgi import Response

from congvan.db import charts, export, register, web

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8",
            "ics": "text/calendar; charset=utf-8"}


def _read(datasette, fn):
    return datasette.get_database().execute_fn(lambda conn: fn(sqlite_utils.Database(conn)))


async def _page(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    html = await datasette.render_template(template, {**context, "number": web.number}, request=request)
    return Response.html(html, status=status)


async def home(datasette, request):
    units = await _read(datasette, web.units)
    return await _page(datasette, request, "congvan_home.html", {"units": units,
                                                                 "database": datasette.get_database().name})


async def unit(datasette, request):
    typed = (request.args.get("ten") or "").strip()
    if not typed:
        return Response.redirect(datasette.urls.path("/"))
    data = await _read(datasette, lambda db: web.unit_page(db, typed))
    data["saved"] = request.args.get("da_luu")
    return await _page(datasette, request, "congvan_unit.html", data, status=200 if data["unit"] else 404)


async def search(datasette, request):
    query = (request.args.get("q") or "").strip()
    data = await _read(datasette, lambda db: web.search(db, query))
    return await _page(datasette, request, "congvan_search.html", data)


async def document(datasette, request):
    key = request.url_vars["key"]
    data = await _read(datasette, lambda db: web.document_page(db, key))
    if data is None:
        return await _page(datasette, request, "congvan_message.html",
                           {"title": "Không có văn bản này", "message": "Văn bản đã bị xoá hoặc địa chỉ sai."}, 404)
    return await _page(datasette, request, "congvan_document.html", data)


async def chart_page(datasette, request):
    data = await _read(datasette, charts.charts)
    return await _page(datasette, request, "congvan_charts.html", data)


def _tasks_of(db, unit_name: str):
    return export.tasks_for_unit(db, unit_name)


async def calendar(datasette, request):
    slug = request.url_vars["slug"]

    def build(db):
        name = web.unit_for_slug(db, slug)
        return None if name is None else export.render_ics(_tasks_of(db, name), unit=name)
    body = await _read(datasette, build)
    if body is None:
        return Response.text("Không có đơn vị này.", status=404)
    return Response(body, content_type="text/calendar; charset=utf-8",
                    headers={"content-disposition": f'inline; filename="{slug}.ics"'})


async def download(datasette, request):
    typed, fmt = request.args.get("ten") or "", request.args.get("dinh_dang") or "xlsx"
    if fmt not in _FORMATS:
        return Response.text(f"Định dạng phải là một trong: {', '.join(_FORMATS)}", status=400)

    def build(db):
        try:
            name = export.resolve_unit(db, typed)
        except export.UnknownUnit:
            return None, None
        with tempfile.TemporaryDirectory(prefix="congvan-xuat-") as folder:
            out = Path(folder) / f"{export.slug(name)}.{fmt}"
            export.export_unit(db, name, fmt, out)
            return name, out.read_bytes()
    name, body = await _read(datasette, build)
    if body is None:
        return Response.text("Không có đơn vị này.", status=404)
    filename = f"{export.slug(name)}.{fmt}"
    return Response(body, content_type=_FORMATS[fmt],
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def _safe_back(value: str | None, datasette) -> str:
    """Only a path of this site (never another host) to go back to after saving."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return datasette.urls.path("/")


async def set_status(datasette, request):
    if request.method != "POST":
        return Response.text("Dùng biểu mẫu trên trang đơn vị.", status=405)
    client = (request.scope.get("client") or ("",))[0]
    if client not in LOOPBACK:
        return Response.text("Chỉ ghi được trạng thái từ chính máy chủ (127.0.0.1).", status=403)
    form = await request.post_vars()
    # asgi-csrf lets a request without any cookie through; a write needs the page's token and its cookie
    cookie = request.cookies.get("ds_csrftoken")
    if not cookie or form.get("csrftoken") != cookie:
        return Response.text("Thiếu mã bảo vệ biểu mẫu (CSRF): mở lại trang đơn vị rồi lưu.", status=403)
    status, note = form.get("status", ""), (form.get("note") or "").strip()[:1000]
    if status not in register.STATUSES:
        return Response.text("Trạng thái không hợp lệ.", status=400)
    try:
        on = date.fromisoformat(form["date"]) if form.get("date") else None
    except ValueError:
        return Response.text("Ngày không hợp lệ (dd/mm/yyyy).", status=400)

    def write(conn):
        db = sqlite_utils.Database(conn)
        task_id = register.resolve_task(db, form.get("task_id", ""))
        register.set_status(db, task_id, status, note=note, on=on, source="web")
        return task_id
    try:
        task_id = await datasette.get_database().execute_write_fn(write, block=True)
    except register.UnknownTask as e:
        return Response.text(str(e), status=404)
    back = _safe_back(form.get("back"), datasette)
    sep = "&" if "?" in back else "?"
    return Response.redirect(f"{back}{sep}da_luu={urllib.parse.quote(task_id)}#t-{task_id}")


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/don-vi$", unit),
        (r"^/tim-kiem$", search),
        (r"^/van-ban/(?P<key>[a-z0-9]+)$", document),
        (r"^/bieu-do$", chart_page),
        (r"^/lich/(?P<slug>[a-z0-9-]+)\.ics$", calendar),
        (r"^/xuat$", download),
        (r"^/-/trang-thai$", set_status),
    ]


@hookimpl
def extra_template_vars(request):
    return {"congvan_today": date.today().strftime("%d/%m/%Y")}


def _csv_bom(app):
    """Prepends a UTF-8 BOM to every CSV answer of a .csv address, so Excel opens Vietnamese intact."""
    async def wrapped(scope, receive, send):
        if scope.get("type") != "http" or not scope.get("path", "").endswith(".csv"):
            return await app(scope, receive, send)
        state = {"csv": False, "first": True}

        async def send_with_bom(message):
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                kind = headers.get(b"content-type", b"")
                state["csv"] = kind.startswith((b"text/csv", b"text/plain"))
                if state["csv"] and b"content-length" in headers:
                    message = {**message, "headers": [
                        (k, str(int(v) + 3).encode() if k.lower() == b"content-length" else v)
                        for k, v in message["headers"]]}
            elif message["type"] == "http.response.body" and state["csv"] and state["first"]:
                state["first"] = False
                message = {**message, "body": b"\xef\xbb\xbf" + message.get("body", b"")}
            await send(message)
        return await app(scope, receive, send_with_bom)
    return wrapped


@hookimpl
def asgi_wrapper():
    return _csv_bom
