"""The check stage of ``sfia-qa run``: every QA check over the aligned corpus and the score
stage's tables.

SFIA 9 translations are checked against the SFIA 9 English, SFIA 8 against SFIA 8, the English
of both versions by the source checks (QA7xx), the ``(modified)``/``(unchanged)`` markers against
the drift (QA1xx), and the MT candidates and drafts by their signals (QA3xx). Settings come from
``[checks]`` of qa.toml; suppressions from the committed file it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pipeline.checks.runner import CandidateTable, check_units
from pipeline.checks.settings import Settings
from pipeline.checks.units import (
    units_from_alignment,
    units_from_drafts,
    units_from_segments,
)
from pipeline.results import Checked, Scored


def check_stage(alignment: pd.DataFrame, english: Mapping[int, pd.DataFrame], settings: Settings,
                scored: Scored | None = None, memo: Path | None = None) -> Checked:
    """``memo``: the run cache folder, where each language's findings are kept for a re-run whose
    inputs for that language did not change (:func:`pipeline.checks.runner.check_units`)."""
    english_units = []
    for fw in sorted(english):
        df = english[fw]
        if df is not None and len(df):
            english_units += units_from_segments(df, english=True)
    # candidates (the largest pool) become units in the worker checking their language, and only
    # when its findings are not kept from an earlier run
    candidates: CandidateTable | list = CandidateTable(scored.candidates, scored.digests) if scored is not None else []
    drafts = units_from_drafts(scored.drafts) if scored is not None else []
    outcome = check_units(units_from_alignment(alignment), settings, english_units,
                          candidates=candidates, drafts=drafts, memo=memo)
    return Checked(findings=outcome.findings, suppression_use=outcome.suppression_use)
