"""The local servers answer the real SDKs on 127.0.0.1 (through the conftest fixtures)."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import ServiceRequestError
from azure.cosmos import PartitionKey
from azure.cosmos.exceptions import CosmosResourceNotFoundError

from offline.provision import moto_client
from offline.servers import CosmosServer
from offline.servers.cosmos import verified_cosmos_client
from offline.servers.tls import make_tls_files

pytestmark = pytest.mark.integration


def test_moto_serves_s3_sqs_and_secrets(moto_server: str) -> None:
    name = f"probe-{uuid.uuid4().hex[:8]}"
    s3 = moto_client("s3", moto_server)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="a.txt", Body=b"hello")
    assert s3.get_object(Bucket=name, Key="a.txt")["Body"].read() == b"hello"
    sqs = moto_client("sqs", moto_server)
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="m")
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in messages] == ["m"]
    manager = moto_client("secretsmanager", moto_server)
    arn = manager.create_secret(Name=name, SecretString='{"a": 1}')["ARN"]
    assert manager.get_secret_value(SecretId=arn)["SecretString"] == '{"a": 1}'


def test_cosmos_client_verifies_the_local_certificate(cosmos_server: CosmosServer) -> None:
    database = cosmos_server.client().create_database_if_not_exists("probe")
    assert database.read()["id"] == "probe"


def test_cosmos_rejects_a_certificate_from_another_ca(
    cosmos_server: CosmosServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = make_tls_files(tmp_path_factory.mktemp("other-ca"))
    with pytest.raises(ServiceRequestError, match="CERTIFICATE_VERIFY_FAILED"):
        verified_cosmos_client(cosmos_server.endpoint, cosmos_server.key, other.ca_cert)


def test_reading_a_missing_item_is_404_not_500(cosmos_server: CosmosServer) -> None:
    """Proves patches/@vercel+cosmosdb-server+1.0.1.patch (unpatched, the server answers 500)."""
    database = cosmos_server.client().create_database_if_not_exists("probe")
    container = database.create_container_if_not_exists("items", PartitionKey(path="/id"))
    container.upsert_item({"id": "present"})
    assert container.read_item("present", partition_key="present")["id"] == "present"
    missing = str(uuid.uuid4())
    with pytest.raises(CosmosResourceNotFoundError) as caught:
        container.read_item(missing, partition_key=missing)
    assert caught.value.status_code == 404
