"""Every v2 operation, in success and in error, validated against 8x8's published spec.

Each case names the operation and status it expects; its response is validated by
openapi-core against `gateway_sim/specs/chat-api-v2.oas.json` with the corrections listed
in tests/legacy/spec.py (and nothing else). On top of the cases written out below, every
tenant-scoped operation is called with an invalid token, an expired token, a tenant of
another customer and an unknown region.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client
from openapi_core.validation.response.exceptions import InvalidData

from conversations.models import Conversation
from conversations.services.lifecycle import conversation_end_by_agent
from conversations.services.messages import agent_message_send
from conversations.services.offers import offer_accept
from tests.factories import ChannelFactory, LegacyCredentialFactory, TenantFactory, WebhookFactory
from tests.legacy.conftest import LegacyWorld, V2Client, basic, legacy_world_create
from tests.legacy.spec import DEFECTS, published_spec, validate
from tests.webhooks.receiver import Receiver
from webhooks.keys import signing_key_current


@dataclass
class Scene:
    """A v2 tenant with one of everything: a chat that ended and was re-opened, a receiver."""

    legacy: LegacyWorld
    client: Client
    conversation: Conversation
    receiver: Receiver

    @property
    def api(self) -> V2Client:
        return self.legacy.api

    @property
    def conversation_path(self) -> str:
        return f"/conversations/{self.conversation.id}"


@pytest.fixture
def scene(db: None, client: Client, receiver: Receiver) -> Scene:
    legacy = legacy_world_create(client)
    agent = legacy.world.agent()
    created = legacy.api.post(
        "/conversations",
        {
            "channelId": legacy.channel.id,
            "customer": {"name": "Ann", "email": "ann@example.com", "customerId": "c-1", "plan": "gold"},
            "history": {"messages": [{"type": "user", "text": "Hi"}, {"type": "bot", "text": "One moment"}]},
        },
    )
    conversation = Conversation.objects.get(pk=created.json()["conversationId"])
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)
    agent_message_send(conversation=conversation, agent=agent, text="Hello Ann")
    conversation_end_by_agent(conversation=conversation, agent=agent)
    legacy.api.post(f"/conversations/{conversation.id}/messages", {"text": "Still there?"})
    return Scene(legacy=legacy, client=client, conversation=conversation, receiver=receiver)


@dataclass(frozen=True)
class Case:
    operation: str
    status: int
    name: str
    call: Callable[[Scene], HttpResponse]

    def __str__(self) -> str:
        return f"{self.operation}-{self.status}-{self.name}"


def _token(scene: Scene, authorization: str, body: str = "grant_type=client_credentials") -> HttpResponse:
    return scene.client.post(
        "/oauth/v2/token",
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": authorization},
    )


def _credentials(scene: Scene) -> str:
    return basic(scene.legacy.credential.key, scene.legacy.credential.secret)


def _webhook(scene: Scene) -> str:
    return WebhookFactory(tenant=scene.legacy.world.tenant, version="v1.0").id


def _channel_body(scene: Scene, **overrides: object) -> dict[str, object]:
    world = scene.legacy.world
    body = {
        "name": "Web",
        "webHookId": scene.legacy.webhook.id,
        "routingOptions": {"type": "queue", "id": world.support.public_id},
    }
    return {**body, **overrides}


def _jwk(scene: Scene, kid: str) -> HttpResponse:
    return scene.client.get(f"/vcc/eu/chat/v2/jwk/{kid}/public")


CASES: tuple[Case, ...] = (
    Case("createaccesstoken", 200, "issued", lambda s: _token(s, _credentials(s))),
    Case("createaccesstoken", 400, "grant", lambda s: _token(s, _credentials(s), "grant_type=password")),
    Case("createaccesstoken", 401, "secret", lambda s: _token(s, basic(s.legacy.credential.key, "wrong"))),
    Case("getwebhooks", 200, "page", lambda s: s.api.get("/web-hooks", {"size": 1, "page": 0})),
    Case("getwebhooks", 400, "size", lambda s: s.api.get("/web-hooks", {"size": 0})),
    Case(
        "createwebhook",
        200,
        "created",
        lambda s: s.api.post("/web-hooks", {"name": "n", "uri": s.receiver.url}),
    ),
    Case(
        "createwebhook", 400, "invalid", lambda s: s.api.post("/web-hooks", {"uri": "nope", "version": "v3"})
    ),
    Case("getwebhookbyid", 200, "read", lambda s: s.api.get(f"/web-hooks/{s.legacy.webhook.id}")),
    Case("getwebhookbyid", 404, "unknown", lambda s: s.api.get("/web-hooks/unknown")),
    Case(
        "updatewebhook",
        200,
        "replaced",
        lambda s: s.api.put(
            f"/web-hooks/{s.legacy.webhook.id}", {"name": "n", "uri": "http://h/x"}, **{"If-Match": "1"}
        ),
    ),
    Case(
        "updatewebhook",
        400,
        "invalid",
        lambda s: s.api.put(f"/web-hooks/{s.legacy.webhook.id}", {"name": ""}),
    ),
    Case(
        "updatewebhook",
        404,
        "unknown",
        lambda s: s.api.put("/web-hooks/unknown", {"name": "n", "uri": "http://h"}),
    ),
    Case(
        "updatewebhook",
        412,
        "stale",
        lambda s: s.api.put(
            f"/web-hooks/{s.legacy.webhook.id}", {"name": "n", "uri": "http://h"}, **{"If-Match": "9"}
        ),
    ),
    Case("deletewebhookbyid", 204, "deleted", lambda s: s.api.delete(f"/web-hooks/{_webhook(s)}")),
    Case("deletewebhookbyid", 404, "unknown", lambda s: s.api.delete("/web-hooks/unknown")),
    Case(
        "verifywebhook",
        204,
        "answered",
        lambda s: s.api.post("/web-hooks/verify", {"version": "v2.0", "uri": s.receiver.url}),
    ),
    Case(
        "verifywebhook",
        400,
        "unreachable",
        lambda s: s.api.post("/web-hooks/verify", {"version": "v1.0", "uri": "http://127.0.0.1:9/closed"}),
    ),
    Case("getjwkpublickey", 200, "current", lambda s: _jwk(s, signing_key_current().kid)),
    Case("getjwkpublickey", 404, "unknown", lambda s: _jwk(s, "no-such-kid")),
    Case("getchatapichannels", 200, "page", lambda s: s.api.get("/channels")),
    Case("getchatapichannels", 400, "page", lambda s: s.api.get("/channels", {"page": -1})),
    Case("createchatapichannel", 200, "created", lambda s: s.api.post("/channels", _channel_body(s))),
    Case(
        "createchatapichannel",
        400,
        "queue",
        lambda s: s.api.post("/channels", _channel_body(s, routingOptions={"type": "queue", "id": "112"})),
    ),
    Case("getchatapichannel", 200, "read", lambda s: s.api.get(f"/channels/{s.legacy.channel.id}")),
    Case("getchatapichannel", 404, "unknown", lambda s: s.api.get("/channels/unknown")),
    Case(
        "updatechatapichannel",
        200,
        "replaced",
        lambda s: s.api.put(f"/channels/{s.legacy.channel.id}", _channel_body(s), **{"If-Match": "1"}),
    ),
    Case(
        "updatechatapichannel",
        400,
        "webhook",
        lambda s: s.api.put(f"/channels/{s.legacy.channel.id}", _channel_body(s, webHookId="x")),
    ),
    Case("updatechatapichannel", 404, "unknown", lambda s: s.api.put("/channels/unknown", _channel_body(s))),
    Case(
        "updatechatapichannel",
        412,
        "stale",
        lambda s: s.api.put(f"/channels/{s.legacy.channel.id}", _channel_body(s), **{"If-Match": "5"}),
    ),
    Case(
        "deletechatapichannelbyid",
        204,
        "deleted",
        lambda s: s.api.delete(
            "/channels/"
            + ChannelFactory(tenant=s.legacy.world.tenant, webhook=s.legacy.webhook, api="legacy").id
        ),
    ),
    Case("deletechatapichannelbyid", 404, "unknown", lambda s: s.api.delete("/channels/unknown")),
    Case("getcctransactions", 200, "all", lambda s: s.api.get("/conversations")),
    Case(
        "getcctransactions",
        200,
        "filtered",
        lambda s: s.api.get(
            "/conversations",
            {"status": "pending", "order": "desc", "userId": "c-1", "customer.plan": "gold", "size": "5"},
        ),
    ),
    Case("getcctransactions", 400, "status", lambda s: s.api.get("/conversations", {"status": "open"})),
    Case(
        "createcctransaction",
        202,
        "created",
        lambda s: s.api.post(
            "/conversations", {"channelId": s.legacy.channel.id, "customer": {"name": "Bo"}}
        ),
    ),
    Case(
        "createcctransaction",
        400,
        "channel",
        lambda s: s.api.post("/conversations", {"channelId": "x", "customer": {}}),
    ),
    Case("getcctransaction", 200, "reopened", lambda s: s.api.get(s.conversation_path)),
    Case("getcctransaction", 404, "unknown", lambda s: s.api.get("/conversations/unknown")),
    Case(
        "getparticipantsforcctransaction",
        200,
        "all",
        lambda s: s.api.get(s.conversation_path + "/participants"),
    ),
    Case(
        "getparticipantsforcctransaction",
        404,
        "unknown",
        lambda s: s.api.get("/conversations/x/participants"),
    ),
    Case(
        "customerparticipantleavecctransaction",
        204,
        "left",
        lambda s: s.api.delete(s.conversation_path + "/participants/customer"),
    ),
    Case(
        "customerparticipantleavecctransaction",
        404,
        "unknown",
        lambda s: s.api.delete("/conversations/x/participants/customer"),
    ),
    Case("getmessagesforcctransaction", 200, "all", lambda s: s.api.get(s.conversation_path + "/messages")),
    Case(
        "getmessagesforcctransaction",
        200,
        "interaction",
        lambda s: s.api.get(
            s.conversation_path + "/messages", {"interaction-id": s.conversation.interactions.last().id}
        ),
    ),
    Case("getmessagesforcctransaction", 404, "unknown", lambda s: s.api.get("/conversations/x/messages")),
    Case(
        "sendmessagetocctransaction",
        202,
        "user",
        lambda s: s.api.post(s.conversation_path + "/messages", {"text": "hi"}),
    ),
    Case(
        "sendmessagetocctransaction",
        202,
        "bot",
        lambda s: s.api.post(s.conversation_path + "/messages", {"authorType": "bot", "text": "beep"}),
    ),
    Case(
        "sendmessagetocctransaction",
        400,
        "empty",
        lambda s: s.api.post(s.conversation_path + "/messages", {}),
    ),
    Case(
        "sendmessagetocctransaction",
        404,
        "unknown",
        lambda s: s.api.post("/conversations/x/messages", {"text": "t"}),
    ),
)


def _tenant_operations() -> list[tuple[str, str, str]]:
    """(operationId, method, template) of every operation under /tenant/{tenant-id}."""
    found = []
    for template, operations in published_spec()["paths"].items():
        if "{tenant-id}" not in template:
            continue
        for method, operation in operations.items():
            found.append((operation["operationId"], method, template))
    return found


def _concrete(template: str, *, region: str, tenant_id: str) -> str:
    path = template.replace("{region}", region).replace("{tenant-id}", tenant_id)
    return re.sub(r"\{[^}]+\}", "x", path)


def _call(client: Client, method: str, path: str, token: str) -> HttpResponse:
    headers = {"Authorization": f"Bearer {token}"}
    if method in ("post", "put"):
        return getattr(client, method)(path, "{}", content_type="application/json", headers=headers)
    return getattr(client, method)(path, headers=headers)


REFUSALS = {"invalid": 401, "expired": 401, "foreign": 403, "region": 404}


@dataclass(frozen=True)
class Refusal:
    """A tenant-scoped operation called with a bad token, a foreign tenant or a bad region."""

    operation: str
    method: str
    template: str
    kind: str

    @property
    def status(self) -> int:
        return REFUSALS[self.kind]

    def __str__(self) -> str:
        return f"{self.operation}-{self.status}-{self.kind}"

    def call(self, legacy: LegacyWorld, client: Client) -> HttpResponse:
        tenant_id, region, token = legacy.tenant_id, "us", legacy.token.token
        if self.kind == "expired":
            with time_machine.travel(legacy.token.expires_at + timedelta(seconds=1)):
                return _call(
                    client, self.method, _concrete(self.template, region=region, tenant_id=tenant_id), token
                )
        if self.kind == "invalid":
            token = "not-a-token"
        elif self.kind == "foreign":
            tenant_id = TenantFactory(customer=LegacyCredentialFactory().customer).id
        elif self.kind == "region":
            region = "mars"
        return _call(client, self.method, _concrete(self.template, region=region, tenant_id=tenant_id), token)


REFUSAL_CASES: tuple[Refusal, ...] = tuple(
    Refusal(operation, method, template, kind)
    for operation, method, template in _tenant_operations()
    for kind in REFUSALS
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_response_conforms_to_the_v2_spec(scene: Scene, case: Case) -> None:
    response = case.call(scene)

    assert response.status_code == case.status, response.content
    assert validate(response) == case.operation


@pytest.mark.parametrize("refusal", REFUSAL_CASES, ids=str)
def test_the_refusal_conforms_to_the_v2_spec(legacy: LegacyWorld, client: Client, refusal: Refusal) -> None:
    response = refusal.call(legacy, client)

    assert response.status_code == refusal.status, response.content
    assert validate(response) == refusal.operation


def test_the_validator_rejects_a_body_that_breaks_the_spec(legacy: LegacyWorld) -> None:
    response = legacy.api.get(f"/web-hooks/{legacy.webhook.id}")
    response.content = response.content.replace(b'"v2.0"', b'"Chat Gateway v1.0"')

    with pytest.raises(InvalidData):
        validate(response)


def test_every_operation_is_exercised_in_success_and_in_error() -> None:
    operations = {op["operationId"] for ops in published_spec()["paths"].values() for op in ops.values()}
    succeeded = {case.operation for case in CASES if case.status < 300}
    failed = {case.operation for case in CASES if case.status >= 400}

    assert operations == succeeded == failed
    assert len(operations) == 20
    assert {refusal.operation for refusal in REFUSAL_CASES} == operations - {
        "createaccesstoken",
        "getjwkpublickey",
    }


@pytest.mark.parametrize("defect", DEFECTS, ids=lambda d: d.where)
def test_each_listed_defect_is_still_in_the_published_spec(defect) -> None:  # type: ignore[no-untyped-def]
    """A correction must never hide a spec that 8x8 has fixed: the defect must still be there."""
    assert defect.present(published_spec()), f"{defect.where} is no longer wrong: drop it from DEFECTS"
