"""Pre-signed download links for recording files, shaped like Telnyx's S3 URLs.

Telnyx hands out ``https://s3.amazonaws.com/telephony-recorder-prod/<uuid>/<date>/<leg>-<unix>.wav
?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…&X-Amz-Date=…&X-Amz-Expires=600
&X-Amz-SignedHeaders=host&X-Amz-Signature=…`` (REAL-PAYLOADS R3, R5). The mock serves the same
path and query names from its own host, so code that reads ``X-Amz-Expires``/``X-Amz-Date`` or
the file name works. The signature is an HMAC over the path, credential, date and lifetime with
a secret made at start-up: it needs no Authorization header, cannot be guessed or altered, and
stops working ``X-Amz-Expires`` seconds after ``X-Amz-Date`` (wall clock, as S3's).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from mockserver import errors
from mockserver.core.recordings import Recording

__all__ = ["BUCKET", "DownloadLinks", "SignedObject"]

BUCKET = "telephony-recorder-prod"  # the bucket of every live capture (R3, R5)
REGION = "us-east-1"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_EXPIRES = 604_800  # S3: a pre-signed URL lives at most a week
_QUERY_NAMES = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")


@dataclass(frozen=True)
class SignedObject:
    """What a valid link opens: the recording id and the file's format."""

    recording_id: str
    fmt: str
    key: str  # the S3 object key (the path without the bucket), for NoSuchKey


def object_segments(recording: Recording, fmt: str) -> tuple[str, str, str, str]:
    """Bucket, recording id, ``YYYY-MM-DD`` and file name, unquoted."""
    day = datetime.fromtimestamp(recording.started_at, UTC).strftime("%Y-%m-%d")
    name = recording.file_name.rsplit(".", 1)[0] + f".{fmt}"
    return BUCKET, recording.id, day, name


def object_path(recording: Recording, fmt: str) -> str:
    """``/<bucket>/<recording id>/<YYYY-MM-DD>/<file name>`` (unquoted: what is signed)."""
    return "/" + "/".join(object_segments(recording, fmt))


class DownloadLinks:
    """Makes and checks recording download URLs pointing back at this server."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        base_url: str = "http://127.0.0.1",
        wall_clock: Callable[[], float] = time.time,
        secret: bytes | None = None,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.base_url = base_url.rstrip("/")
        self.wall_clock = wall_clock
        self._secret = secret or secrets.token_bytes(32)
        # Looks like an AWS access key id; derived from the secret so it names this process.
        digest = hashlib.sha256(b"key-id|" + self._secret).hexdigest().upper()
        self.access_key_id = "AKIA" + digest[:16]

    @property
    def expires_seconds(self) -> int:
        """``X-Amz-Expires``: whole seconds, as S3 takes it (``--url-ttl``, at most a week)."""
        return min(max(math.ceil(self.ttl_seconds), 1), MAX_EXPIRES)

    def _signature(self, path: str, credential: str, amz_date: str, expires: str) -> str:
        message = "\n".join(("GET", path, credential, amz_date, expires)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url_for(self, recording: Recording, fmt: str | None = None) -> str:
        segments = object_segments(recording, fmt or recording.options.format)
        path = "/" + "/".join(segments)
        now = datetime.fromtimestamp(self.wall_clock(), UTC)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        credential = f"{self.access_key_id}/{now:%Y%m%d}/{REGION}/s3/aws4_request"
        expires = str(self.expires_seconds)
        query = {
            "X-Amz-Algorithm": ALGORITHM,
            "X-Amz-Credential": credential,
            "X-Amz-Date": amz_date,
            "X-Amz-Expires": expires,
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": self._signature(path, credential, amz_date, expires),
        }
        encoded = "&".join(f"{name}={quote(value, safe='')}" for name, value in query.items())
        # One percent-encoded segment each: a custom_file_name with "/" or ".." stays one name.
        quoted = "".join("/" + quote(segment, safe="") for segment in segments)
        return f"{self.base_url}{quoted}?{encoded}"

    def recording_url(self, recording: Recording) -> str:
        return self.url_for(recording)

    def open(self, path: str, query: Mapping[str, str]) -> SignedObject:
        """The object a link opens, or the :class:`~mockserver.errors.S3Error` S3 would answer.

        Checked in S3's order: the query-string authentication is complete and well-formed,
        the signature matches, the link has not expired. Whether the object still exists is
        the caller's question (NoSuchKey).
        """
        if not any(name.startswith("X-Amz-") for name in query):
            raise errors.s3_access_denied()
        missing = [name for name in _QUERY_NAMES if not query.get(name)]
        if missing:
            raise errors.s3_bad_query_auth(
                "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                "X-Amz-Expires parameters."
            )
        if query["X-Amz-Algorithm"] != ALGORITHM:
            raise errors.s3_bad_query_auth('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
        amz_date, expires = query["X-Amz-Date"], query["X-Amz-Expires"]
        if not _AMZ_DATE.match(amz_date):
            raise errors.s3_bad_query_auth(
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
            )
        if not (expires.isascii() and expires.isdigit()) or len(expires) > 7:
            raise errors.s3_bad_query_auth("X-Amz-Expires should be a number")
        if int(expires) > MAX_EXPIRES:
            raise errors.s3_bad_query_auth(
                "X-Amz-Expires must be less than a week (in seconds) that is, the given "
                "X-Amz-Expires must be less than 604800 seconds"
            )
        signature = query["X-Amz-Signature"]
        expected = self._signature(path, query["X-Amz-Credential"], amz_date, expires)
        if not hmac.compare_digest(expected, signature):
            raise errors.s3_signature_mismatch(self.access_key_id, signature)
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        expires_at = signed_at.timestamp() + int(expires)
        now = self.wall_clock()
        if now > expires_at:
            raise errors.s3_request_expired(int(expires), _s3_time(expires_at), _s3_time(now))
        _, _bucket, recording_id, _day, name = path.split("/", 4)
        return SignedObject(recording_id, name.rsplit(".", 1)[-1], path.split("/", 2)[2])


def _s3_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
