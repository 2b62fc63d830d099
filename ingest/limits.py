"""Bounds on untrusted input (giới hạn): what one file may cost before it is given up.

A PDF is untrusted: 2 KB of nested Flate streams can ask for gigabytes, a 450-byte file
can declare a 200-inch page, a tiny file can hold a thousand blank pages. Each file is
read in a worker process (`ingest.reader`) that applies `Limits` to itself; a file that
goes over one fails with its own error class, never "damaged":

- `seconds`: wall time of one task of a worker (a file's text layer and signatures, or a
  batch of its scanned pages); the worker is killed past it → `too_slow`;
- `memory_mb`: memory a worker may add to what it starts with (`RLIMIT_DATA`, so a
  Python `MemoryError` or a failed allocation in pdfium) → `too_large`;
- `max_pages`: pages a file may have → `too_many_pages` (checked before any page is read);
- `max_pixels`: pixels of one rendered page (width × height at the OCR resolution),
  checked from the page size before a bitmap is made → `too_large`.

>>> limits = Limits()
>>> render_pixels(595, 842, 200), limits.max_pixels
(3866367, 50000000)
>>> try:
...     check_page_size(limits, 14400, 14400, 200, page=1)
... except errors.TooLarge as e:
...     print(e.code, "|", e.detail)
too_large | trang 1 khổ 200 × 200 inch (1.600.000.000 điểm ảnh ở 200 dpi; giới hạn 50.000.000)
"""
from __future__ import annotations

import math
import resource
from dataclasses import dataclass

from congvan.ingest import errors


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one run (`congvan ingest --max-pages … --max-memory-mb … --max-seconds …`)."""

    seconds: float = 600.0
    memory_mb: int = 512
    max_pages: int = 500
    max_pixels: int = 50_000_000


DEFAULT = Limits()
_active: Limits = DEFAULT   # the limits this process applied to itself (a worker), read by the render guard


def render_pixels(width_pt: float, height_pt: float, dpi: int) -> int:
    """Pixels of the bitmap pdfium makes for a page of this size at `dpi` (it rounds up)."""
    return math.ceil(width_pt * dpi / 72) * math.ceil(height_pt * dpi / 72)


def check_page_size(limits: Limits, width_pt: float, height_pt: float, dpi: int, *, page: int) -> None:
    """Raises `TooLarge` when a page rendered at `dpi` would exceed `limits.max_pixels`."""
    pixels = render_pixels(width_pt, height_pt, dpi)
    if pixels > limits.max_pixels:
        raise errors.TooLarge(detail=f"trang {page} khổ {width_pt / 72:.0f} × {height_pt / 72:.0f} inch "
                                     f"({_count(pixels)} điểm ảnh ở {dpi} dpi; giới hạn {_count(limits.max_pixels)})")


def check_page_count(limits: Limits, pages: int) -> None:
    """Raises `TooManyPages` when a file has more pages than `limits.max_pages`."""
    if pages > limits.max_pages:
        raise errors.TooManyPages(detail=f"{_count(pages)} trang; giới hạn {_count(limits.max_pages)}")


def _count(n: int) -> str:
    """A count as Vietnamese readers write it: 1.600.000 (a dot between thousands)."""
    return f"{n:,}".replace(",", ".")


def active() -> Limits:
    """The limits of this process: those a worker applied (`apply`), else the defaults."""
    return _active


def apply(limits: Limits) -> None:
    """Limits this process (a worker) to `limits.memory_mb` more than it holds now, no core dumps.

    `RLIMIT_DATA` counts the heap and private mappings (what a decompressed stream or a
    bitmap takes), not the shared libraries a forked worker inherits; tesseract, started
    by the worker, inherits the limit too.
    """
    global _active
    _active = limits
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    used = _data_bytes()
    if used is not None and limits.memory_mb > 0:
        cap = used + limits.memory_mb * 1024 * 1024
        hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
        resource.setrlimit(resource.RLIMIT_DATA, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))


def _data_bytes() -> int | None:
    """VmData of this process (bytes), as the kernel counts it for `RLIMIT_DATA`."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
