"""QA checks: a registry of rules with stable codes, in the style of a linter.

See :mod:`pipeline.checks.registry`. Rule modules register themselves on import.
"""
