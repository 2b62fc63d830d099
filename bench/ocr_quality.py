"""OCR accuracy on the scanned corpus: CER per document (and word-bag F1), as the issue measures it.

Text = the pages' OCR text joined with "\\n"; both sides NFC with every whitespace run
collapsed to one space; CER = Levenshtein distance / reference length (rapidfuzz).
004 (a table) is judged by word-bag F1 (order-insensitive).

Usage:
    .venv/bin/python bench/ocr_quality.py [--corpus ../shared/corpus] [--docs 000 001]
        [--cache /tmp/congvan-ocr-cache] [--dpi 300] [--psm 6] [--workers 2]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from congvan.ingest.layout import words_to_text  # noqa: E402
from congvan.ingest.ocr import OcrSettings, ocr_pages, tesseract_calls  # noqa: E402
from congvan.ingest.ocr_cache import cache_key  # noqa: E402

import pypdfium2 as pdfium  # noqa: E402


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def cer(hypothesis: str, reference: str) -> float:
    ref = normalise(reference)
    return Levenshtein.distance(normalise(hypothesis), ref) / max(1, len(ref))


def bag_f1(hypothesis: str, reference: str) -> float:
    hyp, ref = Counter(normalise(hypothesis).split()), Counter(normalise(reference).split())
    common = sum((hyp & ref).values())
    if not common:
        return 0.0
    precision, recall = common / sum(hyp.values()), common / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def main() -> int:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=repo.parent / "shared" / "corpus")
    parser.add_argument("--docs", nargs="*", default=["000", "001", "002", "003", "004"])
    parser.add_argument("--cache", type=Path, default=None, help="OCR cache dir (re-runs only re-lay out)")
    parser.add_argument("--dpi", type=int, default=OcrSettings().dpi)
    parser.add_argument("--psm", type=int, default=OcrSettings().psm)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--relayout", action="store_true", help="rebuild text from cached words")
    parser.add_argument("--dump", type=Path, default=None, help="write the OCR text per document here")
    args = parser.parse_args()
    settings = OcrSettings(dpi=args.dpi, psm=args.psm)
    print(f"settings {cache_key(settings)}")
    worst_ok = True
    for doc in args.docs:
        pdf_path = args.corpus / f"{doc}-scan.pdf"
        reference = (args.corpus / f"{doc}.txt").read_text(encoding="utf-8")
        pdf = pdfium.PdfDocument(str(pdf_path))
        count, widths = len(pdf), [pdf[i].get_size()[0] for i in range(len(pdf))]
        pdf.close()
        calls, start = tesseract_calls(), time.perf_counter()
        results = ocr_pages(pdf_path, list(range(count)), workers=args.workers, cache_dir=args.cache,
                            settings=settings)
        elapsed = time.perf_counter() - start
        texts = [
            words_to_text(results[i].words, widths[i]) if args.relayout else results[i].text
            for i in range(count)
        ]
        text = "\n".join(texts)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / f"{doc}.ocr.txt").write_text(text, encoding="utf-8")
        conf = [results[i].confidence or 0 for i in range(count)]
        c, f1 = cer(text, reference), bag_f1(text, reference)
        ok = f1 >= 0.97 if doc == "004" else c <= 0.02
        worst_ok &= ok
        print(
            f"{doc}: pages {count}  CER {c:.4f}  bagF1 {f1:.4f}  mean conf {sum(conf) / count:.1f}  "
            f"{elapsed:.1f} s ({tesseract_calls() - calls} tesseract runs)  {'ok' if ok else 'FAIL'}"
        )
    return 0 if worst_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
