"""The OCR page cache: results by page image (pixel hash) and by file (file hash + page number),
one JSON file each, under a key derived from the settings and the engine (`cache_key`).
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from pathlib import Path

from congvan.ingest.engine import engine_identity
from congvan.ingest.model import OcrResult, Word
from congvan.ingest.ocr_settings import DEFAULT_SETTINGS, OcrSettings


def cache_key(settings: OcrSettings) -> str:
    """The settings and the engine they run (tesseract version, traineddata files) in one key.

    The cache holds tesseract's text: post-correction (`corrected`) runs on the way out, so a
    change of its word lists never needs a page read again.
    """
    return settings.key(engine_identity(settings.languages))


def corrected(result: OcrResult, settings: OcrSettings) -> OcrResult:
    """`result` post-corrected (`ingest.correct`) when the settings say so, its raw text kept."""
    if not settings.correct:
        return result
    from congvan.ingest.correct import correct_result

    return correct_result(result, settings.confident_at)


def image_cache_path(cache_dir: Path, sha: str, settings: OcrSettings) -> Path:
    return cache_dir / f"{sha}.{cache_key(settings)}.json"


def load_cached(path: Path) -> OcrResult | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError):  # a torn write: redo the page
        path.unlink(missing_ok=True)
        return None
    return OcrResult(
        text=raw["text"],
        words=tuple(Word(**w) for w in raw["words"]),
        confidence=raw["confidence"],
        tables=tuple(tuple(tuple(row) for row in table) for table in raw.get("tables", ())),
        image_sha256=raw["image_sha256"],
        note=raw.get("note", ""),
        raw_text=raw.get("raw_text"),
    )


def store_cached(path: Path, result: OcrResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "text": result.text,
        "words": [asdict(w) for w in result.words],
        "confidence": result.confidence,
        "tables": result.tables,
        "image_sha256": result.image_sha256,
        "note": result.note,
        "raw_text": result.raw_text,
    }
    tmp = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")   # forked children share thread ids
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def file_cache_path(cache_dir: Path, file_sha256: str, page_index: int, settings: OcrSettings) -> Path:
    return cache_dir / "by-file" / f"{file_sha256}.p{page_index}.{cache_key(settings)}.json"


def cached_page(cache_dir: Path, file_sha256: str, page_index: int,
                settings: OcrSettings = DEFAULT_SETTINGS) -> OcrResult | None:
    """The OCR of page `page_index` of a file with these bytes, if it was read before (no rendering)."""
    found = load_cached(file_cache_path(Path(cache_dir), file_sha256, page_index, settings))
    return corrected(found, settings) if found is not None else None
