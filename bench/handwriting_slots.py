"""Precision of the header slots written by hand: for every OCR'd file of a gold set, its
number, day and month as the register holds them, against the gold: read right, read
wrong, or left blank (unknown).

A wrong number is worse for a clerk than a blank one: the target is no `wrong` at all.
Reads an ingested database (`congvan ingest … --db`), so a run before and after a change
compares the two databases. The `slot` column says what `ingest.handwriting` recorded
(`read`, `unreadable`, `blank`; `-` where page OCR read sure figures and the slot was left
alone, or the database has no `pages.handwriting`).

Usage:
    .venv/bin/python bench/handwriting_slots.py --db /work/evalcache/NAME/scans.db \\
        --gold ../shared/dev-real-scans/gold [-v]

Prints one line per slot with -v, then `slots_right=<n> slots_wrong=<n> slots_blank=<n>`.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path


def _parts(date: str | None) -> tuple[str | None, str | None]:
    """(month, day) of an ISO date with the precision it has."""
    pieces = (date or "").split("-")
    return (pieces[1] if len(pieces) > 1 else None, pieces[2] if len(pieces) > 2 else None)


def _same(name: str, got: str | None, want: str | None) -> bool:
    if name == "number":
        return got == want
    return got is not None and want is not None and int(got) == int(want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--gold", required=True)
    parser.add_argument("-v", action="store_true")
    args = parser.parse_args()
    db = sqlite3.connect(args.db)
    db.row_factory = sqlite3.Row
    columns = {r[1] for r in db.execute("pragma table_info(pages)")}
    hand = "p.handwriting" if "handwriting" in columns else "null"
    rows = db.execute(f"select d.path, d.number, d.issued_date, {hand} as handwriting from documents d "
                      "join pages p on p.document_id = d.id and p.page = 1 where p.source = 'ocr' order by d.path")
    tally = {"right": 0, "wrong": 0, "blank": 0}
    for row in rows:
        golds = list(Path(args.gold).glob(f"{row['path'][:3]}*.gold.json"))
        if not golds:
            continue
        gold = json.loads(golds[0].read_text(encoding="utf-8"))["document"]
        want = dict(zip(("month", "day"), _parts(gold.get("issued_date"))), number=gold.get("number"))
        got = dict(zip(("month", "day"), _parts(row["issued_date"])), number=row["number"])
        slots = {s["slot"]: s for s in json.loads(row["handwriting"] or "[]")}
        for name in ("number", "day", "month"):
            if want[name] is None:
                continue
            verdict = "blank" if got[name] is None else "right" if _same(name, got[name], want[name]) else "wrong"
            tally[verdict] += 1
            if args.v:
                slot = slots.get(name, {})
                print(f"{row['path'][:40]:40} {name:6} gold={want[name]:>6} got={got[name] or '':>6} {verdict:5} "
                      f"slot={slot.get('state', '-')} ocr={slot.get('ocr_text', '')!r}")
    print(" ".join(f"slots_{k}={v}" for k, v in tally.items()))


if __name__ == "__main__":
    main()
