"""Reviewer decisions: what a reviewer decided about each finding, and how it comes back.

A reviewer works in the HTML report (or in ``review.xlsx``) and, for each finding, chooses

* ``fix`` — the finding is right; optionally with the corrected translation,
* ``false-positive`` — the finding is wrong (a ``reason`` is required),
* ``accepted`` — the finding is right but the translation stays as it is;

and may edit a translation in place (a ``fix`` without a finding: ``finding`` is null).

The decisions file ``review-decisions.json`` (exported by the report's button; also what
:func:`pipeline.review.decisions.from_workbook` makes of a filled-in ``review.xlsx``)::

    {
      "format": "sfia-qa-review-decisions",
      "version": 1,
      "report": "a1b2c3d4e5f6",          # the report id (pages and localStorage share it)
      "decisions": [
        {
          "finding": "3f2a9c0d1e7b",     # finding id as the report shows it, or null for an edit
          "lang": "pl",                  # BCP-47 tag of the translation
          "framework": 9,                # SFIA version of the text
          "key": "sfia9.CSMG.activity.3",# segment key (the Phrase key)
          "code": "QA202",               # check code (null for an edit without finding)
          "decision": "fix",             # fix | false-positive | accepted
          "reason": "",                  # required for false-positive
          "comment": "",                 # free text
          "original": "…",               # the translation the reviewer saw (guards corrections)
          "corrected": "…",              # the corrected translation, or null
          "origin": "translations/pl/sfia-9/CSMG.txt:12"   # where the text was read
        }
      ]
    }

Unknown fields are ignored; everything is validated (:mod:`pipeline.review.decisions`) before
anything is written. ``sfia-qa review apply`` (:mod:`pipeline.review.apply`) turns false positives
into ``qa-suppressions.toml`` entries and corrections into edits of the translation files, and
appends what it did to the review log (``qa-review-log.jsonl`` beside ``qa.toml``,
:mod:`pipeline.review.ledger`), from which the next run shows the decisions as resolved.
"""

from pipeline.review.decisions import DECISIONS, Decision, load_decisions  # noqa: F401
