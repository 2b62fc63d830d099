"""Numbers and days written by hand into the printed header slots: "Số: ____/BCA-C04",
"ngày __ tháng __ năm 2025".

Offices print a letter with the number and the day left blank and fill them in by pen
(blue, red or black) when it is registered. Page OCR reads the page after the coloured
ink is whitened (`ingest.cleaning.brightest_channel`), so blue and red figures are gone,
and black ones come out as noise ("2IØJ", "0Ÿ"). This module reads them again:

1. the slots are located from the printed words around them (`find_slots`): between "Số:"
   and the "/SYMBOL", between "ngày" and "tháng", "tháng" and "năm", also inside words OCR
   ran together ("ngày25tháng", "Só:Š/KH-DCT"); a slot whose figures page OCR read sure
   (typed, `typed_confidence`) is left alone;
2. each slot is cut from the page as rendered, before cleaning (`slot_ink`): its coloured
   pen strokes, whole even where they run past the slot's estimated edge, else its dark
   strokes; the printed dots and underline (too low) are dropped;
3. the ink is read whole by tesseract with a digit whitelist several ways (two models, page
   segmentation modes, scales); it is also cut into figures (`ingest.digits.figures`), each
   read by the nearest UCI digits, the nearest MNIST digits (by pixels, and by edge
   orientations) and tesseract as one character (`figure_vote`: two of UCI, MNIST by pixels
   and tesseract, each sure, agree on every figure; where no two do, the edge reader and one
   of them, with none sure of another figure); a value is accepted only when two readers
   agree on it (`decide`), and it is plausible (day 1–31, month 1–12, number of 1–6
   figures). Never a guess: a slot with ink no reading is sure of, or with strokes cut by
   its edge, is `unreadable`; one without ink is `blank` (`Slot.state`). A typed day or
   month beside a pen-written other part is recorded with page OCR's figures (0 readings).

Measured on the 23 OCR'd files of ../shared/dev-real-scans (`bench/handwriting_slots.py`):
slots read again (`--readers`) 15 right, 0 wrong, 24 unread (9 right before the edge reader);
the register's numbers, days and months 29 right, 1 wrong, 39 unknown (20 right, 1 wrong
before; the wrong one a bold pen "932" page OCR reads "332" at 74, as sure as typed figures of
synthetic scans, 50–79). What stays unread: the long-flagged "1" of Vietnamese hands (UCI takes it for a 7,
tesseract for a 4), figures touching each other or the printed "/" of the ký hiệu (`cut`).

`extract.handwritten` turns the slots into the header's number and date. Every threshold
is a field of `HandwritingSettings`; its `key()` names the cached slot readings
(`page_slots`), so a change of a threshold or a model reads the slots again. The slots
are cached apart from the page OCR (`ingest.ocr_cache`), whose text they do not change.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image

from congvan.ingest.digits import classify, classify_gradients, classify_mnist, connected, features, figures
from congvan.ingest.errors import OcrFailed
from congvan.ingest.model import Slot, Word
from congvan.ingest.ocr_settings import DEFAULT_HANDWRITING, HandwritingSettings
from congvan.ingest.slots import SLOT_NAMES, Span, find_slots, possible_figures, typed_value



@dataclass(frozen=True)
class Ink:
    """A slot's pen ink (`mask`: True where ink), whether it is coloured (a pen's, not print), and
    whether strokes on the line run over the slot's edge (then no part of it is read)."""

    mask: np.ndarray
    coloured: bool = False
    cut: bool = False

    def area(self, scale: float) -> float:
        """Its area in square points."""
        return float(self.mask.sum()) / scale ** 2


