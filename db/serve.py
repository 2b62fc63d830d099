"""Datasette hooks of `congvan serve` (trang tra cứu): PDFs by name, bounded SQL, nothing revealed.

`congvan serve` writes, in a private temporary folder (mode 0700, a fresh name each time),
the metadata and a two-line plugin that imports these hooks and calls `configure`, and
points Datasette at that folder (`--plugins-dir`): the settings never appear in
`/-/metadata.json`, and no file is written through a predictable path.

- `/pdf/<path>` serves the corpus PDFs: the path is percent-decoded (a file named
  `Công văn số 12 (bản ký).pdf` is linked as `/pdf/C%C3%B4ng%20v%C4%83n…`), must stay inside
  the corpus once links are followed, and must be a PDF;
- a cell holding `/pdf/…` (the `pdf` column of `obligations_view`, "Mở PDF" of the canned
  queries) becomes a link: relative, or under the configured `base_url`, never built from
  the request's Host header (which Datasette's own absolute URLs do not see either: it is
  replaced by the site's own host);
- every SQLite connection gets length limits (`setlimit`): `randomblob(900000000)` is an
  error, not 900 MB;
- `/-/databases.json` shows the database's file name, not where it lives;
- the site is read-only but for the officer's status form (`/-/trang-thai`, CSRF-checked): anything
  else but GET and HEAD is answered 405.

>>> configure(corpus="/srv/corpus", base_url="https://congvan.example.vn/")
>>> str(render_cell("/pdf/a%20b.pdf#page=2", None))
'<a href="https://congvan.example.vn/pdf/a%20b.pdf#page=2">/pdf/a%20b.pdf#page=2</a>'
>>> str(render_cell("x", None)) if render_cell("x", None) else None
>>> pdf_path("C%C3%B4ng%20v%C4%83n%20s%E1%BB%91%2012%20(b%E1%BA%A3n%20k%C3%BD).pdf")
'Công văn số 12 (bản ký).pdf'
"""
from __future__ import annotations

import json
import sqlite3
import unicodedata
import urllib.parse
from pathlib import Path

from datasette import hookimpl
from markupsafe import Markup, escape

MAX_LENGTH = 10_000_000       # bytes of one string, blob or row (the longest page text is far below)
MAX_SQL_LENGTH = 100_000      # characters of one SQL statement
READ_METHODS = ("GET", "HEAD")

WRITE_PATHS = ("/-/trang-thai",)   # the officer's status form (db/plugins/congvan_web.py: CSRF, loopback only)
LINKED = ("/pdf/", "/converted/")

_config: dict = {"corpus": None, "base_url": "", "converted": None}


def configure(*, corpus: str | None, base_url: str = "", converted: str | None = None) -> None:
    """Set by the generated plugin: the corpus folder served under /pdf/, the folder of converted
    Word files served under /converted/ (ingest.word), the links' base URL."""
    _config.update(corpus=str(Path(corpus).resolve()) if corpus else None, base_url=(base_url or "").rstrip("/"),
                   converted=str(Path(converted).resolve()) if converted else None)


def pdf_path(raw: str) -> str:
    """The file name in a /pdf/ URL: percent-decoded (UTF-8)."""
    return urllib.parse.unquote(raw)


@hookimpl
def prepare_connection(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_LENGTH)


@hookimpl
def render_cell(value, datasette):
    if not (isinstance(value, str) and value.startswith(LINKED) and " " not in value):
        return None
    base = _config["base_url"]
    href = base + value if base else (datasette.urls.path(value) if datasette is not None else value)
    return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')


@hookimpl
def register_routes():
    return [(r"^/pdf/(?P<path>.+)$", _serve_pdf), (r"^/converted/(?P<path>.+)$", _serve_converted)]


async def _serve_pdf(request, send):
    await _send_pdf(_config["corpus"], request, send)


async def _serve_converted(request, send):
    await _send_pdf(_config["converted"], request, send)


async def _send_pdf(root: str | None, request, send):
    from datasette.utils.asgi import asgi_send, asgi_send_file

    name = pdf_path(request.url_vars["path"])
    found = [t for form in (name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name))
             if root and (t := _inside(Path(root), form)) is not None and t.is_file()]
    target = found[0] if found else None
    if target is None or target.suffix.lower() != ".pdf":
        await asgi_send(send, "404: không có tệp PDF này trong kho (no such PDF in the corpus)", 404,
                        content_type="text/plain; charset=utf-8")
        return
    await asgi_send_file(send, target, content_type="application/pdf", chunk_size=65536,
                         headers={"x-content-type-options": "nosniff", "content-disposition": "inline"})


def _inside(root: Path, name: str) -> Path | None:
    try:
        target = (root / name).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return target if target.is_relative_to(root) else None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if (scope["type"] == "http" and scope.get("method", "GET") not in READ_METHODS
                    and scope["path"] not in WRITE_PATHS):
                await _send_plain(send, 405, "405: chỉ đọc (this site is read-only)", [(b"allow", b"GET, HEAD")])
                return
            if scope["type"] == "http" and scope["path"].rstrip("/") in ("/-/databases.json", "/-/databases"):
                await _send_json(send, [_public(d) for d in datasette._connected_databases()])
                return
            await app(_own_host(scope), receive, send)

        return guarded

    return wrap


def _own_host(scope: dict) -> dict:
    """The request as if it named this site's own host (from `base_url`, else the address served):
    Datasette's absolute URLs are never built from whatever Host header a client sent."""
    if scope["type"] != "http":
        return scope
    netloc = urllib.parse.urlsplit(_config["base_url"]).netloc if _config["base_url"] else None
    if not netloc and scope.get("server"):
        netloc = "{}:{}".format(*scope["server"])
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
    return dict(scope, headers=headers + ([(b"host", netloc.encode("latin-1"))] if netloc else []))


def _public(database: dict) -> dict:
    """A database as /-/databases.json shows it: its file name instead of its path."""
    return {**database, "path": Path(database["path"]).name if database.get("path") else None}


async def _send_json(send, data) -> None:
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json; charset=utf-8")]})
    await send({"type": "http.response.body", "body": body})


async def _send_plain(send, status: int, text: str, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")] + (headers or [])})
    await send({"type": "http.response.body", "body": text.encode()})


def plugin_source(corpus: Path | None, base_url: str, converted: Path | None = None) -> str:
    """The plugin `congvan serve` writes into its private folder."""
    return ("from congvan.db import serve\nfrom congvan.db.serve import asgi_wrapper, prepare_connection, register_routes, "
            "render_cell  # noqa: F401\n"
            f"serve.configure(corpus={str(corpus) if corpus else None!r}, base_url={base_url!r}, "
            f"converted={str(converted) if converted else None!r})\n")
