"""One module per ``ue-stack`` subcommand: each has ``register(subparsers)`` and
``run(args) -> int`` (the exit status of FORMATS.md section 5)."""
