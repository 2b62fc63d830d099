"""The database contract (../shared/SCHEMA.md) and search with and without diacritics."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from congvan.db import load, schema
from congvan.extract.model import Facts, Header
from congvan.ingest.model import Document, Page
from congvan.ingest.textnorm import fold

CONTRACT = Path(__file__).resolve().parents[1].parent / "shared" / "SCHEMA.md"


def _contract() -> dict[str, set[str]]:
    text = CONTRACT.read_text(encoding="utf-8")
    tables: dict[str, set[str]] = {}
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        name = block.split()[0]
        columns = set(re.findall(r"^\| (\w+) \|", block, flags=re.M)) - {"column"}
        plain = re.sub(r"\([^)]*\)", "", block)   # "(… e.g. `2.` …)" would end the list early
        listed = re.search(r"^((?:document_id|name), .*?)\.(?:\s|$)", plain, flags=re.M | re.S)
        if listed:
            body = listed.group(1).replace("\n", " ")
            columns |= {c.split()[0].strip("(),.") for c in body.split(", ")}
        tables[name] = columns
    return tables


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/SCHEMA.md is not beside the repository")
def test_every_table_and_column_of_the_contract_exists_even_when_empty(tmp_path):
    db = schema.connect(tmp_path / "c.db")
    contract = _contract()
    assert set(contract) <= set(db.table_names())
    for table, columns in contract.items():
        assert columns <= set(db[table].columns_dict), (table, columns - set(db[table].columns_dict))


@pytest.mark.parametrize("unread, stored", [(("số", "ngày"), "số, ngày"), (("tháng",), "tháng"), ((), None)])
def test_the_handwritten_slots_left_unread_are_stored_as_one_comma_joined_text(tmp_path, unread, stored):
    db = schema.connect(tmp_path / "c.db")
    load.save(db, Document("a" * 64, "a.pdf", (Page(1, "Số: /SCT-VP", "ocr"),)), Facts(Header(handwritten_unread=unread)))
    assert db.execute("select handwritten_unread from documents").fetchall() == [(stored,)]


def _db_with_pages(tmp_path, texts):
    db = schema.connect(tmp_path / "c.db")
    db["pages"].insert_all({"document_id": str(i), "page": 1, "source": "text", "text": t, "text_folded": fold(t)}
                           for i, t in enumerate(texts))
    return db


@pytest.mark.parametrize("query, expected", [
    ("Sở Nội vụ", ["0", "2"]), ("so noi vu", ["0", "2"]), ("Đắk Lắk", ["0"]), ("dak lak", ["0"]),
    ("2450/QĐ-UBND", ["1"]), ("quyet dinh", ["1"]), ("QD", ["1"]),
])
def test_search_finds_the_same_pages_with_and_without_diacritics(tmp_path, query, expected):
    db = _db_with_pages(tmp_path, [
        "Báo cáo của Sở Nội vụ tỉnh Đắk Lắk về cải cách hành chính",
        "QUYẾT ĐỊNH số 2450/QĐ-UBND ngày 06/9/2021 của UBND tỉnh",
        "Sở Nội vụ (NFD)".replace("ộ", "ô\u0323"),
    ])
    found = sorted(r["document_id"] for r in db["pages"].search(query, quote=True))
    assert found == expected
