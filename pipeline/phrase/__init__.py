"""Phrase integration: Strings (``sfia-qa phrase pull|push``) and TMS (``sfia-qa tms pull|upload``).

* :mod:`.http`      — the API-agnostic transport, hardened against a hostile server (token only to
  the API's origin, same-origin pagination, deadline, bounded waits and sizes, retries, shapes)
* :mod:`.defaults`  — the default bounds and endpoint, importable without loading the clients
* :mod:`.client`    — the Phrase Strings client on it (endpoints, fields, ``Link`` pagination, ETags)
* :mod:`.sync`      — pull translations into ``translations/<lang>/phrase/``; push findings back
* :mod:`.tms`       — the Phrase TMS client on the same transport (jobs, bilingual MXLIFF files)
* :mod:`.tms_sync`  — pull jobs into ``translations/<lang>/tms/``; upload corrected bilingual files
* :mod:`.errors`    — typed errors that say what to do, never showing the token
* :mod:`.cli`       — the ``phrase`` subcommand
"""
