"""Cleaning a page image before tesseract: stamp and signature ink removed, skew measured,
ruling lines whitened, blank pages told apart, cuts binarised (Otsu).

Pure functions of an image (and thresholds from `ingest.ocr_settings.OcrSettings`);
`ingest.tables` uses the same run search (`run_starts`) and angle search (`sharpest_angle`).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageChops


def remove_stamps(image: Image.Image, threshold: int = 20, seal_white: int = 150, mode: str = "seal") -> Image.Image:
    """Grayscale copy without the red seal (con dấu) and the blue signature stroke; black text stays.

    Where red dominates, the red channel is used (the seal is bright in it, black text
    that the seal covers stays dark) and light values become white; where blue dominates
    the pixel becomes white. `mode="brightest"`: `brightest_channel` instead.

    >>> img = Image.new("RGB", (4, 1)); img.putdata([(200, 90, 100), (20, 20, 20), (40, 40, 90), (90, 10, 10)])
    >>> list(remove_stamps(img).tobytes())
    [255, 20, 255, 90]

    A grayscale page comes back as it is (not copied: nothing here changes an image in place).
    """
    if image.mode == "L":
        return image
    if image.mode != "RGB":
        return image.convert("L")
    if mode == "brightest":
        return brightest_channel(image)
    gray = image.convert("L")
    box = _colour_box(image, threshold)
    if box is not None:
        gray.paste(_whiten_colour(image.crop(box), threshold, seal_white), box[:2])
    return gray


def brightest_channel(image: Image.Image) -> Image.Image:
    """Each pixel's brightest channel: coloured ink of any hue (red seals, blue signatures and
    handwriting, a green receipt stamp) turns light, black and grey ink stays as it is.

    >>> img = Image.new("RGB", (3, 1)); img.putdata([(200, 60, 70), (20, 20, 20), (40, 50, 190)])
    >>> list(brightest_channel(img).tobytes())
    [200, 20, 190]
    """
    if image.mode != "RGB":
        return image.convert("L")
    red, green, blue = image.split()
    return ImageChops.lighter(ImageChops.lighter(red, green), blue)


def _colour_box(image: Image.Image, threshold: int, step: int = 8) -> tuple[int, int, int, int] | None:
    """Bounding box (with a margin) of the coloured ink, found on a 1/8 copy."""
    if image.width < 64 * step:
        return (0, 0, image.width, image.height)
    small = np.asarray(image.reduce(step), dtype=np.int16)
    ys, xs = np.nonzero(small.max(axis=2) - small.min(axis=2) > threshold // 2)
    if len(ys) == 0:
        return None
    margin = 3
    return (
        int(max(0, (xs.min() - margin) * step)),
        int(max(0, (ys.min() - margin) * step)),
        int(min(image.width, (xs.max() + 1 + margin) * step)),
        int(min(image.height, (ys.max() + 1 + margin) * step)),
    )


def _whiten_colour(image: Image.Image, threshold: int, seal_white: int = 150) -> Image.Image:
    red, green, blue = image.split()
    gray = image.convert("L")
    red_mask = ImageChops.subtract(red, ImageChops.lighter(green, blue)).point(
        lambda v: 255 if v > threshold else 0
    )
    gray.paste(red.point(lambda v: 255 if v > seal_white else v), mask=red_mask)
    blue_mask = ImageChops.subtract(blue, ImageChops.lighter(red, green)).point(
        lambda v: 255 if v > threshold // 2 else 0
    )
    return ImageChops.lighter(gray, blue_mask)


def remove_rules(gray: Image.Image, min_length_pt: float = 24.0, dpi: int = 300, dark_level: int = 200
                 ) -> Image.Image:
    """Whiten long straight horizontal and vertical strokes (table grid, underlines) of a deskewed page.

    Found on a half-size copy: a dark run at least `min_length_pt` long (longer than any
    letter) along x or y is a rule. Text next to the rule stays.
    """
    half = gray.reduce(2)
    dark = np.asarray(half) < dark_level
    length = max(8, round(min_length_pt / 72 * dpi / 2))
    mask = rule_runs(dark, length, axis=1) | rule_runs(dark, length, axis=0)
    if not mask.any():
        return gray
    grown = mask.copy()  # one pixel of margin all round for the blurred edge
    grown[1:, :] |= mask[:-1, :]
    grown[:-1, :] |= mask[1:, :]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    mask = grown
    mask_image = Image.fromarray(mask.astype(np.uint8) * 255).resize(gray.size, Image.Resampling.NEAREST)
    return ImageChops.lighter(gray, mask_image)


def rule_runs(dark: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels that lie on a run of at least `length` dark pixels along `axis`.

    Whole-array shifts, doubling the run length each time (~2 ms on a half-size page):
    first the starts of fully dark windows of `length`, then every pixel such a window covers.

    >>> rule_runs(np.array([[1, 1, 1, 0, 1, 1]], dtype=bool), 3, axis=1).astype(int).tolist()
    [[1, 1, 1, 0, 0, 0]]
    """
    def cut(a: np.ndarray, start: int | None, stop: int | None) -> np.ndarray:
        return a[:, start:stop] if axis == 1 else a[start:stop, :]

    full = run_starts(dark, length, axis)
    cover, have = full, 1
    while have < length:  # cover[x]: a fully dark window starts in (x - have, x]
        step = min(have, length - have)
        cut(cover, step, None)[...] |= cut(cover, None, -step)
        have += step
    return cover


