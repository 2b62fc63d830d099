"""Real-scan OCR quality: the share of gold header strings of `dev-real-scans` that the OCR'd
page text contains exactly, diacritics right, and pages OCR'd per second.

For each file of `../shared/dev-real-scans/pdf`, the pages congvan would OCR (no usable text
layer) are read with `ingest.ocr.ocr_pages`: the first `--head` of them and the last
`--tail` (header on the first page, signer on the last). The gold strings are the
`document` fields of `gold/<id>.gold.json` listed in `FIELDS`; a string counts as read
when it occurs in the pages' text, both sides NFC, case-folded (headers are printed in
capitals) and with every run of whitespace made one space. Nothing else is forgiven: a
missing or wrong mark is a miss. The same pages are read for every setting, so the share is
comparable between settings (not with the F1 of `score.py`, which also needs the layout right).

Usage:
    .venv/bin/python bench/real_scan_quality.py [--set languages=vie+Vietnamese --set dpi=300]
        [--cache /work/evalcache/NAME/rsq-cache] [--docs s01 s12] [-v]

`--set FIELD=VALUE` overrides any field of `ingest.ocr_settings.OcrSettings`. Prints one
line per file, then `real_scan_exact=<share>` (after post-correction when it is on),
`real_scan_exact_raw=<share>` (tesseract's text), `real_scan_pages=<n>` and
`real_scan_pages_per_s=<pages per second>` (0 when every page came from the cache).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from dataclasses import fields, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from congvan.ingest.ocr import OcrSettings, ocr_pages, tesseract_calls  # noqa: E402
from congvan.ingest.correct import correct_result  # noqa: E402
from congvan.ingest.ocr_cache import cache_key  # noqa: E402
from congvan.ingest.pdf import pages_to_ocr, read_layer  # noqa: E402

FIELDS = ("issuer", "parent_issuer", "place", "subject", "signer_name", "signer_title")


def normalise(text: str) -> str:
    """NFC, case-folded, whitespace runs as one space.

    >>> normalise("CỘNG  HÒA\\nxã hội")
    'cộng hòa xã hội'
    """
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).casefold()).strip()


def gold_strings(gold: dict) -> list[tuple[str, str]]:
    """(field, string) for each non-empty header field of a gold file."""
    document = gold.get("document", {})
    return [(name, document[name]) for name in FIELDS if isinstance(document.get(name), str) and document[name].strip()]


def chosen_pages(indexes: list[int], head: int, tail: int) -> list[int]:
    """The first `head` and last `tail` of `indexes`, in order, each once.

    >>> chosen_pages([0, 1, 2, 3, 4], 2, 1), chosen_pages([0], 2, 1)
    ([0, 1, 4], [0])
    """
    picked = indexes[:head] + (indexes[-tail:] if tail else [])
    return sorted(set(picked))


def parse_settings(pairs: list[str]) -> OcrSettings:
    types = {f.name: f.type for f in fields(OcrSettings)}
    changes = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in types:
            raise SystemExit(f"--set {pair}: OcrSettings has no field {name!r} (fields: {', '.join(types)})")
        kind = types[name] if isinstance(types[name], type) else eval(types[name])  # noqa: S307 — annotations
        changes[name] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    return replace(OcrSettings(), **changes)


def main() -> int:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set-dir", type=Path, default=repo.parent / "shared" / "dev-real-scans")
    parser.add_argument("--docs", nargs="*", default=None, help="file id prefixes (s01 s12 …), default all")
    parser.add_argument("--head", type=int, default=1)
    parser.add_argument("--tail", type=int, default=1)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--cache", type=Path, default=None, help="OCR cache folder (re-runs read nothing again)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every missed string")
    args = parser.parse_args()
    settings = parse_settings(args.overrides)
    # OCR without post-correction (cached), corrected here: the same text as the pipeline's, and
    # both measures from one reading
    reading = replace(settings, correct=False)
    print(f"real-scan OCR quality: {settings.languages} dpi {settings.dpi} psm {settings.psm} "
          f"ink {settings.ink_removal} ({cache_key(reading)}); correction {'on' if settings.correct else 'off'}")
    hits = total = pages = raw_hits = 0
    seconds, calls = 0.0, tesseract_calls()
    for pdf in sorted((args.set_dir / "pdf").glob("*.pdf")):
        doc_id = pdf.name.rsplit("-", 1)[0]
        if args.docs and not any(doc_id.startswith(d) for d in args.docs):
            continue
        gold_path = args.set_dir / "gold" / f"{doc_id}.gold.json"
        if not gold_path.exists():
            continue
        indexes = chosen_pages(pages_to_ocr(read_layer(pdf)), args.head, args.tail)
        if not indexes:
            continue
        start = time.perf_counter()
        results = ocr_pages(pdf, indexes, workers=args.workers, cache_dir=args.cache, settings=reading)
        seconds += time.perf_counter() - start
        pages += len(indexes)
        raw = normalise("\n".join(results[i].text for i in indexes))
        text = normalise("\n".join(correct_result(results[i], settings.confident_at).text if settings.correct
                                   else results[i].text for i in indexes))
        strings = gold_strings(json.loads(gold_path.read_text(encoding="utf-8")))
        found = [(name, s) for name, s in strings if normalise(s) in text]
        raw_found = sum(1 for _, s in strings if normalise(s) in raw)
        hits, total, raw_hits = hits + len(found), total + len(strings), raw_hits + raw_found
        print(f"{doc_id:38s} pages {len(indexes):2d}  {len(found)}/{len(strings)} (raw {raw_found})")
        if args.verbose:
            for name, s in strings:
                if (name, s) not in found:
                    print(f"    miss {name}: {s}")
    read = tesseract_calls() > calls
    print(f"real_scan_exact={hits / max(1, total):.3f}")
    print(f"real_scan_exact_raw={raw_hits / max(1, total):.3f}")
    print(f"real_scan_strings={hits}/{total}")
    print(f"real_scan_pages={pages}")
    print(f"real_scan_pages_per_s={pages / seconds if read and seconds else 0:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
