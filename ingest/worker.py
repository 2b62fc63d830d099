"""One call in a child process under `Limits` (tiến trình con có giới hạn): a hostile file costs itself only.

`Bounded(fn, *args, limits=…, subject="a.pdf")` forks a child that applies the limits to
itself (`ingest.limits.apply`), runs `fn(*args)` and sends the result back through a pipe.
The parent waits on many of them at once (`wait_any`) and each ends in one of four ways:

- the result, or the exception `fn` raised (re-addressed to the file: `errors.from_exception`);
- past `limits.seconds` the child is killed → `TooSlow`;
- the child dies on its own (pdfium aborts when an allocation fails under the memory
  limit; a segfault on a hostile file; `kill -9` by someone) → `TooLarge` when its peak
  memory had reached the limit, else `WorkerStopped`.

With `reuse=KEY` a child that answered is kept and takes the next call with the same key and
limits (sent through a second pipe) instead of a child forked for each: `ingest.reader` keeps
its text-layer and OCR workers for a run and ends them with `close_idle()`. A kept child
reuses the memory its earlier calls freed (reading the 22 corpus scan pages: 15 children →
4, ~470,000 page faults → ~355,000); a child that was killed or died is never reused, and the
memory limit holds for its whole life.

The child is forked from a process that has imported everything (it starts in a few
milliseconds), dies with its parent (`PR_SET_PDEATHSIG`) and ignores Ctrl+C (the parent
stops it).

>>> task = Bounded(sum, [1, 2, 3], limits=Limits(seconds=30), subject="a.pdf")
>>> wait_any([task]) == [task], task.result()
(True, 6)
>>> slow = Bounded(time.sleep, 30, limits=Limits(seconds=0.5), subject="b.pdf")
>>> while not slow.finished: _ = wait_any([slow])
>>> type(slow.error).__name__, slow.error.subject
('TooSlow', 'b.pdf')
"""
from __future__ import annotations

import ctypes
import faulthandler
import gc
import os
import signal
import time
from collections.abc import Callable, Hashable, Sequence
from multiprocessing.connection import Connection, wait

from congvan.ingest import errors
from congvan.ingest.limits import Limits, apply


class WorkerStopped(errors.IngestError):
    code = "reader_stopped"
    advice = ("The reading process stopped while this file was being read (it crashed on the file, or it was "
              "stopped). Run the ingest again: files that failed are read again; if this one fails again, "
              "the PDF is damaged: download or scan it again.")


class _Process:
    """A forked worker (tiến trình đọc): its pid, the pipe its answers come back on and, for a
    worker kept for more calls (`Bounded(reuse=…)`), the pipe its next calls go out on."""

    def __init__(self, fn: Callable, args, kwargs, limits: Limits, subject: str, reuse: Hashable | None) -> None:
        self.limits, self.reuse, self.owner = limits, reuse, os.getpid()
        self.rss_at_start = _rss_bytes(os.getpid())
        read, write = os.pipe()
        calls_read, calls_write = os.pipe() if reuse is not None else (None, None)
        pid = os.fork()
        if pid == 0:  # the child never returns from here
            os.close(read)
            if calls_write is not None:
                os.close(calls_write)
            _child(write, calls_read, (fn, args, kwargs, subject), limits)
        os.close(write)
        if calls_read is not None:
            os.close(calls_read)
        self.pid, self.answers = pid, Connection(read, writable=False)
        self.calls = Connection(calls_write, readable=False) if calls_write is not None else None
        self.reaped, self.status, self.peak = False, 0, 0

    def reap(self) -> None:
        if self.reaped:
            return
        try:
            _, status, usage = os.wait4(self.pid, 0)
        except ChildProcessError:
            status, usage = 0, None
        self.reaped, self.status, self.peak = True, status, (usage.ru_maxrss * 1024 if usage else 0)

    def end(self) -> None:
        """Closes the pipes and reaps the child. A kept child still waiting for calls is told to exit
        first: closing its pipe would not end it, every child forked since holds that pipe too."""
        if self.calls is not None:
            try:
                self.calls.send(None)
            except OSError:   # dead already
                pass
            self.calls.close()
        self.answers.close()
        self.reap()


_idle: list[_Process] = []   # workers kept for more calls (`Bounded(reuse=…)`), waiting for one


def _idle_worker(reuse: Hashable, limits: Limits) -> _Process | None:
    for process in _idle:
        if process.reuse == reuse and process.limits == limits and process.owner == os.getpid():
            _idle.remove(process)
            return process
    return None


def close_idle() -> None:
    """Ends the workers kept for more calls (each finishes and exits: ~1 ms)."""
    for process in [p for p in _idle if p.owner == os.getpid()]:
        _idle.remove(process)
        process.end()


