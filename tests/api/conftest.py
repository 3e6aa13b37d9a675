"""A Chat Gateway client for the API tests: the world's key on every call, JSON by default."""

import json
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from tests.factories import World
from tests.webhooks.receiver import receiver

__all__ = ["GatewayClient", "api", "hal", "problem", "receiver"]


class GatewayClient:
    """Calls the sandbox like an integration: `x-api-key`, JSON bodies, any extra headers."""

    def __init__(self, api_key: str | None, **headers: str) -> None:
        base = {"x-api-key": api_key} if api_key is not None else {}
        self.client = Client(headers={**base, **headers})

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> HttpResponse:
        handler = getattr(self.client, method.lower())
        if body is None:
            return handler(path, **kwargs)  # type: ignore[no-any-return]
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        kwargs.setdefault("content_type", "application/json")
        return handler(path, body, **kwargs)  # type: ignore[no-any-return]

    def get(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> HttpResponse:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> HttpResponse:
        return self.call("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> HttpResponse:
        return self.call("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.call("DELETE", path, **kwargs)

    def upload(self, path: str, fields: dict[str, Any]) -> HttpResponse:
        return self.client.post(path, fields, content_type=MULTIPART_CONTENT)  # type: ignore[no-any-return]


@pytest.fixture
def api(world: World) -> GatewayClient:
    return GatewayClient(world.api_key.key)


def problem(response: HttpResponse) -> dict[str, Any]:
    """The error body, after checking it is one: problem+json, parseable."""
    assert response["Content-Type"] == "application/problem+json", response.content
    body: dict[str, Any] = json.loads(response.content)
    return body


def hal(response: HttpResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/hal+json"
    return json.loads(response.content)
