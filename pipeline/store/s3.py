"""The production backend: an S3 bucket (AWS S3, or an S3-compatible store such as SeaweedFS).

The only module that imports boto3. Endpoint, region and credentials come from the standard AWS
chain (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/*, instance
roles) unless given explicitly; they are never printed. Every boto3/botocore failure leaves this
module as a :class:`StorageError` with a one-line message naming the store and its endpoint.

- Large files go up as multipart uploads with parallel parts; S3 assembles the object atomically when
  the upload completes, so readers never see half a file.
- Conditional writes (``If-Match`` / ``If-None-Match: *``) are checked by the server; a lost race
  raises :class:`PreconditionFailed` (HTTP 412, or 409 ConditionalRequestConflict).
- Throttling, 5xx answers and timeouts are retried with exponential backoff (botocore "standard" mode).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import boto3.exceptions
import botocore.exceptions as bce
import botocore.session
from boto3.s3.transfer import S3Transfer, TransferConfig
from botocore.config import Config

from pipeline.model.errors import PreconditionFailed, StorageError
from pipeline.store import PRIVATE_PREFIX, ObjectInfo, Progress, check_key

MiB = 1 << 20
# Multipart above 16 MiB, in 8 MiB parts, 8 at once: saturates a laptop uplink on 2 cores without
# holding more than ~64 MiB in flight. s3transfer grows the part size for files beyond 10 000 parts.
TRANSFER = TransferConfig(multipart_threshold=16 * MiB, multipart_chunksize=8 * MiB, max_concurrency=8,
                          use_threads=True)
DEFAULT_MAX_ATTEMPTS = 5  # 1 try + 4 retries, unless AWS_MAX_ATTEMPTS / max_attempts says otherwise
CREDENTIALS_HINT = ("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a "
                    "non-AWS store such as SeaweedFS), or AWS_PROFILE")
_CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
                     "TokenRefreshRequired", "AuthorizationHeaderMalformed", "InvalidSecurity"}
# What S3-compatible stores answer when they (or the account's quota) are full: MinIO, Ceph RGW, others.
_FULL_CODES = {"XMinioStorageFull", "QuotaExceeded", "InsufficientStorage", "StorageFull"}
_ERRORS = (bce.BotoCoreError, bce.ClientError, boto3.exceptions.Boto3Error)

# botocore parses its S3 model and endpoint rules (~100 ms) for every new session; share that cache.
# Each store still gets its own session, so credentials come from the environment as it is then.
_loader = None
_loader_lock = threading.Lock()


def _new_session() -> botocore.session.Session:
    global _loader
    session = botocore.session.get_session()
    with _loader_lock:
        if _loader is None:
            _loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _loader)
    return session


def public_read_policy(bucket: str) -> dict:
    """Bucket policy letting anyone GET/HEAD every object except the pipeline's own under a top folder
    starting with ``_`` (``_manifests/``): what :func:`pipeline.store.is_public` says, as ``publish serve`` serves.

    ``NotResource`` rather than Allow + Deny: a Deny for ``Principal: *`` would lock out the pipeline
    too. Listing and writing stay private. Meant for a bucket that belongs to the pipeline alone.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicReadExceptPipelineFolders",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "NotResource": f"arn:aws:s3:::{bucket}/{PRIVATE_PREFIX}*",
        }],
    }


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _safe_url(url: str) -> str:
    """``url`` without any user:password@ part."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class S3Storage:
    """Objects under ``s3://bucket/prefix/``.

    ``endpoint_url``, ``region``, ``access_key``/``secret_key`` and ``max_attempts`` override the
    AWS chain (tests and ``scripts/s3-local`` use them); ``open_storage`` passes none of them.
    """

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, access_key: str | None = None, secret_key: str | None = None,
                 max_attempts: int | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        # Like LocalStorage.url, no trailing slash: f"{store.url}/{key}" names an object.
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._bucket_checked = False
        retries: dict = {"mode": "standard"}
        if max_attempts is not None:
            retries["total_max_attempts"] = max_attempts
        try:
            session = _new_session()
            if max_attempts is None and session.get_config_variable("max_attempts") is None:
                retries["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
            config = Config(connect_timeout=5, read_timeout=60, retries=retries,
                            max_pool_connections=TRANSFER.max_request_concurrency + 4)
            self._client = session.create_client("s3", endpoint_url=endpoint_url, region_name=region,
                                                 aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                                 config=config)
        except bce.ProfileNotFound as e:
            raise StorageError(f"AWS_PROFILE {e.kwargs.get('profile')!r} is not in ~/.aws/config; {CREDENTIALS_HINT}",
                               self.url) from e
        except ValueError as e:  # botocore: "Invalid endpoint: ..."
            raise StorageError(f"{_one_line(e)} (check AWS_ENDPOINT_URL)", self.url) from e
        except _ERRORS as e:
            raise StorageError(f"could not set up the S3 client: {_one_line(e)}", self.url) from e
        self.endpoint = _safe_url(self._client.meta.endpoint_url)
        self._where = f"{self.url} at {self.endpoint}"

    def __repr__(self) -> str:
        return f"S3Storage({self._where!r})"

    # --- keys and errors ---------------------------------------------------------------------------

    def _full(self, key: str) -> str:
        check_key(key, self._where)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _relative(self, full: str) -> str:
        return full[len(self.prefix) + 1:] if self.prefix else full

    def _error(self, exc: BaseException, action: str) -> StorageError:
        """One-line StorageError for a boto3/botocore exception raised while doing ``action``."""
        if isinstance(exc, boto3.exceptions.S3UploadFailedError) and isinstance(exc.__context__, bce.ClientError):
            exc = exc.__context__  # s3transfer wraps the ClientError of a failed part or completion
        if isinstance(exc, bce.ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket":
                return StorageError(f"bucket {self.bucket!r} does not exist ({action})", self._where)
            if code in _FULL_CODES or status == 507:  # the local store's ENOSPC/EDQUOT; not retried
                return StorageError(f"the store is full: {action} refused (HTTP {status} {code})", self._where)
            if code == "EntityTooLarge":  # the local store's EFBIG
                return StorageError(f"{action} refused: larger than the store accepts (HTTP {status} {code})",
                                    self._where)
            if code in _CREDENTIAL_CODES:
                return StorageError(f"credentials refused ({code}) while {action}; {CREDENTIALS_HINT}", self._where)
            if code == "403":  # an answer to HEAD has no body: wrong keys and no permission look alike
                return StorageError(f"access denied while {action}; check the credentials ({CREDENTIALS_HINT}) "
                                    "and their permissions", self._where)
            if code in ("AccessDenied", "Forbidden") or status == 403:
                return StorageError(f"access denied while {action}: the credentials lack permission", self._where)
            if code in ("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded") or (status or 0) >= 500:
                return StorageError(f"{action} failed after retries: HTTP {status} {code}", self._where)
            message = _one_line(err.get("Message") or "")
            return StorageError(f"{action} failed: HTTP {status} {code}{': ' + message if message else ''}",
                                self._where)
        if isinstance(exc, (bce.NoCredentialsError, bce.PartialCredentialsError)):
            return StorageError(f"no usable credentials found; {CREDENTIALS_HINT}", self._where)
        if isinstance(exc, bce.ConnectTimeoutError):
            return StorageError(f"timed out connecting while {action}", self._where)
        if isinstance(exc, bce.ReadTimeoutError):
            return StorageError(f"timed out waiting for an answer while {action}", self._where)
        if isinstance(exc, bce.ProxyConnectionError):
            return StorageError(f"could not connect through the proxy while {action}", self._where)
        if isinstance(exc, bce.SSLError):
            return StorageError(f"TLS failed while {action}: {_one_line(exc)}", self._where)
        if isinstance(exc, bce.EndpointConnectionError):
            return StorageError(f"could not connect while {action}", self._where)
        if isinstance(exc, (bce.ConnectionClosedError, bce.ResponseStreamingError, bce.IncompleteReadError)):
            return StorageError(f"connection broke while {action}", self._where)
        if isinstance(exc, bce.ParamValidationError):
            return StorageError(f"invalid request while {action}: {_one_line(exc)}", self._where)
        return StorageError(f"{action} failed: {_one_line(exc)}", self._where)

    def _is_missing(self, exc: bce.ClientError) -> bool:
        return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")

    def _check_bucket(self, action: str) -> None:
        """A HEAD answers a bare 404 for a missing bucket too; tell the two apart once per store."""
        if self._bucket_checked:
            return
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except bce.ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
                raise StorageError(f"bucket {self.bucket!r} does not exist ({action})", self._where) from e
            raise self._error(e, action) from e
        except _ERRORS as e:
            raise self._error(e, action) from e
        self._bucket_checked = True

    @staticmethod
    def _check_metadata(metadata: dict[str, str] | None, where: str) -> dict[str, str]:
        metadata = dict(metadata or {})
        for k, v in metadata.items():
            if not (str(k).isascii() and str(v).isascii()):
                raise StorageError(f"metadata {k!r} must be ASCII (S3 sends it as an HTTP header)", where)
        return metadata

    def _info(self, key: str, response: dict) -> ObjectInfo:
        return ObjectInfo(key=key, size=int(response.get("ContentLength", 0)), etag=response.get("ETag", ""),
                          content_type=response.get("ContentType") or "application/octet-stream",
                          cache_control=response.get("CacheControl") or "",
                          metadata=dict(response.get("Metadata") or {}))

    # --- the Storage protocol ------------------------------------------------------------------------

    def put_file(self, key: str, path: Path, *, content_type: str, cache_control: str,
                 metadata: dict[str, str] | None = None, progress: Progress | None = None) -> ObjectInfo:
        """Upload ``path``: one PUT up to 16 MiB, above that a multipart upload with parallel parts.

        ``progress`` is called with byte counts from the upload threads, one call at a time.
        """
        full = self._full(key)
        extra = {"ContentType": content_type, "CacheControl": cache_control,
                 "Metadata": self._check_metadata(metadata, self._where)}
        callback = None
        if progress is not None:
            lock = threading.Lock()

            def callback(n: int) -> None:
                with lock:
                    progress(n)
        action = f"uploading {key}"
        try:
            with S3Transfer(self._client, TRANSFER) as transfer:
                transfer.upload_file(str(path), self.bucket, full, callback=callback, extra_args=extra)
        except _ERRORS as e:
            raise self._error(e, action) from e
        info = self.head(key)  # upload_file does not return the ETag
        if info is None:
            raise StorageError(f"{key} is missing right after its upload", self._where)
        return info

    def put_bytes(self, key: str, data: bytes, *, content_type: str, cache_control: str,
                  metadata: dict[str, str] | None = None, if_match: str | None = None,
                  if_none_match: bool = False) -> ObjectInfo:
        """One PUT. With ``if_match`` (an ETag) or ``if_none_match`` the server refuses a lost race.

        A retried request whose first attempt did land can also come back as PreconditionFailed; callers
        re-read and retry anyway, which converges.
        """
        full = self._full(key)
        metadata = self._check_metadata(metadata, self._where)
        params = {"Bucket": self.bucket, "Key": full, "Body": data, "ContentType": content_type,
                  "CacheControl": cache_control, "Metadata": metadata}
        if if_match is not None:
            params["IfMatch"] = if_match
        if if_none_match:
            params["IfNoneMatch"] = "*"
        action = f"writing {key}"
        try:
            response = self._client.put_object(**params)
        except bce.ClientError as e:
            err = e.response.get("Error", {})
            code = err.get("Code")
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 412 or code in ("PreconditionFailed", "ConditionalRequestConflict") or status == 409:
                what = "already exists" if if_none_match and if_match is None else "changed since it was read"
                raise PreconditionFailed(f"{key} {what}", self._where) from e
            if if_match is not None and code in ("NoSuchKey", "404"):  # AWS: If-Match on a missing key
                raise PreconditionFailed(f"{key} no longer exists", self._where) from e
            raise self._error(e, action) from e
        except _ERRORS as e:
            raise self._error(e, action) from e
        return ObjectInfo(key=key, size=len(data), etag=response.get("ETag", ""), content_type=content_type,
                          cache_control=cache_control, metadata=metadata)

    def head(self, key: str) -> ObjectInfo | None:
        full = self._full(key)
        action = f"reading {key}"
        try:
            response = self._client.head_object(Bucket=self.bucket, Key=full)
        except bce.ClientError as e:
            if self._is_missing(e):
                self._check_bucket(action)
                return None
            raise self._error(e, action) from e
        except _ERRORS as e:
            raise self._error(e, action) from e
        return self._info(key, response)

    def get(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        full = self._full(key)
        action = f"reading {key}"
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=full)
            data = response["Body"].read()
        except bce.ClientError as e:
            if self._is_missing(e):
                return None
            raise self._error(e, action) from e
        except _ERRORS as e:
            raise self._error(e, action) from e
        return data, self._info(key, response)

    def get_range(self, key: str, first: int, length: int) -> bytes | None:
        full = self._full(key)
        action = f"reading {key}"
        if length <= 0:
            return b"" if self.head(key) is not None else None
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=full, Range=f"bytes={first}-{first + length - 1}")
            return response["Body"].read()
        except bce.ClientError as e:
            if self._is_missing(e):
                return None
            if e.response.get("Error", {}).get("Code") == "InvalidRange" or \
                    e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 416:
                return b""  # from beyond the end
            raise self._error(e, action) from e
        except _ERRORS as e:
            raise self._error(e, action) from e

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, in key order.

        Gives key, size and ETag, which is what a listing returns; content type, cache control and
        metadata are left at their defaults: call :meth:`head` for those (one request per object).
        """
        full_prefix = f"{self.prefix}/{prefix}" if self.prefix else prefix
        action = f"listing {prefix or '/'}"
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full_prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(key=self._relative(item["Key"]), size=int(item["Size"]), etag=item["ETag"])
        except _ERRORS as e:
            raise self._error(e, action) from e

    def delete(self, key: str) -> None:
        full = self._full(key)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=full)
        except _ERRORS as e:
            raise self._error(e, f"deleting {key}") from e

    # --- for scripts and tests -----------------------------------------------------------------------

    def ensure_bucket(self, *, public_read: bool = False) -> bool:
        """Create the bucket if it is missing; True if it was created. Production buckets already exist.

        With ``public_read``, (re)place the bucket policy by :func:`public_read_policy`: objects become
        readable by anyone, except ``_manifests/``. Refused for a store with a prefix, since the policy
        would open the rest of a shared bucket.
        """
        created = False
        action = f"creating bucket {self.bucket}"
        try:
            try:
                self._client.head_bucket(Bucket=self.bucket)
            except bce.ClientError as e:
                if e.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                    raise
                region = self._client.meta.region_name
                params: dict = {"Bucket": self.bucket}
                if region and region not in ("us-east-1", "aws-global"):
                    params["CreateBucketConfiguration"] = {"LocationConstraint": region}
                try:
                    self._client.create_bucket(**params)
                    created = True
                except bce.ClientError as e2:
                    if e2.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                        raise
            if public_read:
                if self.prefix:
                    raise StorageError("a public-read policy needs a bucket of its own (the store has a prefix)",
                                       self._where)
                action = f"setting the public-read policy of {self.bucket}"
                self._client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(public_read_policy(self.bucket)))
        except _ERRORS as e:
            raise self._error(e, action) from e
        self._bucket_checked = True
        return created
