"""Phrase Strings API v2 integration: ``sfia-qa phrase pull`` and ``sfia-qa phrase push``.

* :mod:`.http`    — the API-agnostic transport, hardened against a hostile server (token only to
  the API's origin, same-origin pagination, deadline, bounded waits and sizes, retries, shapes)
* :mod:`.client`  — the Phrase Strings client on it (endpoints, fields, ``Link`` pagination, ETags)
* :mod:`.sync`    — pull translations into ``translations/<lang>/phrase/``; push findings back
* :mod:`.errors`  — typed errors that say what to do, never showing the token
* :mod:`.cli`     — the ``phrase`` subcommand
"""
