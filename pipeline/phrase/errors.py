"""Typed Phrase errors: each says what went wrong and what the user can do about it.

All are :class:`~pipeline.errors.UserError` subclasses, so ``sfia-qa`` prints one line and
exits 2. Messages never contain the access token: :func:`redact` scrubs any text that
reaches an error from outside (a server message, an exception string).
"""

from __future__ import annotations

from pipeline.errors import ConfigError, UserError

_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret so that :func:`redact` removes it from every message."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for s in _SECRETS:
        text = text.replace(s, "***")
    return text


class PhraseError(UserError):
    """A Phrase API call failed in a way the user has to act on."""

    def __init__(self, where, what: str):
        super().__init__(redact(str(where)) if where is not None else None, redact(what))


class MissingTokenError(ConfigError):
    """No access token configured."""


class AuthError(PhraseError):
    """401: the token is wrong, expired or revoked."""


class ForbiddenError(PhraseError):
    """403: the token lacks a scope or the user lacks a role."""


class NotFoundError(PhraseError):
    """404: project, locale, key or translation does not exist (or is not visible)."""


class RateLimitError(PhraseError):
    """429 persisted past the retry bound (attempts or total wait)."""


class ServerError(PhraseError):
    """5xx persisted past the retry bound."""


class NetworkError(PhraseError):
    """The connection failed (refused, dropped, timed out) past the retry bound."""


class AmbiguousWriteError(PhraseError):
    """A non-idempotent request (POST) may or may not have been applied: the connection
    dropped or the server failed after the request was sent. The caller must check."""


class RequestError(PhraseError):
    """Any other 4xx: the request was refused as invalid."""


class PullError(PhraseError):
    """A pull failed part-way; the previous files were left untouched."""


class ResponseError(RequestError):
    """The server answered with a body that is not what the API promises (not JSON, not a
    list of objects with the fields the client uses)."""


class ResponseTooLargeError(ResponseError):
    """A response body over the size bound."""


class ForeignHostError(PhraseError):
    """A URL (a next-page link, a request) off the API's origin or base path: not followed,
    and the token is never sent there."""


class PaginationError(PhraseError):
    """The next-page links loop, or there are more pages than the bound."""


class DeadlineError(PhraseError):
    """The run's overall deadline passed (or a wait would pass it)."""


class LocaleCodeError(PhraseError):
    """A locale code from the server (or a folder from ``[phrase.locale_map]``) that is not a
    BCP-47 language tag, so it cannot name a folder."""
