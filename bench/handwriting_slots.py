"""Precision of the header slots written by hand: for every OCR'd file of a gold set, its
number, day and month as the register holds them, against the gold: read right, read
wrong, or left blank (unknown).

A wrong number is worse for a clerk than a blank one: the target is no `wrong` at all.
Reads an ingested database (`congvan ingest … --db`), so a run before and after a change
compares the two databases. The `slot` column says what `ingest.handwriting` recorded
(`read`, `unreadable`, `blank`; `typed` where page OCR read sure figures and the slot was left
alone: a day or month is recorded with them, a number not, `-`; `-` also where the database has no
`pages.handwriting`).

Usage:
    .venv/bin/python bench/handwriting_slots.py --db /work/evalcache/NAME/scans.db \\
        --gold ../shared/dev-real-scans/gold [-v]

Prints one line per slot with -v, then `slots_right=<n> slots_wrong=<n> slots_blank=<n>`.

With `--readers PDF_DIR` it reads the slots of those files' first pages again (page OCR from
`<db folder>/ocr-cache`) and prints, for every slot with ink, each reader's answer: tesseract on
the whole (its sure readings), the nearest UCI and MNIST digits per figure (share of neighbours
agreeing; MNIST by pixels and by edge orientations), tesseract on each figure alone (confidence), the value accepted, and the verdict;
then how often the figures were counted right (`ingest.digits.figures`).
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


def _state(slot: dict) -> str:
    """A stored slot's state, `typed` for figures page OCR read sure (recorded with no reading of their own)."""
    if not slot:
        return "-"
    if slot.get("value") and not slot.get("readings") and slot.get("confidence") is not None \
            and slot["confidence"] == slot.get("ocr_confidence"):
        return "typed"
    return slot.get("state", "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--gold", required=True)
    parser.add_argument("-v", action="store_true")
    parser.add_argument("--readers", metavar="PDF_DIR", help="read the slots again, one line per reader")
    args = parser.parse_args()
    if args.readers:
        readers(Path(args.readers), Path(args.gold), Path(args.db).parent / "ocr-cache")
        return
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
                      f"slot={_state(slot)} ocr={slot.get('ocr_text', '')!r}")
    print(" ".join(f"slots_{k}={v}" for k, v in tally.items()))


def readers(pdfs: Path, gold_dir: Path, cache: Path) -> None:
    """Every slot with ink of the files' first pages, as each reader read it (see the module's doc)."""
    from congvan.ingest import handwriting
    from congvan.ingest.ocr import ocr_pages_together
    from congvan.ingest.ocr_settings import DEFAULT_SETTINGS
    from congvan.ingest.render import render_pages

    tally, counted = {"right": 0, "wrong": 0, "unread": 0}, [0, 0]
    shares = lambda pairs: "".join(d or "?" for d, _ in pairs) + "(" + ",".join(f"{s:.2f}" for _, s in pairs) + ")"
    print("| file | slot | gold | tesseract whole | UCI | MNIST | MNIST edges | tesseract alone | accepted | verdict |")
    for pdf in sorted(pdfs.glob("*.pdf")):
        golds = list(gold_dir.glob(f"{pdf.name[:3]}*.gold.json"))
        page = ocr_pages_together(pdf, [0], cache_dir=cache)[0]
        if not golds or not page.words:
            continue
        gold = json.loads(golds[0].read_text(encoding="utf-8"))["document"]
        want = dict(zip(("month", "day"), _parts(gold.get("issued_date"))), number=gold.get("number"))
        image, width = render_pages(pdf, [0], DEFAULT_SETTINGS.dpi, DEFAULT_SETTINGS.native_dpi_up_to)[0]
        out: dict = {}
        slots = handwriting.read_slots(image, width, width * image.height / image.width, page.words,
                                       handwriting._skew(image, DEFAULT_SETTINGS), readings_out=out)
        for slot in slots:
            if slot.state == "blank" or slot.name not in out:
                continue
            whole, _, _, uci, mnist, alone, shape = out[slot.name]
            g = want[slot.name] or ""
            verdict = "unread" if slot.value is None else "right" if g and _same(slot.name, slot.value, g) else "wrong"
            tally[verdict] += 1
            if uci:
                counted[1] += 1
                counted[0] += len(uci) in {len(g), len(g.lstrip("0")) if slot.name != "number" else len(g)}
            sure = sorted({(v, round(c)) for _, v, c in whole if v and c >= handwriting.DEFAULT_HANDWRITING.min_confidence},
                          key=lambda vc: -vc[1])[:3]
            print(f"| {pdf.name[:24]} | {slot.name} | {g} | {' '.join(f'{v}/{c}' for v, c in sure) or '-'} | "
                  f"{shares(uci) if uci else '-'} | {shares(mnist) if mnist else '-'} | {shares(shape) if shape else '-'} | "
                  f"{''.join(d or '?' for d, _ in alone)}({','.join(str(round(c)) for _, c in alone)}) | "
                  f"{slot.value or '-'} | {verdict} |")
    print(" ".join(f"{k}={v}" for k, v in tally.items()), f"figure_count_right={counted[0]}/{counted[1]}")


if __name__ == "__main__":
    main()
