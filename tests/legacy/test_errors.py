"""Whatever goes wrong on a v2 path is answered in the v2 dialect, in JSON, never a Django page."""

import json
from unittest import mock

import pytest
from django.db import DataError
from django.test import Client, RequestFactory

from gateway_sim import error_views
from tests.legacy.conftest import LegacyWorld, basic

pytestmark = pytest.mark.django_db


def test_too_many_token_form_fields_is_a_400_oauth_error(legacy: LegacyWorld) -> None:
    body = "grant_type=client_credentials&" + "&".join(f"f{i}=x" for i in range(1001))

    response = legacy.api.client.post(
        "/oauth/v2/token",
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": basic(legacy.credential.key, legacy.credential.secret)},
    )

    assert response.status_code == 400
    assert response.json() == {
        "ErrorCode": "invalid_request",
        "Error": "The request cannot be processed: The number of GET/POST parameters exceeded "
        "settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.",
    }


def test_a_value_the_database_refuses_is_a_constraint_violation(legacy: LegacyWorld) -> None:
    with mock.patch("conversations.api.legacy.webhooks.webhook_create", side_effect=DataError("NUL")):
        response = legacy.api.post("/web-hooks", {"name": "n", "uri": "http://receiver/hook"})

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": ["A value in the request cannot be stored."],
    }


def test_a_nul_character_in_a_path_id_is_not_found(legacy: LegacyWorld) -> None:
    response = legacy.api.get("/channels/ab%00c")

    assert response.status_code == 404
    assert response.json() == {
        "message": "Resource of type Channel with id ab\x00c was not found.",
        "errors": ["Entity of type Channel with id ab\x00c was not found."],
    }


def test_a_nul_character_in_the_tenant_is_not_the_customers(legacy: LegacyWorld) -> None:
    response = legacy.api.client.get(
        f"/vcc/us/chat/v2/tenant/{legacy.tenant_id}%00/channels", headers=legacy.api.headers()
    )

    assert response.status_code == 403
    assert response.json()["message"] == "The tenant does not belong to customer."


def test_a_nul_character_in_the_bearer_token_is_an_invalid_token(legacy: LegacyWorld) -> None:
    response = legacy.api.client.get(
        legacy.api.base + "/channels", headers={"Authorization": f"Bearer {legacy.token.pk}\x00"}
    )

    assert response.status_code == 401
    assert response.json() == {
        "fault": {
            "faultstring": "Invalid Access Token",
            "detail": {"errorcode": "keymanagement.service.invalid_access_token"},
        }
    }


def test_an_unknown_oauth_path_is_a_json_404(client: Client) -> None:
    response = client.get("/oauth/v3/token")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "message": "Resource not found.",
        "errors": ["No operation answers GET /oauth/v3/token."],
    }


def test_a_crash_in_the_public_key_view_is_a_v2_json_500() -> None:
    client = Client(raise_request_exception=False)

    with mock.patch("webhooks.views.signing_key_public", side_effect=RuntimeError("boom")):
        response = client.get("/vcc/us/chat/v2/jwk/some-kid/public")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body == {
        "message": "Could not process this request due to an internal error.",
        "errors": ["The sandbox failed to process the request."],
        "referenceId": body["referenceId"],
    }


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/vcc/us/chat/v2/tenant/t/channels",
            {"message": "Constraint Violation", "errors": ["The request cannot be processed."]},
        ),
        ("/oauth/v2/token", {"ErrorCode": "invalid_request", "Error": "The request cannot be processed."}),
    ],
)
def test_djangos_own_400_answers_the_v2_dialect(path: str, body: dict[str, object]) -> None:
    response = error_views.bad_request(RequestFactory().get(path), ValueError())

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content) == body


def test_djangos_own_403_answers_the_v2_dialect() -> None:
    response = error_views.permission_denied(
        RequestFactory().get("/vcc/us/chat/v2/jwk/k/public"), ValueError()
    )

    assert response.status_code == 403
    assert json.loads(response.content) == {"message": "Access is denied.", "errors": ["Access is denied."]}
