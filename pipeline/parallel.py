"""Work spread over the machine's CPUs, one language (or other independent share) per process.

The stages are functions of the whole corpus, but most of their work is per language: each
language's candidates are scored against its own translation, its checks see its own units, its
report pages show its own findings. :func:`map_forked` runs such shares in forked worker
processes, which inherit the inputs (nothing is pickled but each share's result), and returns
the results in the order of the shares, so the outcome is the same as the serial loop's.

At most two processes: the machines this runs on (CI runners, a translator's laptop) have few
cores and the work is CPU-bound, so more processes only add memory. Inside a worker everything
runs serially (:func:`cpus` is 1 there): no pool inside a pool. ``SFIA_QA_WORKERS=1`` turns
all of it off (the same results, in one process), e.g. to profile.

A forked worker starts with its parent's whole resident memory (the pages are shared, but they
count in each process's resident size), so memory this process has freed is handed back to the
system before it forks (:func:`release_memory`). (A worker does not do so between its shares:
the next share would take the same pages back from the system, a few seconds of a 20-language
run in page faults, for no lower peak.)
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 2
_IN_WORKER = False
_JOB: dict = {}


def cpus() -> int:
    """Processes this process may use for its work: 1 inside a worker or with
    ``SFIA_QA_WORKERS=1``; else min(2, the CPUs it is allowed to run on)."""
    if _IN_WORKER:
        return 1
    try:
        avail = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        avail = os.cpu_count() or 1
    env = os.environ.get("SFIA_QA_WORKERS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return min(int(env), MAX_WORKERS, avail)
    return max(1, min(MAX_WORKERS, avail))


def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS, Windows)."""
    from pipeline.ioutil import libc_function

    return libc_function("malloc_trim")


_TRIM: list = []


def release_memory() -> None:
    """Give the heap pages this process has freed back to the system (glibc keeps them for later
    allocations otherwise). The same data, a smaller resident size; a no-op without glibc."""
    if not _TRIM:
        _TRIM.append(_malloc_trim())
    if _TRIM[0] is not None:
        _TRIM[0](0)


def _start_worker() -> None:
    global _IN_WORKER
    _IN_WORKER = True


def _call(i: int):
    return _JOB["fn"](_JOB["items"][i])


def map_forked(fn: Callable[[T], R], items: Sequence[T], cost: Callable[[T], float] | None = None,
               done: Callable[[T], None] | None = None, meanwhile: Callable[[], None] | None = None,
               then: Callable[[R], R] | None = None) -> list[R]:
    """``[fn(x) for x in items]``, the items shared out over :func:`cpus` forked processes when
    there are two or more of each (largest ``cost`` first, so the two finish together). ``fn``
    may be a closure over any data: the workers inherit it. ``done(item)`` is called here as
    each share finishes (a progress bar). ``meanwhile()`` is other work of this process, done
    while the workers run (first, when there are no workers); it must not depend on their
    results. ``then(result)`` is applied here to each share's result as soon as it arrives, before
    the next one is taken (e.g. to make it smaller: a worker's result comes back as a copy of all
    it holds). An exception in a share is raised here, as the serial loop would raise it."""
    n = min(cpus(), len(items))
    if n < 2 or "fork" not in mp.get_all_start_methods():
        if meanwhile is not None:
            meanwhile()
        out = []
        for x in items:
            out.append(fn(x) if then is None else then(fn(x)))
            if done is not None:
                done(x)
        return out
    order = sorted(range(len(items)), key=lambda i: -cost(items[i])) if cost else list(range(len(items)))
    _JOB.update(fn=fn, items=items)
    release_memory()  # the workers start with this process's resident size
    try:
        with ProcessPoolExecutor(n, mp_context=mp.get_context("fork"), initializer=_start_worker) as pool:
            futures = {pool.submit(_call, i): i for i in order}
            if meanwhile is not None:
                meanwhile()
            results: dict[int, R] = {}
            failed: dict[int, BaseException] = {}
            for f in as_completed(futures):
                i = futures[f]
                error = f.exception()
                if error is not None:
                    failed[i] = error
                    continue
                results[i] = f.result() if then is None else then(f.result())
                if done is not None:
                    done(items[i])
            if failed:  # the first share's error in item order, as the serial loop would raise it
                raise failed[min(failed)]
            return [results[i] for i in range(len(items))]
    finally:
        _JOB.clear()


@contextlib.contextmanager
def aside(fn: Callable[[], R]) -> Iterator[Callable[[], R]]:
    """``fn()`` in one forked process while this one goes on with work that does not need its
    result (so a second CPU is not idle while this process works alone); the context gives a
    function that waits for the result (an exception in ``fn`` is raised there). On one CPU, or
    inside a worker, ``fn()`` runs when its result is asked for. Leaving the context without
    asking waits for ``fn`` too: it never outlives the block."""
    if cpus() < 2 or "fork" not in mp.get_all_start_methods():
        yield fn
        return
    _JOB.update(fn=lambda _: fn(), items=[None])
    release_memory()
    try:
        pool = ProcessPoolExecutor(1, mp_context=mp.get_context("fork"), initializer=_start_worker)
        future = pool.submit(_call, 0)
    finally:
        _JOB.clear()  # the child has its own copy of the job: this process's may be reused
    try:
        yield future.result
    finally:
        pool.shutdown(wait=True)
