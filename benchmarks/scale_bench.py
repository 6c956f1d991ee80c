"""Scale benchmark: `sfia-qa run` on the whole framework in 1..N languages.

    python benchmarks/scale_bench.py [--langs 1,3,10,20] [--providers 7] [--skills K] [--keep DIR]
                                     [--rerun] [--command "CMD"]

For each N it generates the SYNTHETIC corpus of :mod:`synth` (the official English from
../shared, pseudo-translations, planted defects, MT candidates of every provider for every
changed SFIA 9 segment) in a temporary folder (``DIR/langs-N`` with ``--keep``), runs

    .venv/bin/sfia-qa run --config qa.toml --out reports --fail-on never --verbose

as a child process in that folder, and prints per N: wall time, CPU time (user+sys of the
child and the workers it waited for, from ``os.wait4``), peak RSS (``ru_maxrss`` from the same
call: the largest single process), total size of ``reports/`` (and as a zip, as CI uploads it), the
largest HTML page, and
each stage's share of the wall time (from the ``sfia-qa: <stage>: 1.23s`` lines that
``--verbose`` writes to stderr; "other" is start-up and what no stage timed). Then the
growth: the least-squares slope of wall time over languages (seconds per language) and the
ratio of per-language time of the largest to the smallest run (1.0 = linear). Targets are
printed beside the figures. Each run starts with an empty statistics cache (the corpus's
``.sfia-qa-cache``; ``SFIA_QA_CACHE`` is not passed on). ``--rerun``: after each run, one skill of
one language's SFIA 9 translation is edited and the run repeated with the cache as the first run
left it, as CI on that pull request would run it. Exits 0 with one line when ../shared is absent.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_LANGS = 20
TARGET_WALL = 120.0           # s, 20 languages x 7 providers
TARGET_RSS = 1 << 30          # bytes
TARGET_REPORTS = 150 * 10**6  # bytes
TARGET_RERUN = 30.0           # s, the same corpus after one skill changed in one language
STAGE_LINE = re.compile(r"^sfia-qa: ([\w+ -]+): ([0-9]+(?:\.[0-9]+)?)s$")


def stage_timings(stderr: str) -> dict[str, float]:
    """{'ingest': 1.23, ...} from the --verbose lines (progress bars share lines via '\\r')."""
    out: dict[str, float] = {}
    for line in re.split(r"[\r\n]+", stderr):
        m = STAGE_LINE.match(line.strip())
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def run_child(cmd: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Run cmd in cwd; wall, cpu (user+sys), peak RSS in bytes, exit code, stderr."""
    err_path = cwd / "run.stderr"
    with open(cwd / "run.stdout", "wb") as out, open(err_path, "wb") as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _pid, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": ru.ru_maxrss * 1024, "rc": p.returncode,
            "stderr": err_path.read_text(encoding="utf-8", errors="replace")}


def report_sizes(reports: Path) -> tuple[int, str, int, dict[str, int]]:
    """(total bytes, largest HTML page's name, its bytes, bytes per top-level entry)."""
    total, big, big_size = 0, "-", 0
    parts: dict[str, int] = {}
    for f in reports.rglob("*"):
        if f.is_file():
            n = f.stat().st_size
            total += n
            rel = f.relative_to(reports)
            top = rel.parts[0]
            if top.startswith("lang-") and not top.startswith("lang-en"):
                top = "review pages (lang-<tag>*)"
            elif len(rel.parts) > 1:
                top += "/"
            parts[top] = parts.get(top, 0) + n
            if f.suffix == ".html" and n > big_size:
                big, big_size = rel.as_posix(), n
    return total, big, big_size, parts


def zipped_size(reports: Path, scratch: Path) -> int:
    """Bytes of ``reports`` as one zip at deflate level 6: what CI's upload of the folder as an
    artifact (``actions/upload-artifact``'s default) stores and a reviewer downloads."""
    import zipfile

    path = scratch / "reports-artifact.zip"
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for f in sorted(reports.rglob("*")):
                if f.is_file():
                    z.write(f, f.relative_to(reports).as_posix())
        return path.stat().st_size
    finally:
        path.unlink(missing_ok=True)


def fit(ns: list[int], walls: list[float]) -> tuple[float | None, float | None, float | None]:
    """(slope s/language, intercept s, ratio of per-language time largest/smallest run)."""
    if len(ns) < 2:
        return None, None, None
    mx, my = sum(ns) / len(ns), sum(walls) / len(walls)
    sxx = sum((x - mx) ** 2 for x in ns)
    slope = sum((x - mx) * (y - my) for x, y in zip(ns, walls, strict=True)) / sxx if sxx else None
    intercept = my - slope * mx if slope is not None else None
    lo, hi = ns.index(min(ns)), ns.index(max(ns))
    ratio = (walls[hi] / ns[hi]) / (walls[lo] / ns[lo])
    return slope, intercept, ratio


