"""Signing keys in the control API: listed with their JWKs, rotated, old ones still served."""

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from conversations.api.gateway.base import iso_timestamp
from tests.api.conftest import GatewayClient
from tests.factories import World
from tests.webhooks.receiver import Receiver, receiver
from tests.webhooks.support import start_conversation
from tests.webhooks.verifier import verify_request
from webhooks.claims import claim_due
from webhooks.keys import signing_key_current, signing_key_public
from webhooks.models import SigningKey
from webhooks.worker import attempt

__all__ = ["receiver"]

pytestmark = pytest.mark.django_db


def served(url: str) -> Any:
    response = Client().get(urlsplit(url).path)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_it_lists_the_keys_with_their_jwks_and_urls(control: GatewayClient) -> None:
    key = signing_key_current()

    response = control.get("/sandbox/v1/keys")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "keys": [
            {
                "kid": key.kid,
                "createdAt": iso_timestamp(key.created_at),
                "retiredAt": None,
                "current": True,
                "jwk": signing_key_public(key.kid),
                "jwkUrls": {
                    "gateway": f"http://testserver/chat-gateway/v1/jwk/{key.kid}/public",
                    "legacy": f"http://testserver/vcc/us/chat/v2/jwk/{key.kid}/public",
                },
            }
        ]
    }


def test_listing_creates_the_first_key_when_there_is_none(control: GatewayClient) -> None:
    [shown] = json.loads(control.get("/sandbox/v1/keys").content)["keys"]

    assert [shown["kid"]] == list(SigningKey.objects.values_list("kid", flat=True))
    assert shown["current"] is True


def test_after_a_rotation_deliveries_are_signed_with_the_new_kid_and_both_jwks_are_served(
    world: World, receiver: Receiver, control: GatewayClient
) -> None:
    world.webhook.uri = receiver.url
    world.webhook.save(update_fields=["uri"])
    old = signing_key_current()

    response = control.post("/sandbox/v1/keys/rotate")

    assert response.status_code == 201
    new = json.loads(response.content)
    assert new["kid"] != old.kid
    assert new["current"] is True
    start_conversation(world)
    while claimed := claim_due().deliveries:
        for delivery in claimed:
            attempt(delivery)
    keys = {key["kid"]: key for key in json.loads(control.get("/sandbox/v1/keys").content)["keys"]}
    assert [(kid, key["current"], key["retiredAt"] is None) for kid, key in keys.items()] == [
        (new["kid"], True, True),
        (old.kid, False, False),
    ]
    for key in keys.values():
        assert served(key["jwkUrls"]["gateway"]) == key["jwk"]
        assert served(key["jwkUrls"]["legacy"]) == key["jwk"]

    def jwks(kid: str) -> Mapping[str, Any]:
        return served(keys[kid]["jwkUrls"]["gateway"])  # type: ignore[no-any-return]

    arrived = receiver.snapshot()
    assert len(arrived) == 3
    assert {verify_request(request, jwks) for request in arrived} == {new["kid"]}
