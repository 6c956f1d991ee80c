"""Benchmark: `sfia-qa score` against the sacrebleu command line on WMT23 en-cs.

Runs, in one process and one run, both as child processes on the same 15 systems:

  peer: python -m sacrebleu REF -i HYP... -m bleu chrf ter --paired-bs -w 4 -f text
  ours: sfia-qa score --ref REF --hyp NAME=HYP... --src SRC --lang cs --metrics bleu,chrf,ter
        (BLEU + chrF + TER, 1000 bootstrap resamples, paired significance, plus consensus and
        language signals)

(``-f text``: sacrebleu 2.6's JSON output crashes at the end of --paired-bs on a numpy
float32.) It prints each one's wall time, CPU seconds (user + system of the command and the
worker processes it waited for: RUSAGE_CHILDREN of a small wrapper process per command) and
peak RSS (the largest single process), the three ratios ours/sacrebleu against their
targets (CPU <= 0.35, wall <= 0.25, peak memory <= 1.0), and checks that every number both
print is identical: per system and metric the score, the bootstrap mean and the 95%
half-width, and the p-value (sacrebleu prints 4 decimals with -w 4; ours are formatted the
same way). sacrebleu compares against its first system, so it is given ours' baseline first.
Before timing, the compiled TER kernel is loaded once (numba compiles it on a machine's first
run and caches it), so the figures are those of every later run.
Exit status: 0 all numbers identical and every target met, 1 otherwise.
Exits 0 with a message when ../shared is absent.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "wmt23" / "en-cs"
METRICS = {"BLEU": "bleu", "chrF2": "chrf", "TER": "ter"}
TARGETS = {"CPU": 0.35, "wall": 0.25, "peak memory": 1.0}   # ours / sacrebleu, at most


# Each command runs under a small wrapper process, so that RUSAGE_CHILDREN inside it sees
# only that command and its own workers: peak RSS (largest process) and CPU seconds.
_WRAP = ("import resource, subprocess, sys\n"
         "r = subprocess.run(sys.argv[1:])\n"
         "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
         "sys.stderr.write(f'\\n@@rusage {u.ru_maxrss} {u.ru_utime + u.ru_stime}\\n')\n"
         "sys.exit(r.returncode)\n")


def run(cmd: list[str]) -> tuple[float, int, float, str]:
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _WRAP, *cmd], capture_output=True, text=True, cwd=ROOT)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"score_bench: {' '.join(cmd[:3])}... failed ({p.returncode}):\n{p.stderr[-2000:]}")
    rss, cpu = p.stderr.rsplit("@@rusage", 1)[1].split()
    return dt, int(rss), float(cpu), p.stdout


def parse_sacrebleu(text: str, names: dict[str, str]) -> dict[str, dict[str, tuple]]:
    """The paired-bootstrap table: score (mean ± ci) and (p = x) per system and metric."""
    out: dict[str, dict[str, tuple]] = {}
    header: list[str] = []
    current = None
    for line in text.splitlines():
        if "│" not in line:
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0] == "System":
            header = [re.sub(r"\s*\(.*", "", c) for c in cells[1:]]
            continue
        if cells[0]:
            current = names[cells[0].replace("Baseline: ", "")]
            out[current] = {}
            for m, c in zip(header, cells[1:], strict=True):
                s, mu, ci = re.match(r"([\d.]+) \(([\d.]+) ± ([\d.]+)\)", c).groups()
                out[current][METRICS[m]] = [s, mu, ci, None]
        else:
            for m, c in zip(header, cells[1:], strict=True):
                out[current][METRICS[m]][3] = re.search(r"p = ([\d.]+)", c).group(1)
    return out


def main() -> int:
    if not DATA.is_dir():
        print(f"score_bench: {DATA} is absent; nothing to compare (skipped)")
        return 0
    ref = DATA / "generaltest2023.en-cs.ref.refA.cs"
    src = DATA / "generaltest2023.en-cs.src.en"
    hyps = sorted(DATA.glob("generaltest2023.en-cs.hyp.*.cs"))
    names = {str(p): p.name.split(".hyp.")[1][:-3] for p in hyps}

    # numba compiles the TER kernel on a machine's first run (then loads it from its cache)
    subprocess.run([sys.executable, "-c", "from pipeline.score import ter; ter.kernel()"], cwd=ROOT, check=True)
    t_ours, mem_ours, cpu_ours, out = run([sys.executable, "-m", "pipeline", "score", "--ref", str(ref),
                                           "--src", str(src), "--lang", "cs", "--metrics", "bleu,chrf,ter",
                                           "--bootstrap", "1000",
                                           *[a for p in hyps for a in ("--hyp", f"{names[str(p)]}={p}")]])
    ours = json.loads(out)
    baseline = ours["baseline"]
    order = sorted(hyps, key=lambda p: (names[str(p)] != baseline, names[str(p)]))
    t_peer, mem_peer, cpu_peer, peer_out = run([sys.executable, "-m", "sacrebleu", str(ref), "-i", *map(str, order),
                                                "-m", "bleu", "chrf", "ter", "--paired-bs", "-w", "4", "-f", "text"])
    peer = parse_sacrebleu(peer_out, names)

    mismatches, compared = [], 0
    for s in ours["systems"]:
        for m in ("bleu", "chrf", "ter"):
            b = s[f"{m}_bootstrap"]
            mine = [f"{s[m]:.4f}", f"{b['mean']:.4f}", f"{b['half_width']:.4f}",
                    None if s["p_values"] is None else f"{s['p_values'][m]:.4f}"]
            theirs = peer[s["name"]][m]
            compared += 4 if mine[3] else 3
            if mine != theirs:
                mismatches.append((s["name"], m, mine, theirs))
    ratios = {"CPU": cpu_ours / cpu_peer, "wall": t_ours / t_peer, "peak memory": mem_ours / mem_peer}
    print(f"systems: {len(hyps)}, segments: {ours['segments']}, baseline: {baseline}")
    print(f"sacrebleu CLI (bleu chrf ter --paired-bs): {t_peer:7.2f} s wall {cpu_peer:7.2f} s CPU  "
          f"peak RSS {mem_peer / 1024:7.1f} MiB")
    print(f"sfia-qa score (+ consensus, signals):      {t_ours:7.2f} s wall {cpu_ours:7.2f} s CPU  "
          f"peak RSS {mem_ours / 1024:7.1f} MiB")
    missed = [k for k, v in ratios.items() if v > TARGETS[k]]
    for k, v in ratios.items():
        print(f"{k + ' ratio ours/sacrebleu:':32s} {v:.3f}  (target <= {TARGETS[k]}){'  MISSED' if k in missed else ''}")
    print(f"shared numbers compared: {compared}, systems x metrics differing: {len(mismatches)}")
    if mismatches:
        for mm in mismatches[:10]:
            print("MISMATCH", *mm)
        return 1
    print("every shared number identical")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
