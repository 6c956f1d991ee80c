"""The run configuration, ``qa.toml`` at the project root, as a typed and validated model.

Paths in the file are relative to the file's folder. Every section and key is declared in
:data:`SCHEMA` with its type; :func:`load` refuses (exit 2, one line naming the file, the key and
what is expected) an unknown section, an unknown key (with the nearest known one), and a value of
the wrong type: ``languages = "pl"`` is not a list, ``case_is_cosmetic = "false"`` is not a
boolean, ``pair_threshold = "high"`` is not a number. ``[checks.<CODE>]`` tables are validated
against the check registry by the checks stage (:mod:`pipeline.checks.settings`).
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.keys import DEFAULT_PATTERN, check_pattern

FAIL_ON = ("error", "warning", "info", "never")
SEVERITIES = ("error", "warning", "info")
METRICS = ("bleu", "chrf", "chrf++", "ter")


@dataclass(frozen=True)
class Key:
    """One setting: a checker returning an error phrase ('must be ...') or None, and its help."""

    check: Callable[[Any], str | None]
    help: str = ""


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def string(v):
    return None if isinstance(v, str) else "must be a string"


def boolean(v):
    return None if isinstance(v, bool) else "must be true or false (without quotes)"


def one_of(*choices: Any):
    def check(v):
        return None if v in choices else f"must be one of {', '.join(map(str, choices))}"
    return check


def number(lo: float | None = None, hi: float | None = None, whole: bool = False):
    def check(v):
        what = "a whole number" if whole else "a number"
        rng = (f" from {lo:g} to {hi:g}" if lo is not None and hi is not None
               else f" of at least {lo:g}" if lo is not None else "")
        if not _is_num(v) or (whole and not isinstance(v, int)):
            return f"must be {what}{rng}"
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            return f"must be {what}{rng}"
        return None
    return check


def folder_or_false(v):
    return None if isinstance(v, str) and v.strip() or v is False else "must be a folder path, or false"


def paths(v):
    if isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)):
        return None
    return "must be a path or a list of paths"


def strings(choices: tuple[str, ...] | None = None, nonempty: bool = False):
    def check(v):
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            return 'must be a list of strings, e.g. ["pl", "ar"]'
        if nonempty and not v:
            return "must not be empty"
        bad = [x for x in v if choices is not None and x not in choices]
        return f"has unknown {', '.join(map(repr, bad))}: choose from {', '.join(choices)}" if bad else None
    return check


def table_of_strings(v):
    if isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items()):
        return None
    return 'must be a table of strings, e.g. { "pl-PL" = "pl" }'


def key_pattern(v):
    if not isinstance(v, str):
        return "must be a string such as \"sfia{framework}.{skill}.{element}.{index}\""
    problem = check_pattern(v)
    return problem


SCHEMA: dict[str, dict[str, Key]] = {
    "sources": {"sfia8": Key(paths, "English SFIA 8 files or folders"),
                "sfia9": Key(paths, "English SFIA 9 files or folders")},
    "translations": {"paths": Key(paths, "translation files or folders"),
                     "languages": Key(strings(), "language tags to check (default: all found)")},
    "run": {"fail_on": Key(one_of(*FAIL_ON))},
    "report": {"out": Key(string)},
    "keys": {"pattern": Key(key_pattern)},
    "drift": {"pair_threshold": Key(number(0, 1)), "case_is_cosmetic": Key(boolean)},
    "score": {"bootstrap": Key(number(0, 100_000, whole=True)), "seed": Key(number(0, whole=True)),
              "metrics": Key(strings(METRICS, nonempty=True)), "primary": Key(one_of(*METRICS)),
              "min_chars": Key(number(0, whole=True)), "length_low": Key(number(0)),
              "length_high": Key(number(0)),
              "cache": Key(folder_or_false, "statistics cache folder (default .sfia-qa-cache beside the "
                                            "reports folder; false: none)"),
              "cache_max_mb": Key(number(1), "run cache size bound in MB (default 512)")},
    "review": {"lqa_threshold": Key(number(0, 100), "LQA pass mark, 0-100 (default 99)"),
               "log": Key(string, "review log of applied decisions (default qa-review-log.jsonl)")},
    # [checks]: these two keys; every other key is a [checks.<code or name>] table (checks stage).
    "checks": {"suppressions": Key(string), "glossary": Key(string)},
    "phrase": {"project": Key(string), "base_url": Key(string), "locales": Key(strings()),
               "token_env": Key(string), "token": Key(string), "framework": Key(one_of(8, 9)),
               "tag": Key(string), "min_severity": Key(one_of(*SEVERITIES)), "out": Key(string),
               "locale_map": Key(table_of_strings), "deadline": Key(number(0)), "max_wait": Key(number(0)),
               "max_pages": Key(number(1, whole=True)), "max_bytes": Key(number(1, whole=True))},
    "tms": {"project": Key(string, "Phrase TMS project UID"), "base_url": Key(string, "TMS API base URL"),
            "langs": Key(strings(), "target languages to pull (default: all)"),
            "workflow_step": Key(number(1, 15, whole=True), "workflow step (level) of the jobs (default 1)"),
            "token_env": Key(string), "user_env": Key(string), "password_env": Key(string),
            "save_to_tm": Key(one_of("Confirmed", "All", "None")), "out": Key(string),
            "deadline": Key(number(0)), "max_wait": Key(number(0)),
            "max_pages": Key(number(1, whole=True)), "max_bytes": Key(number(1, whole=True))},
}
OPEN_TABLES = {"checks"}   # sections whose unknown keys may be tables validated elsewhere


def validate(data: dict, where) -> None:
    """Raise ConfigError for the first unknown section or key, or value of the wrong type."""
    unknown = sorted(set(data) - set(SCHEMA))
    if unknown:
        raise ConfigError(where, f"unknown section [{unknown[0]}]{_near(unknown[0], SCHEMA)}; "
                                 f"known: {', '.join(sorted(SCHEMA))}")
    for name, section in data.items():
        if not isinstance(section, dict):
            raise ConfigError(where, f"{name} must be a [{name}] table")
        keys = SCHEMA[name]
        for k, v in section.items():
            if k not in keys:
                if name in OPEN_TABLES and isinstance(v, dict):
                    continue
                raise ConfigError(where, f"[{name}] unknown key {k!r}{_near(k, keys)}; "
                                         f"known: {', '.join(sorted(keys))}")
            problem = keys[k].check(v)
            if problem:
                raise ConfigError(where, f"[{name}] {k} {problem}, not {_show(v)}")


def _near(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _show(v) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


@dataclass
class Config:
    path: Path | None
    root: Path
    data: dict = field(default_factory=dict)

    def section(self, name: str) -> dict:
        return self.data.get(name, {}) or {}

    def paths(self, section: str, key: str) -> list[Path]:
        value = self.section(section).get(key, [])
        if isinstance(value, str):
            value = [value]
        return [self.resolve(v) for v in value]

    def resolve(self, p: str | Path) -> Path:
        """A configured path, relative to the config file's folder (absolute stays absolute)."""
        p = Path(p)
        return p if p.is_absolute() else self.root / p

    @property
    def key_pattern(self) -> str:
        return self.section("keys").get("pattern", DEFAULT_PATTERN)

    @property
    def fail_on(self) -> str:
        return self.section("run").get("fail_on", "error")


