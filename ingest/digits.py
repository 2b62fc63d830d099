"""Handwritten figures read by nearest neighbours: three readers beside tesseract on the
number and the day written by hand into a letter's header (`ingest.handwriting`).

The ink of a slot is cut into figures (`figures`: connected pieces; pieces above one
another, as the two strokes of a "4", are one figure; a piece wider than `split_ratio`
times the ink's height, touching figures, cut at the column-profile minima nearest to
where figures `figure_width` of that height wide would end). Each figure is read three times:

- as the UCI handwritten digits were made (its box scaled to 32 pixels, strokes thickened,
  4×4 blocks counted into an 8×8 grid of 0–16), against the 1797 digits of
  `ingest/data/optdigits.csv.gz` (`classify`);
- as the MNIST digits were made (`normalise`: strokes made as wide as MNIST's, measured
  on its binarised digits, 2.26 pixels in a 20-pixel box; the box scaled to fit 20×20
  keeping its aspect, placed in 28×28 by its centre of mass, slant removed by moments),
  blurred, against the 5,000 MNIST digits of `ingest/data/mnist_5k.npz` prepared the same
  way (`classify_mnist`; 94.6 % right on every fifth MNIST digit held out, 97.0 % of those
  with 5 of 7 neighbours agreeing);
- by the orientations of its edges (`gradients`: 8 orientation bins in each 4×4 cell of the
  figure normalised as above) against the same MNIST digits, each also turned by ±10°
  (`ingest/data/mnist_5k_gradients.npz`, `classify_gradients`; 96.3 % right on every fifth
  digit held out with its turned copies, 97.9 % of those with 5 of 7 neighbours agreeing).
  On the 130 figures of the dev-real-scans slots it is sure and right of 104 (MNIST by
  pixels 92), sure and wrong of 14 (17): the fourth vote that reads an open "4", a "28"
  whose loops the other two doubt.

Each gives the digit most of its `k` nearest neighbours are, and the share of them that are.

>>> ink = np.zeros((40, 30), dtype=bool); ink[5:35, 14:17] = True   # one upright stroke
>>> read_figures(ink)
(('1', 1.0),)
>>> ring = np.zeros((40, 34), dtype=bool); yy, xx = np.mgrid[:40, :34]
>>> ring[(((yy - 20) / 17) ** 2 + ((xx - 17) / 12) ** 2 > 0.6) & (((yy - 20) / 17) ** 2 + ((xx - 17) / 12) ** 2 < 1)] = True
>>> read_mnist(ring), read_mnist(np.hstack([ink, ring]))   # a "0"; a "1" and a "0" side by side
((('0', 1.0),), (('1', 1.0), ('0', 1.0)))
"""
from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

DATA = Path(__file__).with_name("data") / "optdigits.csv.gz"
MNIST = Path(__file__).with_name("data") / "mnist_5k.npz"
# the MNIST digits as `_prepare_mnist` makes them, stored so that an OCR process does not spend
# ~1.3 s making them again; `PREPARED` names the recipe (bump it with `normalise` or
# `_mnist_vector`, then `python -m congvan.ingest.digits`; tests/test_handwriting.py checks them)
MNIST_PREPARED = Path(__file__).with_name("data") / "mnist_5k_prepared.npz"
PREPARED = 1
# the same MNIST digits, each also turned by `GRADIENT_TURNS` degrees, as `gradients` describes them
# (`_prepare_gradients`, ×`GRADIENT_SCALE` as uint8; `GRADIENTS_RECIPE` names the recipe, as `PREPARED`)
MNIST_GRADIENTS = Path(__file__).with_name("data") / "mnist_5k_gradients.npz"
GRADIENTS_RECIPE = 1
GRADIENT_TURNS = (-10, 10)
GRADIENT_SCALE = 400.0
MNIST_STROKE = 2.26   # median stroke width (2·area/perimeter) of the MNIST digits binarised at 128, in pixels
SPLIT_RATIO = 1.0     # a piece wider than this many times the ink's height holds touching figures …
FIGURE_WIDTH = 0.62   # … each about this share of the height wide


