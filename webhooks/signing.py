"""The 8x8 webhook signature: pure functions, no database, no HTTP.

8x8 signs every event POST with a JWS (RFC 7515) using detached content and an unencoded
payload (RFC 7797). The signed payload is not the body but a small JSON document built
from the request headers plus the CRC-32 of the body:

    {"checksum":<crc32 of the body>,"cid":<customer>,"eid":<event>,"retry":<n>,"tid":<tenant>,"tt":<ms>}

with keys in exactly that (lexicographic) order. The protected header is
`{"b64":false,"crit":["b64"],"kid":<kid>,"alg":"RS256"}`, in that key order, and the
`x-8x8-signature` header carries `BASE64URL(header) + ".." + BASE64URL(signature)`.
The JOSE work itself is done by joserfc.
"""

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from gateway_sim.wire import compact_json

ALGORITHM = "RS256"
KEY_SIZE = 2048

TENANT_ID = "x-8x8-tenant-id"
CUSTOMER_ID = "x-8x8-customer-id"
EVENT_ID = "x-8x8-event-id"
TRANSMISSION_TIME = "x-8x8-transmission-time"
RETRY = "x-8x8-retry"
SIGNATURE = "x-8x8-signature"


@dataclass(frozen=True)
class Signer:
    """A private key and the id under which its public half is published."""

    kid: str
    key: RSAKey


def body_checksum(body: bytes) -> int:
    """CRC-32 (IEEE, as zlib / java.util.zip.CRC32) of the exact body bytes, unsigned."""
    return zlib.crc32(body) & 0xFFFFFFFF


def signing_payload(
    *,
    checksum: int,
    customer_id: str,
    event_id: str,
    retry: int,
    tenant_id: str,
    transmission_time: int,
) -> str:
    """The detached JWS payload: compact JSON, keys in 8x8's documented order."""
    document = {
        "checksum": checksum,
        "cid": customer_id,
        "eid": event_id,
        "retry": retry,
        "tid": tenant_id,
        "tt": transmission_time,
    }
    return compact_json(document)


def protected_header(kid: str) -> dict[str, Any]:
    """The JOSE header 8x8 sends; joserfc serialises it in this insertion order."""
    return {"b64": False, "crit": ["b64"], "kid": kid, "alg": ALGORITHM}


def sign(payload: str, *, signer: Signer) -> str:
    """The compact detached JWS `<header>..<signature>` over the unencoded `payload`."""
    value = jws.serialize_compact(protected_header(signer.kid), payload, signer.key, algorithms=[ALGORITHM])
    header_segment, middle, signature_segment = value.split(".")
    if middle:
        # RFC 7797 payloads made only of URL-safe characters could be left attached; ours
        # is JSON, so joserfc always detaches it. Detach explicitly to be sure.
        value = f"{header_segment}..{signature_segment}"
    return value


def event_headers(
    *,
    body: bytes,
    tenant_id: str,
    customer_id: str,
    event_id: str,
    retry: int,
    transmission_time: int,
    signer: Signer | None,
) -> dict[str, str]:
    """The `x-8x8-*` headers of one attempt; the signature only when a signer is given."""
    headers = {
        TENANT_ID: tenant_id,
        CUSTOMER_ID: customer_id,
        EVENT_ID: event_id,
        TRANSMISSION_TIME: str(transmission_time),
        RETRY: str(retry),
    }
    if signer is not None:
        payload = signing_payload(
            checksum=body_checksum(body),
            customer_id=customer_id,
            event_id=event_id,
            retry=retry,
            tenant_id=tenant_id,
            transmission_time=transmission_time,
        )
        headers[SIGNATURE] = sign(payload, signer=signer)
    return headers


def signature_header(signature: str) -> dict[str, Any]:
    """The decoded protected header of an `x-8x8-signature` value (not verified)."""
    try:
        return dict(jws.extract_compact(signature.encode("ascii"), payload="-").protected)
    except (JoseError, ValueError, UnicodeError) as exc:
        raise ValueError(f"malformed x-8x8-signature: {exc}") from None


def verify(*, body: bytes, headers: Mapping[str, str], public_jwk: Mapping[str, Any]) -> bool:
    """Whether the headers carry a valid 8x8 signature of `body` made with `public_jwk`.

    Rebuilds the signed payload from the headers exactly as a receiver does.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        payload = signing_payload(
            checksum=body_checksum(body),
            customer_id=lowered[CUSTOMER_ID],
            event_id=lowered[EVENT_ID],
            retry=int(lowered[RETRY]),
            tenant_id=lowered[TENANT_ID],
            transmission_time=int(lowered[TRANSMISSION_TIME]),
        )
        signature = lowered[SIGNATURE]
        header = signature_header(signature)
        if header.get("b64") is not False or header.get("kid") != public_jwk.get("kid"):
            return False
        key = RSAKey.import_key(dict(public_jwk))
        jws.deserialize_compact(signature, key, algorithms=[ALGORITHM], payload=payload)
    except (KeyError, ValueError, JoseError):
        return False
    return True


def public_jwk(signer: Signer) -> dict[str, str]:
    """The public key as 8x8 serves it: `{"kty","e","kid","n"}`, in that order."""
    public = signer.key.as_dict(private=False)
    return {"kty": "RSA", "e": str(public["e"]), "kid": signer.kid, "n": str(public["n"])}


def private_key_generate() -> str:
    """A new RSA private key as PKCS#8 PEM text (what the database stores)."""
    key = RSAKey.generate_key(KEY_SIZE, private=True)
    return key.as_pem(private=True).decode("ascii")


def signer_load(*, kid: str, private_pem: str) -> Signer:
    return Signer(kid=kid, key=RSAKey.import_key(private_pem))
