"""The ``sfia-qa`` command line.

Subcommands live in their own modules, each exposing ``register(subparsers)`` that adds a
parser whose ``func(args) -> int`` does the work; this module only wires them and turns a
:class:`~pipeline.errors.UserError` into one line on stderr and exit code 2.

Exit codes everywhere: 0 clean, 1 findings at or above ``--fail-on``, 2 could not run.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from pipeline import __version__
from pipeline.errors import UserError

# Modules that contribute subcommands, in help order.
COMMAND_MODULES = (
    "pipeline.commands.core",
    "pipeline.commands.score",
    "pipeline.commands.check",
    "pipeline.phrase.cli",
    "pipeline.commands.tms",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit 2 (argparse's own convention)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sfia-qa", description="Quality gate for SFIA translations.")
    parser.add_argument("--version", action="version", version=f"sfia-qa {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        print(f"sfia-qa: error: {e.line()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("sfia-qa: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
