"""Signing keys: persisted, rotated, and published as JWKs at both 8x8 paths."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from webhooks.keys import signer_current, signing_key_current, signing_key_public, signing_key_rotate
from webhooks.models import SigningKey

pytestmark = pytest.mark.django_db

REGIONS = ["us", "eu", "ca", "ap"]


def test_the_signing_key_is_created_on_first_use_and_then_reused() -> None:
    assert not SigningKey.objects.exists()

    first = signing_key_current()
    again = signing_key_current()

    assert again.kid == first.kid
    assert SigningKey.objects.count() == 1
    assert len(first.kid) == 22
    assert first.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert signer_current().kid == first.kid


def test_rotation_signs_with_a_new_key_and_keeps_the_old_one_published() -> None:
    old = signing_key_current()

    new = signing_key_rotate()

    assert new.kid != old.kid
    assert signing_key_current().kid == new.kid
    assert signer_current().kid == new.kid
    old.refresh_from_db()
    assert old.retired_at is not None
    assert signing_key_public(old.kid) is not None
    assert signing_key_public(new.kid) is not None


def test_the_rotate_command_names_the_new_kid() -> None:
    old = signing_key_current()
    out = StringIO()

    call_command("rotate_signing_key", stdout=out)

    current = signing_key_current()
    assert current.kid != old.kid
    assert out.getvalue() == f"Webhook deliveries are now signed with kid {current.kid}.\n"


def test_the_gateway_path_serves_the_public_jwk_without_authentication(client: Client) -> None:
    key = signing_key_current()

    response = client.get(f"/chat-gateway/v1/jwk/{key.kid}/public")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["kty", "e", "kid", "n"]
    assert body == signing_key_public(key.kid)
    assert body["kid"] == key.kid
    assert "d" not in body


@pytest.mark.parametrize("region", REGIONS)
def test_the_legacy_path_serves_the_same_jwk_in_every_region(client: Client, region: str) -> None:
    key = signing_key_current()

    response = client.get(f"/vcc/{region}/chat/v2/jwk/{key.kid}/public")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == signing_key_public(key.kid)


def test_a_retired_key_is_still_served(client: Client) -> None:
    old = signing_key_current()
    signing_key_rotate()

    assert client.get(f"/chat-gateway/v1/jwk/{old.kid}/public").json()["kid"] == old.kid
    assert client.get(f"/vcc/us/chat/v2/jwk/{old.kid}/public/").json()["kid"] == old.kid


def test_an_unknown_kid_gets_the_gateways_resource_not_found_problem(client: Client) -> None:
    response = client.get("/chat-gateway/v1/jwk/EXaiWfZe20eSjklZ70074w/public")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "message": "Resource of type JWKPublic with id EXaiWfZe20eSjklZ70074w was not found.",
        "errors": ["Resource may not exist or is not accessible."],
    }


def test_an_unknown_kid_gets_the_legacy_jwk_not_found_body(client: Client) -> None:
    response = client.get("/vcc/eu/chat/v2/jwk/EXaiWfZe20eSjklZ70074w/public")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "ClientError",
        "title": "Resource not found.",
        "status": 404,
        "detail": "Resource may not exist or is not accessible.",
        "resourceType": "JWKPublic",
        "resourceId": "EXaiWfZe20eSjklZ70074w",
        "instance": "ResourceNotFound",
    }


def test_an_unknown_region_is_not_found(client: Client) -> None:
    key = signing_key_current()

    response = client.get(f"/vcc/xx/chat/v2/jwk/{key.kid}/public")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_gateway_path_answers_other_methods_with_a_json_405(client: Client) -> None:
    response = client.post("/chat-gateway/v1/jwk/any/public")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "message": 'Method "POST" not allowed.',
        "errors": [{"code": "method_not_allowed", "message": 'Method "POST" not allowed.'}],
    }


def test_the_legacy_path_answers_other_methods_with_a_json_405(client: Client) -> None:
    response = client.delete("/vcc/us/chat/v2/jwk/any/public")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json() == {"message": "Method Not Allowed", "errors": ['Method "DELETE" not allowed.']}
