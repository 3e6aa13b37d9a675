"""The 8x8 signature, checked against 8x8's documented sample and an independent verifier.

No database: signing is pure functions.
"""

import base64
import json

import pytest

from tests.webhooks.verifier import SignatureInvalid, verify_signature
from webhooks import signing

# The documented sample (8x8 "Validating webhook events"): its body, headers and the
# signature header's first part, which decodes to {"b64":false,"crit":["b64"],"kid":"key1","alg":"RS256"}.
SAMPLE_BODY = (
    b'{"eventType":"AGENT_JOINED","messageType":"SYSTEM","conversationId":"Aka5NMHU8MtIG7lUQOxI0DTOvM4",'
    b'"agentId":"cmalutan","agentName":"Cosmin,Malutan","timestamp":1629804577002}'
)
SAMPLE_ID = "vccC8ProdChecksUS"
SAMPLE_EVENT = "g4nqGuj8TpCa6tiZ3DeeNw"
SAMPLE_TT = 1629804577296
SAMPLE_HEADER_SEGMENT = "eyJiNjQiOmZhbHNlLCJjcml0IjpbImI2NCJdLCJraWQiOiJrZXkxIiwiYWxnIjoiUlMyNTYifQ"


@pytest.fixture(scope="module")
def key1() -> signing.Signer:
    return signing.signer_load(kid="key1", private_pem=signing.private_key_generate())


@pytest.fixture(scope="module")
def other_key() -> signing.Signer:
    return signing.signer_load(kid="key1", private_pem=signing.private_key_generate())


def sample_headers(signer: signing.Signer | None, *, retry: int = 0) -> dict[str, str]:
    return signing.event_headers(
        body=SAMPLE_BODY,
        tenant_id=SAMPLE_ID,
        customer_id=SAMPLE_ID,
        event_id=SAMPLE_EVENT,
        retry=retry,
        transmission_time=SAMPLE_TT,
        signer=signer,
    )


def test_the_checksum_of_the_documented_sample_is_8x8s() -> None:
    assert signing.body_checksum(SAMPLE_BODY) == 1564621066


def test_the_checksum_is_unsigned_even_when_the_crc_has_its_high_bit_set() -> None:
    assert signing.body_checksum(b"sandbox") == 3874156903


def test_the_signed_document_is_the_documented_one_byte_for_byte() -> None:
    document = signing.signing_payload(
        checksum=1564621066,
        customer_id=SAMPLE_ID,
        event_id=SAMPLE_EVENT,
        retry=0,
        tenant_id=SAMPLE_ID,
        transmission_time=SAMPLE_TT,
    )

    assert document == (
        '{"checksum":1564621066,"cid":"vccC8ProdChecksUS","eid":"g4nqGuj8TpCa6tiZ3DeeNw",'
        '"retry":0,"tid":"vccC8ProdChecksUS","tt":1629804577296}'
    )


def test_the_signature_header_starts_with_the_documented_protected_header(key1: signing.Signer) -> None:
    signature = sample_headers(key1)[signing.SIGNATURE]

    header_segment, payload_segment, signature_segment = signature.split(".")
    assert header_segment == SAMPLE_HEADER_SEGMENT
    assert payload_segment == ""
    # RS256 with a 2048-bit key: 256 bytes, 342 base64url characters, like the sample's.
    assert len(signature_segment) == 342
    assert len(base64.urlsafe_b64decode(signature_segment + "==")) == 256


def test_the_headers_are_the_six_x_8x8_headers_in_8x8s_format(key1: signing.Signer) -> None:
    headers = sample_headers(key1, retry=2)

    assert list(headers) == [
        "x-8x8-tenant-id",
        "x-8x8-customer-id",
        "x-8x8-event-id",
        "x-8x8-transmission-time",
        "x-8x8-retry",
        "x-8x8-signature",
    ]
    assert headers["x-8x8-tenant-id"] == SAMPLE_ID
    assert headers["x-8x8-customer-id"] == SAMPLE_ID
    assert headers["x-8x8-event-id"] == SAMPLE_EVENT
    assert headers["x-8x8-transmission-time"] == "1629804577296"
    assert headers["x-8x8-retry"] == "2"


def test_unsigned_headers_carry_no_signature() -> None:
    headers = sample_headers(None)

    assert signing.SIGNATURE not in headers
    assert len(headers) == 5


