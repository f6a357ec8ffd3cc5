"""The upload bucket on S3: pre-signed POST for uploads, pre-signed GET for viewing, reads
and thumbnail writes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

__all__ = [
    "ObjectMissingError",
    "ObjectTooLargeError",
    "PresignedPost",
    "Storage",
    "make_s3_client",
]


class ObjectMissingError(Exception):
    """The object does not exist (any more)."""


class ObjectTooLargeError(Exception):
    """The object is larger than the caller allows; it was not downloaded."""

    def __init__(self, size: int) -> None:
        super().__init__(f"object has {size} bytes")
        self.size = size


@dataclass(frozen=True)
class PresignedPost:
    """Where and what the browser posts: the URL and the form fields to send before the file."""

    url: str
    fields: dict[str, str]


def make_s3_client() -> Any:
    """An S3 client that signs with SigV4 and addresses buckets virtual-host style.

    The region comes from ``AWS_REGION`` (set by Lambda; botocore itself only reads
    ``AWS_DEFAULT_REGION``), so URLs name the regional endpoint
    (``<bucket>.s3.<region>.amazonaws.com``) and the browser's CORS request is never redirected
    from the global endpoint. ``AWS_ENDPOINT_URL`` (offline stack) is honoured by boto3 itself;
    for an IP-address endpoint such as ``http://127.0.0.1:PORT`` botocore uses path style,
    because a bucket cannot be a sub-domain of an IP address.
    """
    config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    return boto3.client("s3", region_name=region, config=config)


class Storage:
    """One bucket: pre-signs uploads and downloads and reads objects."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def presign_upload(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> PresignedPost:
        """A pre-signed POST pinning bucket, key, exact Content-Type and size 1..max_bytes."""
        post = self._client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            # generate_presigned_post adds the bucket and key conditions itself.
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return PresignedPost(url=post["url"], fields=dict(post["fields"]))

    def presign_download(self, key: str, expires_in: int, content_type: str | None) -> str:
        """A pre-signed GET URL for one object, served as ``content_type``.

        Pass the type the bytes were verified to be; None (not a verified image) serves the
        object as an ``application/octet-stream`` attachment, so a browser never renders it.
        """
        params = {"Bucket": self.bucket, "Key": key}
        if content_type is None:
            params["ResponseContentType"] = "application/octet-stream"
            params["ResponseContentDisposition"] = "attachment"
        else:
            params["ResponseContentType"] = content_type
        url: str = self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expires_in
        )
        return url

    def delete(self, key: str) -> None:
        """Remove the object; S3 answers the same whether it existed or not (idempotent)."""
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def write(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` at ``key`` (the thumbnails analyze makes)."""
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def read(self, key: str, max_bytes: int) -> bytes:
        """The object's bytes; ObjectTooLargeError past ``max_bytes`` (checked before reading).

        Raises ObjectMissingError when there is no such key, botocore's errors otherwise.
        """
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise ObjectMissingError(key) from None
            raise
        body = response["Body"]
        try:
            size = int(response.get("ContentLength", 0))
            if size > max_bytes:
                raise ObjectTooLargeError(size)
            data: bytes = body.read(max_bytes + 1)
        finally:
            body.close()
        if len(data) > max_bytes:
            raise ObjectTooLargeError(len(data))
        return data
