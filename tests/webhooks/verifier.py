"""An independent check of 8x8 webhook signatures, written from 8x8's validation guide.

It deliberately shares no code with the sandbox's signing module: it uses `cryptography`
for RS256 and follows the documented receiver steps literally:

1. CRC-32 of the raw body, as a decimal number.
2. Rebuild the signed document from the headers, keys in the order checksum, cid, eid,
   retry, tid, tt.
3. Signing input = first part of `x-8x8-signature` (the protected header, base64url),
   a dot, and that document unencoded (RFC 7797, `b64: false`).
4. Fetch the public JWK named by the header's `kid` over HTTP and verify RS256.
"""

import base64
import json
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

REQUIRED_HEADERS = (
    "x-8x8-tenant-id",
    "x-8x8-customer-id",
    "x-8x8-event-id",
    "x-8x8-transmission-time",
    "x-8x8-retry",
    "x-8x8-signature",
)


class SignatureInvalid(AssertionError):
    """The request does not carry a valid 8x8 signature (the message says why)."""


class SignedRequest(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> bytes: ...


JwkSource = Callable[[str], Mapping[str, Any]]


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url_uint(text: str) -> int:
    return int.from_bytes(_b64url_decode(text), "big")


class HttpJwks:
    """Fetches public keys from a sandbox over HTTP (the legacy path 8x8's samples use), once per kid."""

    def __init__(self, base_url: str, *, path: str = "/vcc/us/chat/v2/jwk/{kid}/public") -> None:
        self.base_url = base_url.rstrip("/")
        self.path = path
        self.fetched: dict[str, Mapping[str, Any]] = {}

    def __call__(self, kid: str) -> Mapping[str, Any]:
        if kid not in self.fetched:
            response = requests.get(self.base_url + self.path.format(kid=kid), timeout=5)
            if response.status_code != 200:
                raise SignatureInvalid(f"JWK {kid}: HTTP {response.status_code} {response.text[:200]}")
            self.fetched[kid] = response.json()
        return self.fetched[kid]


def signed_document(body: bytes, headers: Mapping[str, str]) -> bytes:
    checksum = zlib.crc32(body) & 0xFFFFFFFF
    parts = [
        f'"checksum":{checksum}',
        f'"cid":{json.dumps(headers["x-8x8-customer-id"], ensure_ascii=False)}',
        f'"eid":{json.dumps(headers["x-8x8-event-id"], ensure_ascii=False)}',
        f'"retry":{int(headers["x-8x8-retry"])}',
        f'"tid":{json.dumps(headers["x-8x8-tenant-id"], ensure_ascii=False)}',
        f'"tt":{int(headers["x-8x8-transmission-time"])}',
    ]
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def verify_signature(
    *, body: bytes, headers: Mapping[str, str], jwks: JwkSource, max_age_seconds: float | None = 300
) -> str:
    """Check one request; return the kid that signed it or raise SignatureInvalid."""
    headers = {name.lower(): value for name, value in headers.items()}
    missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
    if missing:
        raise SignatureInvalid(f"missing headers: {', '.join(missing)}")
    if headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise SignatureInvalid(f"content-type is {headers.get('content-type')!r}")
    if max_age_seconds is not None:
        age = time.time() - int(headers["x-8x8-transmission-time"]) / 1000
        if abs(age) > max_age_seconds:
            raise SignatureInvalid(f"transmission time is {age:.1f}s away from now")

    segments = headers["x-8x8-signature"].split(".")
    if len(segments) != 3 or segments[1] != "":
        raise SignatureInvalid("x-8x8-signature is not a detached compact JWS (<header>..<signature>)")
    header_b64, _, signature_b64 = segments
    header = json.loads(_b64url_decode(header_b64))
    if header.get("alg") != "RS256" or header.get("b64") is not False or header.get("crit") != ["b64"]:
        raise SignatureInvalid(f"unexpected JOSE header {header}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise SignatureInvalid("the JOSE header names no kid")

    jwk = jwks(kid)
    if jwk.get("kty") != "RSA" or jwk.get("kid") != kid:
        raise SignatureInvalid(f"JWK for {kid} is not an RSA key with that kid: {jwk}")
    public_key = rsa.RSAPublicNumbers(_b64url_uint(jwk["e"]), _b64url_uint(jwk["n"])).public_key()
    signing_input = header_b64.encode("ascii") + b"." + signed_document(body, headers)
    try:
        public_key.verify(_b64url_decode(signature_b64), signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureInvalid(f"RS256 signature does not verify (kid {kid})") from None
    return kid


def verify_request(request: SignedRequest, jwks: JwkSource, *, max_age_seconds: float | None = 300) -> str:
    return verify_signature(
        body=request.body, headers=request.headers, jwks=jwks, max_age_seconds=max_age_seconds
    )


def verify_all(requests_: Iterable[SignedRequest], jwks: JwkSource) -> set[str]:
    """Verify every request; return the kids seen. Raises on the first invalid one."""
    return {verify_request(request, jwks) for request in requests_}
