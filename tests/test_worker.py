"""A child's failure comes back to the parent classified where it happened (ingest.worker)."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from PIL import Image

from congvan.ingest import worker
from congvan.ingest.limits import Limits
from congvan.ingest.reader import read_pdfs
from congvan.ingest.worker import Bounded, close_idle, wait_any


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


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_kept_worker_answers_the_next_call_even_after_a_failure_and_close_idle_ends_it():
    limits = Limits(seconds=30)
    failing = _finished(Bounded(_bad_image_size, limits=limits, subject="a.pdf", reuse="test"))
    first = _finished(Bounded(os.getpid, limits=limits, subject="b.pdf", reuse="test"))
    other = _finished(Bounded(os.getpid, limits=limits, subject="c.pdf", reuse="another key"))
    assert failing.error.code == "damaged_pdf"
    assert first.result() == failing.pid != os.getpid()      # the same child, kept after a failure
    assert other.result() != first.result()                  # another key: another child
    close_idle()
    assert _gone(first.pid) and _gone(other.pid)


def test_a_worker_that_ran_out_of_time_is_not_kept():
    slow = _finished(Bounded(time.sleep, 30, limits=Limits(seconds=0.5), subject="d.pdf", reuse="test"))
    after = _finished(Bounded(os.getpid, limits=Limits(seconds=0.5), subject="e.pdf", reuse="test"))
    close_idle()
    assert type(slow.error).__name__ == "TooSlow" and _gone(slow.pid)
    assert after.result() != slow.pid


def test_read_pdfs_reads_files_on_kept_workers_and_leaves_none_behind(small_corpus, monkeypatch):
    forked = []
    start = worker._Process.__init__

    def counted(self, *args, **kwargs):
        start(self, *args, **kwargs)
        forked.append(self.pid)

    monkeypatch.setattr(worker._Process, "__init__", counted)
    files = sorted(small_corpus.glob("*.pdf"))
    documents = list(read_pdfs(files, workers=2, cache_dir=None))
    assert [d.status for d in documents] == ["ok"] * len(files) and len(files) == 3
    assert len(forked) == 2                      # three files' text layers, two workers
    assert all(_gone(pid) for pid in forked) and not worker._idle


def _refuse_to_load():
    raise ValueError("this answer cannot be read back")


class _Unreadable:
    def __reduce__(self):
        return _refuse_to_load, ()


def _unreadable_answer_after(seconds: float) -> _Unreadable:
    time.sleep(seconds)
    return _Unreadable()


def test_a_kept_worker_whose_answer_cannot_be_read_back_is_ended_though_a_later_child_holds_its_pipe():
    kept = Bounded(_unreadable_answer_after, 0.3, limits=Limits(seconds=30), subject="f.pdf", reuse="test")
    later = Bounded(time.sleep, 30, limits=Limits(seconds=30), subject="g.pdf")   # forked after: holds kept's pipes
    def waited_too_long(*_):
        raise TimeoutError("the parent waits for a kept child that waits for its next call")

    before = signal.signal(signal.SIGALRM, waited_too_long)
    signal.alarm(20)
    try:
        _finished(kept)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
        later.stop()
    assert kept.error.code == "internal_error" and _gone(kept.pid) and not worker._idle


def test_a_kept_worker_killed_while_it_waits_costs_no_call():
    waiting = _finished(Bounded(os.getpid, limits=Limits(seconds=30), subject="h.pdf", reuse="test"))
    os.kill(waiting.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{waiting.pid}/stat").read_text().split()[2] != "Z":
        time.sleep(0.01)   # dead, not yet reaped
    after = _finished(Bounded(os.getpid, limits=Limits(seconds=30), subject="i.pdf", reuse="test"))
    close_idle()
    assert after.error is None and after.result() not in (waiting.pid, os.getpid())
    assert _gone(waiting.pid) and _gone(after.pid)
