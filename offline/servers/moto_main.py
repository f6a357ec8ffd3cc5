"""moto server with a write-ahead journal, so a restart keeps buckets, objects and messages.

moto keeps everything in memory. Its own recorder (``MOTO_ENABLE_RECORDING``) logs every
request, reads included, and replays them over HTTP to the recorded host: replaying each
long-poll ``ReceiveMessage`` would block and hide messages again. This launcher journals
instead, in one JSON-lines file, before moto answers:

- every request that changes state, except message-level SQS calls (bucket, CORS,
  notification, objects, queues and their attributes, secrets and their values, tables
  and items);
- every message added to or removed from a queue, by message id, at moto's queue level,
  which also covers the S3 → SQS notifications and the moves to a dead-letter queue, and
  every purge of a queue.

On start it replays the journal into the fresh backends (S3 notifications off, so the
replayed uploads do not announce themselves twice), then re-adds the messages that were
still in their queues, with their ids, visible at once (a message that was in flight is
delivered again: at-least-once, as SQS). Then it serves on the given port.

``python -m offline.servers.moto_main --port N --journal FILE``
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3 import notifications
from moto.sqs import models as sqs_models
from werkzeug.serving import run_simple
from werkzeug.test import EnvironBuilder

_READ_ACTIONS = ("Get", "List", "Describe", "Receive", "Query", "Scan", "BatchGet", "Head")
#: SQS message-level actions: their effect is journaled at the queue level instead.
_SQS_MESSAGE_ACTIONS = (
    "SendMessage",
    "DeleteMessage",
    "ChangeMessageVisibility",
    "PurgeQueue",
)
_ENVIRON_KEYS = (
    "REQUEST_METHOD",
    "PATH_INFO",
    "QUERY_STRING",
    "RAW_URI",
    "REQUEST_URI",
    "CONTENT_TYPE",
    "SERVER_NAME",
    "SERVER_PORT",
)


class Journal:
    """The append-only journal file; writes are serialised and flushed one line each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.enabled = False
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        # It holds what moto holds, secret values included: readable by this user only.
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._file = os.fdopen(descriptor, "a", encoding="utf-8")

    def write(self, entry: dict[str, Any]) -> None:
        """Append one entry (a no-op while replaying)."""
        if not self.enabled:
            return
        with self._lock:
            self._file.write(json.dumps(entry) + "\n")
            self._file.flush()

    def entries(self) -> list[dict[str, Any]]:
        """Every complete entry (a line cut short by a kill is skipped)."""
        result = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                result.append(json.loads(line))
            except ValueError:
                continue
        return result


def _action(environ: dict[str, Any], body: bytes) -> str:
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        return target.rsplit(".", 1)[-1]
    if b"Action=" in body[:200]:
        return body.split(b"Action=", 1)[1].split(b"&", 1)[0].decode("ascii", "replace")
    query = str(environ.get("QUERY_STRING", ""))
    if "Action=" in query:
        return query.split("Action=", 1)[1].split("&", 1)[0]
    return ""


def changes_state(environ: dict[str, Any], body: bytes) -> bool:
    """True for a request whose effect must survive a restart (see the module docstring)."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
        return False
    if str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
        return False
    action = _action(environ, body)
    if action.startswith(_READ_ACTIONS):
        return False
    return not action.startswith(_SQS_MESSAGE_ACTIONS)


class JournalingApp:
    """WSGI middleware: journal state-changing requests, then let moto answer."""

    def __init__(self, app: Callable[..., Iterable[bytes]], journal: Journal) -> None:
        self.app = app
        self.journal = journal

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Read the body once, journal the request when it changes state, pass it on."""
        stream = environ["wsgi.input"]
        if environ.get("wsgi.input_terminated"):
            body = stream.read()
        else:
            body = stream.read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        if changes_state(environ, body):
            self.journal.write(
                {
                    "kind": "http",
                    "environ": {
                        key: value
                        for key, value in environ.items()
                        if key in _ENVIRON_KEYS or key.startswith("HTTP_")
                    },
                    "body": base64.b64encode(body).decode("ascii"),
                }
            )
        return self.app(environ, start_response)

    def replay(self, entry: dict[str, Any]) -> None:
        """Send one journaled request through moto again."""
        body = base64.b64decode(entry["body"])
        environ = EnvironBuilder(method="GET", path="/").get_environ()
        environ.update(entry["environ"])
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        for _chunk in self.app(environ, lambda status, headers, exc_info=None: None):
            pass


