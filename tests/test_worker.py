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


def _faults_of_a_page_image_allocated_again() -> int:
    """Page faults taken by a second 24 MB block after a first one was freed (both written to)."""
    import resource

    first = bytearray(24 << 20)
    del first
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    second = bytearray(24 << 20)   # zeroed: every page written
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del second
    return faults


def test_a_child_reuses_the_memory_a_freed_page_image_held():
    # glibc, as configured by the child (`_reuse_freed_memory`): the block comes back from the heap
    # instead of fresh memory faulted in page by page (24 MB: ~6,100 faults)
    task = _finished(Bounded(_faults_of_a_page_image_allocated_again, limits=Limits(seconds=30), subject="c.pdf"))
    assert task.error is None
    assert task.result() < 600
