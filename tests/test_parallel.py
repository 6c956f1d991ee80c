"""Languages in two processes: the same reports as one process, in order, errors kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import parallel

ROOT = Path(__file__).resolve().parents[1]


def test_results_come_back_in_the_order_of_the_items(monkeypatch):
    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    seen = []
    out = parallel.map_forked(lambda x: (x, os.getpid()), [3, 1, 2, 5], cost=lambda x: x, done=seen.append)
    assert [x for x, _ in out] == [3, 1, 2, 5]
    assert sorted(seen) == [1, 2, 3, 5]
    assert all(pid != os.getpid() for _, pid in out)  # the shares ran in workers


@pytest.mark.parametrize("cpus", [1, 2])
def test_then_is_applied_here_to_each_result_as_it_arrives(monkeypatch, cpus):
    """The score stage shrinks each language's result as it comes back (its texts swapped for
    the parent's own), so ``then`` must run in this process, once per share, results in order."""
    monkeypatch.setattr(parallel, "cpus", lambda: cpus)
    here, calls = os.getpid(), []

    def then(result):
        calls.append((result, os.getpid()))
        return result[0] * 10

    out = parallel.map_forked(lambda x: (x, os.getpid()), [3, 1, 2], cost=lambda x: x, then=then)
    assert out == [30, 10, 20]
    assert sorted(r[0] for r, _ in calls) == [1, 2, 3] and all(pid == here for _, pid in calls)
    assert all((r[1] != here) == (cpus == 2) for r, _ in calls)  # the shares ran in workers with two


def test_a_worker_runs_its_own_work_serially(monkeypatch):
    monkeypatch.setattr(parallel, "MAX_WORKERS", 2)
    monkeypatch.delenv("SFIA_QA_WORKERS", raising=False)
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: nothing runs in workers")
    inner = parallel.map_forked(lambda _x: parallel.cpus(), [1, 2])
    assert inner == [1, 1]


def test_an_error_in_a_share_is_raised_here(monkeypatch):
    monkeypatch.setattr(parallel, "cpus", lambda: 2)

    def boom(x):
        if x == 2:
            raise ValueError("share 2 failed")
        return x

    with pytest.raises(ValueError, match="share 2 failed"):
        parallel.map_forked(boom, [1, 2, 3])


def test_work_aside_runs_in_another_process_while_this_one_goes_on(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel, "MAX_WORKERS", 2)
    monkeypatch.delenv("SFIA_QA_WORKERS", raising=False)
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: nothing runs aside")
    started = tmp_path / "started"

    def aside_work():
        started.write_text("yes", encoding="utf-8")
        return os.getpid(), parallel.cpus()

    with parallel.aside(aside_work) as result:
        # this process is free meanwhile, and may share work out to workers of its own
        assert parallel.map_forked(lambda x: x * 2, [1, 2, 3]) == [2, 4, 6]
        pid, inner = result()
    assert started.read_text(encoding="utf-8") == "yes"
    assert pid != os.getpid() and inner == 1  # no pool inside the aside process either


def test_an_error_aside_is_raised_where_its_result_is_asked_for(monkeypatch):
    monkeypatch.setattr(parallel, "cpus", lambda: 2)

    def fails():
        raise ValueError("the tables could not be written")

    with parallel.aside(fails) as result:
        with pytest.raises(ValueError, match="tables could not be written"):
            result()


def test_work_aside_is_done_before_the_block_ends_even_unasked(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    done = tmp_path / "done"

    def slow():
        import time

        time.sleep(0.3)
        done.write_text("written", encoding="utf-8")

    with parallel.aside(slow):
        pass
    assert done.read_text(encoding="utf-8") == "written"


def test_work_aside_on_one_cpu_runs_here_when_asked(monkeypatch):
    monkeypatch.setenv("SFIA_QA_WORKERS", "1")
    calls = []
    with parallel.aside(lambda: calls.append(os.getpid()) or "ok") as result:
        assert calls == []
        assert result() == "ok"
    assert calls == [os.getpid()]


def test_sfia_qa_workers_1_means_one_process(monkeypatch):
    monkeypatch.setenv("SFIA_QA_WORKERS", "1")
    assert parallel.cpus() == 1
    assert parallel.map_forked(lambda _x: os.getpid(), [1, 2]) == [os.getpid()] * 2


def test_a_run_in_two_processes_writes_the_same_reports_as_one(tmp_path):
    """The sample (two languages and the English): every report file byte for byte."""
    outs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        env = {**os.environ, "SFIA_QA_WORKERS": workers}
        p = subprocess.run([sys.executable, "-m", "pipeline", "run", "--config", str(ROOT / "qa.toml"),
                            "--out", str(out), "--fail-on", "never"], env=env, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        outs[workers] = {f.relative_to(out).as_posix(): f.read_bytes() for f in out.rglob("*") if f.is_file()}
    assert set(outs["1"]) == set(outs["2"])
    different = [name for name in outs["1"] if outs["1"][name] != outs["2"][name]]
    assert not different


def test_of_two_failing_shares_the_first_in_order_is_raised(monkeypatch):
    import time

    monkeypatch.setattr(parallel, "cpus", lambda: 2)

    def fail(x):
        if x == "slow":
            time.sleep(0.3)
        raise ValueError(x)

    with pytest.raises(ValueError, match="slow"):
        parallel.map_forked(fail, ["slow", "fast"])


def test_output_pending_before_the_workers_start_is_written_once():
    """stdout to a pipe is block-buffered: what the parent printed must not be written again by
    every worker when it exits."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: nothing runs in workers")
    code = ("import sys\nfrom pipeline import parallel\nsys.stdout.write('before;')\n"
            "print(parallel.map_forked(lambda x: x * 2, [1, 2, 3]))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONUNBUFFERED": "", "SFIA_QA_WORKERS": "2"})
    assert p.returncode == 0, p.stderr
    assert p.stdout == "before;[2, 4, 6]\n"


def test_freed_memory_is_handed_back_before_forking_on_glibc(monkeypatch):
    """Workers start with the parent's resident size, so the parent trims its heap before it
    forks. On glibc the trim must be found (else the run's peak silently grows by the heap the
    parent freed); elsewhere it is a no-op, never an error."""
    import platform

    trim = parallel._malloc_trim()
    if platform.libc_ver()[0] == "glibc":
        assert trim is not None
    calls = []
    monkeypatch.setattr(parallel, "_TRIM", [lambda pad: calls.append(pad)])
    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    assert parallel.map_forked(lambda x: x + 1, [1, 2]) == [2, 3]
    assert calls == [0]  # once, before the workers were forked
    monkeypatch.setattr(parallel, "_TRIM", [None])
    assert parallel.map_forked(lambda x: x + 1, [1, 2]) == [2, 3]
