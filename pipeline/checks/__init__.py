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


# Other stages that register checks of their own (their codes appear in the README table).
OTHER_RULE_MODULES = (
    "pipeline.audit",          # QA1xx marker audit
    "pipeline.score.stage",    # QA3xx MT-candidate signals
)


def load_rules() -> None:
    import importlib
    import importlib.util

    for name in RULE_MODULES:
        importlib.import_module(name)
    for name in OTHER_RULE_MODULES:
        try:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
        except ImportError:
            pass  # a stage that is not installed contributes no checks
