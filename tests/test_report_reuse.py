"""A language's review pages kept in the run cache: written again from it only when nothing they
show changed, byte for byte what rendering gives, and never from a damaged or foreign entry."""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path

import pandas as pd
from test_report import Ctx, make_context

from pipeline import cache
from pipeline.report import reuse, write_reports


def _pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.html")}


def _stored(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{cache.RESULT_PREFIX}{reuse.STAGE}_*/*.bin"))


def _report(tmp_path: Path, name: str, folder: Path | None, edit=None, digests: bool = True,
            **kw) -> tuple[Ctx, dict[str, bytes]]:
    """Reports of the small run; the score stage's digest of each language's candidates is their
    table's CSV (``digests=False``: the score stage could not digest them)."""
    ctx = make_context(tmp_path / name)
    if edit is not None:
        edit(ctx)
    result = ctx.result()
    c = ctx.candidates
    made = {lang: cache.key_of(c[c["lang"] == lang].to_csv()) for lang in set(c["lang"])} if digests else {}
    result = dataclasses.replace(result, scored=dataclasses.replace(result.scored, digests=made))
    write_reports(result, ctx.out, cache=folder, **kw)
    return ctx, _pages(ctx.out)


def test_pages_written_from_the_cache_are_the_rendered_pages(tmp_path, capsys):
    folder = tmp_path / "cache"
    _, cold = _report(tmp_path, "a", folder, verbose=True)
    assert "report pages: 0 of" in capsys.readouterr().err
    assert len(_stored(folder)) == 2  # one entry per language (Arabic, Polish)
    _, warm = _report(tmp_path, "b", folder, verbose=True)
    assert "report pages: 2 of 2 language(s) as in an earlier run" in capsys.readouterr().err
    _, plain = _report(tmp_path, "c", None)
    assert warm == cold == plain


def test_a_change_in_one_language_renders_that_language_only(tmp_path, capsys):
    folder = tmp_path / "cache"
    _report(tmp_path, "a", folder)

    def edit(ctx: Ctx) -> None:
        a = ctx.alignment
        i = a.index[(a["lang"] == "pl") & a["tgt_9"].notna()][0]
        a.loc[i, "tgt_9"] = a.loc[i, "tgt_9"] + " zmienione"

    _, warm = _report(tmp_path, "b", folder, edit, verbose=True)
    assert "report pages: 1 of 2 language(s)" in capsys.readouterr().err
    _, plain = _report(tmp_path, "c", None, edit)
    assert warm == plain
    assert any("zmienione" in p.decode() for name, p in warm.items() if name.startswith("lang-pl"))


def test_the_gate_and_the_navigation_are_part_of_a_language_s_pages(tmp_path, capsys):
    folder = tmp_path / "cache"
    _report(tmp_path, "a", folder, fail_on="error")
    _, warm = _report(tmp_path, "b", folder, fail_on="warning", verbose=True)  # other findings gate
    assert "report pages: 0 of 2" in capsys.readouterr().err
    assert warm == _report(tmp_path, "c", None, fail_on="warning")[1]

    def another_language(ctx: Ctx) -> None:
        row = ctx.alignment[ctx.alignment["lang"] == "pl"].iloc[:1].copy()
        row["lang"] = "cs"
        ctx.alignment = pd.concat([ctx.alignment, row], ignore_index=True)

    _report(tmp_path, "d", folder, another_language, fail_on="warning", verbose=True)
    assert "report pages: 0 of 3" in capsys.readouterr().err  # every page lists the languages


def test_a_language_whose_candidates_have_no_digest_is_always_rendered(tmp_path, capsys):
    folder = tmp_path / "cache"
    ctx, cold = _report(tmp_path, "a", folder, digests=False)
    langs = set(ctx.candidates["lang"])
    assert langs  # the small run has candidates
    _, warm = _report(tmp_path, "b", folder, digests=False, verbose=True)
    assert f"report pages: {2 - len(langs)} of 2" in capsys.readouterr().err
    assert warm == cold

    def rescored(ctx: Ctx) -> None:  # the same rows and findings; another candidate ranked first
        lang = sorted(langs)[0]
        i = ctx.candidates.index[ctx.candidates["lang"] == lang][0]
        ctx.candidates.loc[i, "text"] = ctx.candidates.loc[i, "text"] + " (inna)"

    _report(tmp_path, "c", folder)
    _, warm = _report(tmp_path, "d", folder, rescored, verbose=True)
    assert "report pages: 1 of 2" in capsys.readouterr().err
    assert warm == _report(tmp_path, "e", None, rescored)[1]


def test_a_damaged_or_foreign_entry_is_ignored_and_the_pages_rendered(tmp_path, capsys):
    folder = tmp_path / "cache"
    _, cold = _report(tmp_path, "a", folder)
    for p in _stored(folder):  # one flipped bit in each stored language
        data = bytearray(p.read_bytes())
        data[-7] ^= 0x01
        p.write_bytes(bytes(data))
    _, warm = _report(tmp_path, "b", folder, verbose=True)
    assert "report pages: 0 of 2" in capsys.readouterr().err
    assert warm == cold


def test_a_stored_entry_is_read_only_when_it_names_this_run_s_files_and_adds_up(tmp_path):
    folder = tmp_path / "cache"
    files = [("lang-pl.html", b"<p>overview</p>"), ("lang-pl/CSMG.html", b"<p>skill</p>")]
    key = "ab" * 32
    reuse.write(folder, "pl", key, files)
    assert reuse.read(folder, "pl", key, [n for n, _ in files]) == [d for _, d in files]
    assert reuse.read(folder, "pl", key, ["lang-pl.html"]) is None          # another set of pages
    assert reuse.read(folder, "pl", key, ["lang-pl.html", "../evil.html"]) is None
    assert reuse.read(folder, "ar", key, [n for n, _ in files]) is None     # another language
    assert reuse.read(folder, "pl", "cd" * 32, [n for n, _ in files]) is None

    def forge(head: bytes, rest: bytes) -> None:  # a valid digest around a body that does not add up
        cache.write(cache.result_kind(reuse.STAGE, "pl"), key, zlib.compress(head + b"\n" + rest), folder)

    forge(b'[["lang-pl.html", 15], ["lang-pl/CSMG.html", 99]]', b"<p>overview</p><p>skill</p>")
    assert reuse.read(folder, "pl", key, [n for n, _ in files]) is None
    forge(b'[["lang-pl.html", -3], ["lang-pl/CSMG.html", 30]]', b"<p>overview</p><p>skill</p>")
    assert reuse.read(folder, "pl", key, [n for n, _ in files]) is None
    forge(b'{"lang-pl.html": 15}', b"<p>overview</p>")
    assert reuse.read(folder, "pl", key, ["lang-pl.html"]) is None


def test_a_view_holding_a_value_without_an_exact_spelling_is_never_reused(tmp_path):
    from pipeline.report import model

    ctx = make_context(tmp_path / "a")
    from pipeline.report import project_settings

    views = model.build(ctx.result(), model.sort_findings(ctx.result().findings), project_settings(tmp_path))
    v = views[0]
    key = reuse.page_key(v, views, ("error", "", 0.0), lambda f: False)
    assert key is not None and key == reuse.page_key(v, views, ("error", "", 0.0), lambda f: False)
    assert key != reuse.page_key(v, views, ("warning", "", 0.0), lambda f: False)
    v.rows[0]["odd"] = {1, 2}  # a set: its order is not its content
    assert reuse.page_key(v, views, ("error", "", 0.0), lambda f: False) is None


def test_candidates_csv_is_the_same_written_from_the_cache_or_not(tmp_path):
    folder = tmp_path / "cache"
    ctx, _ = _report(tmp_path, "a", folder)
    langs = set(ctx.candidates["lang"])
    stored = sorted(folder.glob(f"{cache.RESULT_PREFIX}csv_*/*.bin"))
    assert len(stored) == len(langs) >= 1
    plain = (_report(tmp_path, "b", None)[0].out / "candidates.csv").read_bytes()
    assert (ctx.out / "candidates.csv").read_bytes() == plain
    assert (_report(tmp_path, "c", folder)[0].out / "candidates.csv").read_bytes() == plain
    for p in stored:  # damaged: ignored, the rows written again
        data = bytearray(p.read_bytes())
        data[-3] ^= 0x10
        p.write_bytes(bytes(data))
    assert (_report(tmp_path, "d", folder)[0].out / "candidates.csv").read_bytes() == plain

    def rescored(ctx: Ctx) -> None:
        i = ctx.candidates.index[0]
        ctx.candidates.loc[i, "text"] = "=HYPERLINK(\"x\")"  # still guarded against formulas
    changed = (_report(tmp_path, "e", folder, rescored)[0].out / "candidates.csv").read_bytes()
    assert changed == (_report(tmp_path, "f", None, rescored)[0].out / "candidates.csv").read_bytes() != plain
    assert "'=HYPERLINK" in changed.decode("utf-8")
