"""Every threshold of the OCR stage in one frozen value (`OcrSettings`), and the cache key
derived from it and from the engine (tesseract's version, the traineddata files read); the
thresholds of the handwritten-slot reader (`HandwritingSettings`, ingest.handwriting) beside them.

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
    # (tesseract's second reading of a doubtful line as white on black, `tessedit_do_invert`, is left on:
    # off, it cost no less CPU — 22 corpus pages, paired runs: 1.00 — and lost lines under red seals that
    # the second reading saves, the signer titles and names of 4 real signed scans: 01/2025/QĐ-TTg's
    # "PHÓ THỦ TƯỚNG", 687/STP-VB's "PHÓ GIÁM ĐỐC")
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
    # a "word" of letters less tall than this is a dashed or dotted rule read as letters: 285 such words
    # on the 267 OCR'd pages of dev-real and dev-real-scans ("——w——-——", "He", "Nước" 1-2.2 pt tall, all
    # debris); the x-height of 6 pt print is ~2.7 pt
    min_word_height_pt: float = 2.4
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
    revision: int = 22

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


@dataclass(frozen=True, slots=True)
class HandwritingSettings:
    """Thresholds of the slot reader, measured on dev-real-scans (bench/handwriting_slots.py)."""

    enabled: bool = True
    header_share: float = 0.45      # slots are looked for in this top share of the first page
    band_above: float = 0.9         # the slot's band reaches this many line heights above the printed line …
    band_below: float = 0.45        # … and this many below it (pen figures sit high and overflow)
    colour_spread: int = 50         # max−min channel spread from which a pixel is pen ink (blue, red)
    colour_dark: int = 215          # … when its darkest channel is also below this
    dark_contrast: int = 60         # without coloured ink: this many grey levels darker than the paper is a pen stroke …
    dark_level: int = 200           # … and darker than this in any case
    min_ink_pt2: float = 6.0        # less ink than this many square points: the slot is blank
    min_ink_height: float = 0.45    # ink lower than this share of the printed line height: dots, not figures
    side_reach: float = 1.5         # coloured figures are followed this many line heights past the slot's edges
    languages: tuple[str, ...] = ("eng", "vie")   # tesseract models reading the figures (digits whitelisted)
    psms: tuple[int, ...] = (7, 8)
    heights_px: tuple[int, ...] = (32, 48, 64)   # the ink scaled to this height before reading
    min_confidence: float = 40.0    # a reading below this confidence does not count
    min_agreeing: int = 2           # sure readings that must give the same figures
    neighbours: int = 7             # nearest UCI digits asked for a second opinion (ingest.digits) …
    min_neighbour_share: float = 0.5  # … of which at least this share must agree, for every figure
    max_number_digits: int = 6
    split_ratio: float = 1.0        # a piece of ink wider than this many times its height is touching figures …
    figure_width: float = 0.62      # … each about this share of the height wide (ingest.digits.split)
    figure_share: float = 0.7       # a figure's nearest UCI or MNIST digits count in the vote when this share agree …
    figure_confidence: float = 60.0  # … tesseract's reading of the figure alone when this sure (`figure_vote`)
    figure_language: str = "eng"    # the model reading each figure alone (the Vietnamese one misreads them more)
    figure_psm: int = 10
    figure_height_px: int = 32
    typed_confidence: float = 50.0  # page OCR's figures in the slot at least this sure (its own line for a sure
    #                                 word, OcrSettings.min_content_confidence): typed or clear, left alone
    revision: int = 17   # bump when the code (here, ingest.slots, ingest.digits) reads slots differently

    def key(self) -> str:
        """Names the cached slot readings: every setting in one hash.

        >>> HandwritingSettings().key() == HandwritingSettings(min_confidence=60).key()
        False
        """
        payload = json.dumps(asdict(self), sort_keys=True)
        return f"hw-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


DEFAULT_HANDWRITING = HandwritingSettings()
