"""The official Chat Gateway OpenAPI file, served by the sandbox, and a page to try it out.

The file is 8x8's own (gateway_sim/specs/chat-gateway-v1.oas.yml); only its `servers` are
rewritten so that "Try it out" calls the running sandbox.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from conversations.models import ApiKey
from gateway_sim.error_views import read_only_api_view

SPEC_FILE = Path(settings.BASE_DIR) / "gateway_sim" / "specs" / "chat-gateway-v1.oas.yml"
PRODUCTION_URL = "https://api.8x8.com"


@lru_cache(maxsize=1)
def gateway_spec() -> dict[str, Any]:
    with SPEC_FILE.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


@read_only_api_view
def gateway_spec_yaml(request: HttpRequest) -> HttpResponse:
    base_url = request.build_absolute_uri("/").rstrip("/")
    spec = {
        **gateway_spec(),
        "servers": [
            {"url": base_url, "description": "This sandbox"},
            {"url": PRODUCTION_URL, "description": "8x8 production"},
        ],
    }
    body = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
    return HttpResponse(body, content_type="application/yaml; charset=utf-8")


@read_only_api_view
def gateway_docs(request: HttpRequest) -> HttpResponse:
    api_key = ApiKey.objects.order_by("created_at").first()
    context = {
        "api_title": "Chat Gateway v1 API",
        "spec_url": reverse("gateway-spec"),
        "scheme": "8x8ApiKey",
        "api_key": api_key.key if api_key else "",
    }
    return render(request, "api_docs.html", context)
