"""A child's failure comes back to the parent classified where it happened (ingest.worker)."""
from __future__ import annotations

import threading

from PIL import Image

from congvan.ingest.limits import Limits
from congvan.ingest.worker import Bounded, wait_any


def _finished(task: Bounded) -> Bounded:
    while not task.finished:
        wait_any([task], timeout=30)
    return task


def _bad_image_size() -> None:
    Image.new("RGB", (-1, 5))   # PIL raises a plain ValueError: only the traceback says PIL did


def test_a_plain_error_raised_inside_pil_in_the_child_is_a_damaged_pdf():
    task = _finished(Bounded(_bad_image_size, limits=Limits(seconds=30), subject="thu-muc/a.pdf"))
    assert (type(task.error).__name__, task.error.code, task.error.subject) == \
        ("DamagedPdf", "damaged_pdf", "thu-muc/a.pdf")


def test_a_result_that_cannot_be_sent_back_is_an_internal_error():
    task = _finished(Bounded(threading.Lock, limits=Limits(seconds=30), subject="b.pdf"))
    assert (task.error.code, str(task.error).endswith("(the result could not be sent back: TypeError: "
                                                      "cannot pickle '_thread.lock' object)")) == \
        ("internal_error", True)