def verdict(value, limit) -> str:
    return "n/a" if value is None else ("ok" if value < limit else "OVER")


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def change_one_skill(corpus: Path) -> tuple[str, str, int]:
    """Edit one skill of one language, as a translator's pull request would: every SFIA 9 text of
    the middle skill of the first language gets a word more. (language, skill, texts changed)"""
    import json

    path = sorted(corpus.glob("translations/*/sfia-9/sfia-9_*.jsonl"))[0]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    skills = sorted({r["skill"] for r in rows})
    skill = skills[len(skills) // 2]
    changed = 0
    for r in rows:
        if r["skill"] == skill and r.get("text"):
            r["text"] = r["text"].rstrip(".") + " zmienione."
            changed += 1
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path.parent.parent.name, skill, changed


def reused(stderr: str) -> tuple[int, int]:
    """(statistics reused, statistics looked up) over every language, from --verbose."""
    got = total = 0
    for m in re.finditer(r"statistics cache: ([\d,]+) of ([\d,]+) pair statistics reused", stderr):
        got += int(m.group(1).replace(",", ""))
        total += int(m.group(2).replace(",", ""))
    return got, total


def pages_reused(stderr: str) -> str:
    """"N of M" languages whose review pages came from the run cache, from --verbose ("?" if not said)."""
    m = re.search(r"report pages: (\d+ of \d+) language", stderr)
    return m.group(1) if m else "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--langs", default="1,3,10,20", help="comma-separated language counts")
    ap.add_argument("--providers", type=int, default=7)
    ap.add_argument("--skills", type=int, default=None, help="only K skills (default: the whole framework)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--keep", type=Path, default=None, help="keep each corpus and its reports in DIR/langs-N")
    ap.add_argument("--rerun", action="store_true",
                    help="after each run, change one skill in one language and time the re-run "
                         "(statistics cache warm, as CI with a cached .sfia-qa-cache)")
    ap.add_argument("--command", default=str(ROOT / ".venv" / "bin" / "sfia-qa"),
                    help="the sfia-qa command to time (default: .venv/bin/sfia-qa)")
    a = ap.parse_args(argv)
    if not (a.shared / "sfia").is_dir():
        print(f"scale_bench: skipped: {a.shared / 'sfia'} is not present (the official English is needed)")
        return 0
    try:
        ns = sorted({int(x) for x in a.langs.split(",") if x.strip()})
    except ValueError:
        print(f"scale_bench: --langs must be comma-separated numbers, not {a.langs!r}", file=sys.stderr)
        return 2
    if not ns or min(ns) < 1:
        print("scale_bench: --langs needs numbers >= 1", file=sys.stderr)
        return 2
    import synth

    cmd = shlex.split(a.command)
    if cmd and "/" in cmd[0]:
        cmd[0] = os.path.abspath(cmd[0])  # the child runs in the corpus folder
    cmd += ["run", "--config", "qa.toml", "--out", "reports", "--fail-on", "never",
                                    "--verbose"]
    # the statistics cache goes beside the reports (emptied before each cold run), never to a
    # folder SFIA_QA_CACHE names, which could be warm from an earlier benchmark
    env = {k: v for k, v in os.environ.items() if k != "SFIA_QA_CACHE"}
    tmp = tempfile.TemporaryDirectory(prefix="sfia-scale-") if a.keep is None else None
    base = Path(tmp.name) if tmp else a.keep
    scope = "the whole framework" if a.skills is None else f"{a.skills} skills"
    print(f"scale_bench: `{a.command} run` on {scope} x {a.providers} providers, "
          "synthetic corpus (benchmarks/synth.py)")
    results = []
    try:
        for n in ns:
            d = base / f"langs-{n}"
            t = time.perf_counter()
            synth.generate(d, n, providers=a.providers, skills=a.skills, seed=a.seed, shared=a.shared)
            gen = time.perf_counter() - t
            shutil.rmtree(d / ".sfia-qa-cache", ignore_errors=True)  # the statistics cache starts cold
            r = run_child(cmd, d, env)
            if r["rc"] not in (0, 1):
                tail = r["stderr"].strip().splitlines()[-5:]
                print(f"scale_bench: N={n}: sfia-qa exited {r['rc']}:\n  " + "\n  ".join(tail), file=sys.stderr)
                return 1
            total, big, big_size, parts = report_sizes(d / "reports")
            zipped = zipped_size(d / "reports", d)
            r.update(n=n, gen=gen, total=total, zipped=zipped, big=big, big_size=big_size,
                     stages=stage_timings(r["stderr"]))
            results.append(r)
            stages = r["stages"]
            other = max(0.0, r["wall"] - sum(stages.values()))
            shares = ", ".join(f"{k} {v:.1f}s ({100 * v / r['wall']:.0f}%)" for k, v in stages.items())
            print(f"N={n:>2}: wall {r['wall']:7.1f} s  cpu {r['cpu']:7.1f} s  peak RSS {mib(r['rss']):>9}  "
                  f"reports {total / 1e6:6.1f} MB (zipped {zipped / 1e6:.1f} MB)  largest page {big} {big_size / 1e6:.1f} MB  "
                  f"(corpus generated in {gen:.1f} s)")
            print(f"      stages: {shares}, other {other:.1f}s ({100 * other / r['wall']:.0f}%)")
            top = sorted(parts.items(), key=lambda kv: -kv[1])[:5]
            print("      largest report parts: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in top), flush=True)
            if a.rerun:
                lang, skill, n_texts = change_one_skill(d)
                again = run_child(cmd, d, env)
                if again["rc"] not in (0, 1):
                    print(f"scale_bench: N={n}: the re-run exited {again['rc']}", file=sys.stderr)
                    return 1
                got, looked = reused(again["stderr"])
                st = again["stages"] = stage_timings(again["stderr"])
                print(f"      re-run after {skill} changed in {lang} ({n_texts} texts): wall {again['wall']:.1f} s  "
                      f"cpu {again['cpu']:.1f} s  peak RSS {mib(again['rss'])}; statistics reused: {got:,} of "
                      f"{looked:,}; languages' pages reused: {pages_reused(again['stderr'])}; stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in st.items()), flush=True)
                r["rerun"] = again
    finally:
        if tmp:
            tmp.cleanup()
    walls = [r["wall"] for r in results]
    slope, intercept, ratio = fit(ns, walls)
    if slope is not None:
        cslope, cint, cratio = fit(ns, [r["cpu"] for r in results])
        print(f"growth: wall {slope:.1f} s per language (least squares, intercept {intercept:.1f} s), "
              f"per-language wall N={max(ns)} / N={min(ns)}: {ratio:.2f} (1.00 = linear); "
              f"CPU {cslope:.1f} s per language (intercept {cint:.1f} s), ratio {cratio:.2f}")
        mslope, mint, _ = fit(ns, [r["rss"] for r in results])
        print(f"        peak RSS {mslope / 2 ** 20:.1f} MiB per language (intercept {mint / 2 ** 20:.0f} MiB)")
        if any(r["cpu"] < 0.8 * r["wall"] for r in results):
            print("note: CPU time well below wall time: the machine was busy with other work, or the run "
                  "waited; CPU figures are the steadier ones")
    big = next((r for r in results if r["n"] == TARGET_LANGS), None)
    zipped = None
    if big is not None:
        wall, rss, rep, how = big["wall"], big["rss"], big["total"], "measured"
        zipped = big["zipped"]
    elif slope is not None:
        def at(values):
            s_, i_, _ = fit(ns, values)
            return i_ + s_ * TARGET_LANGS

        wall, rss, rep = at(walls), at([r["rss"] for r in results]), at([r["total"] for r in results])
        zipped = at([r["zipped"] for r in results])
        how = "extrapolated by the least-squares lines"
    else:
        wall = rss = rep = None
        how = "not run"
    print(f"targets ({TARGET_LANGS} languages x 7 providers, {how}):")
    print(f"  wall    < {TARGET_WALL:.0f} s     : " + ("n/a" if wall is None else f"{wall:.1f} s") +
          f"  [{verdict(wall, TARGET_WALL)}]")
    print("  peak RSS < 1 GiB     : " + ("n/a" if rss is None else mib(rss)) + f"  [{verdict(rss, TARGET_RSS)}]")
    print("  reports < 150 MB     : " + ("n/a" if rep is None else f"{rep / 1e6:.1f} MB") +
          f"  [{verdict(rep, TARGET_REPORTS)}]")
    print("    the same as CI's artifact (zip): " + ("n/a" if zipped is None else f"{zipped / 1e6:.1f} MB") +
          f"  [{verdict(zipped, TARGET_REPORTS)}]")
    if big is not None and "rerun" in big:
        again = big["rerun"]["wall"]
        print(f"  re-run, one skill changed in one language < {TARGET_RERUN:.0f} s : {again:.1f} s"
              f"  [{verdict(again, TARGET_RERUN)}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
