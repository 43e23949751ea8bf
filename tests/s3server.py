"""pytest plugin: one real S3 server (SeaweedFS ``weed mini`` on loopback) for the whole session.

Register it in tests/conftest.py with::

    from s3server import s3_server  # noqa: F401

The ``s3_server`` fixture starts ``weed mini`` on free loopback ports in a temp folder (about 1 s),
with throwaway credentials, and stops it by its PID at the end of the session. Each test takes a
fresh bucket from it; buckets it creates let anonymous clients GET/HEAD objects (not
``_manifests/``), like the production policy, so tests can fetch enclosures with plain HTTP.

    def test_x(s3_server):
        store = s3_server.storage()                  # S3Storage on a fresh public-read bucket
        env = {**os.environ, **s3_server.env}        # for a `publish` subprocess
        url = s3_server.public_url(store.bucket, "show/a.mp3")
"""

from __future__ import annotations

import itertools
import secrets
from urllib.parse import quote

import pytest

from tools import seaweed
from pipeline.store.s3 import S3Storage


class S3Server:
    """What a test needs of the running server. Never print ``secret_key``."""

    def __init__(self, server: seaweed.SeaweedServer):
        self._server = server
        self._names = itertools.count(1)
        self._run = secrets.token_hex(3)

    @property
    def endpoint(self) -> str:
        return self._server.endpoint

    @property
    def access_key(self) -> str:
        return self._server.access_key

    @property
    def secret_key(self) -> str:
        return self._server.secret_key

    @property
    def region(self) -> str:
        return self._server.region

    @property
    def pid(self) -> int:
        return self._server.pid

    @property
    def ports(self) -> dict[str, int]:
        """Every port the server listens on, by weed flag name (s3.port, filer.port.grpc, ...)."""
        return dict(self._server.ports)

    @property
    def env(self) -> dict[str, str]:
        """AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION."""
        return self._server.env()

    def bucket_name(self, hint: str = "test") -> str:
        """A bucket name not used before in this session (not created)."""
        hint = "".join(c for c in hint.lower() if c.isalnum() or c == "-")[:30].strip("-") or "test"
        return f"{hint}-{self._run}-{next(self._names)}"

    def new_bucket(self, hint: str = "test", *, public_read: bool = True) -> str:
        """Create a fresh bucket (anonymously readable except _manifests/, unless told otherwise)."""
        name = self.bucket_name(hint)
        S3Storage(name, **self.client_args()).ensure_bucket(public_read=public_read)
        return name

    def client_args(self, **overrides) -> dict:
        """Keyword arguments for ``S3Storage(bucket, prefix, **...)`` pointing at this server."""
        return {"endpoint_url": self.endpoint, "region": self.region, "access_key": self.access_key,
                "secret_key": self.secret_key, **overrides}

    def storage(self, prefix: str = "", *, bucket: str | None = None, public_read: bool = True) -> S3Storage:
        """An ``S3Storage`` on ``bucket`` (default: a fresh one) under ``prefix``."""
        bucket = bucket or self.new_bucket(public_read=public_read)
        return S3Storage(bucket, prefix, **self.client_args())

    def public_url(self, bucket: str, key: str) -> str:
        """The anonymous HTTP address of an object (what base_url + key gives in a feed)."""
        return f"{self.endpoint}/{bucket}/{quote(key)}"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = seaweed.start(tmp_path_factory.mktemp("seaweedfs"), die_with_parent=True)
    try:
        yield S3Server(server)
    finally:
        if not server.stop():
            pytest.fail(f"SeaweedFS (pid {server.pid}) was gone before the end of the session; "
                        f"see {server.data_dir / seaweed.LOG_FILE}")


__all__ = ["S3Server", "s3_server"]
