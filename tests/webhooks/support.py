"""What the webhook tests share: a fixed start time, a conversation starter, the local JWKs."""

from datetime import UTC, datetime

from conversations.models import Conversation
from conversations.services.lifecycle import conversation_create
from tests.factories import World
from webhooks.keys import signing_key_public

START = datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC)


def start_conversation(world: World, name: str = "James Jones") -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": name})


def local_jwks(kid: str) -> dict[str, str]:
    """The public JWK for `kid`, read from the database instead of over HTTP."""
    jwk = signing_key_public(kid)
    assert jwk is not None, f"unknown kid {kid}"
    return jwk
