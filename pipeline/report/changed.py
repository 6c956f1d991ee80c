"""``--changed-since REF``: which lines of which files changed since a git revision.

The gate of a pull request should fail on what the pull request did, not on findings
that were already there. Every finding names the text it is about (``origin`` =
``path:line``); a finding gates when that line was added or changed since ``REF``
according to ``git diff --unified=0 REF -- <file>`` (the working tree against REF), or
when the file is new to git. The report files still list every finding.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd

from pipeline.errors import ConfigError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
WHOLE_FILE = "*"


def split_origin(origin) -> tuple[str | None, int | None]:
    """'path/x.txt:12' -> ('path/x.txt', 12); 'book.xlsx:Sheet!B3' -> ('book.xlsx', None)."""
    if origin is None or (not isinstance(origin, str) and pd.isna(origin)) or not str(origin):
        return None, None
    path, sep, rest = str(origin).rpartition(":")
    if not sep:
        return str(origin), None
    return (path, int(rest)) if rest.isdigit() else (path, None)


def changed_lines(diff_text: str) -> set[int]:
    """New-side line numbers a ``--unified=0`` diff touches.

    A pure deletion (``+c,0``) touches no new line; it marks the lines around the gap
    (c and c+1), since removing a line can change how its neighbours read (a dropped
    marker line changes the segment after it).
    """
    lines: set[int] = set()
    for raw in diff_text.splitlines():
        m = _HUNK.match(raw)
        if not m:
            continue
        start = int(m.group(1))
        count = 1 if m.group(2) is None else int(m.group(2))
        if count == 0:
            lines.update({start, start + 1} - {0})
        else:
            lines.update(range(start, start + count))
    return lines


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ConfigError("--changed-since", "git is not installed; it is needed to find changed lines") from None


class ChangedSince:
    """Answers 'did this origin change since REF?' with one ``git diff`` per file, cached."""

    def __init__(self, ref: str, cwd: Path | None = None):
        self.ref = ref
        self.cwd = Path(cwd) if cwd else Path.cwd()
        top = _git(["rev-parse", "--show-toplevel"], self.cwd)
        if top.returncode != 0:
            raise ConfigError("--changed-since", f"{self.cwd} is not inside a git repository")
        ok = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], self.cwd)
        if ok.returncode != 0:
            raise ConfigError("--changed-since", f"git does not know the revision {ref!r} "
                                                 "(fetch it first, e.g. git fetch origin <branch>)")
        self._cache: dict[str, set[int] | str] = {}

    def lines(self, path: str) -> set[int] | str:
        """Changed new-side lines of `path`, or WHOLE_FILE when the file is new to git."""
        if path not in self._cache:
            tracked = _git(["ls-files", "--error-unmatch", "--", path], self.cwd)
            in_ref = _git(["cat-file", "-e", f"{self.ref}:{self._repo_path(path)}"], self.cwd)
            if tracked.returncode != 0 or in_ref.returncode != 0:
                self._cache[path] = WHOLE_FILE if Path(self.cwd, path).exists() else set()
            else:
                d = _git(["diff", "--no-color", "--no-ext-diff", "--unified=0", self.ref, "--", path], self.cwd)
                if d.returncode != 0:
                    raise ConfigError("--changed-since", f"git diff {self.ref} -- {path} failed: "
                                                         f"{d.stderr.strip()}")
                self._cache[path] = changed_lines(d.stdout)
        return self._cache[path]

    def _repo_path(self, path: str) -> str:
        p = _git(["ls-files", "--full-name", "--", path], self.cwd).stdout.strip().splitlines()
        return p[0] if p else path

    def changed(self, origin, path=None, line=None) -> bool:
        """Did the text a finding is about change? ``path``/``line`` (the finding's provenance
        columns) when known; else they are read from ``origin`` ('path:line')."""
        if path is None or (not isinstance(path, str) and pd.isna(path)):
            path, line = split_origin(origin)
        elif line is not None and pd.isna(line):
            line = None
        if path is None:
            return False
        got = self.lines(path)
        if got == WHOLE_FILE:
            return True
        if line is None:  # a spreadsheet cell or a file-level origin: any change to the file
            return bool(got)
        return int(line) in got


def gating(findings: pd.DataFrame, ref: str | None, cwd: Path | None = None) -> pd.Series:
    """Boolean mask: the findings that may fail the run (all of them without a REF)."""
    if ref is None:
        return pd.Series(True, index=findings.index, dtype=bool)
    cs = ChangedSince(ref, cwd)
    paths = findings["path"] if "path" in findings else [None] * len(findings)
    lines = findings["line"] if "line" in findings else [None] * len(findings)
    return pd.Series([cs.changed(o, p, ln) for o, p, ln in zip(findings["origin"], paths, lines, strict=True)],
                     index=findings.index, dtype=bool)
