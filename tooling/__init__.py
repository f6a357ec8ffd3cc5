"""The `tricloud` command: set up, check and operate a deployed stack (secrets, Cosmos, doctor).

Runs on your machine, never in Lambda. ``tricloud demo`` is the one sub-command that
starts the offline stack (the ``offline`` package), imported only when it runs.
"""
