"""The official spec, served with this sandbox as its server, and the page to try it."""

from typing import Any

import yaml
from django.test import Client

from tests.factories import World


def test_the_official_spec_is_served_with_the_sandbox_as_first_server(db: None) -> None:
    response = Client().get("/api/chat-gateway-v1.oas.yml", headers={"host": "sandbox.local:8123"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    spec: dict[str, Any] = yaml.safe_load(response.content)
    assert spec["servers"] == [
        {"url": "http://sandbox.local:8123", "description": "This sandbox"},
        {"url": "https://api.8x8.com", "description": "8x8 production"},
    ]
    assert spec["info"]["title"] == "Contact Center Chat Gateway"
    assert len([op for item in spec["paths"].values() for op in item]) == 34


def test_the_docs_page_loads_swagger_ui_with_the_demo_key(world: World) -> None:
    response = Client().get("/api/docs/chat-gateway-v1")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-spec-url="/api/chat-gateway-v1.oas.yml"' in page
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert f'<script id="demo-api-key" type="application/json">"{world.api_key.key}"</script>' in page


def test_the_home_page_links_the_api_docs(world: World) -> None:
    page = Client().get("/").content.decode()

    assert 'href="/api/docs/chat-gateway-v1"' in page
