"""What the offline stack's long-running processes share: logging, stopping, serving HTTP.

The dev server, the local Vision server and the analyze worker each run as
``python -m ...`` until SIGTERM or Ctrl-C; tests and benchmarks run an HTTP server on a
background thread instead.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import BaseServer, TCPServer
from types import FrameType

#: How often a serving loop looks for a stop request.
_POLL_SECONDS = 0.2
#: The same on a background thread, whose shutdown() waits for it.
_THREAD_POLL_SECONDS = 0.05


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


@contextmanager
def serving_in_thread(server: TCPServer) -> Iterator[str]:
    """Serve on a background thread for the block; yield ``http://127.0.0.1:PORT``."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": _THREAD_POLL_SECONDS}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
