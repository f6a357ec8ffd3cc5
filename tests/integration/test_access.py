"""Private mode: two users who cannot see, fetch, filter or delete each other's images; DELETE.

Each request carries the ``sub`` the Cognito authorizer would pass (``requestContext.authorizer``),
as API Gateway sends it; the handlers run against moto, cosmosdb-server and the local Vision.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from unit import images
from unit.events import TEST_OWNER

from offline.provision import moto_client

from .conftest import Stack, each_provider

# Owner scoping and DELETE are the store's: each store once.
pytestmark = [pytest.mark.integration, each_provider]

ALICE = TEST_OWNER
BOB = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def _analyzed(stack: Stack, owner: str, data: bytes, content_type: str) -> dict[str, Any]:
    image_id = stack.upload(data, content_type, owner=owner)
    extension = {"image/jpeg": "jpg", "image/png": "png"}[content_type]
    assert stack.analyze(stack.receive_events([f"uploads/{owner}/{image_id}.{extension}"])) == []
    status, document = stack.api("GET", f"/api/images/{image_id}", owner=owner)
    assert (status, document["status"]) == (200, "done")
    return dict(document)


def _listed(stack: Stack, owner: str, label: str | None = None) -> set[str]:
    query = {"limit": "100", **({"label": label} if label else {})}
    status, page = stack.api("GET", "/api/images", query=query, owner=owner)
    assert status == 200, page
    return {item["id"] for item in page["items"]}


def _exists(stack: Stack, key: str) -> bool:
    try:
        moto_client("s3", stack.moto_endpoint).head_object(Bucket=stack.resources.bucket, Key=key)
    except ClientError:
        return False
    return True


def test_two_users_see_fetch_filter_and_delete_only_their_own(private_stack: Stack) -> None:
    stack = private_stack
    cat = _analyzed(stack, ALICE, images.chelsea_jpeg(), "image/jpeg")
    bobs_cat = _analyzed(stack, BOB, images.chelsea_jpeg(), "image/jpeg")
    assert cat["image_fname"].startswith(f"uploads/{ALICE}/")
    assert bobs_cat["image_fname"].startswith(f"uploads/{BOB}/")

    alice_sees, bob_sees = _listed(stack, ALICE), _listed(stack, BOB)
    assert cat["id"] in alice_sees and bobs_cat["id"] not in alice_sees
    assert bobs_cat["id"] in bob_sees and cat["id"] not in bob_sees
    label = cat["label_names"][0].split()[0]
    assert cat["id"] in _listed(stack, ALICE, label)
    assert cat["id"] not in _listed(stack, BOB, label)
    assert bobs_cat["id"] in _listed(stack, BOB, label)

    for method in ("GET", "DELETE"):
        status, body = stack.api(method, f"/api/images/{cat['id']}", owner=BOB)
        assert (status, body["error"]["code"]) == (404, "not_found"), method
    assert stack.api("GET", f"/api/images/{cat['id']}", owner=ALICE)[0] == 200  # still there
    assert _exists(stack, cat["image_fname"])


def test_delete_removes_the_photo_thumbnail_and_document_and_twice_is_harmless(
    private_stack: Stack,
) -> None:
    stack = private_stack
    document = _analyzed(stack, ALICE, images.coffee_png(), "image/png")
    keys = [document["image_fname"], document["thumb_fname"]]
    assert all(_exists(stack, key) for key in keys)
    url = stack.api("GET", f"/api/images/{document['id']}", owner=ALICE)[1]["image_url"]

    response = stack.raw_api("DELETE", f"/api/images/{document['id']}", owner=ALICE)
    assert response["statusCode"] == 204
    assert not response.get("body")
    assert not any(_exists(stack, key) for key in keys)
    assert requests.get(url, timeout=10).status_code in (403, 404)  # the URL serves nothing now
    assert document["id"] not in _listed(stack, ALICE)
    for method in ("GET", "DELETE"):
        status, body = stack.api(method, f"/api/images/{document['id']}", owner=ALICE)
        assert (status, body["error"]["code"]) == (404, "not_found")


def test_a_pending_upload_can_be_deleted_and_is_then_never_analyzed(private_stack: Stack) -> None:
    stack = private_stack
    image_id = stack.upload(images.chelsea_jpeg(), owner=ALICE)
    assert stack.api("DELETE", f"/api/images/{image_id}", owner=ALICE)[0] == 204
    key = f"uploads/{ALICE}/{image_id}.jpg"
    stack.put_object(key, images.chelsea_jpeg(), "image/jpeg")  # a late upload still arrives
    assert stack.analyze(stack.receive_events([key])) == []
    assert stack.api("GET", f"/api/images/{image_id}", owner=ALICE)[0] == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/uploads"),
        ("GET", "/api/images"),
        ("GET", "/api/images/6f1c7a52-0d5e-4a8e-9d7b-2f8a3c4d5e6f"),
        ("DELETE", "/api/images/6f1c7a52-0d5e-4a8e-9d7b-2f8a3c4d5e6f"),
    ],
)
def test_without_a_verified_user_every_route_is_401(
    private_stack: Stack, method: str, path: str
) -> None:
    body = {"content_type": "image/jpeg", "size": 10} if method == "POST" else None
    status, answer = private_stack.api(method, path, body=body, owner=None)
    assert (status, answer["error"]["code"]) == (401, "unauthorized")


def test_delete_with_a_malformed_id_is_400(private_stack: Stack) -> None:
    status, body = private_stack.api("DELETE", "/api/images/not-a-uuid", owner=ALICE)
    assert (status, body["error"]["code"]) == (400, "invalid_id")


def test_public_mode_deletes_the_shared_images(stack: Stack) -> None:
    image_id = stack.upload(images.chelsea_jpeg(), owner=None)
    assert stack.api("DELETE", f"/api/images/{image_id}", owner=None)[0] == 204
    assert stack.api("GET", f"/api/images/{image_id}", owner=None)[0] == 404
