"""Assets in S3 under DESIGN's keys, as the Lambdas run them.

Keys are checked exactly as on disk. A single PUT (or a multipart upload for large files) is
atomic in S3, so a killed Lambda never leaves a half-written object a retried step would reuse.
Intermediate assets (uploaded product images, per-line voice takes) are tagged so the bucket's
lifecycle rule expires them; finished ads are kept. `S3AssetUrls` is the `AssetUrls` port on
S3: presigned URLs for the API's one-hour links and for uploads straight from the browser.

Presigned URLs name the bucket's regional endpoint (`bucket.s3.<region>.amazonaws.com`): on the
global one a bucket outside us-east-1 answers 307 until DNS catches up (up to a day after it is
created), and a browser's CORS preflight for an upload does not follow a redirect.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from omnigen.store.filesystem import CHUNK, check_key
from omnigen.store.ports import NotFound, StoreError
from omnigen.store.tables import LIFECYCLE_TAG

CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=60,
    retries={"mode": "standard", "max_attempts": 5},
    signature_version="s3v4",
    s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"},
)
TRANSFER = TransferConfig(multipart_threshold=64 * 1024 * 1024, max_concurrency=4)
INTERMEDIATE_MARKERS = ("/uploads/", "/audio/voice/", "/tmp/")
"""Key parts of assets the lifecycle rule may expire (see stacks/storage.py)."""


def is_intermediate(key: str) -> bool:
    return any(marker in f"/{key}" for marker in INTERMEDIATE_MARKERS)


def _missing(err: ClientError) -> bool:
    code = str(err.response.get("Error", {}).get("Code", ""))
    return code in ("NoSuchKey", "404", "NotFound")


class S3AssetStore:
    def __init__(self, bucket: str | None, client: Any = None):
        if not bucket:
            raise StoreError("S3AssetStore needs a bucket name (OMNIGEN_ASSETS_BUCKET)")
        self.bucket = bucket
        self.s3 = client or boto3.client("s3", config=CLIENT_CONFIG)

    def _fail(self, err: Exception, what: str, key: str) -> StoreError:
        if isinstance(err, ClientError):
            code = err.response.get("Error", {}).get("Code", "")
            message = err.response.get("Error", {}).get("Message", "")
            if code in ("AccessDenied", "403"):
                return StoreError(f"{what} {key} failed: this role may not use s3://{self.bucket} ({message})")
            if code == "NoSuchBucket":
                return StoreError(f"{what} {key} failed: the bucket {self.bucket} does not exist")
            return StoreError(f"{what} {key} failed: S3 said {code}: {message}")
        return StoreError(f"{what} {key} failed: {err}")

    def _extra(self, key: str, content_type: str | None) -> dict[str, str]:
        extra = {"ContentType": content_type} if content_type else {}
        if is_intermediate(key):
            extra["Tagging"] = f"{LIFECYCLE_TAG}=intermediate"
        return extra

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        try:
            self.s3.put_object(Bucket=self.bucket, Key=check_key(key), Body=data, **self._extra(key, content_type))
        except (ClientError, BotoCoreError) as err:
            raise self._fail(err, "saving", key) from err

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        try:
            self.s3.upload_file(
                str(path), self.bucket, check_key(key), ExtraArgs=self._extra(key, content_type), Config=TRANSFER
            )
        except (ClientError, BotoCoreError) as err:
            raise self._fail(err, "saving", key) from err
        except OSError as err:
            raise StoreError(f"saving {key} failed: cannot read {path}: {err.strerror}") from err

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=check_key(key))["Body"].read()  # type: ignore[no-any-return]
        except ClientError as err:
            if _missing(err):
                raise NotFound(f"asset {key} does not exist") from None
            raise self._fail(err, "reading", key) from err
        except BotoCoreError as err:
            raise self._fail(err, "reading", key) from err

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return self.s3.head_object(Bucket=self.bucket, Key=check_key(key))  # type: ignore[no-any-return]
        except ClientError as err:
            if _missing(err):
                return None
            raise self._fail(err, "checking", key) from err
        except BotoCoreError as err:
            raise self._fail(err, "checking", key) from err

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise NotFound(f"asset {key} does not exist")
        return int(head["ContentLength"])

    def modified(self, key: str) -> datetime:
        head = self._head(key)
        if head is None:
            raise NotFound(f"asset {key} does not exist")
        return head["LastModified"].astimezone(UTC)

    def list(self, prefix: str) -> list[str]:
        prefix = prefix.lstrip("/")
        if prefix.strip("/"):
            check_key(prefix.rstrip("/"))
        keys: list[str] = []
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys += [obj["Key"] for obj in page.get("Contents", [])]
        except (ClientError, BotoCoreError) as err:
            raise self._fail(err, "listing", prefix) from err
        return sorted(keys)

    def delete(self, key: str) -> None:
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=check_key(key))
        except (ClientError, BotoCoreError) as err:
            raise self._fail(err, "deleting", key) from err

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        """Downloads the object to a private temporary file (same suffix), removed afterwards."""
        fd, tmp = tempfile.mkstemp(prefix="asset-", suffix=PurePosixPath(key).suffix)
        os.close(fd)
        path = Path(tmp)
        try:
            try:
                self.s3.download_file(self.bucket, check_key(key), tmp, Config=TRANSFER)
            except ClientError as err:
                if _missing(err):
                    raise NotFound(f"asset {key} does not exist") from None
                raise self._fail(err, "downloading", key) from err
            except BotoCoreError as err:
                raise self._fail(err, "downloading", key) from err
            yield path
        finally:
            path.unlink(missing_ok=True)

    @contextmanager
    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[Iterator[bytes]]:
        """Chunks of the object from byte `start` to `end` inclusive (HTTP Range semantics)."""
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": check_key(key)}
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            body = self.s3.get_object(**args)["Body"]
        except ClientError as err:
            if _missing(err):
                raise NotFound(f"asset {key} does not exist") from None
            raise self._fail(err, "reading", key) from err
        try:
            yield body.iter_chunks(CHUNK)
        finally:
            body.close()

    # -- links for browsers ---------------------------------------------------------------------

    def presigned_get(self, key: str, ttl_s: int = 3600) -> str:
        return str(
            self.s3.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": check_key(key)}, ExpiresIn=ttl_s
            )
        )

    def presigned_put(
        self, key: str, content_type: str, size_bytes: int, ttl_s: int = 3600
    ) -> tuple[str, dict[str, str]]:
        """A URL to PUT exactly `size_bytes` of `content_type` to; returns it and the headers to send."""
        params = {"Bucket": self.bucket, "Key": check_key(key), "ContentType": content_type}
        headers = {"Content-Type": content_type}
        if is_intermediate(key):
            params["Tagging"] = f"{LIFECYCLE_TAG}=intermediate"
            headers["x-amz-tagging"] = params["Tagging"]
        url = self.s3.generate_presigned_url(
            "put_object", Params={**params, "ContentLength": size_bytes}, ExpiresIn=ttl_s
        )
        return str(url), headers


class S3AssetUrls:
    """The `AssetUrls` port on S3: presigned URLs, so the browser reads and uploads assets in the
    bucket itself. This API's own asset and upload routes therefore never serve a link on AWS:
    `valid` is always False and they answer 403 to anything sent there."""

    def __init__(self, store: S3AssetStore):
        self.store = store

    def url(self, key: str, ttl_s: int = 3600) -> str:
        return self.store.presigned_get(key, ttl_s)

    def upload_url(self, key: str, content_type: str, size_bytes: int, ttl_s: int = 3600) -> tuple[str, dict[str, str]]:
        return self.store.presigned_put(key, content_type, size_bytes, ttl_s)

    def valid(self, key: str, exp: str | int | None, sig: str | None) -> bool:
        return False
