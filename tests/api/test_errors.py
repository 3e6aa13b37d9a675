"""Errors come out 8x8-shaped and in JSON, whatever goes wrong and wherever."""

import json
from typing import Any
from unittest import mock

import pytest
from django.db import DataError
from django.test import RequestFactory
from rest_framework import serializers

from gateway_sim import error_views, errors
from tests.api.conftest import GatewayClient, hal, problem
from tests.api.operations import scenario_create
from tests.factories import World


def test_an_unknown_path_under_the_api_is_a_json_404(api: GatewayClient) -> None:
    response = api.get("/chat-gateway/v1/nothing/here")

    assert response.status_code == 404
    assert problem(response) == {
        "message": "Resource not found",
        "errors": ["No operation answers GET /chat-gateway/v1/nothing/here."],
    }


def test_an_unknown_page_outside_the_api_stays_a_django_page(api: GatewayClient) -> None:
    response = api.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unsupported_method_is_a_generic_405(api: GatewayClient) -> None:
    response = api.delete("/chat-gateway/v1/webhooks")

    assert response.status_code == 405
    assert problem(response) == {
        "message": 'Method "DELETE" not allowed.',
        "errors": [{"code": "method_not_allowed", "message": 'Method "DELETE" not allowed.'}],
    }


def test_options_is_no_operation(api: GatewayClient) -> None:
    response = api.call("OPTIONS", "/chat-gateway/v1/webhooks")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD"


def test_malformed_json_is_a_400_naming_the_problem(api: GatewayClient) -> None:
    response = api.post("/chat-gateway/v1/webhooks", '{"name": ')

    assert response.status_code == 400
    assert problem(response) == {
        "message": "Malformed JSON body: Expecting value: line 1 column 10 (char 9)",
        "errors": [
            {
                "code": "invalid_json",
                "message": "Malformed JSON body: Expecting value: line 1 column 10 (char 9)",
            }
        ],
    }


def test_json_nested_too_deeply_is_a_400_not_a_crash(api: GatewayClient) -> None:
    response = api.post("/chat-gateway/v1/webhooks", "[" * 100_000)

    assert response.status_code == 400
    message = "Malformed JSON body: the document is nested too deeply."
    assert problem(response) == {"message": message, "errors": [{"code": "invalid_json", "message": message}]}


def test_a_json_array_instead_of_an_object_is_a_400(api: GatewayClient) -> None:
    response = api.post("/chat-gateway/v1/webhooks", [1, 2])

    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {"code": "invalid_json_object", "message": "Invalid data. Expected a dictionary, but got list."}
    ]