def slot_ink(image: Image.Image, span: Span, scale: float, settings: HandwritingSettings = DEFAULT_HANDWRITING
             ) -> Ink:
    """The pen ink of a slot as a boolean array (True: ink), cut from the page as rendered (before
    cleaning) over the slot's band widened by `side_reach` line heights on each side: its coloured
    pieces that reach into the slot (whole, so a figure running over the slot's estimated edge
    is not cut), else its dark strokes inside the slot not touching its sides (a printed letter
    cut by the slot's edge). Pieces lower than `min_ink_height` of the line (the printed dots
    or underline, specks) are dropped."""
    height = span.bottom - span.top
    reach = settings.side_reach * height
    box = (round((span.x0 - reach) * scale), round((span.top - settings.band_above * height) * scale),
           round((span.x1 + reach) * scale), round((span.bottom + settings.band_below * height) * scale))
    inner = (round(reach * scale), round(reach * scale) + round((span.x1 - span.x0) * scale))
    if inner[1] - inner[0] < 2 or box[3] - box[1] < 2:
        return Ink(np.zeros((1, 1), dtype=bool))
    crop = image.crop(box)
    rgb = np.asarray(crop.convert("RGB"), dtype=np.int16)
    low, high = rgb.min(axis=2), rgb.max(axis=2)
    colour = (high - low > settings.colour_spread) & (low < settings.colour_dark)
    min_height = settings.min_ink_height * height * scale
    kept = _tall_pieces(colour, min_height, within=inner)
    if kept.sum() / scale ** 2 >= settings.min_ink_pt2:
        return Ink(kept, coloured=True)
    gray = np.asarray(crop.convert("L"))
    dark = (gray < min(settings.dark_level, float(np.median(gray)) - settings.dark_contrast)) & ~colour
    inside = np.zeros_like(dark)
    inside[:, inner[0]:inner[1]] = dark[:, inner[0]:inner[1]]
    kept = _tall_pieces(inside, min_height, within=(inner[0] + 1, inner[1] - 1), inside_only=True)
    cut = _tall_pieces(inside, min_height, within=(inner[0] + 1, inner[1] - 1)) & ~kept
    core = slice(round(settings.band_above * height * scale), round((settings.band_above + 1) * height * scale))
    if cut[core].sum() / scale ** 2 >= settings.min_ink_pt2:   # strokes on the line itself run over the slot's edge:
        return Ink(kept | cut, cut=True)                       # ink, but no part of it is read
    return Ink(kept)


def _tall_pieces(mask: np.ndarray, min_height: float, within: tuple[int, int], inside_only: bool = False
                 ) -> np.ndarray:
    """The connected pieces (8-neighbours) of `mask` at least `min_height` pixels tall that reach
    into the columns `within` (with `inside_only`: that lie wholly within them)."""
    kept = np.zeros_like(mask)
    for piece in connected(mask):
        ys = [p[0] for p in piece]
        xs = [p[1] for p in piece]
        if max(ys) - min(ys) + 1 < min_height:
            continue
        if max(xs) < within[0] or min(xs) >= within[1]:
            continue
        if inside_only and (min(xs) < within[0] or max(xs) >= within[1]):
            continue
        for y, x in piece:
            kept[y, x] = True
    return kept


def ink_image(ink: np.ndarray, height: int, pad: float = 0.35) -> Image.Image | None:
    """The ink as black figures on white, `height` pixels tall, with a white margin; None without ink."""
    ys, xs = np.nonzero(ink)
    if len(ys) == 0:
        return None
    cut = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    figure = Image.fromarray(np.where(cut, 0, 255).astype(np.uint8))
    width = max(1, round(figure.width * height / figure.height))
    figure = figure.resize((width, height), Image.Resampling.LANCZOS)
    margin = round(height * pad)
    page = Image.new("L", (width + 2 * margin, height + 2 * margin), 255)
    page.paste(figure, (margin, margin))
    return page


def _read_figures(images: Sequence[Image.Image], psm: int, languages: str) -> list[tuple[str, float]]:
    """Each image read by tesseract (digits only; the images together in one process, as page OCR
    reads its pages) as (figures, lowest word confidence)."""
    from congvan.ingest.engine import _run_tesseract_many

    out = []
    for data in _run_tesseract_many(images, psm, languages, ("-c", "tessedit_char_whitelist=0123456789")):
        words = [(str(text).strip(), float(conf)) for text, conf in zip(data["text"], data["conf"])]
        words = [(text, conf) for text, conf in words if conf >= 0 and text]
        out.append(("".join(text for text, _ in words), min(conf for _, conf in words)) if words else ("", 0.0))
    return out


