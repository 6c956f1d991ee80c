"""What each stage returns: frozen bundles of the tables in :mod:`pipeline.schema`.

A stage is a function from earlier stages' results (and its own settings) to one of these;
:mod:`pipeline.run` composes them and the report stage writes them. Nothing here does work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from pipeline import schema


@dataclass(frozen=True)
class Ingested:
    """ingest: the English of each SFIA version, every translation, every MT candidate."""

    english: Mapping[int, pd.DataFrame]      # framework -> schema.SEGMENT (lang en)
    translations: pd.DataFrame               # schema.SEGMENT, every other language
    candidates: pd.DataFrame                 # schema.CANDIDATE_INPUT

    @property
    def segments(self) -> pd.DataFrame:
        frames = [df for df in (*self.english.values(), self.translations) if df is not None and len(df)]
        if not frames:
            return schema.empty(schema.SEGMENT)
        return schema.sort_key_frame(pd.concat(frames, ignore_index=True))


@dataclass(frozen=True)
class Aligned:
    """align + drift: English SFIA 8 <-> 9 pairs, their drift, and every translation on its key."""

    english_alignment: pd.DataFrame          # schema.ENGLISH_ALIGNMENT
    drift: pd.DataFrame                      # schema.DRIFT (same row order as english_alignment)
    alignment: pd.DataFrame                  # schema.ALIGNMENT, with the drift column filled


@dataclass(frozen=True)
class Scored:
    """score: per-language leaderboards, the scored candidates and the SFIA 9 drafts."""

    boards: Mapping[str, dict] = field(default_factory=dict)   # lang -> leaderboard (scores.json)
    candidates: pd.DataFrame = field(default_factory=lambda: schema.empty(schema.CANDIDATE))
    drafts: pd.DataFrame = field(default_factory=lambda: schema.empty(schema.DRAFT))
    notes: tuple[str, ...] = ()              # problems worth a line in --verbose
    # lang -> a digest of everything its candidates' scores were computed from (code included);
    # a language without one (its inputs could not be digested) has none
    digests: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Checked:
    """checks: every finding, and how many findings each suppression entry matched."""

    findings: pd.DataFrame                   # schema.FINDING
    suppression_use: tuple[int, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """Everything one run computed, for the report stage."""

    ingested: Ingested
    aligned: Aligned
    scored: Scored
    findings: pd.DataFrame                   # schema.FINDING: every check, markers and MT signals included
    timings: Mapping[str, float] = field(default_factory=dict)
