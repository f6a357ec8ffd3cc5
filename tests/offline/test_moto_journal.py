"""Which queued messages the moto journal restores: adds, removes, moves and purges by id."""

from __future__ import annotations

from typing import Any

from offline.servers.moto_main import changes_state, live_messages

MAIN = ["123456789012", "us-east-1", "main"]
DLQ = ["123456789012", "us-east-1", "dlq"]


def _add(message_id: str, where: list[str]) -> dict[str, Any]:
    return {"kind": "add", "where": where, "id": message_id, "body": message_id}


def test_messages_still_queued_are_restored_where_they_are() -> None:
    entries = [
        _add("a", MAIN),
        _add("b", MAIN),
        _add("c", MAIN),
        {"kind": "remove", "where": MAIN, "id": "a"},  # processed
        _add("b", DLQ),  # moved to the dead-letter queue after its receives
        {"kind": "purge", "where": MAIN},
        _add("d", MAIN),
    ]
    assert [(m["id"], m["where"]) for m in live_messages(entries)] == [("b", DLQ), ("d", MAIN)]


def test_reads_and_message_calls_are_not_journaled_as_requests() -> None:
    def environ(method: str, target: str = "") -> dict[str, Any]:
        return {"REQUEST_METHOD": method, "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": target}

    assert changes_state(environ("PUT"), b"")  # an S3 bucket or object
    assert changes_state(environ("POST", "AmazonSQS.CreateQueue"), b"")
    assert changes_state(environ("POST", "secretsmanager.PutSecretValue"), b"")
    assert not changes_state(environ("GET"), b"")
    assert not changes_state(environ("POST", "AmazonSQS.ReceiveMessage"), b"")
    assert not changes_state(environ("POST", "AmazonSQS.DeleteMessageBatch"), b"")
    assert not changes_state(environ("POST", "secretsmanager.GetSecretValue"), b"")
    assert not changes_state(environ("POST"), b"Action=ListQueues&Version=2012-11-05")