def estimate_skew(image: Image.Image, max_degrees: float = 2.0, dark_level: int = 140) -> float:
    """Angle in degrees to rotate by (PIL, counter-clockwise positive) to make text lines level;
    a page scanned turned 0.8° counter-clockwise gives about -0.8.

    Projection profiles of the dark pixels of a ~100 dpi copy, sheared instead of rotated:
    the angle whose row histogram is sharpest wins (a 0.25° grid, then 0.05° and 0.01°
    around the best: the angles of the 0.1°-then-0.01° search on all 22 corpus scan pages,
    with 39 histograms instead of 62).
    """
    gray = image if image.mode == "L" else image.convert("L")
    factor = max(1, round(gray.width / 850))
    small = np.asarray(gray.reduce(factor) if factor > 1 else gray)
    ys, xs = np.nonzero(small < dark_level)
    if len(ys) < 200:
        return 0.0
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - small.shape[1] / 2
    height = small.shape[0]

    def sharpness(angle: float) -> float:
        shifted = ys - xs * math.tan(math.radians(angle))
        rows = np.bincount(np.clip(shifted + height, 0, 3 * height - 1).astype(np.int64))
        return float(np.dot(rows, rows))

    best = sharpest_angle(sharpness, ((0.25, max_degrees), (0.05, 0.25), (0.01, 0.05)), limit=max_degrees)
    return round(best, 2) + 0.0  # never -0.0


def ink_fraction(gray: Image.Image, dark_level: int = 128) -> float:
    """Share of the page darker than `dark_level` (on a 1/8 copy of a large page)."""
    small = np.asarray(gray.reduce(8) if gray.width > 800 else gray)
    return float((small < dark_level).mean())


def binarise(gray: Image.Image) -> Image.Image:
    """Black and white at Otsu's threshold (the one that best splits the histogram in two).

    >>> binarise(Image.frombytes("L", (4, 1), bytes([30, 40, 200, 220]))).tobytes()
    b'\\x00\\x00\\xff\\xff'
    """
    pixels = np.asarray(gray)
    hist = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    count, total = np.cumsum(hist), np.cumsum(hist * np.arange(256))
    between = (total[-1] * count - total * count[-1]) ** 2 / np.maximum(count * (count[-1] - count), 1)
    return Image.fromarray(np.where(pixels > int(np.argmax(between)), 255, 0).astype(np.uint8))


def sharpest_angle(sharpness: Callable[[float], float], schedule: Sequence[tuple[float, float]],
                   limit: float | None = None) -> float:
    """The angle that maximises `sharpness`, searched coarse to fine: for each (step, span) of
    `schedule`, a grid of `step` within `span` of the best angle so far (the first around 0);
    angles beyond ±`limit` are not tried.

    >>> round(sharpest_angle(lambda a: -abs(a - 0.37), ((0.1, 1.0), (0.01, 0.1))), 2)
    0.37
    """
    best = 0.0
    for step, span in schedule:
        grid = np.arange(best - span, best + span + 1e-9, step)
        if limit is not None:
            grid = grid[np.abs(grid) <= limit + 1e-9]
        best = float(max(grid, key=sharpness))
    return best


def run_starts(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Where a run of at least `length` True values along `axis` starts: True at i when the
    `length` values from i on are all True. Whole-array shifts, doubling the length each time.

    >>> run_starts(np.array([[1, 1, 1, 0, 1, 1]], dtype=bool), 2, axis=1).astype(int).tolist()
    [[1, 1, 0, 0, 1, 0]]
    """
    def cut(a: np.ndarray, start: int | None, stop: int | None) -> np.ndarray:
        return a[:, start:stop] if axis == 1 else a[start:stop, :]

    full, have = mask.copy(), 1
    while have < length:  # full[i]: the `have` values from i on are all True
        step = min(have, length - have)
        cut(full, None, -step)[...] &= cut(full, step, None)
        cut(full, -step, None)[...] = False
        have += step
    return full


def darken_faint(gray: Image.Image, min_contrast: int = 60, ink_share: float = 0.05,
                 min_ink: float = 0.0005) -> Image.Image | None:
    """A page that looks blank at a glance, darkened when it holds pale print, else None.

    Looked at pixel by pixel (every other pixel of every other row: a thin pale stroke is
    not averaged away as on the 1/8 copy `ink_fraction` reads): ink is the darkest
    `ink_share` per cent, paper the median. When they differ by `min_contrast` grey levels
    or more, ink is taken to black and paper to white; the page holds print when then at
    least `min_ink` of it is darker than mid-grey. A blank sheet (dust, a crease) gives None.

    >>> page = Image.new("L", (100, 100), 250)
    >>> page.paste(170, (10, 10, 90, 12))
    >>> darken_faint(page).getextrema(), darken_faint(Image.new("L", (100, 100), 250))
    ((0, 255), None)
    """
    pixels = np.asarray(gray)[::2, ::2]
    ink, paper = float(np.percentile(pixels, ink_share)), float(np.median(pixels))
    if paper - ink < min_contrast:
        return None
    table = np.clip(np.round((np.arange(256) - ink) * 255 / (paper - ink)), 0, 255).astype(np.uint8)
    if float((table[pixels] < 128).mean()) < min_ink:
        return None
    return gray.point(table.tolist())
