"""QA checks: a registry of rules with stable codes, in the style of a linter.

See :mod:`pipeline.checks.registry` for the registry, :mod:`pipeline.checks.engine` for how
rules run, and the ``rules_*`` modules for the rules themselves. Rule modules register
themselves on import; :func:`load_rules` imports them all (once).
"""

RULE_MODULES = (
    "pipeline.checks.engine",
    "pipeline.checks.rules_structure",
    "pipeline.checks.rules_punct",
    "pipeline.checks.rules_terms",
    "pipeline.checks.rules_script",
    "pipeline.checks.rules_source",
)


def load_rules() -> None:
    import importlib

    import pipeline.audit  # noqa: F401  (QA1xx: the marker audit's rules)

    for name in RULE_MODULES:
        importlib.import_module(name)
