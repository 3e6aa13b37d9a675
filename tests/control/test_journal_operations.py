"""Every route of the Gateway, legacy and control APIs is named by its contract's operationId."""

import re

import pytest
from django.urls import URLPattern

from conversations.api import gateway_urls, legacy_urls
from gateway_sim.control import urls as control_urls
from gateway_sim.control.operations import operation_for
from gateway_sim.models import ApiFamily

METHODS = ("get", "post", "put", "patch", "delete")
# Served by the sandbox but no operation of 8x8's contract: its docs and the attachment links.
UNDOCUMENTED = {"gateway-spec", "gateway-docs", "attachment-link", "control-schema", "control-docs"}


def _sample_path(pattern: URLPattern) -> str:
    regex = str(pattern.pattern)
    regex = re.sub(r"\(\?P<region>[^)]*\)", "us", regex)
    regex = re.sub(r"\(\?P<\w+>\[\^/\]\+\)", "an-id", regex)
    return "/" + regex.removeprefix("^").removesuffix("$").removesuffix("/?").replace("\\", "")


def _operations(patterns: list[object]) -> list[tuple[str, str, str]]:
    rows = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern) or not pattern.name or pattern.name in UNDOCUMENTED:
            continue
        view = pattern.callback.view_class  # type: ignore[attr-defined]
        for method in METHODS:
            if hasattr(view, method):
                rows.append((pattern.name, method.upper(), _sample_path(pattern)))
    return rows


@pytest.mark.parametrize(
    ("api", "patterns"),
    [
        (ApiFamily.GATEWAY, gateway_urls.urlpatterns),
        (ApiFamily.LEGACY, legacy_urls.urlpatterns),
        (ApiFamily.CONTROL, control_urls.urlpatterns),
    ],
)
def test_every_route_maps_to_an_operation_of_its_contract(api: str, patterns: list[object]) -> None:
    routes = _operations(patterns)

    unnamed = [(name, method, path) for name, method, path in routes if not operation_for(api, method, path)]

    assert routes
    assert unnamed == []


def test_a_literal_segment_wins_over_a_placeholder() -> None:
    assert operation_for(ApiFamily.GATEWAY, "POST", "/chat-gateway/v1/webhooks/verify") == "verifywebhook-1"
    assert operation_for(ApiFamily.GATEWAY, "GET", "/chat-gateway/v1/webhooks/verify") == "getwebhookbyid-1"
    assert (
        operation_for(ApiFamily.LEGACY, "POST", "/vcc/eu/chat/v2/tenant/t-1/web-hooks/verify/")
        == "verifywebhook"
    )


def test_a_method_no_contract_documents_has_no_operation() -> None:
    assert operation_for(ApiFamily.GATEWAY, "DELETE", "/chat-gateway/v1/conversations") == ""
    assert operation_for(ApiFamily.LEGACY, "GET", "/vcc/us/chat/v2/nowhere") == ""
