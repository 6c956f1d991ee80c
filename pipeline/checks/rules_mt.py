"""QA3xx: what the score stage found about MT candidates and the SFIA 9 draft.

The score stage attaches signals to each candidate (``explain``: signal -> why) and assembles a
draft; these rules report them, so they share the runner's severities and suppressions.
"""

from __future__ import annotations

from pipeline import schema
from pipeline.checks.registry import register
from pipeline.checks.units import Hit

G = "score"
_RATIONALE = ("MT candidates are where SFIA 9 drafts start. A candidate with a hard signal "
              "is never picked as a segment's best; the finding says why, so a reviewer "
              "can judge the provider, not only the segment.")


def _loc(u) -> str:
    return schema.label(u.element, u.level, u.item) if u.element else u.extra.get("key", "")


def _signal(name: str):
    def rule(u, env, opts):
        why = (u.extra.get("explain") or {}).get(name)
        if why is None:
            return
        yield Hit(u, f"{u.extra['provider']}'s candidate for {_loc(u)}: {name} ({why})"
                     + ("; never picked as best" if u.extra.get("hard") else ""))
    return rule


mt_empty = register("QA301", "mt-empty-candidate", "info", "An MT provider returned no text for a segment.",
                    rationale=_RATIONALE, group=G, scope="candidate")(_signal("empty"))
mt_copy = register("QA302", "mt-copy-of-source", "info", "An MT candidate is the English source, untranslated.",
                   rationale=_RATIONALE, group=G, scope="candidate")(_signal("copy-of-source"))
mt_language = register("QA303", "mt-wrong-language", "info", "An MT candidate is not in the target language.",
                       rationale=_RATIONALE, group=G, scope="candidate")(_signal("wrong-language"))
mt_numbers = register("QA304", "mt-number-mismatch", "info", "An MT candidate's numbers differ from the source's.",
                      rationale=_RATIONALE, group=G, scope="candidate")(_signal("numbers"))
mt_length = register("QA305", "mt-length-outlier", "info",
                     "An MT candidate is much shorter or longer than the others (a dropped or added sentence).",
                     rationale=_RATIONALE, group=G, scope="candidate")(_signal("length-outlier"))


@register("QA306", "mt-no-usable-candidate", "warning",
          "A changed segment has no usable MT candidate, so the SFIA 9 draft lacks it.",
          rationale="Every candidate had a hard signal (or none existed): the segment must be translated by hand.",
          group=G, scope="draft")
def no_usable_candidate(u, env, opts):
    if u.target is None:
        yield Hit(u, f"{_loc(u)} changed in SFIA 9 and no MT candidate is usable: translate it by hand")
