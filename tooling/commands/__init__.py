"""One module per ``tricloud`` sub-command, each exposing ``register(subparsers)``."""