def test_a_signature_verifies_with_the_published_jwk(key1: signing.Signer) -> None:
    headers = sample_headers(key1)

    assert signing.verify(body=SAMPLE_BODY, headers=headers, public_jwk=signing.public_jwk(key1))


def test_the_independent_verifier_accepts_the_signature(key1: signing.Signer) -> None:
    headers = {"content-type": "application/json", **sample_headers(key1)}
    jwk = signing.public_jwk(key1)

    kid = verify_signature(body=SAMPLE_BODY, headers=headers, jwks=lambda kid: jwk, max_age_seconds=None)

    assert kid == "key1"


@pytest.mark.parametrize(
    ("body", "header", "value"),
    [
        (SAMPLE_BODY + b" ", None, None),
        (SAMPLE_BODY.replace(b"Cosmin", b"Cosmix"), None, None),
        (SAMPLE_BODY, "x-8x8-retry", "1"),
        (SAMPLE_BODY, "x-8x8-transmission-time", "1629804577297"),
        (SAMPLE_BODY, "x-8x8-event-id", "another"),
        (SAMPLE_BODY, "x-8x8-tenant-id", "other-tenant"),
        (SAMPLE_BODY, "x-8x8-customer-id", "other-customer"),
    ],
)
def test_any_change_to_the_body_or_a_signed_header_breaks_the_signature(
    key1: signing.Signer, body: bytes, header: str | None, value: str | None
) -> None:
    headers = {"content-type": "application/json", **sample_headers(key1)}
    if header is not None:
        headers[header] = str(value)
    jwk = signing.public_jwk(key1)

    assert not signing.verify(body=body, headers=headers, public_jwk=jwk)
    with pytest.raises(SignatureInvalid):
        verify_signature(body=body, headers=headers, jwks=lambda kid: jwk, max_age_seconds=None)


def test_a_signature_does_not_verify_with_another_key_of_the_same_kid(
    key1: signing.Signer, other_key: signing.Signer
) -> None:
    headers = sample_headers(key1)

    assert not signing.verify(body=SAMPLE_BODY, headers=headers, public_jwk=signing.public_jwk(other_key))


def test_a_jwk_with_another_kid_is_not_used(key1: signing.Signer) -> None:
    headers = sample_headers(key1)
    jwk = {**signing.public_jwk(key1), "kid": "key2"}

    assert not signing.verify(body=SAMPLE_BODY, headers=headers, public_jwk=jwk)


def test_a_malformed_signature_does_not_verify(key1: signing.Signer) -> None:
    headers = {**sample_headers(key1), signing.SIGNATURE: "not-a-jws"}

    assert not signing.verify(body=SAMPLE_BODY, headers=headers, public_jwk=signing.public_jwk(key1))


def test_the_jwk_has_8x8s_fields_in_8x8s_order(key1: signing.Signer) -> None:
    jwk = signing.public_jwk(key1)

    assert list(jwk) == ["kty", "e", "kid", "n"]
    assert jwk["kty"] == "RSA"
    assert jwk["e"] == "AQAB"
    assert jwk["kid"] == "key1"
    modulus = base64.urlsafe_b64decode(jwk["n"] + "==")
    assert len(modulus) == 256


def test_the_protected_header_decodes_to_8x8s_header_in_order(key1: signing.Signer) -> None:
    segment = sample_headers(key1)[signing.SIGNATURE].split(".")[0]

    decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode()
    assert decoded == '{"b64":false,"crit":["b64"],"kid":"key1","alg":"RS256"}'
    assert json.loads(decoded) == signing.signature_header(sample_headers(key1)[signing.SIGNATURE])


def test_unicode_bodies_are_checksummed_as_utf8_bytes(key1: signing.Signer) -> None:
    body = '{"text":"Grüße, 日本"}'.encode()
    headers = {"content-type": "application/json", **sample_headers(key1)}
    headers.update(
        signing.event_headers(
            body=body,
            tenant_id=SAMPLE_ID,
            customer_id=SAMPLE_ID,
            event_id=SAMPLE_EVENT,
            retry=0,
            transmission_time=SAMPLE_TT,
            signer=key1,
        )
    )
    jwk = signing.public_jwk(key1)

    assert verify_signature(body=body, headers=headers, jwks=lambda kid: jwk, max_age_seconds=None) == "key1"
