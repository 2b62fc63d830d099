"""The tesseract engine: one process per batch of page images, its TSV as `Word`s in PDF points,
orientation detection, and the engine's identity (version and traineddata files) for the cache key.

Every tesseract runs single-threaded (`OMP_THREAD_LIMIT=1` in the environment of the
process started, never set in this process's own): with OpenMP on, two parallel
processes can be 3-130× slower (see shared/docs/MEASUREMENTS.md §4.2).
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

import pytesseract
import regex
from PIL import Image

from congvan.ingest.errors import OcrFailed, TesseractMissing
from congvan.ingest.model import Word

_COUNTER_LOCK = threading.Lock()
_tesseract_calls = 0


def _count_call() -> None:
    global _tesseract_calls
    with _COUNTER_LOCK:
        _tesseract_calls += 1


def tesseract_calls() -> int:
    """How many tesseract processes this module has started (tests use it to see cache hits)."""
    return _tesseract_calls


TESSDATA_PLACES = ("/usr/share/tesseract-ocr/*/tessdata", "/usr/share/tesseract-ocr/tessdata", "/usr/local/share/tessdata")


def tesseract_program() -> str:
    return pytesseract.pytesseract.tesseract_cmd


def _environment() -> dict[str, str]:
    """The environment of every tesseract started: this one, single-threaded."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def check_tesseract(languages: str | None = None) -> None:
    """Raise `TesseractMissing` unless tesseract and the data of each of `languages` ("vie+Vietnamese")
    are installed.

    Looks for the program and the `.traineddata` files where Debian and $TESSDATA_PREFIX put
    them (no process started); asks tesseract itself only when they are elsewhere.
    """
    if languages is None:
        from congvan.ingest.ocr_settings import DEFAULT_SETTINGS

        languages = DEFAULT_SETTINGS.languages
    wanted = languages.split("+")
    if shutil.which(tesseract_program()) and all(_traineddata(name) for name in wanted):
        return
    try:
        listed = subprocess.run([tesseract_program(), "--list-langs"], capture_output=True, text=True,
                                env=_environment(), timeout=60)
    except OSError as e:
        raise TesseractMissing(detail=str(e).strip()[:200]) from e
    known = set(listed.stdout.split())
    missing = [name for name in wanted if name not in known]
    if listed.returncode != 0 or missing:
        raise TesseractMissing(detail=f"tesseract is installed but the language data {', '.join(missing)} is missing")


def _traineddata(name: str) -> str | None:
    """Path of `<name>.traineddata` in the places tesseract looks, or None."""
    places = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_PLACES]
    for place in places:
        if place:
            for found in sorted(glob.glob(os.path.join(place, f"{name}.traineddata"))):
                return found
            for found in sorted(glob.glob(os.path.join(place, "script", f"{name}.traineddata"))):
                return found
    return None


@lru_cache(maxsize=8)
def engine_identity(languages: str = "vie") -> str:
    """tesseract's version and the identity (name and sha256) of each traineddata file read:
    part of the OCR cache key, so a new model or a new tesseract never serves old text."""
    try:
        version = subprocess.run([tesseract_program(), "--version"], capture_output=True, text=True,
                                 env=_environment(), timeout=60).stdout.splitlines()[:1]
    except (OSError, subprocess.SubprocessError):
        version = []
    parts = [" ".join(version) or "tesseract ?"]
    for name in languages.split("+"):
        path = _traineddata(name)
        parts.append(f"{name}:{_file_sha256(path) if path else '?'}")
    return ";".join(parts)


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _tesseract(source: str, arguments: Sequence[str]) -> str:
    """Run tesseract on an image file (or a list of them) and return what it writes to stdout;
    its failures as congvan's errors."""
    command = [tesseract_program(), source, "stdout", *arguments]
    try:
        done = subprocess.run(command, capture_output=True, env=_environment(), timeout=3600)
    except FileNotFoundError as e:
        raise TesseractMissing() from e
    except subprocess.TimeoutExpired as e:
        raise OcrFailed(detail="tesseract chạy quá một giờ") from e
    if done.returncode != 0:
        raise OcrFailed(detail=done.stderr.decode("utf-8", "replace").strip()[:200])
    return done.stdout.decode("utf-8", "replace")