def plausible(name: str, value: str, settings: HandwritingSettings = DEFAULT_HANDWRITING) -> bool:
    """A day 1–31, a month 1–12 (one or two figures), a number of 1–`max_number_digits` figures.

    >>> plausible("day", "09"), plausible("day", "32"), plausible("month", "10"), plausible("month", "010")
    (True, False, True, False)
    >>> plausible("number", "4552"), plausible("number", "0"), plausible("number", "1234567")
    (True, False, False)
    """
    if not value.isdigit():
        return False
    if name == "number":
        return 1 <= len(value) <= settings.max_number_digits and int(value) > 0
    top = 31 if name == "day" else 12
    return len(value) <= 2 and 1 <= int(value) <= top


def figure_vote(uci: Sequence[tuple[str, float]], mnist: Sequence[tuple[str, float]],
                alone: Sequence[tuple[str, float]], settings: HandwritingSettings = DEFAULT_HANDWRITING,
                shape: Sequence[tuple[str, float]] = (), allowed: Sequence[str] = ()) -> str | None:
    """The figures, when every figure is agreed: two of its three readers, each sure, give it — the
    nearest UCI digits and the nearest MNIST digits (share of neighbours agreeing ≥ `figure_share`)
    and tesseract reading the figure alone (one figure, confidence ≥ `figure_confidence`) — or, where
    no two of them agree, the MNIST digits nearest by edge orientations (`shape`,
    `ingest.digits.classify_gradients`, ≥ `figure_share`) and one of the three are sure of it and
    none is sure of another figure. A figure not agreed: None. A reader's figure that cannot stand
    where it stands (`allowed`, per figure, `possible_figures`: a 7 first in a month) is no opinion.

    >>> figure_vote([("2", 0.86), ("4", 0.57)], [("2", 1.0), ("4", 1.0)], [("", 0.0), ("4", 85.0)])
    '24'
    >>> figure_vote([("2", 0.86), ("7", 0.57)], [("2", 1.0), ("1", 1.0)], [("2", 92.0), ("4", 85.0)]) is None
    True
    >>> figure_vote([("2", 0.57), ("8", 0.71)], [("2", 1.0), ("8", 0.43)], [("", 0.0), ("", 0.0)],
    ...             shape=[("2", 0.71), ("8", 0.71)])   # "28": MNIST and the edges agree on the 2, UCI and the edges on the 8
    '28'
    >>> figure_vote([("7", 1.0)], [("1", 1.0)], [("", 0.0)], shape=[("1", 1.0)]) is None   # UCI sure of another
    True
    >>> figure_vote([("7", 1.0), ("0", 0.29)], [("1", 1.0), ("0", 1.0)], [("", 0.0), ("", 0.0)],
    ...             shape=[("1", 1.0), ("0", 1.0)], allowed=possible_figures("month", 2))   # a month cannot start with 7
    '10'
    """
    if not mnist or not len(uci) == len(mnist) == len(alone) or shape and len(shape) != len(mnist):
        return None
    out = []
    for n, ((u, u_share), (m, m_share), (t, t_conf)) in enumerate(zip(uci, mnist, alone)):
        possible = allowed[n] if allowed else "0123456789"
        sure = [u if u_share >= settings.figure_share else None, m if m_share >= settings.figure_share else None,
                t if t_conf >= settings.figure_confidence and len(t) == 1 else None]
        sure = [d if d is not None and d in possible else None for d in sure]
        agreed = {d for d in sure if d is not None and sure.count(d) >= 2}
        if not agreed and shape:   # the edges and one other reader, each sure, and no reader sure of another
            s, s_share = shape[n]
            if s_share >= settings.figure_share and s in possible and s in sure and all(d in (None, s) for d in sure):
                agreed = {s}
        if len(agreed) != 1:
            return None
        out.append(agreed.pop())
    return "".join(out)


