"""`POST /oauth/v2/token` and the bearer token's life: issue, use, expire, refuse."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conversations.models import AccessToken
from tests.factories import LegacyCredentialFactory
from tests.legacy.conftest import LegacyWorld, basic

TOKEN_URL = "/oauth/v2/token"
FORM = "application/x-www-form-urlencoded"


def issue(client: Client, authorization: str | None, body: str = "grant_type=client_credentials"):  # type: ignore[no-untyped-def]
    headers = {"Authorization": authorization} if authorization else {}
    return client.post(TOKEN_URL, body, content_type=FORM, headers=headers)


@pytest.mark.django_db
def test_it_issues_an_all_string_auth_response_for_the_key_and_secret(client: Client) -> None:
    credential = LegacyCredentialFactory()
    moment = timezone.now().replace(microsecond=123000)

    with time_machine.travel(moment, tick=False):
        response = issue(client, basic(credential.key, credential.secret))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    token = AccessToken.objects.get()
    assert body == {
        "refresh_token_expires_in": "0",
        "api_product_list": ["vcc"],
        "organization_name": "8x8gateway",
        "token_type": "BearerToken",
        "issued_at": str(int(moment.timestamp() * 1000)),
        "client_id": credential.key,
        "access_token": token.token,
        "application_name": str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox:legacy-credential:{credential.key}")
        ),
        "scope": "",
        "expires_in": "3600",
        "refresh_count": "0",
        "status": "approved",
    }
    assert token.credential == credential
    assert token.expires_at == moment + timedelta(seconds=3600)


@pytest.mark.django_db
def test_each_request_issues_a_new_token(client: Client) -> None:
    credential = LegacyCredentialFactory()

    first = issue(client, basic(credential.key, credential.secret)).json()["access_token"]
    second = issue(client, basic(credential.key, credential.secret)).json()["access_token"]

    assert first != second
    assert AccessToken.objects.count() == 2


@pytest.mark.django_db
def test_the_grant_type_may_come_in_the_query_string(client: Client) -> None:
    credential = LegacyCredentialFactory()

    response = client.post(
        TOKEN_URL + "?grant_type=client_credentials",
        "",
        content_type=FORM,
        headers={"Authorization": basic(credential.key, credential.secret)},
    )

    assert response.status_code == 200


@pytest.mark.django_db
def test_an_unsupported_grant_type_is_a_400_oauth_error(client: Client) -> None:
    credential = LegacyCredentialFactory()

    response = issue(client, basic(credential.key, credential.secret), "grant_type=password")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {"ErrorCode": "invalid_request", "Error": "Unsupported grant type : password"}
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_a_missing_grant_type_is_a_400_oauth_error(client: Client) -> None:
    credential = LegacyCredentialFactory()

    response = issue(client, basic(credential.key, credential.secret), "")

    assert response.status_code == 400
    assert response.json() == {
        "ErrorCode": "invalid_request",
        "Error": "The request is missing a required parameter : grant_type",
    }


@pytest.mark.django_db
def test_a_wrong_secret_is_a_401_invalid_client(client: Client) -> None:
    credential = LegacyCredentialFactory()

    response = issue(client, basic(credential.key, "not-the-secret"))

    assert response.status_code == 401
    assert response.json() == {"ErrorCode": "invalid_client", "Error": "Client credentials are invalid"}
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_an_unknown_key_is_a_401_invalid_client(client: Client) -> None:
    response = issue(client, basic("no-such-key", "whatever"))

    assert response.status_code == 401
    assert response.json() == {"ErrorCode": "invalid_client", "Error": "Client credentials are invalid"}


@pytest.mark.django_db
@pytest.mark.parametrize("authorization", [None, "Bearer abc", "Basic !!!not-base64", "Basic " + "a2V5"])
def test_missing_or_unreadable_basic_auth_is_a_401(client: Client, authorization: str | None) -> None:
    response = issue(client, authorization)

    assert response.status_code == 401
    assert response.json() == {"ErrorCode": "invalid_client", "Error": "Client identifier is required"}


@pytest.mark.django_db
def test_the_token_endpoint_answers_other_methods_in_its_own_dialect(client: Client) -> None:
    response = client.get(TOKEN_URL)

    assert response.status_code == 405
    assert response.json() == {"ErrorCode": "invalid_request", "Error": 'Method "GET" not allowed.'}


def test_a_fresh_token_opens_the_tenants_paths(legacy: LegacyWorld) -> None:
    response = legacy.api.get("/web-hooks")

    assert response.status_code == 200


def test_a_token_is_refused_once_it_expires(legacy: LegacyWorld) -> None:
    with time_machine.travel(legacy.token.expires_at - timedelta(seconds=1)):
        assert legacy.api.get("/web-hooks").status_code == 200

    with time_machine.travel(legacy.token.expires_at):
        response = legacy.api.get("/web-hooks")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "fault": {
            "faultstring": "Access Token expired",
            "detail": {"errorcode": "keymanagement.service.access_token_expired"},
        }
    }


@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "Bearer ", "", "Basic abc"])
def test_an_invalid_or_missing_token_is_a_401_apigee_fault(legacy: LegacyWorld, authorization: str) -> None:
    response = legacy.api.client.get(legacy.api.base + "/web-hooks", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json() == {
        "fault": {
            "faultstring": "Invalid Access Token",
            "detail": {"errorcode": "keymanagement.service.invalid_access_token"},
        }
    }


def test_a_tenant_of_another_customer_is_a_403(legacy: LegacyWorld) -> None:
    other = LegacyCredentialFactory()
    tenant_of_other = other.customer.tenants.create(id="someone-elses", name="Someone else's")
    del tenant_of_other

    response = legacy.api.client.get(
        "/vcc/us/chat/v2/tenant/someone-elses/web-hooks", headers=legacy.api.headers()
    )

    assert response.status_code == 403
    assert response.json() == {
        "message": "The tenant does not belong to customer.",
        "errors": [f"Tenant someone-elses does not belong to customer {legacy.credential.customer_id}."],
    }


def test_expired_tokens_are_pruned_a_day_after_expiry_when_the_key_asks_again(legacy: LegacyWorld) -> None:
    from conversations.services.legacy_auth import access_token_issue

    with time_machine.travel(legacy.token.expires_at + timedelta(days=1, seconds=1)):
        access_token_issue(key=legacy.credential.key, secret=legacy.credential.secret)

    assert not AccessToken.objects.filter(pk=legacy.token.pk).exists()
    assert AccessToken.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"grant_type": "client_credentials"}'),
        (
            "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=grant_type\r\n\r\nclient_credentials\r\n--x--\r\n",
        ),
        ("text/plain", "grant_type=client_credentials"),
    ],
)
def test_a_body_that_is_not_form_encoded_is_a_400_oauth_error(
    client: Client, content_type: str, body: str
) -> None:
    credential = LegacyCredentialFactory()

    response = client.post(
        TOKEN_URL,
        body,
        content_type=content_type,
        headers={"Authorization": basic(credential.key, credential.secret)},
    )

    media_type = content_type.split(";")[0]
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "ErrorCode": "invalid_request",
        "Error": f"Unsupported Content-Type {media_type} : the token request is sent as {FORM}",
    }
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_a_form_content_type_with_a_charset_is_accepted(client: Client) -> None:
    credential = LegacyCredentialFactory()

    response = client.post(
        TOKEN_URL,
        "grant_type=client_credentials",
        content_type=f"{FORM}; charset=UTF-8",
        headers={"Authorization": basic(credential.key, credential.secret)},
    )

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_request_without_a_body_may_name_the_grant_type_in_the_query(client: Client) -> None:
    credential = LegacyCredentialFactory()

    response = client.generic(
        "POST",
        TOKEN_URL + "?grant_type=client_credentials",
        headers={"Authorization": basic(credential.key, credential.secret)},
    )

    assert response.status_code == 200
