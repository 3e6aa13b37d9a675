"""v2 `/web-hooks`: list, create, read, replace (If-Match), delete, verify."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gateway_sim.domain_errors import PreconditionFailed
from tests.factories import WebhookFactory
from tests.legacy.conftest import LegacyWorld
from tests.webhooks.receiver import Receiver
from tests.webhooks.verifier import verify_signature
from webhooks.keys import signing_key_public
from webhooks.models import Delivery, Webhook
from webhooks.services import webhook_update


def test_it_lists_only_the_tenants_v2_webhooks_in_a_plain_page(legacy: LegacyWorld) -> None:
    v1 = WebhookFactory(tenant=legacy.world.tenant, name="old", uri="http://example.com/v1", version="v1.0")
    WebhookFactory(tenant=legacy.world.tenant, name="deleted", version="v2.0", is_deleted=True)

    with CaptureQueriesContext(connection) as queries:
        response = legacy.api.get("/web-hooks")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "data": [
            {"id": legacy.webhook.id, "name": "v2 integration", "uri": legacy.webhook.uri, "version": "v2.0"},
            {"id": v1.id, "name": "old", "uri": "http://example.com/v1", "version": "v1.0"},
        ],
        "page": {"pageSize": 20, "pageIndex": 0, "elementCount": 2, "pageCount": 1},
    }
    # token, tenant, count, page: the Gateway webhook of the world is not listed.
    assert len(queries) == 4


def test_it_pages_with_size_and_page_given_as_strings(legacy: LegacyWorld) -> None:
    for index in range(4):
        WebhookFactory(tenant=legacy.world.tenant, name=f"hook {index}", version="v2.0")

    response = legacy.api.get("/web-hooks", {"size": "2", "page": "2"})

    assert response.json()["page"] == {"pageSize": 2, "pageIndex": 2, "elementCount": 5, "pageCount": 3}
    assert [item["name"] for item in response.json()["data"]] == ["hook 3"]


def test_a_page_past_the_end_is_empty(legacy: LegacyWorld) -> None:
    response = legacy.api.get("/web-hooks", {"page": 5})

    assert response.json() == {
        "data": [],
        "page": {"pageSize": 20, "pageIndex": 5, "elementCount": 1, "pageCount": 1},
    }


def test_a_bad_page_size_is_a_constraint_violation(legacy: LegacyWorld) -> None:
    response = legacy.api.get("/web-hooks", {"size": "0", "page": "x"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": [
            "size: Ensure this value is greater than or equal to 1.",
            "page: A valid integer is required.",
        ],
    }


def test_it_creates_a_webhook_with_version_v2_by_default_and_says_hello(legacy: LegacyWorld) -> None:
    response = legacy.api.post("/web-hooks", {"name": "Bot", "uri": "http://receiver:9000/hook"})

    assert response.status_code == 200
    webhook = Webhook.objects.get(name="Bot")
    assert response.json() == {
        "id": webhook.id,
        "name": "Bot",
        "uri": "http://receiver:9000/hook",
        "version": "v2.0",
    }
    assert response["ETag"] == '"1"'
    assert webhook.tenant == legacy.world.tenant
    hello = Delivery.objects.get(webhook=webhook)
    assert hello.body == '{"notificationVersion":"v2.0","eventType":"WEB_HOOK_VERIFY"}'
    assert hello.signed is True


def test_a_v1_webhook_says_hello_unsigned_as_v2(legacy: LegacyWorld) -> None:
    response = legacy.api.post(
        "/web-hooks", {"name": "Old", "uri": "https://example.com/h", "version": "v1.0"}
    )

    assert response.json()["version"] == "v1.0"
    hello = Delivery.objects.get(webhook_id=response.json()["id"])
    assert hello.body == '{"notificationVersion":"v2.0","eventType":"WEB_HOOK_VERIFY"}'
    assert hello.signed is False


def test_notification_version_is_read_as_the_version(legacy: LegacyWorld) -> None:
    response = legacy.api.post(
        "/web-hooks", {"name": "Spec reader", "uri": "https://example.com/h", "notificationVersion": "v1.0"}
    )

    assert response.json()["version"] == "v1.0"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, ["name: May not be empty.", "uri: May not be empty."]),
        (
            {"name": "x" * 257, "uri": "ftp://example.com", "version": "Chat Gateway v1.0"},
            [
                "name: Ensure this field has no more than 256 characters.",
                "uri: Must be an absolute http or https URI.",
                "version: Must be one of v1.0, v2.0.",
            ],
        ),
        (
            {"name": "", "uri": "relative/path"},
            ["name: May not be empty.", "uri: Must be an absolute http or https URI."],
        ),
        ({"name": None, "uri": "http://h"}, ["name: May not be null."]),
    ],
)
def test_invalid_webhooks_are_constraint_violations(
    legacy: LegacyWorld, body: dict, errors: list[str]
) -> None:  # type: ignore[type-arg]
    response = legacy.api.post("/web-hooks", body)

    assert response.status_code == 400
    assert response.json() == {"message": "Constraint Violation", "errors": errors}
    assert Webhook.objects.filter(tenant=legacy.world.tenant).count() == 2


def test_malformed_json_is_a_constraint_violation(legacy: LegacyWorld) -> None:
    response = legacy.api.client.post(
        legacy.api.base + "/web-hooks",
        "{not json",
        content_type="application/json",
        headers=legacy.api.headers(),
    )

    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Constraint Violation"
    assert body["errors"][0].startswith("Malformed request body: JSON parse error")


def test_json_nested_too_deeply_is_a_constraint_violation(legacy: LegacyWorld) -> None:
    response = legacy.api.client.post(
        legacy.api.base + "/web-hooks",
        "[" * 100_000,
        content_type="application/json",
        headers=legacy.api.headers(),
    )

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": ["Malformed request body: JSON parse error - the document is nested too deeply."],
    }


def test_it_reads_one_webhook(legacy: LegacyWorld) -> None:
    response = legacy.api.get(f"/web-hooks/{legacy.webhook.id}")

    assert response.status_code == 200
    assert response.json() == {
        "id": legacy.webhook.id,
        "name": "v2 integration",
        "uri": legacy.webhook.uri,
        "version": "v2.0",
    }


@pytest.mark.parametrize("method", ["get", "delete"])
def test_an_unknown_or_gateway_webhook_is_not_found(legacy: LegacyWorld, method: str) -> None:
    for webhook_id in ["nope", legacy.world.webhook.id]:
        response = getattr(legacy.api, method)(f"/web-hooks/{webhook_id}")

        assert response.status_code == 404
        assert response.json() == {
            "message": f"Resource of type WebHook with id {webhook_id} was not found.",
            "errors": [f"Entity of type WebHook with id {webhook_id} was not found."],
        }


def test_it_replaces_a_webhook_and_bumps_its_version(legacy: LegacyWorld) -> None:
    body = {"name": "Renamed", "uri": "https://example.com/new", "version": "v1.0"}

    response = legacy.api.put(f"/web-hooks/{legacy.webhook.id}", body, **{"If-Match": "1"})

    assert response.status_code == 200
    assert response.json() == {"id": legacy.webhook.id, **body}
    assert response["ETag"] == '"2"'
    legacy.webhook.refresh_from_db()
    assert (legacy.webhook.name, legacy.webhook.uri, legacy.webhook.version) == (
        "Renamed",
        "https://example.com/new",
        "v1.0",
    )
    assert legacy.webhook.entity_version == 2


def test_a_stale_if_match_is_412_and_changes_nothing(legacy: LegacyWorld) -> None:
    body = {"name": "Renamed", "uri": "https://example.com/new"}
    legacy.api.put(f"/web-hooks/{legacy.webhook.id}", body)

    response = legacy.api.put(
        f"/web-hooks/{legacy.webhook.id}", {**body, "name": "Again"}, **{"If-Match": '"1"'}
    )

    assert response.status_code == 412
    assert response.json() == {
        "message": "Precondition Failed",
        "errors": [f"WebHook {legacy.webhook.id} is at version 2; If-Match named version 1."],
    }
    legacy.webhook.refresh_from_db()
    assert legacy.webhook.name == "Renamed"


def test_the_update_service_checks_the_stored_version_not_the_callers_copy(legacy: LegacyWorld) -> None:
    stale = Webhook.objects.get(pk=legacy.webhook.pk)
    webhook_update(webhook=legacy.webhook, name="First", uri="https://example.com/1", version="v2.0")

    with pytest.raises(PreconditionFailed) as refused:
        webhook_update(
            webhook=stale, name="Second", uri="https://example.com/2", version="v2.0", expected_version=1
        )

    assert refused.value.field == "If-Match"
    stored = Webhook.objects.get(pk=legacy.webhook.pk)
    assert (stored.name, stored.uri, stored.entity_version) == ("First", "https://example.com/1", 2)


def test_a_non_numeric_if_match_is_a_constraint_violation(legacy: LegacyWorld) -> None:
    response = legacy.api.put(
        f"/web-hooks/{legacy.webhook.id}", {"name": "n", "uri": "http://h"}, **{"If-Match": "abc"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": ["If-Match: Must be the entity version, a whole number."],
    }


def test_it_deletes_a_webhook(legacy: LegacyWorld) -> None:
    response = legacy.api.delete(f"/web-hooks/{legacy.webhook.id}")

    assert response.status_code == 204
    assert response.content == b""
    legacy.webhook.refresh_from_db()
    assert legacy.webhook.is_deleted
    assert legacy.api.get(f"/web-hooks/{legacy.webhook.id}").status_code == 404


def test_verify_answers_204_when_the_target_answers_2xx(legacy: LegacyWorld, receiver: Receiver) -> None:
    response = legacy.api.post("/web-hooks/verify", {"version": "v2.0", "uri": receiver.url})

    assert response.status_code == 204
    [hello] = receiver.snapshot()
    assert hello.body == b'{"notificationVersion":"v2.0","eventType":"WEB_HOOK_VERIFY"}'

    def public_jwk(kid: str) -> dict[str, str]:
        jwk = signing_key_public(kid)
        assert jwk is not None
        return jwk

    verify_signature(body=hello.body, headers=hello.headers, jwks=public_jwk)


def test_verify_of_a_v1_webhook_says_hello_unsigned(legacy: LegacyWorld, receiver: Receiver) -> None:
    response = legacy.api.post("/web-hooks/verify", {"version": "v1.0", "uri": receiver.url})

    assert response.status_code == 204
    [hello] = receiver.snapshot()
    assert hello.json() == {"notificationVersion": "v2.0", "eventType": "WEB_HOOK_VERIFY"}
    assert "x-8x8-signature" not in hello.headers


def test_verify_is_a_400_when_the_target_fails(legacy: LegacyWorld, receiver: Receiver) -> None:
    receiver.respond_with(status=500)

    response = legacy.api.post("/web-hooks/verify", {"version": "v2.0", "uri": receiver.url})

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": [f"uri: Webhook verification of {receiver.url} failed: it answered HTTP 500."],
    }


def test_verify_needs_a_version_and_uri(legacy: LegacyWorld) -> None:
    response = legacy.api.post("/web-hooks/verify", {"version": "v3"})

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": ["version: Must be one of v1.0, v2.0.", "uri: May not be empty."],
    }
