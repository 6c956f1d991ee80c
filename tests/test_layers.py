"""The import graph runs one way, as the README's Layout section says: shared foundations at
the bottom, then ingest -> align -> drift -> score -> checks -> report, the edge integrations,
run, and the command line on top. A module may import its own layer and the layers below; no
module imports run or the command line; and no two modules import each other, directly or in
a loop. Read from the code's own import statements (function-level imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "pipeline"

LAYERS = [
    ("foundation", ("pipeline.errors", "pipeline.parallel", "pipeline.keys", "pipeline.output", "pipeline.text", "pipeline.schema",
                    "pipeline.encoding", "pipeline.ioutil", "pipeline.config", "pipeline.langdata",
                    "pipeline.langid", "pipeline.results", "pipeline")),
    ("ingest", ("pipeline.ingest",)),
    ("align", ("pipeline.align",)),
    ("drift", ("pipeline.drift",)),
    ("score", ("pipeline.score",)),
    ("checks", ("pipeline.checks",)),
    ("review", ("pipeline.review",)),           # the decisions model, the ledger, LQA: read by report
    ("report", ("pipeline.report",)),
    ("edges", ("pipeline.review.apply", "pipeline.export", "pipeline.phrase")),
    ("run", ("pipeline.run",)),
    ("cli", ("pipeline.commands", "pipeline.cli", "pipeline.__main__", "pipeline.phrase.cli")),
]


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    best, rank = -1, None
    for i, (_name, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), i
    assert rank is not None, module
    return rank


def _imports() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for n in names:
                if n.startswith("pipeline"):
                    while n not in modules and "." in n:
                        n = n.rsplit(".", 1)[0]
                    if n in modules and n != mod:
                        deps.add(n)
        graph[mod] = deps
    return graph


def test_no_module_imports_a_later_stage():
    graph = _imports()
    upward = sorted(f"{m} ({LAYERS[_layer(m)][0]}) imports {d} ({LAYERS[_layer(d)][0]})"
                    for m, deps in graph.items() for d in deps
                    if d != "pipeline" and _layer(d) > _layer(m))
    assert not upward, "\n".join(upward)


def test_the_import_graph_has_no_cycle():
    graph = _imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph.get(m, ())):
            if d == "pipeline":
                continue
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d, stack + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_stage_order_is_the_documented_one():
    names = [name for name, _ in LAYERS]
    assert names.index("ingest") < names.index("align") < names.index("drift") < names.index("score") \
        < names.index("checks") < names.index("report") < names.index("run") < names.index("cli")