@lru_cache(maxsize=1)
def _samples() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(DATA, "rt") as f:
        raw = np.loadtxt(f, delimiter=",")
    return raw[:, :64], raw[:, 64].astype(int)


def connected(mask: np.ndarray) -> list[list[tuple[int, int]]]:
    """The connected pieces (8-neighbours) of a boolean mask, each as its (row, column) pixels.

    >>> mask = np.zeros((3, 5), dtype=bool); mask[0, 0] = mask[1, 1] = mask[2, 4] = True
    >>> [sorted(piece) for piece in connected(mask)]
    [[(0, 0), (1, 1)], [(2, 4)]]
    """
    rows, cols = mask.shape
    seen = np.zeros_like(mask)
    pieces = []
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        stack, piece = [(int(y0), int(x0))], []
        seen[y0, x0] = True
        while stack:
            y, x = stack.pop()
            piece.append((y, x))
            for ny in (y - 1, y, y + 1):
                for nx in (x - 1, x, x + 1):
                    if 0 <= ny < rows and 0 <= nx < cols and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        pieces.append(piece)
    return pieces


def figures(ink: np.ndarray, overlap: float = 0.5, split_ratio: float = SPLIT_RATIO,
            figure_width: float = FIGURE_WIDTH) -> list[np.ndarray]:
    """The ink cut into figures, left to right: connected pieces (8-neighbours), a piece
    overlapping the previous one by more than `overlap` of the narrower's width joined to it,
    a piece wider than `split_ratio` times the ink's height cut (`split`)."""
    ys = np.nonzero(ink)[0]
    height = int(ys.max() - ys.min() + 1) if len(ys) else 1
    pieces = sorted(([min(x for _, x in piece), max(x for _, x in piece), piece] for piece in connected(ink)),
                    key=lambda p: p[0])
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
        out.extend(split(mask, height, split_ratio, figure_width))
    return out


def split(figure: np.ndarray, height: int, ratio: float = SPLIT_RATIO, figure_width: float = FIGURE_WIDTH
          ) -> list[np.ndarray]:
    """A piece wider than `ratio` × `height` cut into round(width / (`figure_width` × height))
    figures, each cut at the column with least ink within a quarter figure of where it would fall
    (of equals, the nearest).

    >>> piece = np.zeros((20, 40), dtype=bool); piece[:, 2:4] = piece[:, 30:32] = piece[10, 2:32] = True
    >>> [int(np.nonzero(p)[1].max()) for p in split(piece, 20)]
    [16, 31]
    """
    xs = np.nonzero(figure)[1]
    x0, x1 = int(xs.min()), int(xs.max())
    width = x1 - x0 + 1
    if width <= ratio * height:
        return [figure]
    n = max(2, round(width / (figure_width * height)))
    profile = figure[:, x0:x1 + 1].sum(axis=0)
    edges = [0]
    for i in range(1, n):
        lo, hi = int((i - 0.25) * width / n), int((i + 0.25) * width / n) + 1
        least = lo + np.flatnonzero(profile[lo:hi] == profile[lo:hi].min())   # of those, the nearest to the middle
        edges.append(int(least[np.argmin(abs(least - i * width / n))]))
    edges.append(width)
    out = []
    for a, b in zip(edges, edges[1:]):
        part = np.zeros_like(figure)
        part[:, x0 + a:x0 + b] = figure[:, x0 + a:x0 + b]
        if part.any():
            out.append(part)
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


def _stroke_width(mask: np.ndarray) -> float:
    """2·area / perimeter: a long stroke's width in pixels."""
    edges = (mask[1:, :] != mask[:-1, :]).sum() + (mask[:, 1:] != mask[:, :-1]).sum()
    return 2 * float(mask.sum()) / max(int(edges), 1)


