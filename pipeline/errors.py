"""Errors that end a run with exit code 2 and one line for the user.

Anything the user can fix (a bad file, a bad config, a bad argument) is raised as a
`UserError` subclass; the CLI prints `sfia-qa: error: <where>: <what>` and exits 2.
Everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os


class UserError(Exception):
    """A problem with the user's input or configuration (exit code 2)."""

    exit_code = 2

    def __init__(self, where: str | os.PathLike | None, what: str):
        self.where = str(where) if where is not None else None
        self.what = " ".join(str(what).split())  # one line, always
        super().__init__(self.line())

    def line(self) -> str:
        return f"{self.where}: {self.what}" if self.where else self.what

    def __reduce__(self):
        # rebuilt from (where, what): an error raised in a per-language worker process
        # (pipeline.parallel) reaches the command line as itself, exit 2, not as a broken pool
        return (self.__class__, (self.where, self.what), self.__dict__)


class InputError(UserError):
    """An input file cannot be read or understood."""


class ConfigError(UserError):
    """The configuration (qa.toml, command-line options) is invalid."""


class SchemaError(Exception):
    """A stage produced or received a table that breaks its documented schema (a bug)."""
