"""The served site (congvan serve): PDF links work for every file name, nothing is revealed, the
site is read-only and bounded. A real Datasette over a real ingest, driven over HTTP."""
from __future__ import annotations

import json
import os
import stat
import tempfile
import time
import urllib.parse
from pathlib import Path

from congvan.cli import datasette_command
from tests.conftest import NAMED
from tests.datasette_server import get, get_json, serve

DB = "congvan"


def _links(base: str, query: str, **params) -> list[str]:
    status, rows = get_json(base, f"/{DB}/{query}.json", _shape="array", **params)
    assert status == 200
    return [r["Mở PDF"] for r in rows]


def test_pdf_links_open_for_every_file_name(named_site):
    links = _links(named_site, "search", q="Sở Tư pháp")   # every page of every file (tasks list one copy)
    assert len(links) == 6
    opened = set()
    for link in links:
        url, page = urllib.parse.urldefrag(link)
        code, headers, body = get(named_site + urllib.parse.quote(url, safe="/%"))   # as a browser sends it
        assert (code, headers["content-type"], body[:5]) == (200, "application/pdf", b"%PDF-")
        opened.add(urllib.parse.unquote(url.removeprefix("/pdf/")))
    assert opened == set(NAMED)


def test_search_and_citing_queries_escape_hash_and_question_mark(named_site):
    links = _links(named_site, "search", q="Sở Nội vụ")
    assert sorted({urllib.parse.urldefrag(link).url for link in links}) == [
        "/pdf/100%25%20đúng.pdf", "/pdf/Công%20văn%20số%2012%20(bản%20ký).pdf", "/pdf/a%23b%3Fc.pdf"]
    assert all(urllib.parse.urldefrag(link).fragment.startswith("page=") for link in links)


def test_links_are_relative_whatever_the_host_header_says(named_site):
    url = f"{named_site}/{DB}/unit_tasks.json?unit=S%E1%BB%9F+T%C6%B0+ph%C3%A1p&_shape=array"
    code, _, body = get(url, headers={"Host": "evil.example"})
    assert code == 200
    assert {row["Mở PDF"].split("/pdf/")[0] for row in json.loads(body)} == {""}
    code, _, html = get(f"{named_site}/{DB}/search?q=S%E1%BB%9F+T%C6%B0+ph%C3%A1p",
                        headers={"Host": "evil.example"})
    assert b"evil.example" not in html and b'<a href="/pdf/a%23b%3Fc.pdf#page=' in html


def test_a_post_to_a_canned_query_is_refused_not_a_server_error(named_site):
    code, headers, _ = get(f"{named_site}/{DB}/unit_tasks", method="POST", data=b"unit=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (code, headers["allow"]) == (405, "GET, HEAD")


def test_databases_json_shows_no_filesystem_path(named_site, named_corpus):
    code, _, body = get(f"{named_site}/-/databases.json")
    assert code == 200
    assert [d["path"] for d in json.loads(body)] == ["congvan.db"]
    for page in ("/-/databases.json", "/-/metadata.json", "/-/plugins.json", "/-/settings.json"):
        assert str(named_corpus.parent).encode() not in get(named_site + page)[2]
        assert tempfile.gettempdir().encode() + b"/" not in get(named_site + page)[2]


def test_huge_values_are_refused_by_sqlite_length_limits(named_site):
    started = time.monotonic()
    code, _, body = get(f"{named_site}/{DB}.json?" + urllib.parse.urlencode(
        {"sql": "select length(randomblob(900000000)) as n", "_shape": "array"}))
    assert code == 400 and b"too big" in body
    assert time.monotonic() - started < 5


def test_pdf_route_serves_nothing_outside_the_corpus(named_site, named_corpus):
    secret = named_corpus.parent / "secret.pdf"
    secret.write_bytes(b"%PDF-1.7 secret")
    (named_corpus / "link.pdf").symlink_to(secret)
    try:
        for path in ("/pdf/../secret.pdf", "/pdf/%2E%2E/secret.pdf", "/pdf/link.pdf", "/pdf/missing.pdf"):
            code, _, body = get(named_site + path)
            assert code == 404 and b"secret" not in body, path
    finally:
        (named_corpus / "link.pdf").unlink()


def test_no_sql_turns_off_arbitrary_sql_but_not_the_canned_queries(named_site, named_corpus):
    site_db = _named_db(named_corpus)
    with serve(site_db, corpus=named_corpus, sql=False) as base:
        code, _, _ = get(f"{base}/{DB}.json?sql=select+1")
        assert code == 403
        assert len(_links(base, "search", q="Sở Tư pháp")) == 6


def _named_db(corpus: Path) -> Path:
    """The database of the named corpus, made afresh (each fixture keeps its own)."""
    from congvan import pipeline

    db = Path(tempfile.mkdtemp()) / "congvan.db"
    pipeline.ingest(corpus, db, workers=1)
    return db


def test_serve_writes_its_settings_in_a_private_folder_through_no_predictable_path(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    trap = Path(tempfile.gettempdir()) / "congvan-metadata-other.json"   # the old predictable name
    if not trap.is_symlink() and not trap.exists():
        trap.symlink_to(victim)
    try:
        command = datasette_command(tmp_path / "other.db", port=8999, corpus=tmp_path)
    finally:
        if trap.is_symlink():
            trap.unlink()
    assert victim.read_text() == "keep me"
    folder = Path(command[command.index("--metadata") + 1]).parent
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert folder.name.startswith("congvan-serve-") and folder.name != "congvan-serve-"
    assert json.loads((folder / "metadata.json").read_text())["databases"].keys() == {"other"}
