"""Report stage: every output file of a run, for reviewers and for CI.

``reports/`` gets

* ``index.html`` (dashboard), ``lang-<tag>.html`` (a language's overview: skills ranked by
  errors and warnings, drift, quality score, review progress) and ``lang-<tag>/<SKILL>.html``
  (one page per skill): static pages that open from disk, with search, filters, sorting,
  keyboard navigation across the whole language and reviewer decisions kept in the browser,
  no request to any server;
* ``findings.jsonl``, ``findings.csv``, ``review.xlsx`` (one sheet per language, one row per
  finding, with decision / comment / corrected-text columns; a ``review.xlsx`` that holds
  decisions not yet applied is kept and the run's workbook is written beside it as
  ``review-next.xlsx``),
  ``junit.xml`` (a test case per check and language), ``summary.md`` (a pull-request
  comment), and the tables ``segments.csv``, ``alignment.csv``, ``drift.csv`` and
  ``drift-skills.csv`` (each skill: kept, added or removed between SFIA 8 and 9);
* the score stage's ``scores.json``, ``candidates.csv`` and ``drafts/<lang>/sfia-9/<SKILL>.txt|.csv``
  (a language's drafts written with its pages).

Why a page per skill (and not per category, nor one page with client-side virtualisation): a
skill is the unit SFIA is written, translated and exported in (a skill page export, a Phrase
tag, a draft file), so a reviewer's "where am I" is a skill; a page per skill holds 5-40
segments (under 200 KB, interactive in well under a second, on the full framework), where a
category page would hold 300+ segments and several MB, and virtualisation would need all the
text in one page anyway (3-8 MB to parse) plus a script that breaks printing, find-in-page and
the page without JavaScript. What crosses skills is provided on purpose: the overview ranks
them, the "next finding" keys carry on to the next skill with findings (filters travel along in
the ``#fragment``), a search page per language searches every segment, and decisions are kept
per language, not per page.

Every file is written atomically and is the same byte for byte for the same inputs. With a run
cache, a language's pages and its rows of ``candidates.csv`` are written from what an earlier run
stored when nothing they show has changed (:mod:`pipeline.report.reuse`): the same bytes.
With ``--changed-since REF`` the files still report every finding, but only findings on
lines changed since ``REF`` gate (fail junit test cases, get annotations, set the exit code).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

from pipeline import langdata, output, parallel, schema
from pipeline.drift import skill_changes
from pipeline.ioutil import atomic_open, write_bytes, write_text
from pipeline.keys import SKILL_CODE_RE
from pipeline.report import ci, html, model, reuse
from pipeline.report.changed import gating
from pipeline.report.chart import leaderboard_svg
from pipeline.report.progress import progress
from pipeline.report.xlsx import review_workbook
from pipeline.results import RunResult, Scored
from pipeline.score import draft as draft_mod


def _write_csv(path: Path, df: pd.DataFrame, columns: list[str] | None = None) -> None:
    with atomic_open(path, "w") as fh:
        output.write_csv(fh, df, columns)


def write_tables(result: RunResult, out: Path, findings: pd.DataFrame) -> None:
    out.mkdir(parents=True, exist_ok=True)
    aligned = result.aligned
    _write_csv(out / "segments.csv", result.ingested.segments, schema.columns(schema.SEGMENT, True))
    _write_csv(out / "alignment.csv", aligned.alignment, schema.columns(schema.ALIGNMENT, True))
    _write_csv(out / "drift.csv", aligned.drift, schema.columns(schema.DRIFT, True))
    # skills added or removed between SFIA 8 and SFIA 9, and per-skill status counts
    write_text(out / "drift-skills.csv", output.to_csv(skill_changes(aligned.drift)))
    cols = schema.columns(schema.FINDING, True)
    write_text(out / "findings.jsonl", output.to_jsonl(findings, cols))
    write_text(out / "findings.csv", output.to_csv(findings, cols))


def write_scores(scored: Scored, out: Path, cache: Path | None = None) -> None:
    """``scores.json`` and ``candidates.csv`` of the score stage (its drafts: :func:`write_drafts`).
    ``cache``: the run cache, where each language's part of ``candidates.csv`` is kept
    (:func:`_candidates_csv`)."""
    if scored.boards or len(scored.candidates):
        write_text(out / "scores.json", json.dumps(dict(scored.boards), ensure_ascii=False, indent=1,
                                                   sort_keys=True) + "\n")
        _candidates_csv(out / "candidates.csv", scored, cache)


def write_drafts(table: pd.DataFrame, out: Path) -> None:
    """``drafts/<lang>/sfia-9/<SKILL>.csv|.txt`` of the drafts in ``table`` (schema.DRAFT)."""
    by_skill: dict[tuple[str, str], list[dict]] = {}
    for r in output.records(table):
        by_skill.setdefault((str(r["lang"]), str(r["skill"])), []).append(r)
    for (lang, skill), rows in sorted(by_skill.items()):
        # ingest lets no other skill code or tag in; this keeps a file name from ever leaving `out`
        if not (SKILL_CODE_RE.match(skill) and langdata.TAG_RE.match(lang)):
            raise ValueError(f"a draft's skill {skill!r:.40} or language {lang!r:.40} cannot name a file")
        base = out / "drafts" / lang / "sfia-9" / skill
        write_text(base.with_suffix(".csv"), draft_mod.rows_to_csv(rows))
        write_text(base.with_suffix(".txt"), draft_mod.rows_to_page(rows, lang))


def _candidates_csv(path: Path, scored: Scored, cache_dir: Path | None) -> None:
    """``candidates.csv``: the header, then each language's rows (the table holds a language's
    candidates together, languages in order). A language's rows are a function of what its scores
    were computed from (the score stage's digest, code included), so they are kept in the run cache
    under that digest and written from there in the next run while it holds; the file is the same
    byte for byte either way."""
    import contextlib
    import io
    import zlib

    from pipeline import cache

    table, columns = scored.candidates, schema.columns(schema.CANDIDATE, True)
    langs = table["lang"].tolist() if len(table) else []
    starts = [i for i in range(len(langs)) if i == 0 or langs[i] != langs[i - 1]]
    if cache_dir is None or len(starts) != len(set(langs)):  # no cache, or languages interleaved
        _write_csv(path, table, columns)
        return
    with atomic_open(path, "w") as fh:
        output.write_csv(fh, table.iloc[:0], columns)
        for a, b in zip(starts, [*starts[1:], len(langs)], strict=True):
            lang, digest = langs[a], scored.digests.get(langs[a])
            key = cache.key_of("candidates.csv", cache.code_digest(), digest, *columns) if digest else None
            kind = cache.result_kind("csv", str(lang))
            body = cache.read(kind, key, cache_dir) if key else None
            raw = cache.inflate(body) if body is not None else None
            part = None
            if raw is not None:
                with contextlib.suppress(UnicodeDecodeError):
                    part = raw.decode("utf-8")
            if part is None:
                buf = io.StringIO()
                output.write_csv(buf, table.iloc[a:b], columns, header=False)
                part = buf.getvalue()
                if key:
                    cache.write(kind, key, zlib.compress(part.encode("utf-8"), 1), cache_dir, keep=cache.RESULT_KEEP)
            elif key:
                cache.touch(kind, key, cache_dir)
            fh.write(part)


def _gate_key(f: dict) -> tuple:
    return (f["code"], f["lang"], f["framework"], f["skill"], f["element"], f["level"], f["item"],
            f["message"], f["origin"])


def final_dir(out: Path) -> Path:
    """The report folder a run's staging folder (``.<name>.staging-XXXX``, see ioutil.OutputDir)
    replaces; ``out`` itself when it is not a staging folder."""
    name = out.name
    if name.startswith(".") and ".staging-" in name:
        return out.with_name(name[1: name.index(".staging-")])
    return out


def project_settings(root: Path | None, review: dict | None = None, key_pattern: str | None = None) -> dict:
    """``[review]`` and ``[keys] pattern`` of the project; read from ``root``/qa.toml when the
    caller does not pass them; the review log's entries."""
    from pipeline.keys import DEFAULT_PATTERN
    from pipeline.review import ledger

    cfg_file = Path(root) / "qa.toml" if root is not None else None
    if key_pattern is None and cfg_file is not None and cfg_file.is_file():
        from pipeline.config import read_toml

        data, _ = read_toml(cfg_file)
        key_pattern = (data.get("keys") or {}).get("pattern")
    st = ledger.settings(root, review)
    return {"key_pattern": key_pattern or DEFAULT_PATTERN, "lqa_threshold": st["lqa_threshold"],
            "log": ledger.read(st["log"]), "log_path": st["log"],
            "project": Path(root).resolve().name if root is not None else ""}


WORKBOOKS = "written_workbooks"  # run-cache kind: digests of the review workbooks runs wrote


def _workbook_digest(data: bytes) -> str:
    return hashlib.sha256(b"review.xlsx\0" + data).hexdigest()


def _write_workbook(out: Path, data: bytes, settings: dict, cache_dir: Path | None = None) -> str:
    """``review.xlsx``, unless the one in the report folder holds decisions not yet applied: that
    one is kept and this run's goes to ``review-next.xlsx``. Returns what the reviewer must be told
    (one line; empty when nothing): the caller prints it, in the process that talks to the user.

    A workbook a run wrote holds no decisions; its digest is noted in the run cache, so an old
    ``review.xlsx`` with the same bytes is known to be untouched without reading it (reading a
    20-language workbook takes seconds). Any other workbook is read."""
    from pipeline import cache
    from pipeline.errors import InputError
    from pipeline.review import ledger
    from pipeline.review.decisions import load_decisions

    old = final_dir(out) / "review.xlsx"
    pending, problem = 0, ""
    if old.is_file():
        try:
            untouched = cache_dir is not None and cache.read(WORKBOOKS, _workbook_digest(old.read_bytes()),
                                                             cache_dir) is not None
        except OSError:
            untouched = False
        if not untouched:
            try:
                done = ledger.fingerprints(settings["log"])
                pending = sum(1 for d in load_decisions(old) if d.fingerprint not in done)
            except InputError as e:  # a decision the reviewer left incomplete is still their work: keep it
                pending, problem = 1, f" ({e.line()})"
    if pending:
        write_bytes(out / "review.xlsx", old.read_bytes())
        write_bytes(out / "review-next.xlsx", data)
        what = "decisions that cannot be read yet" if problem else f"{pending} decision(s) not yet applied"
        return (f"sfia-qa: {old} holds {what}{problem}: kept it; this run's workbook is review-next.xlsx "
                f"(apply with: sfia-qa review apply {old})")
    write_bytes(out / "review.xlsx", data)
    if cache_dir is not None:
        cache.write(WORKBOOKS, _workbook_digest(data), b"", cache_dir)
    return ""


def write_assets(out: Path) -> None:
    """The style sheet and script every page links (:func:`html.asset_files`)."""
    for name, data in html.asset_files().items():
        write_bytes(out / name, data)


def write_reports(result: RunResult, out: Path, fail_on: str = "error", changed_since=None, annotations=None,
                  verbose: bool = False, root: Path | None = None, review: dict | None = None,
                  key_pattern: str | None = None, cache: Path | None = None) -> pd.DataFrame:
    """Write every report file into ``out``; return the findings that gate the run. ``root``: the
    folder file paths in findings are relative to (the configuration's; default: the working folder).
    ``review``: the ``[review]`` table of qa.toml and ``key_pattern`` its ``[keys] pattern`` (both
    read from ``root``/qa.toml when not given). ``cache``: the run cache folder, where each
    language's pages are kept and reused while nothing they show changes (:mod:`.reuse`)."""
    out = Path(out)
    settings = project_settings(root, review, key_pattern)
    findings = model.sort_findings(result.findings)
    mask = gating(findings, changed_since, root)
    gate_keys = {_gate_key(f) for f in model.finding_records(findings[mask])}

    def gates(f: dict) -> bool:
        return _gate_key(f) in gate_keys

    # the tables need no view: one process writes them while this one builds the views
    with parallel.aside(lambda: write_tables(result, out, findings)) as tables_written:
        views = model.build(result, findings, settings)
        for v in views:
            systems = (v.scores or {}).get("systems") or []
            v.chart = leaderboard_svg(ci.leaderboard(systems)) if systems else ""
        info = {"fail_on": fail_on, "changed_since": changed_since, "gates": gates,
                "leaderboard": ci.leaderboard, "threshold": settings["lqa_threshold"],
                "scored": bool(result.scored.boards) or bool(len(result.scored.candidates)),
                "drafted": bool(len(result.scored.drafts))}
        env = html.environment()
        html.warm(env)
        write_assets(out)
        write_text(out / "index.html", html.render_index(env, views, info))
        key_settings = (fail_on, str(changed_since or ""), settings["lqa_threshold"])

        scored_langs = set(result.scored.candidates["lang"]) if len(result.scored.candidates) else set()
        # a language's drafts are written in its own job (thousands of small files: shared by both
        # workers); drafts of a language without a view, if any, by this process
        drafts = result.scored.drafts
        draft_langs = drafts["lang"].astype(str) if len(drafts) else pd.Series([], dtype=object)
        viewed = {v.lang for v in views}

        def pages_of(v) -> bool:
            if len(drafts):
                write_drafts(drafts[(draft_langs == v.lang).to_numpy()], out)
            pages: list[tuple[str, Callable[[], str]]] = [(v.page, lambda: html.render_lang(env, v, views, info))]
            if v.rows:
                pages.append((v.search_page, lambda: html.render_search(env, v, views, info, "en" if v.source else "tgt")))
                if not v.source:
                    pages.append((f"{v.folder}/search-en.html", lambda: html.render_search(env, v, views, info, "en")))
            for s in v.skills:
                pages.append((s.page, partial(html.render_skill, env, v, s, views, info)))
            # the candidates the pages show are in the key as the digest of what they were scored from
            scored = result.scored.digests.get(v.lang, "")
            key = reuse.page_key(v, views, (*key_settings, scored), gates) \
                if cache is not None and (scored or v.lang not in scored_langs) else None
            kept = reuse.read(cache, v.lang, key, [name for name, _ in pages]) \
                if cache is not None and key is not None else None
            if kept is not None:
                for (name, _), data in zip(pages, kept, strict=True):
                    write_bytes(out / name, data)
                return True
            model.attach_candidates(v, result.scored.candidates)
            written = []
            for name, render in pages:
                data = render().encode("utf-8")
                write_bytes(out / name, data)
                written.append((name, data))
            if cache is not None and key is not None:
                reuse.write(cache, v.lang, key, written)
            model.detach_candidates(v)
            return False

        # the work of the stage as jobs for the worker processes (pipeline.parallel): a language's
        # pages (each its own job) and the review workbook, the largest first; this
        # process writes the score files (thousands of small drafts: mostly waiting for the disk, so
        # a third process keeps both cores busy) and the CI files meanwhile
        shared: list[Callable[[], object]] = [
            lambda: _write_workbook(out, review_workbook(views), settings, cache),
        ]
        jobs: list = [*shared, *views]

        def run_job(job) -> object:
            return pages_of(job) if isinstance(job, model.LangView) else job()

        def meanwhile() -> None:
            write_scores(result.scored, out, cache)
            if len(drafts):
                write_drafts(drafts[(~draft_langs.isin(viewed)).to_numpy()], out)
            write_text(out / "junit.xml", ci.junit_xml(views, fail_on, gates))
            write_text(out / "summary.md", ci.summary_md(views, fail_on, gates, changed_since))

        with progress(None, "report pages", verbose=verbose, total=len(views), unit="language") as bar:
            reused: list = parallel.map_forked(
                run_job, jobs, cost=lambda j: len(j.rows) if isinstance(j, model.LangView) else 10**9,
                done=lambda j: bar.update() if isinstance(j, model.LangView) else None, meanwhile=meanwhile)
        tables_written()
    for said in reused[:len(shared)]:  # what a shared job has to tell (the workbook kept)
        if isinstance(said, str) and said:
            print(said, file=sys.stderr)
    if verbose and cache is not None:
        n = sum(bool(x) for x in reused[len(shared):])
        print(f"sfia-qa: report pages: {n} of {len(views)} language(s) as in an earlier run: written from "
              f"the run cache ({cache})", file=sys.stderr)
    if annotations == "github":
        recs = [f for v in views for f in v.findings]
        for line in ci.github_annotations(recs, fail_on, gates, root):
            print(line, file=sys.stdout)
    return findings[mask].reset_index(drop=True)
