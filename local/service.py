"""What the offline stack's long-running processes share: logging, stopping, serving HTTP.

The dev server, the local Vision server and the analyze worker each run as
``python -m ...`` until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import logging
import signal
from socketserver import BaseServer
from types import FrameType

#: How often a serving loop looks for a stop request.
_POLL_SECONDS = 0.2


def configure_logging(log: logging.Logger) -> None:
    """Log our own messages at INFO; libraries (azure-core logs every header at INFO) at WARNING."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    log.setLevel(logging.INFO)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """Make SIGTERM raise :class:`KeyboardInterrupt`, so it stops the process as Ctrl-C does."""
    signal.signal(signal.SIGTERM, _interrupt)


def serve_until_stopped(server: BaseServer, log: logging.Logger) -> None:
    """Serve until Ctrl-C (or SIGTERM, see :func:`stop_on_sigterm`), then close the server."""
    try:
        server.serve_forever(poll_interval=_POLL_SECONDS)
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.server_close()
