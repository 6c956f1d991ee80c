"""QA checks: a catalogue of rules with stable codes, in the style of a linter.

* :mod:`.registry`      the catalogue: every rule's code, name, severity, rationale, scope
* :mod:`.units`         what a rule looks at (:class:`~.units.Unit`) and returns (:class:`~.units.Hit`)
* :mod:`.settings`      ``[checks]`` of qa.toml: switches, severities, languages, options
* :mod:`.suppressions`  ``qa-suppressions.toml``: reviewed findings kept as they are
* :mod:`.glossary`      ``glossary/<lang>.toml`` term lists
* :mod:`.runner`        runs the rules, applies severities and suppressions
* :mod:`.stage`         the check stage of ``sfia-qa run``
* ``rules_*``           the rules, one module per code group (QA0xx ... QA7xx)
"""
