"""The API journal: every Gateway, legacy and control call of a tenant, secrets masked."""

import base64
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.test import AsyncClient, Client, override_settings
from pytest_django import DjangoAssertNumQueries

from conversations.attachment_links import presigned_url
from conversations.models import Conversation
from conversations.services.attachments import attachment_create
from conversations.services.lifecycle import conversation_create
from gateway_sim.batch_writer import BatchWriter
from gateway_sim.control import journal
from gateway_sim.control.journal import BODY_LIMIT, journal_prune
from gateway_sim.models import JournalEntry
from tests.api.conftest import GatewayClient, problem
from tests.factories import LegacyCredentialFactory, TenantFactory, World, world_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def journal_on(settings: Any) -> None:
    settings.SANDBOX_JOURNAL = True


def _start(world: World) -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ada"})


def _requests(control: GatewayClient, query: str = "") -> list[dict[str, Any]]:
    response = control.get(f"/sandbox/v1/requests{query}")
    assert response.status_code == 200, response.content
    entries: list[dict[str, Any]] = json.loads(response.content)["requests"]
    return entries


def test_it_records_a_gateway_call_with_its_operation_and_the_key_masked(
    world: World, control: GatewayClient
) -> None:
    conversation = _start(world)
    sent = control.post(
        f"/chat-gateway/v1/conversations/{conversation.id}/messages?trace=1",
        {"authorType": "user", "text": "Hello"},
    )
    assert sent.status_code == 202

    [entry] = _requests(control)

    key = world.api_key.key
    assert entry == {
        "id": JournalEntry.objects.get().id,
        "at": entry["at"],
        "api": "gateway",
        "method": "POST",
        "path": f"/chat-gateway/v1/conversations/{conversation.id}/messages",
        "query": "trace=1",
        "operation": "sendmessagetocctransaction-1",
        "status": 202,
        "latencyMs": entry["latencyMs"],
        "conversationId": conversation.id,
        "request": {
            "headers": {
                "cookie": "****",
                "x-api-key": f"****{key[-4:]}",
                "content-length": "39",
                "content-type": "application/json",
            },
            "body": '{"authorType": "user", "text": "Hello"}',
            "bodyTrimmed": False,
        },
        "response": {
            "headers": {
                "allow": "GET, POST, HEAD",
                "x-frame-options": "DENY",
                "content-length": "0",
                "x-content-type-options": "nosniff",
                "referrer-policy": "same-origin",
                "cross-origin-opener-policy": "same-origin",
            },
            "body": "",
            "bodyTrimmed": False,
        },
    }
    assert entry["at"].endswith("Z")
    assert entry["latencyMs"] > 0
    assert key not in json.dumps(entry)


def test_the_listing_does_not_record_itself_but_other_control_calls_are(
    world: World, control: GatewayClient
) -> None:
    control.get("/sandbox/v1/requests")
    control.get("/sandbox/v1/requests/1")
    control.get("/sandbox/v1/events")

    entries = _requests(control)

    assert [(e["api"], e["path"], e["operation"], e["status"]) for e in entries] == [
        ("control", "/sandbox/v1/events", "events_list", 200)
    ]


def test_a_call_without_a_known_tenant_is_not_recorded(world: World, control: GatewayClient) -> None:
    GatewayClient("not-a-key").get("/chat-gateway/v1/channels")
    GatewayClient(None).get("/sandbox/v1/events")

    assert _requests(control) == []
    assert JournalEntry.objects.count() == 0


def test_a_refused_call_of_a_known_tenant_is_recorded(world: World, control: GatewayClient) -> None:
    control.post("/chat-gateway/v1/conversations/nope/messages", {"authorType": "user", "text": "Hi"})

    [entry] = _requests(control)

    assert (entry["status"], entry["operation"], entry["conversationId"]) == (
        404,
        "sendmessagetocctransaction-1",
        "nope",
    )


def test_it_filters_and_pages_oldest_first(world: World, control: GatewayClient) -> None:
    first, second = _start(world), _start(world)
    control.get(f"/chat-gateway/v1/conversations/{first.id}")
    control.post(f"/chat-gateway/v1/conversations/{second.id}/messages", {"authorType": "user", "text": "A"})
    control.get("/chat-gateway/v1/conversations/missing")
    control.get("/sandbox/v1/events")
    ids = list(JournalEntry.objects.order_by("id").values_list("id", flat=True))

    def paths(query: str) -> list[str]:
        return [entry["path"] for entry in _requests(control, query)]

    gateway = "/chat-gateway/v1/conversations"
    assert paths("?api=gateway") == [
        f"{gateway}/{first.id}",
        f"{gateway}/{second.id}/messages",
        f"{gateway}/missing",
    ]
    assert paths("?method=post") == [f"{gateway}/{second.id}/messages"]
    assert paths("?operation=getcctransaction-1") == [f"{gateway}/{first.id}", f"{gateway}/missing"]
    assert paths("?status=4xx") == [f"{gateway}/missing"]
    assert paths("?status=200") == [f"{gateway}/{first.id}", "/sandbox/v1/events"]
    assert paths(f"?conversation={second.id}") == [f"{gateway}/{second.id}/messages"]
    assert paths("?path=/sandbox/") == ["/sandbox/v1/events"]
    assert paths(f"?after={ids[1]}&limit=1") == [f"{gateway}/missing"]
    page = json.loads(control.get(f"/sandbox/v1/requests?after={ids[1]}&limit=1").content)
    assert page["hasMore"] is True
    assert json.loads(control.get(f"/sandbox/v1/requests?after={ids[2]}").content)["hasMore"] is False


