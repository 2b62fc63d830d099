"""Every threshold of the OCR stage in one frozen value (`OcrSettings`), and the cache key
derived from it and from the engine (tesseract's version, the traineddata files read).

A change of any threshold, of the model files or of tesseract itself gives another key,
so the page cache never answers with text read under other settings.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True, slots=True)
class OcrSettings:
    """Knobs chosen by measurement (bench/ocr_quality.py, bench/real_scan_quality.py)."""

    dpi: int = 200
    native_dpi_up_to: int = 0  # a page that is one finer scan is read at its own resolution up to this (0: off)
    psm: int = 11
    # tesseract `-l`. Measured on real scans (bench/real_scan_quality.py, 40 pages): "vie" read 56.6 % of
    # the gold header strings raw and 60.2 % corrected; "vie+Vietnamese" (Debian's script model added)
    # 54.9 % and 60.2 %, at ~1.5× the CPU, and it misread "KT." and table codes on the corpus: vie alone
    languages: str = "vie"
    # stamp and signature ink (image cleaning): "seal" (red and blue ink whitened where it
    # dominates) or "brightest" (each pixel's brightest channel)
    ink_removal: str = "brightest"
    colour_threshold: int = 20  # max-min channel spread above which a pixel is stamp/signature ink
    seal_white_level: int = 150  # in the red channel, lighter than this under a red seal is paper
    # blank pages, skew
    blank_dark_level: int = 128  # darker than this is ink when deciding a page is blank
    blank_ink_fraction: float = 0.0005  # less ink than this share of the page: blank, not read …
    faint_min_contrast: int = 60  # … unless its darkest `faint_ink_share` % of pixels are this many grey
    faint_ink_share: float = 0.05  # levels darker than its paper: a faint page, darkened and read
    skew_dark_level: int = 140  # darker than this is ink for the skew profile
    max_skew_degrees: float = 2.0
    min_skew_degrees: float = 0.05  # a smaller skew is left alone
    # ruling lines
    remove_rules: bool = True
    rule_dark_level: int = 200  # darker than this is a rule pixel
    rule_min_length_pt: float = 24.0  # a dark run this long (longer than any letter) is a rule
    # words
    min_content_confidence: float = 50.0  # a mark with no letter or digit below this is a speck
    # orientation
    min_words_upright: int = 8  # fewer words than this → try orientation detection
    min_confidence_upright: float = 55.0
    # table cells read again
    cell_languages: str = "vie"  # `-l` of the cells read again ("": as the page); codes like "1.1.2"
    cell_gap: int = 30  # pixels between the stacked cell lines of the re-read mosaic
    cell_unsure: float = 40.0  # a cell holding a word below this confidence is read again
    cell_speck_pt: float = 1.5  # less ink than a square this wide: an empty cell
    min_table_cells: int = 3  # fewer cells: ruling lines that enclose no table
    # post-correction (ingest.correct): on/off; a valid syllable read at this confidence or above is kept
    correct: bool = True
    confident_at: float = 101.0
    # Bump when the code changes what a page reads under the same settings.
    revision: int = 16

    def key(self, engine: str = "") -> str:
        """Cache key: a hash of every setting and of the engine's identity (`engine`).

        Post-correction is applied to what the cache holds, so its settings are not in the key.

        >>> OcrSettings().key("x") == OcrSettings(correct=False).key("x"), OcrSettings().key("x") == OcrSettings(dpi=300).key("x")
        (True, False)
        """
        reading = asdict(replace(self, correct=False, confident_at=101.0))  # post-correction: not reading
        payload = json.dumps([reading, engine], sort_keys=True, ensure_ascii=False)
        return f"ocr-{hashlib.sha256(payload.encode()).hexdigest()[:16]}"


DEFAULT_SETTINGS = OcrSettings()
