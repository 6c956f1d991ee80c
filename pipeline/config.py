"""The run configuration, ``qa.toml`` at the project root.

Paths in the file are relative to the file's folder. Each stage owns one section and
reads it through :meth:`Config.section`; unknown top-level sections are refused so that a
typo does not silently switch a stage off.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.keys import DEFAULT_PATTERN

SECTIONS = {"sources", "translations", "run", "keys", "drift", "score", "checks", "report", "phrase",
            "glossary", "suppressions"}
FAIL_ON = ("error", "warning", "info", "never")


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
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(self.path, f"[{section}] {key} must be a path or a list of paths")
        return [self.resolve(v) for v in value]

    def resolve(self, p: str | Path) -> Path:
        """A configured path, relative to the config file; shown relative to the working
        folder when it lies below it, so reports name files the same on every machine."""
        p = Path(p)
        full = p if p.is_absolute() else self.root / p
        try:
            return full.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return full

    @property
    def key_pattern(self) -> str:
        return self.section("keys").get("pattern", DEFAULT_PATTERN)

    @property
    def fail_on(self) -> str:
        v = self.section("run").get("fail_on", "error")
        if v not in FAIL_ON:
            raise ConfigError(self.path, f"[run] fail_on must be one of {', '.join(FAIL_ON)}, not {v!r}")
        return v


def read_toml(path: Path) -> tuple[dict, str]:
    """(data, text) of a TOML file; any problem is one ConfigError line naming the file."""
    try:
        raw = Path(path).read_bytes().decode("utf-8")
        return tomllib.loads(raw), raw
    except UnicodeDecodeError:
        raise ConfigError(path, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, f"invalid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(path, f"cannot read: {e.strerror or e}") from None


def load(path: str | Path | None) -> Config:
    if path is None:
        return Config(None, Path.cwd(), {})
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "configuration file not found")
    data, _ = read_toml(path)
    unknown = sorted(set(data) - SECTIONS)
    if unknown:
        raise ConfigError(path, f"unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(SECTIONS))}")
    cfg = Config(path, path.resolve().parent, data)
    _ = cfg.fail_on
    return cfg
