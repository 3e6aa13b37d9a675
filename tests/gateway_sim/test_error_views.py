"""Unknown paths and refused methods under the API prefixes answer JSON in the shape of that
API's family; pages for people keep Django's HTML."""

import json
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from gateway_sim import error_views

pytestmark = pytest.mark.django_db


def problem(response: HttpResponse) -> Any:
    assert response["Content-Type"] == "application/problem+json", response.content
    return json.loads(response.content)


@pytest.fixture
def browserless() -> Client:
    """A client whose POSTs go through the CSRF check, like curl's."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize(
    "path",
    [
        "/api/chat/v1/messages",
        "/api",
        "/api/",
        "/api/docs/chat-gateway-v1/more",
        "/chat-gateway",
        "/chat-gateway/",
        "/chat-gateway/v2/webhooks",
        "/files/a",
    ],
)
def test_an_unknown_gateway_path_is_a_resource_not_found_problem(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert problem(response) == {
        "message": "Resource not found",
        "errors": [f"No operation answers GET {path}."],
    }


@pytest.mark.parametrize("path", ["/vcc", "/vcc/", "/vcc/us/chat/v3/tenant/t/web-hooks", "/vcc/xx"])
def test_an_unknown_legacy_path_is_a_v2_not_found(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    body = problem(response)
    assert body["message"] == "Resource not found."
    assert len(body["errors"]) == 1


@pytest.mark.parametrize("path", ["/oauth", "/oauth/", "/oauth/v3/token", "/oauth/v3/token/"])
def test_an_unknown_oauth_path_is_a_v2_not_found(client: Client, path: str) -> None:
    response = client.post(path)

    assert response.status_code == 404
    assert problem(response) == {
        "message": "Resource not found.",
        "errors": [f"No operation answers POST {path}."],
    }


@pytest.mark.parametrize("path", ["/sandbox", "/sandbox/", "/sandbox/v1/nothing", "/sandbox/v1/nothing/"])
def test_an_unknown_control_api_path_is_an_rfc_7807_problem(client: Client, path: str) -> None:
    response = client.delete(path)

    assert response.status_code == 404
    message = f"No operation answers DELETE {path}."
    assert problem(response) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": message,
        "errors": [{"code": "resource_not_found", "message": message}],
    }


@pytest.mark.parametrize("path", ["/api/chat-gateway-v1.oas.yml", "/api/docs/chat-gateway-v1/"])
def test_the_gateway_docs_refuse_other_methods_with_a_json_405(browserless: Client, path: str) -> None:
    response = browserless.post(path, "{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert problem(response) == {
        "message": 'Method "POST" not allowed.',
        "errors": [{"code": "method_not_allowed", "message": 'Method "POST" not allowed.'}],
    }


def test_the_gateway_docs_are_still_pages_for_people(client: Client) -> None:
    response = client.get("/api/docs/chat-gateway-v1")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "path", ["/nothing", "/apiary", "/desk/t/a/b/c/d", "/static/nothing.css", "/sandboxes"]
)
def test_pages_for_people_stay_django_html(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/docs/chat-gateway-v1",
            {"message": "Access is denied.", "errors": ["The request was refused: CSRF cookie not set."]},
        ),
        (
            "/vcc/us/chat/v2/tenant/t/channels",
            {"message": "Access is denied.", "errors": ["The request was refused: CSRF cookie not set."]},
        ),
        (
            "/sandbox/v1/tenants",
            {
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
                "detail": "The request was refused: CSRF cookie not set.",
                "errors": [
                    {"code": "access_denied", "message": "The request was refused: CSRF cookie not set."}
                ],
            },
        ),
    ],
)
def test_a_refused_csrf_check_under_an_api_prefix_is_json(path: str, body: dict[str, Any]) -> None:
    response = error_views.csrf_failure(RequestFactory().post(path), "CSRF cookie not set.")

    assert response.status_code == 403
    assert problem(response) == body


def test_a_refused_csrf_check_on_a_page_stays_djangos_page() -> None:
    response = error_views.csrf_failure(RequestFactory().post("/desk/"), "CSRF cookie not set.")

    assert response.status_code == 403
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_a_crash_under_the_control_api_prefix_is_an_rfc_7807_500() -> None:
    response = error_views.server_error(RequestFactory().get("/sandbox/v1/tenants"))

    assert response.status_code == 500
    assert problem(response) == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The sandbox failed to process the request.",
        "errors": [{"code": "internal_error", "message": "The sandbox failed to process the request."}],
    }
