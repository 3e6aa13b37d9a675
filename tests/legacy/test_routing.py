"""The v2 URL space: regions, optional trailing slashes, and a v2 404 for everything else."""

import pytest
from django.test import Client

from tests.legacy.conftest import LegacyWorld


@pytest.mark.parametrize("region", ["us", "eu", "ca", "ap"])
def test_every_documented_region_serves_the_tenant(legacy: LegacyWorld, region: str) -> None:
    path = f"/vcc/{region}/chat/v2/tenant/{legacy.tenant_id}/web-hooks"

    response = legacy.api.client.get(path, headers=legacy.api.headers())

    assert response.status_code == 200
    assert response.json() == legacy.api.get("/web-hooks").json()
    assert response.json()["data"][0]["id"] == legacy.webhook.id


@pytest.mark.parametrize(
    "path",
    [
        "/vcc/mars/chat/v2/tenant/{tenant}/web-hooks",
        "/vcc/US/chat/v2/tenant/{tenant}/web-hooks",
        "/vcc/us/chat/v2/tenant/{tenant}/no-such-resource",
        "/vcc/us/chat/v3/tenant/{tenant}/web-hooks",
        "/vcc/us/chat/v2/tenant/{tenant}/conversations/x/participants/agent",
        "/oauth/v2/authorize",
    ],
)
def test_any_other_path_is_a_v2_404(legacy: LegacyWorld, path: str) -> None:
    concrete = path.format(tenant=legacy.tenant_id)

    response = legacy.api.client.get(concrete, headers=legacy.api.headers())

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {"message": "Resource not found.", "errors": [f"No resource at {concrete}."]}


@pytest.mark.parametrize("resource", ["/web-hooks", "/web-hooks/{webhook}", "/conversations"])
def test_a_trailing_slash_is_optional(legacy: LegacyWorld, resource: str) -> None:
    path = resource.format(webhook=legacy.webhook.id)

    with_slash = legacy.api.get(path + "/")

    assert with_slash.status_code == 200
    assert with_slash.json() == legacy.api.get(path).json()


def test_an_unsupported_method_is_a_405_in_the_v2_shape(legacy: LegacyWorld) -> None:
    response = legacy.api.client.patch(legacy.api.base + "/web-hooks", headers=legacy.api.headers())

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert response.json() == {"message": "Method Not Allowed", "errors": ['Method "PATCH" not allowed.']}


def test_any_accept_header_gets_json(legacy: LegacyWorld) -> None:
    for accept in ["application/json", "application/problem+json", "text/html", "*/*"]:
        response = legacy.api.get("/web-hooks", **{"Accept": accept})

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json() == legacy.api.get("/web-hooks").json()


def test_a_sandbox_bug_is_a_500_with_a_reference_never_a_page(
    legacy: LegacyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(tenant: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("conversations.api.legacy.webhooks.legacy_webhooks", broken)
    client = Client(raise_request_exception=False)

    response = client.get(legacy.api.base + "/web-hooks", headers=legacy.api.headers())

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body == {
        "message": "Could not process this request due to an internal error.",
        "errors": ["RuntimeError"],
        "referenceId": body["referenceId"],
    }
    assert len(body["referenceId"]) == 16