def test_a_body_in_a_non_json_media_type_is_a_415(api: GatewayClient) -> None:
    response = api.post(
        "/chat-gateway/v1/webhooks", "name=x", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert problem(response) == {
        "message": 'Unsupported media type "application/x-www-form-urlencoded" in request.',
        "errors": [
            {
                "code": "unsupported_media_type",
                "message": 'Unsupported media type "application/x-www-form-urlencoded" in request.',
            }
        ],
    }


@pytest.mark.parametrize("media_type", ["application/hal+json", "application/problem+json", "text/json"])
def test_json_bodies_are_read_whatever_json_type_labels_them(api: GatewayClient, media_type: str) -> None:
    body = {"name": "Bot", "uri": "http://127.0.0.1:9/bot"}

    response = api.post("/chat-gateway/v1/webhooks", body, content_type=media_type)

    assert hal(response)["name"] == "Bot"


@pytest.mark.parametrize(
    "accept", ["application/json", "application/hal+json", "application/problem+json", "text/html", "*/*"]
)
def test_any_accept_header_is_answered_with_hal_json(world: World, accept: str) -> None:
    response = GatewayClient(world.api_key.key, Accept=accept).get("/chat-gateway/v1/webhooks")

    assert hal(response)["_embedded"]["webhooks"][0]["id"] == world.webhook.id


def test_a_trailing_slash_is_optional(api: GatewayClient, world: World) -> None:
    assert hal(api.get(f"/chat-gateway/v1/webhooks/{world.webhook.id}/"))["id"] == world.webhook.id


def test_a_malformed_multipart_body_is_a_400(api: GatewayClient, world: World) -> None:
    conversation = scenario_create(world).conversation

    response = api.post(
        f"/chat-gateway/v1/conversations/{conversation.id}/attachments",
        b"--nope\r\nbroken",
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400
    assert problem(response)["errors"][0]["code"] == "invalid_request"


def test_djangos_own_request_limits_are_400s(api: GatewayClient, world: World, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1
    conversation = scenario_create(world).conversation

    response = api.upload(
        f"/chat-gateway/v1/conversations/{conversation.id}/attachments",
        {"authorType": "user", "extra": "1", "more": "2"},
    )

    assert response.status_code == 400
    [error] = problem(response)["errors"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith("The request cannot be processed: The number of GET/POST parameters")


def test_an_unexpected_failure_is_a_json_500_and_is_logged(world: World) -> None:
    client = GatewayClient(world.api_key.key)
    client.client.raise_request_exception = False

    with (
        mock.patch("conversations.api.gateway.webhooks.webhook_create", side_effect=RuntimeError("boom")),
        mock.patch.object(errors.logger, "error") as logged,
    ):
        response = client.post("/chat-gateway/v1/webhooks", {"name": "Bot", "uri": "http://127.0.0.1:9/bot"})

    assert response.status_code == 500
    assert problem(response) == {
        "message": "Internal error.",
        "errors": [{"code": "internal_error", "message": "The sandbox failed to process the request."}],
    }
    logged.assert_called_once()


def test_a_value_the_database_cannot_store_is_a_400(world: World) -> None:
    client = GatewayClient(world.api_key.key)

    with mock.patch("conversations.api.gateway.webhooks.webhook_create", side_effect=DataError("NUL")):
        response = client.post("/chat-gateway/v1/webhooks", {"name": "Bot", "uri": "http://127.0.0.1:9/bot"})

    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {"code": "invalid_request", "message": "A value in the request cannot be stored."}
    ]


def test_djangos_own_error_views_answer_json_under_the_api() -> None:
    request = RequestFactory().get("/chat-gateway/v1/conversations")

    assert json.loads(error_views.server_error(request).content) == {
        "message": "Internal error.",
        "errors": [{"code": "internal_error", "message": "The sandbox failed to process the request."}],
    }
    assert error_views.bad_request(request, ValueError()).status_code == 400
    assert error_views.permission_denied(request, ValueError())["Content-Type"] == "application/problem+json"


def test_djangos_own_error_views_stay_pages_elsewhere() -> None:
    request = RequestFactory().get("/desk/")

    assert error_views.server_error(request)["Content-Type"].startswith("text/html")


def test_nested_validation_errors_name_the_field_path() -> None:
    class Item(serializers.Serializer):  # type: ignore[type-arg]
        key = serializers.CharField()

    class Body(serializers.Serializer):  # type: ignore[type-arg]
        items = serializers.ListField(child=Item())
        kind = serializers.ChoiceField(
            choices=["a"], error_messages={"invalid_choice": "Invalid kind={input}"}
        )

    body = Body(data={"items": [{"key": "x"}, {}], "kind": "b"})
    assert not body.is_valid()

    assert errors.validation_items(body.errors) == [
        errors.ErrorItem("invalid_json_object", "items[1].key: This field is required."),
        errors.ErrorItem("invalid_json_object", "Invalid kind=b"),
    ]


def test_a_problem_renders_in_every_documented_shape() -> None:
    problem_ = errors.Problem(
        status=404,
        items=(errors.ErrorItem("resource_not_found", "Entity of type Card with id c1 was not found."),),
        resource_type="Card",
        resource_id="c1",
    )

    assert errors.not_found_problem_body(problem_) == {
        "message": "Resource of type Card with id c1 was not found.",
        "errors": ["Entity of type Card with id c1 was not found."],
    }
    assert errors.not_found_exception_body(problem_) == {
        "message": "Resource not found",
        "errors": [
            {"code": "resource_not_found", "message": "Entity of type Card with id c1 was not found."}
        ],
    }
    assert errors.generic_body(problem_) == {
        "message": "Entity of type Card with id c1 was not found.",
        "errors": [
            {"code": "resource_not_found", "message": "Entity of type Card with id c1 was not found."}
        ],
    }
