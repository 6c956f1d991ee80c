"""The check stage of ``sfia-qa run``: every QA check over the aligned corpus.

SFIA 9 translations are checked against the SFIA 9 English, SFIA 8 against SFIA 8, and the
English of both versions by the source checks. Settings come from ``[checks]`` of qa.toml;
suppressions from the committed file it names (default ``qa-suppressions.toml`` beside qa.toml).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pipeline.checks.engine import Settings, run_checks, units_from_alignment, units_from_segments
from pipeline.results import Checked


def check_stage(alignment: pd.DataFrame, english: Mapping[int, pd.DataFrame], settings: Settings) -> Checked:
    units = units_from_alignment(alignment)
    english_units = []
    for fw in sorted(english):
        df = english[fw]
        if df is not None and len(df):
            english_units += units_from_segments(df, english=True)
    return Checked(findings=run_checks(units, settings, english_units))
