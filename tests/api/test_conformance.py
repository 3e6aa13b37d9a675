"""Every Chat Gateway operation, in success and in error, validated against 8x8's own spec.

Each case names the operation and the status it expects. Its response (status, media type,
body) is validated by openapi-core against gateway_sim/specs/chat-gateway-v1.oas.yml with
the corrections listed in tests/api/spec.py (and nothing else); the requests of the
successful cases are validated too, so the sandbox is shown to accept what the spec
describes. On top of the cases written out here, every operation's 401 is validated.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client

from tests.api.operations import AUTHENTICATED, Scenario, scenario_create
from tests.api.spec import DEVIATIONS, Call, operations, published_spec, validate_request, validate_response
from tests.factories import TenantFactory, World, world_create
from tests.webhooks.receiver import Receiver
from webhooks.keys import signing_key_current

W = "/chat-gateway/v1"
C = W + "/conversations/{conversationId}"
CARD = "/api/v1/tenant/{tenantId}/conversations/{conversationId}/cards/{cardId}"


@dataclass
class Scene:
    """A tenant with one of everything (see operations.Scenario) and a live webhook receiver."""

    scenario: Scenario
    receiver: Receiver

    @property
    def world(self) -> World:
        return self.scenario.world

    @property
    def ids(self) -> dict[str, str]:
        return {**self.scenario.ids, "queueId": self.world.support.public_id, "receiver": self.receiver.url}


@pytest.fixture
def scene(world: World, receiver: Receiver) -> Scene:
    return Scene(scenario_create(world), receiver)


@dataclass(frozen=True)
class Case:
    operation_id: str
    status: int
    method: str
    path: str
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    upload: Callable[[], dict[str, Any]] | None = None
    setup: Callable[[Scene], None] | None = None
    key: bool = True
    label: str = ""

    @property
    def name(self) -> str:
        return f"{self.operation_id}-{self.status}{'-' + self.label if self.label else ''}"


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def _second_tenant(scene: Scene) -> None:
    TenantFactory(customer=scene.world.tenant.customer)


def _failing_receiver(scene: Scene) -> None:
    scene.receiver.respond_with(status=500)


def _text_file() -> dict[str, Any]:
    return {"attachment": SimpleUploadedFile("notes.txt", b"hello", "text/plain"), "authorType": "user"}


def _image_file(scene: Scene) -> None:
    attachment = scene.scenario.attachment
    attachment.content_type = "image/png"
    attachment.save(update_fields=["content_type"])


MESSAGE_EXAMPLE = {
    "authorType": "user",
    "text": "What would you like to do next?",
    "attachments": [],
    "cards": [
        {
            "contentType": "application/8x8.quick.replies",
            "content": {
                "options": [
                    {"title": "option one", "data": {"postback": "1"}},
                    {"title": "second option", "data": {"postback": "2"}},
                ]
            },
        },
        {
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "type": "AdaptiveCard",
                "body": [{"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": "Example"}],
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "version": "1.3",
            },
        },
    ],
}
CONVERSATION = {
    "channelId": "{channelId}",
    "user": {
        "language": "en",
        "name": "James Jones",
        "email": "user@example.com",
        "phone": "013453403332",
        "additionalProperties": [
            {"key": "Authenticated", "value": "yes"},
            {"key": "Intent", "value": "balance"},
        ],
    },
    "assignment": {"type": "queue", "id": "{queueId}"},
    "history": {
        "messages": [
            {"authorType": "user", "text": "Hello, can I get my balance please"},
            {"authorType": "bot", "text": "Sure, connecting you now"},
        ]
    },
}
CHANNEL = {
    "name": "Web chat",
    "type": "ChatAPI",
    "webHookId": "{webhookId}",
    "routingOptions": {"type": "queue", "id": "{queueId}"},
}
WEBHOOK = {"name": "Bot", "uri": "{receiver}", "version": "Chat Gateway v1.0"}

CASES: tuple[Case, ...] = (
    # Webhooks
    Case("getwebhooks-1", 200, "GET", W + "/webhooks", query={"size": "10", "sort": "name:asc"}),
    Case("getwebhooks-1", 400, "GET", W + "/webhooks", query={"size": "0"}),
    Case("getwebhooks-1", 403, "GET", W + "/webhooks", headers={"X-8x8-Tenant": "someone-else"}),
    Case("createwebhook-1", 200, "POST", W + "/webhooks", WEBHOOK),
    Case("createwebhook-1", 400, "POST", W + "/webhooks", {"uri": "{receiver}"}),
    Case("getwebhookbyid-1", 200, "GET", W + "/webhooks/{webhookId}"),
    Case("getwebhookbyid-1", 404, "GET", W + "/webhooks/nope"),
    Case("updatewebhook-1", 200, "PUT", W + "/webhooks/{webhookId}", WEBHOOK),
    Case("updatewebhook-1", 400, "PUT", W + "/webhooks/{webhookId}", {"name": "Bot"}),
    Case("updatewebhook-1", 404, "PUT", W + "/webhooks/nope", WEBHOOK),
    Case("deletewebhookbyid-1", 204, "DELETE", W + "/webhooks/{webhookId}"),
    Case("deletewebhookbyid-1", 404, "DELETE", W + "/webhooks/nope"),
    Case(
        "verifywebhook-1",
        204,
        "POST",
        W + "/webhooks/verify",
        {"version": "Chat Gateway v1.0", "uri": "{receiver}"},
    ),
    Case(
        "verifywebhook-1",
        400,
        "POST",
        W + "/webhooks/verify",
        {"version": "Chat Gateway v1.0", "uri": "{receiver}"},
        setup=_failing_receiver,
    ),
    Case("getjwkpublickey-1", 200, "GET", W + "/jwk/{currentKid}/public", key=False),
    Case("getjwkpublickey-1", 404, "GET", W + "/jwk/unknown/public", key=False),
    # Channels
    Case(
        "getchatapichannels-1",
        200,
        "GET",
        W + "/channels",
        query={"filter": "routingOption.id=={queueId},type==ChatAPI"},
    ),
    Case("getchatapichannels-1", 400, "GET", W + "/channels", query={"filter": "secret==1"}),
    Case("createchatapichannel-1", 200, "POST", W + "/channels", CHANNEL),
    Case(
        "createchatapichannel-1",
        400,
        "POST",
        W + "/channels",
        {**CHANNEL, "routingOptions": {"type": "queue", "id": "999"}},
    ),
    Case("createchatapichannel-1", 403, "POST", W + "/channels", CHANNEL, setup=_second_tenant),
    Case("getchatapichannel-1", 200, "GET", W + "/channels/{channelId}"),
    Case("getchatapichannel-1", 404, "GET", W + "/channels/nope"),
    Case("updatechatapichannel-1", 200, "PUT", W + "/channels/{channelId}", CHANNEL),
    Case("updatechatapichannel-1", 400, "PUT", W + "/channels/{channelId}", {**CHANNEL, "webHookId": "nope"}),
    Case("updatechatapichannel-1", 404, "PUT", W + "/channels/nope", CHANNEL),
    Case("deletechatapichannelbyid-1", 204, "DELETE", W + "/channels/{channelId}"),
    Case("deletechatapichannelbyid-1", 404, "DELETE", W + "/channels/nope"),
    # Conversations
    Case(
        "getcctransactions-1",
        200,
        "GET",
        W + "/conversations",
        query={"filter": "state==active", "sort": "createdAt:desc"},
    ),
    Case("getcctransactions-1", 400, "GET", W + "/conversations", query={"page": "x"}),
    Case("createcctransaction-1", 202, "POST", W + "/conversations", CONVERSATION),
    Case(
        "createcctransaction-1",
        400,
        "POST",
        W + "/conversations",
        {**CONVERSATION, "assignment": {"type": "queue", "id": "999"}},
    ),
    Case("getcctransaction-1", 200, "GET", C),
    Case("getcctransaction-1", 404, "GET", W + "/conversations/nope"),
    Case(
        "putcctransaction",
        202,
        "PUT",
        C,
        {key: CONVERSATION[key] for key in ("channelId", "user", "assignment")},
    ),
    Case("putcctransaction", 400, "PUT", C, {"assignment": {"type": "queue", "id": "999"}}, label="default"),
    Case("putcctransaction", 404, "PUT", W + "/conversations/nope", {"user": {"name": "Jim"}}),
    Case("patchcctransaction", 202, "PATCH", C, {"assignment": {"type": "queue", "id": "{queueId}"}}),
    Case("patchcctransaction", 404, "PATCH", W + "/conversations/nope", {"user": {"name": "Jim"}}),
    Case("getccinteractions", 200, "GET", C + "/interactions"),
    Case("getccinteractions", 404, "GET", W + "/conversations/nope/interactions"),
    Case(
        "createpostagentassignment",
        201,
        "POST",
        C + "/post-agent-assignment",
        {
            "type": "webhook",
            "id": "{webhookId}",
            "configuration": {
                "notifyChannelWebhookIfExists": "false",
                "maxTotalMinutes": 300,
                "userTimeoutInMinutes": 150,
            },
        },
    ),
    Case(
        "createpostagentassignment",
        400,
        "POST",
        C + "/post-agent-assignment",
        {"type": "webhook", "id": "nope"},
    ),
    Case(
        "createpostagentassignment",
        404,
        "POST",
        W + "/conversations/nope/post-agent-assignment",
        {"type": "webhook", "id": "x"},
    ),
    Case("sendtypingindicator", 204, "POST", C + "/typing", {"authorType": "bot"}),
    Case("sendtypingindicator", 400, "POST", C + "/typing", {"authorType": "agent"}),
    Case("sendtypingindicator", 404, "POST", W + "/conversations/nope/typing", {"authorType": "bot"}),
    Case(
        "sendthinkingindicator",
        204,
        "POST",
        C + "/thinking",
        {"authorType": "bot", "maxThinkingTimeSeconds": 60},
    ),
    Case("sendthinkingindicator", 400, "POST", C + "/thinking", {"maxThinkingTimeSeconds": 0}),
    Case("sendthinkingindicator", 404, "POST", W + "/conversations/nope/thinking", {"authorType": "bot"}),
    Case(
        "sendreadreceipt", 204, "POST", C + "/read-receipt", {"authorType": "user", "readAt": 1770200431963}
    ),
    Case("sendreadreceipt", 400, "POST", C + "/read-receipt", {"authorType": "user"}),
    Case(
        "sendreadreceipt",
        404,
        "POST",
        W + "/conversations/nope/read-receipt",
        {"authorType": "user", "readAt": 1},
    ),
    # Participants
    Case("getparticipantsforcctransaction-1", 200, "GET", C + "/participants"),
    Case(
        "getparticipantsforcctransaction-1",
        404,
        "GET",
        W + "/conversations/nope/participants",
        label="default",
    ),
    Case("userparticipantleavecctransaction", 204, "PATCH", C + "/participants/user", {"removed": True}),
    Case(
        "userparticipantleavecctransaction",
        404,
        "PATCH",
        W + "/conversations/nope/participants/user",
        {"removed": True},
    ),
    # Messages and cards
    Case(
        "getmessagesforcctransaction-1",
        200,
        "GET",
        C + "/messages",
        query={"sort": "createdAt:asc", "size": "5"},
    ),
    Case("getmessagesforcctransaction-1", 400, "GET", C + "/messages", query={"sort": "id:asc"}),
    Case("getmessagesforcctransaction-1", 404, "GET", W + "/conversations/nope/messages", label="default"),
    Case("sendmessagetocctransaction-1", 202, "POST", C + "/messages", MESSAGE_EXAMPLE),
    Case(
        "sendmessagetocctransaction-1",
        202,
        "POST",
        C + "/messages",
        {"authorType": "user", "externalProvider": {"name": "X", "externalMessageId": "1234567890123456789"}},
        label="external",
    ),
    Case("sendmessagetocctransaction-1", 400, "POST", C + "/messages", {"authorType": "ghfgh", "text": "x"}),
    Case(
        "sendmessagetocctransaction-1",
        404,
        "POST",
        W + "/conversations/nope/messages",
        {"authorType": "user", "text": "x"},
    ),
    Case("getmessagebyidforcctransaction", 200, "GET", C + "/messages/{messageId}"),
    Case("getmessagebyidforcctransaction", 404, "GET", C + "/messages/nope"),
    Case("getcardsforcctransaction", 200, "GET", C + "/messages/{messageId}/cards"),
    Case("getcardsforcctransaction", 404, "GET", C + "/messages/nope/cards", label="default"),
    # Attachments
    Case("getconversationattachments", 200, "GET", C + "/attachments", query={"filter": "filename==*.txt"}),
    Case("getconversationattachments", 400, "GET", C + "/attachments", query={"sort": "size:asc"}),
    Case("getconversationattachments", 404, "GET", W + "/conversations/nope/attachments"),
    Case("addconversationattachments", 200, "POST", C + "/attachments", upload=_text_file),
    Case(
        "addconversationattachments",
        400,
        "POST",
        C + "/attachments",
        upload=lambda: {**_text_file(), "authorType": "agent"},
        label="default",
    ),
    Case(
        "addconversationattachments", 403, "POST", C + "/attachments", upload=_text_file, setup=_second_tenant
    ),
    Case("addconversationattachments", 404, "POST", W + "/conversations/nope/attachments", upload=_text_file),
    Case("getconversationattachment", 200, "GET", C + "/attachments/{attachmentId}"),
    Case("getconversationattachment", 404, "GET", C + "/attachments/nope"),
    Case("downloadattachmentforchatapiconversation", 200, "GET", C + "/attachments/{attachmentId}/content"),
    Case(
        "downloadattachmentforchatapiconversation",
        200,
        "GET",
        C + "/attachments/{attachmentId}/content",
        setup=_image_file,
        label="image",
    ),
    Case("downloadattachmentforchatapiconversation", 404, "GET", C + "/attachments/nope/content"),
    # Card actions
    Case("updatecardactionsubmit", 204, "PUT", CARD + "/action-submit", {"name": "Yes"}),
    Case("updatecardactionsubmit", 400, "PUT", CARD + "/action-submit", {"name": "Maybe"}),
    Case(
        "updatecardactionsubmit",
        403,
        "PUT",
        "/api/v1/tenant/someone-else/conversations/{conversationId}/cards/{cardId}/action-submit",
        {"name": "Yes"},
    ),
    Case(
        "updatecardactionsubmit",
        404,
        "PUT",
        "/api/v1/tenant/{tenantId}/conversations/{conversationId}/cards/nope/action-submit",
        {"name": "Yes"},
    ),
    Case("updatecardactionexecute", 204, "PUT", CARD + "/action-execute", {"name": "Yes"}),
    Case(
        "updatecardactionexecute",
        404,
        "PUT",
        "/api/v1/tenant/{tenantId}/conversations/nope/cards/{cardId}/action-execute",
        {"name": "x"},
    ),
)


def run(scene: Scene, case: Case, ids: dict[str, str]) -> tuple[Call, HttpResponse]:
    headers = {"x-api-key": scene.world.api_key.key} if case.key else {}
    call = Call(
        method=case.method,
        path=_fill(case.path, ids),
        body=_fill(case.body, ids),
        headers={**headers, **case.headers},
        query=_fill(case.query, ids),
    )
    url = call.path + ("?" + urlencode(call.query) if call.query else "")
    client = Client(headers=call.headers)
    if case.upload is not None:
        return call, client.post(url, case.upload())
    if call.body is None:
        return call, client.generic(call.method, url)
    return call, client.generic(call.method, url, json.dumps(call.body), content_type="application/json")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_response_conforms_to_the_spec(scene: Scene, case: Case) -> None:
    if case.setup is not None:
        case.setup(scene)
    ids = {**scene.ids, "currentKid": signing_key_current().kid}

    call, response = run(scene, case, ids)

    assert response.status_code == case.status, response.content
    if case.status < 300 and case.upload is None:
        validate_request(call)
    assert validate_response(call, response) == case.operation_id


@pytest.mark.parametrize("operation", AUTHENTICATED, ids=[op.operation_id for op in AUTHENTICATED])
def test_every_401_conforms_to_the_spec(scene: Scene, operation: Any) -> None:
    path = operation.path(scene.ids)
    call = Call(method=operation.method, path=path)
    response = Client().generic(operation.method, path)

    assert response.status_code == 401
    assert validate_response(call, response) == operation.operation_id


def test_the_cases_succeed_at_every_operation_of_the_spec() -> None:
    succeeded = {case.operation_id for case in CASES if case.status < 300}

    assert succeeded == set(operations())
    assert len(succeeded) == 34


def test_every_listed_deviation_is_still_in_the_published_file() -> None:
    spec = published_spec()

    assert [deviation.where for deviation in DEVIATIONS if not deviation.present(spec)] == []


def test_a_second_tenant_world_does_not_disturb_the_walk(scene: Scene) -> None:
    # The walk's ids are the scene's own: another customer's data never shows up in its lists.
    world_create()
    call, response = run(scene, CASES[0], scene.ids)

    listed = [item["id"] for item in response.json()["_embedded"]["webhooks"]]
    assert listed == [scene.world.webhook.id]
    assert validate_response(call, response) == "getwebhooks-1"