def test_a_bad_filter_is_a_400_naming_it(world: World, control: GatewayClient) -> None:
    response = control.get("/sandbox/v1/requests?status=44&api=soap")

    body = problem(response)
    assert response.status_code == 400
    assert {item["message"] for item in body["errors"]} == {
        "status: Enter a status such as 404, or a class such as 4xx.",
        'api: "soap" is not a valid choice.',
    }


def test_the_listing_reads_the_journal_in_one_query_whatever_its_length(
    world: World, control: GatewayClient, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(5):
        control.get("/sandbox/v1/events")

    # Resolving the key, the page of entries, and the cursor header (two).
    with django_assert_num_queries(4):
        assert len(_requests(control)) == 5


def test_one_entry_is_read_by_its_id_and_only_by_its_tenant(world: World, control: GatewayClient) -> None:
    control.get("/sandbox/v1/events")
    entry_id = JournalEntry.objects.get().id
    other = world_create()

    mine = control.get(f"/sandbox/v1/requests/{entry_id}")
    theirs = GatewayClient(other.api_key.key).get(f"/sandbox/v1/requests/{entry_id}")

    assert mine.status_code == 200
    assert json.loads(mine.content)["path"] == "/sandbox/v1/events"
    assert theirs.status_code == 404
    assert problem(theirs)["detail"] == f"Entity of type Request with id {entry_id} was not found."
    assert _requests(GatewayClient(other.api_key.key)) == []
    assert problem(control.get("/sandbox/v1/requests/abc"))["status"] == 404


def test_the_legacy_token_exchange_is_recorded_with_its_credentials_masked(
    world: World, control: GatewayClient, client: Client
) -> None:
    credential = LegacyCredentialFactory(customer=world.tenant.customer)
    basic = base64.b64encode(f"{credential.key}:{credential.secret}".encode()).decode()

    answer = client.post(
        "/oauth/v2/token",
        f"grant_type=client_credentials&client_id={credential.key}&client_secret={credential.secret}",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Basic {basic}"},
    )
    token = json.loads(answer.content)["access_token"]
    api = client.get(
        f"/vcc/us/chat/v2/tenant/{world.tenant.id}/channels", headers={"Authorization": f"Bearer {token}"}
    )
    assert (answer.status_code, api.status_code) == (200, 200)

    exchange, listing = _requests(control, "?api=legacy")

    assert (exchange["operation"], listing["operation"]) == ("createaccesstoken", "getchatapichannels")
    assert exchange["request"]["headers"]["authorization"] == "Basic ****"
    assert exchange["request"]["body"] == (
        f"grant_type=client_credentials&client_id=%2A%2A%2A%2A{credential.key[-4:]}"
        f"&client_secret=%2A%2A%2A%2A{credential.secret[-4:]}"
    )
    assert json.loads(exchange["response"]["body"]) == {
        **json.loads(answer.content),
        "client_id": f"****{credential.key[-4:]}",
        "access_token": f"****{token[-4:]}",
    }
    assert listing["request"]["headers"]["authorization"] == f"Bearer ****{token[-4:]}"
    recorded = json.dumps([exchange, listing])
    assert credential.secret not in recorded
    assert token not in recorded
    assert basic not in recorded


def test_a_token_exchange_in_json_is_refused_and_leaves_no_secret_in_the_journal(
    world: World, control: GatewayClient, client: Client
) -> None:
    credential = LegacyCredentialFactory(customer=world.tenant.customer)
    basic = base64.b64encode(f"{credential.key}:{credential.secret}".encode()).decode()

    refused = client.post(
        "/oauth/v2/token",
        {"grant_type": "client_credentials", "client_secret": credential.secret},
        content_type="application/json",
        headers={"Authorization": f"Basic {basic}"},
    )

    assert refused.status_code == 400
    # Refused before the credentials are read, so no tenant is known and nothing is recorded.
    assert _requests(control) == []


def test_a_token_exchange_shows_in_the_journal_of_every_tenant_of_the_customer(
    world: World, control: GatewayClient, client: Client
) -> None:
    sibling = TenantFactory(customer=world.tenant.customer)
    credential = LegacyCredentialFactory(customer=world.tenant.customer)
    basic = base64.b64encode(f"{credential.key}:{credential.secret}".encode()).decode()

    client.post(
        "/oauth/v2/token",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Basic {basic}"},
    )

    assert set(JournalEntry.objects.values_list("tenant_id", "operation")) == {
        (world.tenant.id, "createaccesstoken"),
        (sibling.id, "createaccesstoken"),
    }


def test_the_token_of_a_presigned_link_is_masked(
    world: World, control: GatewayClient, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    conversation = _start(world)
    upload = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    attachment = attachment_create(conversation=conversation, upload=upload, author_type="user")
    link = presigned_url(attachment.id)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    token = path.rsplit("/", 1)[1]

    assert Client().get(path).status_code == 200

    [entry] = _requests(control)
    assert (entry["api"], entry["path"], entry["status"]) == ("gateway", f"/files/{attachment.id}/****", 200)
    assert entry["response"]["bodyTrimmed"] is True
    assert token not in json.dumps(entry)


def test_a_body_over_the_limit_is_left_out_and_flagged(world: World, control: GatewayClient) -> None:
    conversation = _start(world)
    control.post(
        f"/chat-gateway/v1/conversations/{conversation.id}/messages",
        {"authorType": "user", "text": "x" * BODY_LIMIT},
    )
    for _ in range(3):
        control.get("/sandbox/v1/events")

    [posted, *_] = _requests(control)
    assert (posted["request"]["body"], posted["request"]["bodyTrimmed"]) == ("", True)
    events = control.get("/sandbox/v1/events?limit=1000")
    assert len(events.content) > BODY_LIMIT
    last = _requests(control)[-1]
    assert (last["query"], last["response"]["bodyTrimmed"]) == ("limit=1000", True)
    assert len(last["response"]["body"].encode()) <= BODY_LIMIT


@override_settings(SANDBOX_JOURNAL=False)
def test_nothing_is_recorded_when_the_journal_is_off(world: World, control: GatewayClient) -> None:
    control.get("/sandbox/v1/events")

    assert JournalEntry.objects.count() == 0


@override_settings(SANDBOX_JOURNAL_KEEP=3)
def test_a_tenant_keeps_its_newest_entries(
    world: World, control: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "PRUNE_EVERY", 4)
    other = world_create()
    GatewayClient(other.api_key.key).get("/sandbox/v1/events")
    for number in range(5):
        control.get(f"/sandbox/v1/events?after={number}")

    # Pruned at the 4th entry of the tenant (3 left), then one more.
    assert [entry["query"] for entry in _requests(control)] == ["after=1", "after=2", "after=3", "after=4"]
    assert journal_prune(tenant_id=world.tenant.id) == 1
    assert JournalEntry.objects.filter(tenant=world.tenant).count() == 3
    assert JournalEntry.objects.filter(tenant=other.tenant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_event_wait_is_recorded_through_the_asgi_handler(world: World) -> None:
    wait = async_to_sync(AsyncClient().get)

    response = wait("/sandbox/v1/events/wait?timeout=0", headers={"x-api-key": world.api_key.key})

    assert response.status_code == 408, response.content
    entries = list(JournalEntry.objects.filter(tenant=world.tenant))
    assert [(e.operation, e.status, e.query) for e in entries] == [("events_wait", 408, "timeout=0")]
    assert entries[0].request_headers["x-api-key"] == f"****{world.api_key.key[-4:]}"


def test_the_schema_lists_the_journal_operations(control: GatewayClient) -> None:
    schema = json.loads(Client().get("/api/sandbox-v1.oas.json").content)

    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"requests_list", "requests_retrieve"} <= operations


@pytest.mark.django_db(transaction=True)
def test_with_the_writer_thread_the_listing_still_reads_every_call_made_before_it(
    world: World, control: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = BatchWriter(journal._write_now, name="test-journal", linger=30, on_exit=close_old_connections)
    monkeypatch.setattr(journal, "_writer", writer)
    journal.journal_writer_start()
    try:
        for number in range(3):
            control.get(f"/sandbox/v1/events?after={number}")
        assert JournalEntry.objects.count() == 0

        entries = _requests(control)
    finally:
        writer.stop()

    assert [entry["query"] for entry in entries] == ["after=0", "after=1", "after=2"]


def test_a_reset_empties_the_journal_so_a_test_lists_only_its_own_calls(
    world: World, control: GatewayClient
) -> None:
    _start(world)
    control.get("/sandbox/v1/tenant")
    assert len(_requests(control)) == 1

    reset = control.post("/sandbox/v1/tenant/reset", {})

    assert json.loads(reset.content)["removed"]["journalEntries"] == 1
    # Only the reset itself, recorded once it had answered.
    assert [(entry["method"], entry["path"]) for entry in _requests(control)] == [
        ("POST", "/sandbox/v1/tenant/reset")
    ]
