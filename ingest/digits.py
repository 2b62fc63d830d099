"""Handwritten figures read by nearest neighbours: a second opinion beside tesseract on the
number and the day written by hand into a letter's header (`ingest.handwriting`).

The ink of a slot is cut into figures (connected pieces; pieces above one another, as
the two strokes of a "4", are one figure), each normalised as the UCI handwritten digits
were (its box scaled to 32 pixels, strokes thickened, 4×4 blocks counted into an 8×8
grid of 0–16) and compared with the 1797 digits of `ingest/data/optdigits.csv.gz`: the
digit most of its `k` nearest neighbours are, and the share of them that are.

>>> ink = np.zeros((40, 30), dtype=bool); ink[5:35, 14:17] = True   # one upright stroke
>>> read_figures(ink)
(('1', 1.0),)
"""
from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

DATA = Path(__file__).with_name("data") / "optdigits.csv.gz"


@lru_cache(maxsize=1)
def _samples() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(DATA, "rt") as f:
        raw = np.loadtxt(f, delimiter=",")
    return raw[:, :64], raw[:, 64].astype(int)


def figures(ink: np.ndarray, overlap: float = 0.5) -> list[np.ndarray]:
    """The ink cut into figures, left to right: connected pieces (8-neighbours), a piece
    overlapping the previous one by more than `overlap` of the narrower's width joined to it."""
    rows, cols = ink.shape
    seen = np.zeros_like(ink)
    pieces = []
    for y0, x0 in zip(*np.nonzero(ink)):
        if seen[y0, x0]:
            continue
        stack, piece = [(y0, x0)], []
        seen[y0, x0] = True
        while stack:
            y, x = stack.pop()
            piece.append((y, x))
            for ny in (y - 1, y, y + 1):
                for nx in (x - 1, x, x + 1):
                    if 0 <= ny < rows and 0 <= nx < cols and ink[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        xs = [p[1] for p in piece]
        pieces.append([min(xs), max(xs), piece])
    pieces.sort(key=lambda p: p[0])
    joined: list[list] = []
    for piece in pieces:
        if joined:
            last = joined[-1]
            shared = min(last[1], piece[1]) - max(last[0], piece[0])
            if shared > overlap * min(last[1] - last[0] + 1, piece[1] - piece[0] + 1):
                last[0], last[1], last[2] = min(last[0], piece[0]), max(last[1], piece[1]), last[2] + piece[2]
                continue
        joined.append(piece)
    out = []
    for _, _, piece in joined:
        mask = np.zeros_like(ink)
        for y, x in piece:
            mask[y, x] = True
        out.append(mask)
    return out


def features(figure: np.ndarray, grow: int = 1) -> np.ndarray:
    """A figure as the UCI digits are: its box scaled so its longer side is 32 pixels, centred
    in 32×32, strokes thickened by `grow` pixels, the pixels of each 4×4 block counted."""
    ys, xs = np.nonzero(figure)
    cut = figure[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    image = Image.fromarray(np.where(cut, 255, 0).astype(np.uint8))
    scale = 32 / max(cut.shape)
    width, height = max(1, round(cut.shape[1] * scale)), max(1, round(cut.shape[0] * scale))
    image = image.resize((width, height), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (32, 32), 0)
    canvas.paste(image, ((32 - width) // 2, (32 - height) // 2))
    if grow:
        canvas = canvas.filter(ImageFilter.MaxFilter(2 * grow + 1))
    return (np.asarray(canvas) > 127).reshape(8, 4, 8, 4).sum(axis=(1, 3)).reshape(64).astype(float)


def classify(vector: np.ndarray, k: int = 7) -> tuple[str, float]:
    """The digit most of the `k` nearest UCI digits are, and the share of them that are."""
    samples, labels = _samples()
    nearest = np.argsort(((samples - vector) ** 2).sum(axis=1))[:k]
    votes = np.bincount(labels[nearest], minlength=10)
    return str(int(votes.argmax())), float(votes.max() / k)


def read_figures(ink: np.ndarray, k: int = 7) -> tuple[tuple[str, float], ...]:
    """Each figure of the ink, left to right, as (digit, share of its neighbours that agree)."""
    return tuple(classify(features(figure), k) for figure in figures(ink))
