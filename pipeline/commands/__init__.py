"""The subcommands of ``sfia-qa``, one module each (the command-line layer, above ``run``).

Each module exposes ``register(subparsers)``, adding a parser whose ``func(args) -> int`` does the
work. They import the library only inside those functions, so ``sfia-qa --help`` stays fast.
"""
