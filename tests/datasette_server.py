"""Starts the real `congvan serve` Datasette (same command line) on a free 127.0.0.1 port, for tests.

    with serve(Path("db/congvan.db"), corpus=Path("corpus")) as base:
        urllib.request.urlopen(base + "/-/versions.json")

Every wait is bounded; the server is stopped (terminate, then kill) when the block ends.
"""
from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from congvan.cli import datasette_command


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10.0, *, method: str = "GET", headers: dict | None = None,
        data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET (or `method`), without raising on HTTP errors."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def get_json(base: str, path: str, **params) -> tuple[int, object]:
    """GET `base + path` with query parameters, decoded as JSON."""
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    status, _, body = get(url)
    return status, json.loads(body)


@contextmanager
def serve(db_path: Path, *, corpus: Path | None = None, startup_timeout: float = 30.0, **options) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT) of a Datasette serving `db_path` (`options`: those of
    `congvan.cli.datasette_command`, e.g. `sql=False`)."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(datasette_command(Path(db_path), port=port, corpus=corpus, **options),
                                stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"datasette exited with {proc.returncode}: {log.read().decode()[-2000:]}")
                try:
                    if get(base + "/-/versions.json", timeout=2.0)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"datasette did not answer on {base} within {startup_timeout} s")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
