"""The TMS export: the SFIA English as XLIFF 1.2 files a Phrase TMS project imports.

One ``<trans-unit>`` per segment; its ``id`` and ``resname`` are the segment key
(``sfia9.CSMG.level.5``, :mod:`pipeline.keys`), which Phrase keeps as the segment's key
(context) through the job, so every unit of the MXLIFF that comes back names its key
(:mod:`pipeline.ingest.mxliff`). A ``<note>`` says the skill, element and key in words, for the
translator and as a second carrier of the key. Units of one skill sit in a ``<group>``.
``source-language`` is ``en``; the file has no ``target-language``: the TMS project sets the
targets. Files are written atomically, only inside the output folder, and the same English
gives byte-identical files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

from pipeline import __version__, schema
from pipeline.errors import ConfigError, InputError
from pipeline.ioutil import write_text
from pipeline.keys import DEFAULT_PATTERN, SKILL_CODE_RE, format_key

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
CODE_RE = SKILL_CODE_RE
FILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,60}\.xlf$")
# XML 1.0 cannot carry these at all (not even as character references).
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _idx(row) -> str:
    v = row["level"] if row["element"] == "level" else row["item"]
    return "" if pd.isna(v) else f" {int(v)}"


def _check_text(text: str, origin: str) -> str:
    m = _BAD_XML.search(text)
    if m:
        raise InputError(origin, f"character U+{ord(m.group(0)):04X} cannot be written to XML; remove it from "
                                 "the English")
    return text


def _unit(row, key: str, skill_name: str | None) -> list[str]:
    what = f"{row['element']}{_idx(row)}"
    label = f"{skill_name} ({row['skill']})" if skill_name else row["skill"]
    note = f"SFIA skill {label}, {what}; key {key}"
    text = _check_text(str(row["text"]), str(row["origin"]))
    return [f"      <trans-unit id={quoteattr(key)} resname={quoteattr(key)}>",
            f"        <source>{escape(text)}</source>",
            f"        <note from=\"sfia-qa\">{escape(_check_text(note, str(row['origin'])))}</note>",
            "      </trans-unit>"]


def render_xliff(english: pd.DataFrame, framework: int, original: str, pattern: str = DEFAULT_PATTERN) -> str:
    """One XLIFF 1.2 document for the given English segments (one framework)."""
    df = schema.sort_key_frame(english)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<xliff version="1.2" xmlns="{XLIFF_NS}">',
             f'  <file original={quoteattr(original)} source-language="en" datatype="plaintext">',
             "    <header>",
             f'      <tool tool-id="sfia-qa" tool-name="sfia-qa" tool-version="{escape(__version__)}"/>',
             f"      <note>SFIA {framework} English for translation. Each unit's id and resname is its SFIA "
             "segment key: keep them, so that the translated job can be checked segment by segment.</note>",
             "    </header>",
             "    <body>"]
    seen: dict[str, str] = {}
    for skill, rows in df.groupby("skill", sort=False):
        names = rows.loc[rows["element"] == "name", "text"]
        skill_name = str(names.iloc[0]) if len(names) else None
        lines.append(f"    <group id={quoteattr(str(skill))} resname={quoteattr(str(skill))}>")
        for _, row in rows.iterrows():
            key = format_key(row["skill"], row["element"], row["level"], row["item"], framework, pattern)
            if key in seen:
                raise InputError(str(row["origin"]), f"segment key {key} appears twice (also at {seen[key]})")
            seen[key] = str(row["origin"])
            lines += _unit(row, key, skill_name)
        lines.append("    </group>")
    lines += ["    </body>", "  </file>", "</xliff>", ""]
    return "\n".join(lines)


def plan_export(english: pd.DataFrame, framework: int, skills: list[str] | None = None, per_skill: bool = False,
                pattern: str = DEFAULT_PATTERN) -> dict[str, str]:
    """{file name: XLIFF text}: one ``<SKILL>.xlf`` per skill, or one ``sfia-<N>.xlf``."""
    df = english[english["framework"] == framework]
    if df.empty:
        raise InputError("--sources", f"no English SFIA {framework} segments found")
    if skills:
        bad = [s for s in skills if not CODE_RE.match(s)]
        if bad:
            raise ConfigError("--skills", f"not a SFIA skill code: {bad[0][:40]!r}")
        have = set(df["skill"])
        missing = [s for s in skills if s not in have]
        if missing:
            raise ConfigError("--skills", f"{', '.join(missing)} not in the English SFIA {framework} "
                                          f"(it has {len(have)} skill(s), e.g. {', '.join(sorted(have)[:5])})")
        df = df[df["skill"].isin(skills)]
    if per_skill:
        return {f"{skill}.xlf": render_xliff(rows, framework, f"sfia-{framework}/{skill}", pattern)
                for skill, rows in sorted(df.groupby("skill"))}
    return {f"sfia-{framework}.xlf": render_xliff(df, framework, f"sfia-{framework}", pattern)}


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def write_export(files: dict[str, str], out: str | os.PathLike) -> list[Path]:
    """Write the files into ``out`` (created if missing), atomically. Every target is checked
    before anything is written: a name that is not a plain file name, or a path that leads
    outside ``out`` (a symbolic link), stops the export with nothing written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(out, "--out is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    root = out.resolve()
    targets = []
    for name in files:
        if not FILE_RE.match(name):
            raise ConfigError(out, f"refusing to write {name!r}: not a plain file name")
        target = out / name
        real = target.resolve()
        if not _inside(real.parent, root) or real.parent != root and target.is_symlink():
            raise ConfigError(target, f"leads outside {out} (a symbolic link?); refusing to write")
        if target.exists() and not target.is_file():
            raise ConfigError(target, "exists and is not a file; refusing to write")
        targets.append(target)
    for target, text in zip(targets, files.values(), strict=True):
        write_text(target, text)
    return targets
