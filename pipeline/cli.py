"""The ``sfia-qa`` command line.

Subcommands live in :mod:`pipeline.commands` (and :mod:`pipeline.phrase.cli`), each exposing
``register(subparsers)`` that adds a parser whose ``func(args) -> int`` does the work; this
module only wires them and maps every outcome to an exit code:

* 0 clean, 1 findings at or above ``--fail-on``;
* 2 the run could not be done: a :class:`~pipeline.errors.UserError` (bad input, bad
  configuration, an unusable output folder, a refused server answer), one line on stderr;
* 3 an internal error: one line on stderr; the traceback only with ``--verbose`` (or with
  ``SFIA_QA_TRACEBACK=1`` in the environment, for CI logs).

No traceback reaches a user otherwise.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
import traceback

from pipeline import __version__
from pipeline.errors import UserError

# Modules that contribute subcommands, in help order.
COMMAND_MODULES = (
    "pipeline.commands.core",
    "pipeline.commands.score",
    "pipeline.commands.check",
    "pipeline.phrase.cli",
    "pipeline.commands.tms",
    "pipeline.commands.review",
)
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit 2 (argparse's own convention)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sfia-qa", description="Quality gate for SFIA translations.",
                     epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 the run could not be "
                            "done (bad input or configuration), 3 internal error.")
    parser.add_argument("--version", action="version", version=f"sfia-qa {__version__}")
    parser.add_argument("--verbose", "-v", action="store_true", dest="global_verbose",
                        help="details on stderr; the traceback of an internal error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _verbose(args, argv) -> bool:
    if getattr(args, "global_verbose", False) or getattr(args, "verbose", False):
        return True
    words = sys.argv[1:] if argv is None else argv
    return "--verbose" in words or os.environ.get("SFIA_QA_TRACEBACK") == "1"


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
        _quiet_stdout()
        return 0
    except OSError as e:
        if e.errno == errno.EPIPE:
            _quiet_stdout()
            return 0
        return _internal(e, args, argv)
    except Exception as e:  # noqa: BLE001 - the contract: every other failure is exit 3, one line
        return _internal(e, args, argv)


def _internal(e: BaseException, args, argv) -> int:
    if _verbose(args, argv):
        traceback.print_exception(e, file=sys.stderr)
    what = " ".join(str(e).split())[:300]
    print(f"sfia-qa: internal error: {type(e).__name__}{': ' + what if what else ''} "
          "(a bug: please report it; --verbose shows the traceback)", file=sys.stderr)
    return EXIT_INTERNAL


def _quiet_stdout() -> None:
    """After a closed pipe (``sfia-qa ... | head``), keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