def _box(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def normalise(figure: np.ndarray, stroke: float = MNIST_STROKE) -> np.ndarray:
    """A figure (True: ink) the MNIST way, as 28×28 grey levels 0–1: strokes thickened (or thinned)
    to `stroke` pixels at the final scale, its box scaled to fit 20×20 keeping its aspect, placed
    by its centre of mass at the centre of 28×28, its slant removed (shear by the second moments)."""
    cut = _box(figure)
    grow = round((stroke * max(cut.shape) / 20 - _stroke_width(cut)) / 2)
    if grow > 0:
        image = Image.fromarray(np.pad(cut, grow).astype(np.uint8) * 255)
        cut = _box(np.asarray(image.filter(ImageFilter.MaxFilter(2 * grow + 1))) > 0)
    elif grow < 0:
        image = Image.fromarray(cut.astype(np.uint8) * 255)
        thin = np.asarray(image.filter(ImageFilter.MinFilter(2 * min(-grow, 2) + 1))) > 0
        if thin.sum() > 0.3 * cut.sum():
            cut = _box(thin)
    scale = 20 / max(cut.shape)
    height, width = max(1, round(cut.shape[0] * scale)), max(1, round(cut.shape[1] * scale))
    small = np.asarray(Image.fromarray(cut.astype(np.uint8) * 255).resize((width, height), Image.Resampling.BILINEAR),
                       dtype=float) / 255
    ys, xs = np.mgrid[:height, :width]
    total = small.sum() or 1.0
    top = min(max(round(14 - (ys * small).sum() / total), 0), 28 - height)
    left = min(max(round(14 - (xs * small).sum() / total), 0), 28 - width)
    out = np.zeros((28, 28))
    out[top:top + height, left:left + width] = small
    ys, xs = np.mgrid[:28, :28]
    total = out.sum() or 1.0
    my, mx = (ys * out).sum() / total, (xs * out).sum() / total
    var = (((ys - my) ** 2) * out).sum() / total
    slant = max(-1.0, min(1.0, ((ys - my) * (xs - mx) * out).sum() / total / var)) if var else 0.0
    image = Image.fromarray((out * 255).astype(np.uint8)).transform(
        (28, 28), Image.Transform.AFFINE, (1, slant, -slant * my, 0, 1, 0), resample=Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=float) / 255


def _mnist_vector(image: np.ndarray) -> np.ndarray:
    blurred = Image.fromarray((image * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.0))
    return np.asarray(blurred, dtype=np.float32).reshape(-1) / 255


def _prepare_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The MNIST digits prepared as `normalise` prepares a figure (binarised at 128), blurred: grey
    levels 0–255 (uint8, 5000×784, exact: `_mnist_vector` is a uint8 image over 255), and labels."""
    with np.load(MNIST) as data:
        images, labels = data["images"], data["labels"].astype(int)
    grey = np.array([np.rint(_mnist_vector(normalise(image > 127)) * 255) for image in images]).astype(np.uint8)
    return grey, labels


@lru_cache(maxsize=1)
def _mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prepared MNIST digits (stored, `MNIST_PREPARED`; made again when the recipe changed) kept in
    memory: vectors, their squared norms, labels."""
    try:
        with np.load(MNIST_PREPARED) as data:
            if int(data["recipe"]) != PREPARED:
                raise ValueError("another recipe")
            grey, labels = data["grey"], data["labels"].astype(int)
    except (OSError, KeyError, ValueError):
        grey, labels = _prepare_mnist()
    vectors = grey.astype(np.float32) / 255
    return vectors, (vectors ** 2).sum(axis=1), labels


def store_prepared_mnist(path: Path = MNIST_PREPARED, gradients_path: Path = MNIST_GRADIENTS) -> None:
    """Writes the prepared MNIST digits and their gradient descriptions (`python -m congvan.ingest.digits`)."""
    grey, labels = _prepare_mnist()
    np.savez_compressed(path, grey=grey, labels=labels.astype(np.uint8), recipe=np.array(PREPARED))
    vectors, labels = _prepare_gradients()
    np.savez_compressed(gradients_path, vectors=vectors, labels=labels, recipe=np.array(GRADIENTS_RECIPE))


def classify_mnist(figure: np.ndarray, k: int = 7) -> tuple[str, float]:
    """The digit most of the `k` nearest MNIST digits are, and the share of them that are."""
    vectors, norms, labels = _mnist()
    vector = _mnist_vector(normalise(figure))
    nearest = np.argsort(norms - 2 * vectors @ vector)[:k]
    votes = np.bincount(labels[nearest], minlength=10)
    return str(int(votes.argmax())), float(votes.max() / k)


def gradients(image: np.ndarray) -> np.ndarray:
    """A figure as `normalise` makes it (28×28, 0–1) described by the orientations of its edges: in each
    4×4-pixel cell, the gradients' magnitudes added up in 8 unsigned orientations (each shared between
    the two nearest), the 392 sums scaled to length 1. Less sensitive than pixels to where a stroke lies.

    >>> bar = np.zeros((28, 28)); bar[4:24, 13:15] = 1.0
    >>> v = gradients(bar); (v.shape, round(float(np.linalg.norm(v)), 3), int(np.argmax(v.reshape(7, 7, 8).sum(axis=(0, 1)))))
    ((392,), 1.0, 0)
    """
    gy, gx = np.gradient(image)
    magnitude = np.hypot(gx, gy)
    angle = (np.arctan2(gy, gx) % np.pi) / np.pi * 8
    low = np.floor(angle).astype(int) % 8
    share = angle - np.floor(angle)
    cells = np.zeros((7, 7, 8))
    cy, cx = np.mgrid[:28, :28] // 4
    np.add.at(cells, (cy, cx, low), magnitude * (1 - share))
    np.add.at(cells, (cy, cx, (low + 1) % 8), magnitude * share)
    vector = cells.reshape(-1)
    return vector / (np.linalg.norm(vector) or 1.0)


def _prepare_gradients() -> tuple[np.ndarray, np.ndarray]:
    """The MNIST digits (binarised at 128), each also turned by `GRADIENT_TURNS` degrees, as
    `gradients(normalise(…))` describes them, ×`GRADIENT_SCALE` as uint8 (15000×392), and labels."""
    with np.load(MNIST) as data:
        images, labels = data["images"], data["labels"].astype(int)
    vectors, out_labels = [], []
    for image, label in zip(images, labels):
        upright = Image.fromarray(np.where(image > 127, 255, 0).astype(np.uint8))
        for turn in (0, *GRADIENT_TURNS):
            figure = np.asarray(upright.rotate(turn, resample=Image.Resampling.BILINEAR) if turn else upright) > 127
            if figure.any():
                vectors.append(np.rint(np.clip(gradients(normalise(figure)) * GRADIENT_SCALE, 0, 255)))
                out_labels.append(label)
    return np.array(vectors, dtype=np.uint8), np.array(out_labels, dtype=np.uint8)


@lru_cache(maxsize=1)
def _gradient_digits() -> tuple[np.ndarray, np.ndarray]:
    """The stored gradient descriptions (`MNIST_GRADIENTS`; made again when the recipe changed), and labels."""
    try:
        with np.load(MNIST_GRADIENTS) as data:
            if int(data["recipe"]) != GRADIENTS_RECIPE:
                raise ValueError("another recipe")
            vectors, labels = data["vectors"], data["labels"]
    except (OSError, KeyError, ValueError):
        vectors, labels = _prepare_gradients()
    return vectors.astype(np.float32) / GRADIENT_SCALE, labels.astype(int)


def classify_gradients(figure: np.ndarray, k: int = 7) -> tuple[str, float]:
    """The digit most of the `k` MNIST digits nearest by their edges' orientations (`gradients`, the
    largest cosine) are, and the share of them that are."""
    vectors, labels = _gradient_digits()
    nearest = np.argsort(-(vectors @ gradients(normalise(figure)).astype(np.float32)))[:k]
    votes = np.bincount(labels[nearest], minlength=10)
    return str(int(votes.argmax())), float(votes.max() / k)


def read_mnist(ink: np.ndarray, k: int = 7) -> tuple[tuple[str, float], ...]:
    """Each figure of the ink, left to right, as (digit, share of its nearest MNIST digits that agree)."""
    return tuple(classify_mnist(figure, k) for figure in figures(ink))


if __name__ == "__main__":
    store_prepared_mnist()
