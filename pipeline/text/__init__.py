"""Text helpers shared by every stage: normalisation, similarity, word diffs, spelling variants.

* :mod:`.normalize`  whitespace, quote and dash style, tokens, spelling-neutral similarity, word diff
* :mod:`.spelling`   British <-> American English spelling variants (data: ``pipeline/data/spelling-en.toml``)
"""
