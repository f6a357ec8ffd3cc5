"""``python -m offline.vision --port N [--labeller module:factory|none]``: the local Vision server.

``--labeller`` names a zero-argument factory that returns a :data:`offline.vision.Labeller`; the
default is the offline ImageNet classifier. With ``--labeller none`` LABEL_DETECTION answers no
labels and says so. SIGTERM or Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from offline.service import configure_logging, serve_until_stopped, stop_on_sigterm
from offline.vision import CLASSIFIER_LABELLER, Labeller
from offline.vision.server import VisionHTTPServer

LOG = logging.getLogger("offline.vision")


def load_labeller(spec: str) -> Labeller:
    """Import ``module:factory`` and call the factory."""
    module_name, _, factory_name = spec.partition(":")
    if not module_name or not factory_name:
        raise ValueError(f"--labeller must look like module:factory, got {spec!r}")
    factory = getattr(importlib.import_module(module_name), factory_name)
    labeller: Labeller = factory()
    return labeller


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, serve until SIGTERM/SIGINT; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m offline.vision", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument(
        "--labeller",
        default=CLASSIFIER_LABELLER,
        help=f"module:factory returning a labeller, or 'none' (default: {CLASSIFIER_LABELLER})",
    )
    args = parser.parse_args(argv)
    labeller_spec = None if args.labeller.lower() == "none" else args.labeller
    configure_logging(LOG)
    labeller = load_labeller(labeller_spec) if labeller_spec else None
    server = VisionHTTPServer(("127.0.0.1", args.port), labeller, labeller_spec)
    stop_on_sigterm()
    LOG.info("local Vision server on http://127.0.0.1:%d (labeller: %s)", args.port, labeller_spec)
    serve_until_stopped(server, LOG)
    return 0


if __name__ == "__main__":
    sys.exit(main())