def read_toml(path: Path) -> tuple[dict, str]:
    """(data, text) of a TOML file; any problem is one ConfigError line naming the file."""
    try:
        raw = Path(path).read_bytes().decode("utf-8")
        return tomllib.loads(raw), raw
    except UnicodeDecodeError:
        raise ConfigError(path, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, f"invalid TOML: {e}") from None
    except RecursionError:
        raise ConfigError(path, "invalid TOML: nested too deeply") from None
    except IsADirectoryError:
        raise ConfigError(path, "is a folder, not a TOML file") from None
    except OSError as e:
        raise ConfigError(path, f"cannot read: {e.strerror or e}") from None


def load(path: str | Path | None) -> Config:
    if path is None:
        return Config(None, Path.cwd(), {})
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "configuration file not found")
    data, _ = read_toml(path)
    validate(data, path)
    return Config(path, path.resolve().parent, data)


def load_section(path: str | Path | None, name: str) -> tuple[Config, dict]:
    """The configuration (``qa.toml`` in the working folder when no path is given) and its [name] table."""
    if path is None and Path("qa.toml").is_file():
        path = "qa.toml"
    cfg = load(path)
    section = cfg.section(name)
    if not isinstance(section, dict):
        raise ConfigError(cfg.path, f"[{name}] must be a table")
    return cfg, section