def decide(name: str, readings: Sequence[tuple[str, str, float]], second: Sequence[tuple[str, float]] = (),
           settings: HandwritingSettings = DEFAULT_HANDWRITING, page: str = "", votes: str | None = None,
           mnist: Sequence[tuple[str, float]] = ()) -> tuple[str | None, float | None, int]:
    """A value two readers agree on, when plausible (day 1–31, month 1–12, number of 1–6 figures).

    The readers: tesseract (`readings`: model, figures, confidence; its value is the one its
    sure readings, confidence ≥ `min_confidence`, give most often, at least `min_agreeing`
    times), the nearest UCI digits (`second`: each figure with the share of its neighbours
    that agree, at least `min_neighbour_share` each, `ingest.digits`) and page OCR (`page`:
    the figures it read in the slot, unsure). Accepted: tesseract's value when every model
    (`languages`) gives it most often itself, or when the nearest digits or page OCR read the
    same; page OCR's figures when the nearest digits read the same; the figures every figure's
    readers agree on (`votes`, `figure_vote`); the nearest MNIST digits' (`mnist`, each figure
    with ≥ `figure_share` of its neighbours agreeing) when tesseract's value is the same. Two
    of these giving different values, or figures read one by one that tesseract's value
    (sure, plausible, read whole) contradicts: none. Returns (value, lowest confidence among
    tesseract's sure readings of it, how many), else (None, None, 0).

    >>> decide("day", [("eng", "9", 91.0), ("eng", "9", 88.0), ("vie", "9", 80.0), ("vie", "9", 60.0)])
    ('9', 60.0, 4)
    >>> decide("day", [("eng", "9", 91.0), ("eng", "9", 88.0), ("vie", "4", 80.0), ("vie", "4", 60.0)])
    (None, None, 0)
    >>> decide("day", [("vie", "23", 91.0), ("vie", "23", 88.0), ("vie", "4", 80.0)], [("2", 1.0), ("3", 0.71)])
    ('23', 88.0, 2)
    >>> decide("number", [], [("0", 1.0), ("1", 1.0)], page="01"), decide("day", [], [("0", 0.86)], page="3")
    (('01', None, 0), (None, None, 0))
    >>> decide("day", [], votes="9"), decide("month", [("eng", "01", 94.0), ("vie", "01", 88.0)], mnist=[("0", 1.0), ("1", 1.0)])
    (('9', None, 0), ('01', 88.0, 2))
    >>> decide("day", [("eng", "9", 91.0), ("eng", "9", 88.0), ("vie", "9", 80.0), ("vie", "9", 60.0)], votes="4")
    (None, None, 0)
    >>> decide("number", [("eng", "49", 85.0), ("eng", "49", 79.0)], votes="83")   # "753": "75" touching, read as one "8"
    (None, None, 0)
    """
    sure = [(lang, v, c) for lang, v, c in readings if c >= settings.min_confidence and plausible(name, v, settings)]
    counts = Counter(v for _, v, _ in sure).most_common()
    value = counts[0][0] if counts and counts[0][1] >= settings.min_agreeing and \
        (len(counts) == 1 or counts[1][1] < counts[0][1]) else None
    neighbours = "".join(d for d, _ in second) if second and all(
        share >= settings.min_neighbour_share for _, share in second) else None
    page = page if plausible(name, page, settings) else None
    every_model = value is not None and all(
        (mine := Counter(v for lang, v, _ in sure if lang == language).most_common())
        and mine[0][0] == value and mine[0][1] >= settings.min_agreeing
        and (len(mine) == 1 or mine[1][1] < mine[0][1])
        for language in settings.languages)
    votes = votes if votes is not None and plausible(name, votes, settings) else None
    by_mnist = "".join(d for d, _ in mnist) if mnist and all(
        share >= settings.figure_share for _, share in mnist) else None
    found: list[tuple[str, float | None, int]] = []
    if value is not None and (every_model or value in (neighbours, page, by_mnist)):
        agreeing = [c for _, v, c in sure if v == value]
        found.append((value, min(agreeing), len(agreeing)))
    if page is not None and page == neighbours:
        found.append((page, None, 0))
    meaning = (lambda v: v) if name == "number" else int   # a day "09" is the day "9"
    if votes is not None and value is not None and meaning(value) != meaning(votes):
        return None, None, 0   # tesseract reads the whole otherwise, sure: touching figures taken for one, or a misread
    if votes is not None:
        found.append((votes, None, 0))
    if len({meaning(v) for v, _, _ in found}) != 1:   # none, or readers sure of different values
        return None, None, 0
    return found[0]