class Bounded:
    """`fn(*args, **kwargs)` running in a forked child under `limits` (see the module docstring).

    `reuse`: the child is kept, when the call ends with an answer, for the next `Bounded` with the
    same `reuse` key and limits (`close_idle()` ends those waiting); a child that dies or runs out
    of time is never reused. A kept child knows the parent as it was when it forked."""

    def __init__(self, fn: Callable, *args, limits: Limits, subject: str, reuse: Hashable | None = None,
                 **kwargs) -> None:
        self.subject, self.limits = subject, limits
        self.started = time.monotonic()
        self.deadline = self.started + limits.seconds
        self.value = self.error = None
        self.finished = False
        self._process = _idle_worker(reuse, limits) if reuse is not None else None
        if self._process is not None:
            try:
                self._process.calls.send((fn, args, kwargs, subject))
            except Exception:  # noqa: BLE001 — a call that cannot be pickled, a worker gone: a new worker
                _kill(self._process.pid)
                self._process.end()
                self._process = None
        if self._process is None:
            self._process = _Process(fn, args, kwargs, limits, subject, reuse)

    @property
    def pid(self) -> int:
        return self._process.pid

    def fileno(self) -> int:
        return self._process.answers.fileno()

    def result(self):
        """The value `fn` returned; raises what stopped it (an `IngestError`)."""
        if not self.finished:
            raise RuntimeError("the task is still running: wait_any() first")
        if self.error is not None:
            raise self.error
        return self.value

    def collect(self) -> None:
        """Reads the child's answer (it is ready); the child is reaped, or kept for the next call."""
        try:
            ok, payload = self._process.answers.recv()
        except (EOFError, OSError):       # died without answering
            self._end(None, self._death())
            return
        except Exception as e:  # noqa: BLE001 — an answer that cannot be unpickled fails this file only
            self._end(None, errors.from_exception(e, self.subject))
            return
        self._end(payload if ok else None, None if ok else errors.from_exception(payload, self.subject),
                  answered=True)

    def stop(self, error: errors.IngestError | None = None) -> None:
        """Kills the child (time is up, or the run stops); `error` is what the file gets."""
        if self.finished:
            return
        _kill(self.pid)
        self._end(None, error or errors.TooSlow(self.subject, f"đã dừng sau {self.limits.seconds:g} giây"))

    def _end(self, value, error, answered: bool = False) -> None:
        if answered and self._process.calls is not None:
            _idle.append(self._process)   # waits for its next call
        else:
            self._process.end()
        self.value, self.error, self.finished = value, error, True

    def _death(self) -> errors.IngestError:
        """Why the child died without answering: out of memory, or a crash."""
        process = self._process
        process.reap()
        grown = process.peak - process.rss_at_start
        how = f"signal {os.WTERMSIG(process.status)}" if os.WIFSIGNALED(process.status) else \
            f"exit status {os.WEXITSTATUS(process.status)}"
        if self.limits.memory_mb > 0 and grown >= 0.8 * self.limits.memory_mb * 1024 * 1024:
            return errors.TooLarge(self.subject, f"cần hơn {self.limits.memory_mb} MB bộ nhớ")
        return WorkerStopped(self.subject, f"the reading process ended with {how}")


def wait_any(tasks: Sequence[Bounded], timeout: float | None = None) -> list[Bounded]:
    """Waits until at least one of `tasks` ends (answer, death or deadline); returns those that ended."""
    running = [t for t in tasks if not t.finished]
    if not running:
        return []
    now = time.monotonic()
    until = min(t.deadline for t in running) - now
    ready = wait(running, timeout=max(0.0, until if timeout is None else min(until, timeout)))
    for task in ready:
        task.collect()
    now = time.monotonic()
    for task in running:
        if not task.finished and now >= task.deadline:
            task.stop()
    return [t for t in running if t.finished]


def stop_all(tasks: Sequence[Bounded]) -> None:
    """Kills every task still running (the run was interrupted)."""
    for task in tasks:
        task.stop(WorkerStopped(task.subject, "the run was stopped"))


def _child(write: int, calls: int | None, first: tuple, limits: Limits) -> None:
    """In the forked child: limits, then each call (`first`, then those read from `calls`, until
    None) run and answered; exits without returning (never runs the parent's cleanup).

    A failure is classified here (`errors.from_exception`), where its traceback still says which
    library raised it: a pdfium or PIL error keeps its class (`DamagedPdf`), which the pickled
    exception alone would not tell the parent."""
    status = 0
    try:
        gc.freeze()    # the parent's objects stay shared: the child's collections never touch them
        _reuse_freed_memory()
        faulthandler.disable()   # pdfium aborting under the memory limit is an answer, not a traceback to print
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with_parent()
        conn = Connection(write, readable=False)
        incoming = Connection(calls, writable=False) if calls is not None else None
        call, limited = first, False
        while call is not None:
            fn, args, kwargs, subject = call
            try:
                if not limited:
                    apply(limits)
                    limited = True
                answer = (True, fn(*args, **kwargs))
            except BaseException as e:  # noqa: BLE001 — whatever fn raised goes back to the parent, classified
                answer = (False, errors.from_exception(e, subject))
            try:
                conn.send(answer)
            except Exception as e:  # noqa: BLE001 — e.g. a result that cannot be pickled
                conn.send((False, errors.InternalError(subject, f"the result could not be sent back: "
                                                                f"{type(e).__name__}: {e}")))
            del answer
            try:
                call = incoming.recv() if incoming is not None else None
            except (EOFError, OSError):
                call = None
    except BaseException:  # noqa: BLE001 — even a MemoryError while answering ends the child quietly
        status = 1
    finally:
        os._exit(status)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # glibc's mallopt parameters (malloc.h)


def _reuse_freed_memory() -> None:
    """glibc: blocks up to 32 MB (a page image) come from the heap and the heap is never given back
    while the child lives, so a freed page image is reused by the next instead of fresh memory
    being mapped and faulted in page by page (reading the 22 corpus scan pages 4 to a child:
    ~218,000 page faults → ~155,000, ~0.2 CPU-s). The child is short-lived; its peak is unchanged.
    No glibc (another C library): nothing changes."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        pass


def _die_with_parent() -> None:
    """Linux: the kernel kills this child when its parent dies (kill -9 of the run)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:
        os._exit(1)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _rss_bytes(pid: int) -> int:
    """Resident memory of a process (bytes), 0 when unknown."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
