"""The review log: every decision ``sfia-qa review apply`` carried out, one JSON object a line.

It lives beside ``qa.toml`` (``qa-review-log.jsonl``; ``[review] log`` names another file) and
is committed with the translations and ``qa-suppressions.toml``. The report reads it to show
applied decisions as resolved (a corrected segment, a dismissed false positive), to keep
findings a reviewer dismissed out of the quality score, and to tell a ``review.xlsx`` whose
decisions were applied from one whose decisions were not.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.config import read_toml
from pipeline.errors import ConfigError
from pipeline.ioutil import iter_jsonl

DEFAULT_LOG = "qa-review-log.jsonl"
DEFAULT_THRESHOLD = 99.0


def settings(root: Path | None, section: dict | None = None) -> dict:
    """``[review]`` of qa.toml: ``lqa_threshold`` (pass mark, 0-100) and ``log`` (the review log).
    ``section`` when the caller has the configuration; else ``qa.toml`` in ``root`` is read."""
    if section is None:
        section = {}
        if root is not None and (Path(root) / "qa.toml").is_file():
            data, _ = read_toml(Path(root) / "qa.toml")
            section = data.get("review") or {}
    thr = section.get("lqa_threshold", DEFAULT_THRESHOLD)
    log = section.get("log", DEFAULT_LOG)
    return {"lqa_threshold": float(thr), "log": (Path(root) / log) if root is not None else None}


def read(path: Path | None) -> list[dict]:
    """The log's entries in file order (none when there is no log)."""
    if path is None or not Path(path).is_file():
        return []
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, "not UTF-8 text") from None
    except OSError as e:
        raise ConfigError(path, f"cannot read: {e.strerror or e}") from None
    out = []
    for _n, obj in iter_jsonl(text, str(path), "a review log entry (JSON object)"):
        if isinstance(obj.get("key"), str) and isinstance(obj.get("decision"), str):
            out.append(obj)
    return out


def fingerprints(entries: list[dict]) -> set[str]:
    return {e["fingerprint"] for e in entries if isinstance(e.get("fingerprint"), str)}


def line(entry: dict) -> str:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
