"""A tenant set up for the legacy v2 API: key/secret, a v2.0 webhook, a v2 channel, a token."""

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from conversations.models import AccessToken, ApiFlavour, Channel, LegacyCredential
from conversations.services.legacy_auth import access_token_issue
from tests.factories import ChannelFactory, LegacyCredentialFactory, WebhookFactory, World, world_create
from tests.webhooks.receiver import receiver
from webhooks.models import Webhook


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class V2Client:
    """Calls `/vcc/{region}/chat/v2/tenant/{tenant}` paths with a bearer token, JSON in and out."""

    def __init__(self, client: Client, *, tenant_id: str, token: str, region: str = "us") -> None:
        self.client = client
        self.base = f"/vcc/{region}/chat/v2/tenant/{tenant_id}"
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, query: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(self.base + path, query or {}, headers=self.headers(headers))

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        data = "" if body is None else json.dumps(body)
        return self.client.post(
            self.base + path, data, content_type="application/json", headers=self.headers(headers)
        )

    def put(self, path: str, body: Any, **headers: str) -> Any:
        return self.client.put(
            self.base + path, json.dumps(body), content_type="application/json", headers=self.headers(headers)
        )

    def delete(self, path: str, **headers: str) -> Any:
        return self.client.delete(self.base + path, headers=self.headers(headers))


@dataclass
class LegacyWorld:
    """`World` plus what a v2 integration has: credentials, a token, a v2.0 webhook and channel."""

    world: World
    credential: LegacyCredential
    token: AccessToken
    webhook: Webhook
    channel: Channel
    api: V2Client

    @property
    def tenant_id(self) -> str:
        return self.world.tenant.id


def legacy_world_create(client: Client, *, webhook_version: str = "v2.0") -> LegacyWorld:
    world = world_create()
    credential = LegacyCredentialFactory(customer=world.tenant.customer)
    webhook = WebhookFactory(tenant=world.tenant, name="v2 integration", version=webhook_version)
    channel = ChannelFactory(
        tenant=world.tenant,
        name="v2 channel",
        webhook=webhook,
        routing_queue=world.sales,
        api=ApiFlavour.LEGACY,
    )
    token = access_token_issue(key=credential.key, secret=credential.secret)
    return LegacyWorld(
        world=world,
        credential=credential,
        token=token,
        webhook=webhook,
        channel=channel,
        api=V2Client(client, tenant_id=world.tenant.id, token=token.token),
    )


@pytest.fixture
def legacy(db: None, client: Client) -> LegacyWorld:
    return legacy_world_create(client)


__all__ = ["receiver"]
