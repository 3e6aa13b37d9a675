"""The control API's OpenAPI schema: generated from the views, valid, complete, served with a page."""

import json
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, get_resolver

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_without_a_single_generation_warning(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"

    call_command(
        "spectacular", urlconf="gateway_sim.control.urls", validate=True, fail_on_warn=True, file=str(target)
    )

    schema = yaml.safe_load(target.read_text())
    assert schema["info"]["title"] == "Chat Gateway Sandbox control API"
    assert schema["components"]["securitySchemes"] == {
        "sandboxApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}
    }


def test_every_control_route_is_in_the_served_schema(client: Client) -> None:
    response = client.get("/api/sandbox-v1.oas.json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]

    routes = [
        pattern
        for pattern in get_resolver("gateway_sim.control.urls").url_patterns
        if isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("^sandbox/v1/")
    ]
    assert len(routes) == len(paths) >= 30


def test_the_docs_page_offers_the_schema_with_the_demo_key_filled_in(client: Client) -> None:
    response = client.get("/api/docs/sandbox-v1")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-spec-url="/api/sandbox-v1.oas.json"' in page
    assert 'data-scheme="sandboxApiKey"' in page
