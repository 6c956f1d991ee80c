"""QA0xx: the check machinery itself."""

from __future__ import annotations

from pipeline.checks.registry import register


@register("QA001", "suppression-unused", "info",
          "A suppression in the suppressions file matches no finding any more.",
          rationale="A stale suppression hides nothing today but would silently hide a new, real finding "
                    "on the same segment tomorrow; delete it so the file stays a list of live decisions.",
          group="meta", scope="meta")
def suppression_unused(*_args):  # emitted by the runner, which knows which entries matched
    return ()