@contextmanager
def _image_file(image: Image.Image) -> Iterator[str]:
    """`image` written as a BMP (3 ms, against 150 ms for PNG) in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="congvan-ocr-") as folder:
        path = os.path.join(folder, "page.bmp")
        image.save(path, format="BMP")
        yield path


def _run_tesseract(image: Image.Image, psm: int, languages: str = "vie", config: Sequence[str] = ()) -> dict:
    _count_call()
    with _image_file(image) as path:
        return _image_to_data(path, psm, languages, config)


def _image_to_data(source: str, psm: int, languages: str = "vie", config: Sequence[str] = ()) -> dict:
    """tesseract's TSV of an image file (or a list of image files) as a dict of columns
    (`pytesseract.image_to_data`'s DICT output); `config`: more arguments ("-c", "name=value")."""
    tsv = _tesseract(source, ["-l", languages, "-c", "tessedit_create_tsv=1", "--oem", "1", "--psm", str(psm),
                              *config])
    return pytesseract.pytesseract.file_to_dict(tsv, "\t", -1)


def _run_tesseract_many(images: Sequence[Image.Image], psm: int, languages: str = "vie",
                        config: Sequence[str] = ()) -> list[dict]:
    """`image_to_data` of several images in one tesseract process, one dict per image.

    Each tesseract process spends ~0.07 CPU-s starting (model, dictionaries) before it
    reads a page of ~1 s: pages read together pay it once (tesseract reads a list of
    image files as the pages of one document; the TSV numbers them in `page_num`).
    """
    if len(images) <= 1:
        return [_run_tesseract(image, psm, languages, config) for image in images]
    _count_call()
    with tempfile.TemporaryDirectory(prefix="congvan-ocr-") as folder:
        names = []
        for n, image in enumerate(images):
            names.append(os.path.join(folder, f"{n}.bmp"))
            image.save(names[-1], format="BMP")
        listing = os.path.join(folder, "pages.txt")
        with open(listing, "w", encoding="utf-8") as f:
            f.write("\n".join(names) + "\n")
        data = _image_to_data(listing, psm, languages, config)
    rows: list[list[int]] = [[] for _ in images]  # each image's rows of the TSV
    for i, page in enumerate(data.get("page_num", ())):
        rows[int(page) - 1].append(i)
    return [{key: [values[i] for i in rows[n]] for key, values in data.items()} for n in range(len(images))]


def _detect_rotation(image: Image.Image) -> int:
    """Degrees tesseract's orientation detection (`--psm 0`) says the page is turned by (0, 90, 180, 270)."""
    _count_call()
    with _image_file(image) as path:
        try:
            osd = _tesseract(path, ["-l", "osd", "--psm", "0"])
        except OcrFailed:  # OSD gives up on pages with too little text: keep as is
            return 0
    found = regex.search(r"^Rotate:\s*(\d+)", osd, flags=regex.MULTILINE, timeout=1)
    return int(found.group(1)) % 360 if found else 0


def correct_abbreviation(text: str) -> str:
    """An upper-case word one letter away from exactly one known abbreviation is that abbreviation.

    >>> correct_abbreviation("ĐIXHH"), correct_abbreviation("CCHC"), correct_abbreviation("Đơn")
    ('ĐTXHH', 'CCHC', 'Đơn')
    """
    core = text.strip(".,;:()")
    if len(core) < 4 or not core.isupper() or core in _abbreviations():
        return text
    near = [a for a in _abbreviations() if len(a) == len(core) and regex.fullmatch(f"(?:{regex.escape(a)}){{s<=1}}", core, timeout=1)]
    return text.replace(core, near[0]) if len(near) == 1 else text


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    from congvan.rules import load

    return frozenset(load("ocr_lexicon")["abbreviations"])


def _words_from_data(data: dict, scale: float, min_conf: float = 50.0, min_height_pt: float = 0.0
                     ) -> tuple[Word, ...]:
    """tesseract's words (its TSV as a dict of columns) with their boxes times `scale` (points per
    pixel); specks and rules read as marks left out (`_is_content`), and words less than
    `min_height_pt` tall: a dashed or dotted rule read as letters ("——w——-——", "He" 1 pt tall)."""
    words = []
    for i, raw in enumerate(data["text"]):
        text = unicodedata.normalize("NFC", raw.strip())
        if any(ch.isalnum() for ch in text):
            text = correct_abbreviation(text.strip("|¦"))   # a table rule read as part of the word
        conf = float(data["conf"][i])
        if not text or conf < 0 or not _is_content(text, conf, min_conf):
            continue
        if data["height"][i] * scale < min_height_pt and _has_letter(text):
            continue
        left, top = data["left"][i], data["top"][i]
        words.append(
            Word(
                text=text,
                x0=round(left * scale, 2),
                top=round(top * scale, 2),
                x1=round((left + data["width"][i]) * scale, 2),
                bottom=round((top + data["height"][i]) * scale, 2),
                conf=round(conf, 1),
            )
        )
    return tuple(words)


def _is_content(text: str, conf: float, min_conf: float = 50.0) -> bool:
    """Drop table rules and specks read as '|', '_', '—' … (no letter or digit, low confidence), and
    marks that are only a circumflex or a modifier letter ("ˆ", "ˆ=": a seal's or a dash's debris).

    >>> _is_content("ˆ", 91.0), _is_content("-", 60.0), _is_content("Số:", 10.0)
    (False, True, True)
    """
    if _has_letter(text):
        return True
    if any(unicodedata.category(ch) in ("Lm", "Sk") for ch in text):
        return False
    if set(text) <= set("|[]_—–-~=:;.,'\"`‘’“”¦!¡"):
        return text in {"-", "–", "+", "*", "…"} and conf >= min_conf
    return conf >= min_conf


def _has_letter(text: str) -> bool:
    """A letter or digit other than a modifier letter ("ˆ" is one to Python)."""
    return any(ch.isalnum() and unicodedata.category(ch) != "Lm" for ch in text)


def _mean_conf(words: tuple[Word, ...]) -> float | None:
    if not words:
        return None
    return round(sum(w.conf or 0.0 for w in words) / len(words), 2)