def journal_queues(journal: Journal) -> None:
    """Journal every message added to or removed from any queue, and every purge.

    Patches moto's ``Queue`` and ``SQSBackend`` (moto is pinned; the demo test covers it).
    """
    original_add = sqs_models.Queue.add_message
    original_delete = sqs_models.Queue.delete_message
    original_purge = sqs_models.SQSBackend.purge_queue

    def add_message(queue: sqs_models.Queue, message: sqs_models.Message) -> None:
        original_add(queue, message)
        journal.write(
            {
                "kind": "add",
                "where": [queue.account_id, queue.region, queue.name],
                "id": message.id,
                "body": message.body,
                "attributes": message.message_attributes,
                "group": message.group_id,
                "dedup": message.deduplication_id,
            }
        )

    def delete_message(queue: sqs_models.Queue, receipt_handle: str) -> None:
        ids = [m.id for m in queue._messages if m.had_receipt_handle(receipt_handle)]
        original_delete(queue, receipt_handle)
        for message_id in ids:
            journal.write(
                {
                    "kind": "remove",
                    "where": [queue.account_id, queue.region, queue.name],
                    "id": message_id,
                }
            )

    def purge_queue(backend: sqs_models.SQSBackend, queue_name: str) -> None:
        original_purge(backend, queue_name)
        queue = backend.get_queue(queue_name)
        journal.write({"kind": "purge", "where": [queue.account_id, queue.region, queue.name]})

    sqs_models.SQSBackend.purge_queue = purge_queue  # type: ignore[method-assign,assignment]
    sqs_models.Queue.add_message = add_message  # type: ignore[method-assign,assignment]
    sqs_models.Queue.delete_message = delete_message  # type: ignore[method-assign,assignment]


def live_messages(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``add`` entries of messages still in a queue (a later add of an id is a move;
    a purge empties its queue)."""
    live: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry["kind"] == "add":
            live.pop(entry["id"], None)
            live[entry["id"]] = entry
        elif entry["kind"] == "remove" and live.get(entry["id"], {}).get("where") == entry["where"]:
            del live[entry["id"]]
        elif entry["kind"] == "purge":
            live = {key: add for key, add in live.items() if add["where"] != entry["where"]}
    return list(live.values())


def restore(app: JournalingApp, journal: Journal) -> tuple[int, int]:
    """Replay the journal (requests, then the messages left); return both counts."""
    entries = journal.entries()
    requests = [entry for entry in entries if entry["kind"] == "http"]
    quiet = (notifications.send_event, notifications.send_test_event)
    notifications.send_event = lambda *args, **kwargs: None
    notifications.send_test_event = lambda *args, **kwargs: None
    try:
        for entry in requests:
            app.replay(entry)
    finally:
        notifications.send_event, notifications.send_test_event = quiet
    messages = live_messages(entries)
    for entry in messages:
        account, region, name = entry["where"]
        queue = sqs_models.sqs_backends[account][region].get_queue(name)
        message = sqs_models.Message(entry["id"], entry["body"])
        message.message_attributes = entry["attributes"] or {}
        message.group_id = entry["group"]
        message.deduplication_id = entry["dedup"]
        message.mark_sent(delay_seconds=0)
        with queue._messages_lock:
            queue._messages.append(message)
    return len(requests), len(messages)


def _exit(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """Restore from the journal, then serve moto on 127.0.0.1:PORT until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m offline.servers.moto_main")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--journal", type=Path, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _exit)
    journal = Journal(args.journal)
    journal_queues(journal)
    app = JournalingApp(DomainDispatcherApplication(create_backend_app), journal)
    requests, messages = restore(app, journal)
    print(f"moto: restored {requests} request(s) and {messages} queued message(s)", flush=True)
    journal.enabled = True
    run_simple(
        "127.0.0.1",
        args.port,
        app,
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