def read_slots(image: Image.Image, page_width_pt: float, page_height_pt: float, words: Sequence[Word],
               angle: float = 0.0, settings: HandwritingSettings = DEFAULT_HANDWRITING,
               readings_out: dict | None = None) -> tuple[Slot, ...]:
    """The header slots of a first page (`find_slots` on page OCR's `words`), each read from
    `image` (the page as rendered, before cleaning; `angle`: the skew page OCR corrected, in
    PIL's sense). A slot page OCR read as clean sure figures (a typed number) is not read again; a
    typed day or month whose date has its other part written by hand is recorded as read, with page
    OCR's figures and confidence (0 readings), so that the date is whole."""
    if not settings.enabled:
        return ()
    spans = find_slots(words, page_height_pt, settings.header_share)
    if not spans:
        return ()
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor="white" if image.mode == "RGB" else 255)
    scale = image.width / page_width_pt
    inks = [slot_ink(image, span, scale, settings) for span in spans]
    # figures page OCR read sure are left alone, unless they are in coloured ink: a pen's, which page OCR
    # read only the remains of after whitening it (a blue "24" read "23")
    again = [n for n, span in enumerate(spans) if typed_value(span, settings.typed_confidence) is None
             or inks[n].coloured]
    typed = [Slot(span.name, round(span.x0, 2), round(span.top, 2), round(span.x1, 2), round(span.bottom, 2), True,
                  typed_value(span, settings.typed_confidence), span.confidence, 0, span.text, span.confidence)
             for n, span in enumerate(spans) if n not in again and span.name != "number"
             and any(spans[k].name in ("day", "month") and inks[k].area(scale) >= settings.min_ink_pt2
                     for k in again)]   # the date's other part by pen
    spans, inks = [spans[n] for n in again], [inks[n] for n in again]
    has_ink = [ink.area(scale) >= settings.min_ink_pt2 for ink in inks]
    jobs = [(n, ink_image(ink.mask, h)) for n, ink in enumerate(inks) if has_ink[n] and not ink.cut
            for h in settings.heights_px]
    jobs = [(n, im) for n, im in jobs if im is not None]
    readings: dict[int, list[tuple[str, str, float]]] = {n: [] for n in range(len(spans))}
    for language in settings.languages:
        for psm in settings.psms:
            for (n, _), reading in zip(jobs, _read_figures([im for _, im in jobs], psm, language)):
                readings[n].append((language, *reading))
    cut = {n: figures(ink.mask, split_ratio=settings.split_ratio, figure_width=settings.figure_width)
           if has_ink[n] and not ink.cut else [] for n, ink in enumerate(inks)}
    single = [(n, ink_image(figure, settings.figure_height_px)) for n in cut for figure in cut[n]]
    alone: dict[int, list[tuple[str, float]]] = {n: [] for n in cut}
    for (n, _), reading in zip(single, _read_figures([im for _, im in single], settings.figure_psm,
                                                      settings.figure_language)):
        alone[n].append(reading)
    slots = []
    for n, span in enumerate(spans):
        second = tuple(classify(features(figure), settings.neighbours) for figure in cut[n])
        mnist = tuple(classify_mnist(figure, settings.neighbours) for figure in cut[n])
        shape = tuple(classify_gradients(figure, settings.neighbours) for figure in cut[n])
        votes = figure_vote(second, mnist, alone[n], settings, shape, possible_figures(span.name, len(cut[n])))
        value, confidence, count = decide(span.name, readings[n], second, settings, span.text.strip(" .,"), votes, mnist)
        slots.append(Slot(span.name, round(span.x0, 2), round(span.top, 2), round(span.x1, 2), round(span.bottom, 2),
                          has_ink[n], value, confidence, count, span.text, span.confidence))
        if readings_out is not None:
            readings_out[span.name] = (readings[n], span.text, span.confidence, second, mnist, tuple(alone[n]), shape)
    return tuple(sorted(slots + typed, key=lambda slot: SLOT_NAMES.index(slot.name)))


