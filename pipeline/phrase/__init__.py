"""Phrase Strings API v2 integration: ``sfia-qa phrase pull`` and ``sfia-qa phrase push``.

* :mod:`.client`  — the HTTP client (one session, rate limits, retries, pagination, ETags)
* :mod:`.sync`    — pull translations into ``translations/<lang>/phrase/``; push findings back
* :mod:`.errors`  — typed errors that say what to do, never showing the token
* :mod:`.cli`     — the ``phrase`` subcommand
"""
