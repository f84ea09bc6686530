"""Command-line subcommands (DESIGN.md §5). Each module exposes ``register(subparsers)``."""