def page_slots(pdf_path, page_index: int, result, cache_dir=None, ocr_settings=None,
               settings: HandwritingSettings = DEFAULT_HANDWRITING,
               rendered: tuple[Image.Image, float] | None = None, skew: float | None = None):
    """`result` (the OCR of page `page_index`) with its header slots (`OcrResult.handwriting`) when
    it is the first page: read from the page as rendered (`rendered`: image and width in points,
    else rendered again), kept under `cache_dir/handwriting/` by the page image's hash,
    `settings.key()` and the models' identity, so a page answered from the OCR cache is
    rendered again only the first time. `skew`: the angle page OCR levelled that image by, when
    it knows it (measured again otherwise)."""
    from dataclasses import replace
    from pathlib import Path

    from congvan.ingest.ocr_settings import DEFAULT_SETTINGS

    if page_index != 0 or not settings.enabled or not result.words:
        return result
    ocr_settings = ocr_settings or DEFAULT_SETTINGS
    path = None
    if cache_dir is not None and result.image_sha256:
        path = Path(cache_dir) / "handwriting" / f"{result.image_sha256}.{settings.key()}.{engine_key(settings)}.json"
        try:
            return replace(result, handwriting=tuple(Slot(**slot) for slot in json.loads(path.read_text("utf-8"))))
        except (OSError, ValueError, TypeError):   # not read yet, or a torn write: read again
            pass
    try:
        if rendered is None:
            from congvan.ingest.render import render_pages

            rendered = render_pages(pdf_path, [page_index], ocr_settings.dpi, ocr_settings.native_dpi_up_to)[0]
        image, width_pt = rendered
        height_pt = width_pt * image.height / image.width
        if any(w.x1 > width_pt * 1.02 or w.bottom > height_pt * 1.02 for w in result.words):
            return result   # page OCR read the page turned (ingest.ocr._finish): its words are not on this image
        angle = _skew(image, ocr_settings) if skew is None or rendered is None else skew
        slots = read_slots(image, width_pt, height_pt, result.words, angle, settings)
    except (OcrFailed, OSError, ValueError):   # the page stays as page OCR read it: its header reads as before
        return result
    if path is not None:
        import os
        import threading

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps([asdict(slot) for slot in slots], ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    return replace(result, handwriting=slots)


def _skew(image: Image.Image, ocr_settings) -> float:
    """The skew angle page OCR corrected (`ingest.ocr._prepare`), measured the same way."""
    from congvan.ingest.cleaning import estimate_skew, remove_stamps

    gray = remove_stamps(image, ocr_settings.colour_threshold, ocr_settings.seal_white_level, ocr_settings.ink_removal)
    angle = estimate_skew(gray, ocr_settings.max_skew_degrees, ocr_settings.skew_dark_level)
    return angle if abs(angle) >= ocr_settings.min_skew_degrees else 0.0


def engine_key(settings: HandwritingSettings = DEFAULT_HANDWRITING) -> str:
    """The identity of the tesseract models the figures are read with, hashed (part of the cache name)."""
    from congvan.ingest.engine import engine_identity

    identity = ";".join(engine_identity(language) for language in settings.languages)
    return hashlib.sha256(identity.encode()).hexdigest()[:8]
