"""Fuzzing every operation of 8x8's spec with schemathesis, inside the normal test run.

Valid and invalid requests are generated from the corrected spec (tests/api/spec.py) and
sent to the sandbox in-process (WSGI). Whatever a client sends: no server error, every
error body is JSON in the operation's media type, every status is one the operation
documents (or its `default`), and every response matches the documented schema.

Generated ids would only ever reach 404s, so some of them are swapped for the ids of a
real conversation, and the tenant (header or card-action path) for the caller's own: the
fuzzed bodies then reach the services. The budget is bounded and the run derandomized, so
a CI run is reproducible and takes well under a minute.
"""

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.operations import Scenario, scenario_create
from tests.api.spec import corrected_spec
from tests.factories import World

EXAMPLES_PER_OPERATION = 25

schema = schemathesis.openapi.from_dict(corrected_spec())
app = get_wsgi_application()


class NonJsonErrorBody(Failure):
    """An error answered with something other than a JSON body (an HTML page, plain text)."""


def json_error_bodies(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    try:
        response.json()
    except ValueError:
        parseable = False
    else:
        parseable = True
    if content_type != "application/problem+json" or not parseable:
        raise NonJsonErrorBody(
            operation=case.operation.label,
            title="Error body is not JSON",
            message=f"{response.status_code} answered as {content_type!r}: {response.text[:200]!r}",
        )
    return True


CHECKS = [
    not_a_server_error,
    json_error_bodies,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _mostly(value: Any) -> bool:
    """A deterministic coin that lands on "swap" three times in four."""
    return zlib.crc32(repr(value).encode()) % 4 != 0


# Body fields that name something of the tenant, and what to put there instead.
BODY_IDS = {"channelId": "channelId", "webHookId": "webhookId"}
NESTED_QUEUE_IDS = ("routingOptions", "assignment")


def aim_at_real_ids(case: Case, scenario: Scenario) -> None:
    """Swap most generated ids (path, tenant header, body) for the caller's own."""
    ids = {**scenario.ids, "queueId": scenario.world.support.public_id}
    for name, value in list(case.path_parameters.items()):
        if name == "tenantId" or (name in ids and _mostly(value)):
            case.path_parameters[name] = ids[name]
    headers = case.headers or {}
    if "X-8x8-Tenant" in headers and _mostly(headers["X-8x8-Tenant"]):
        headers["X-8x8-Tenant"] = ids["tenantId"]
    body = case.body
    if not isinstance(body, dict):
        return
    for field, key in BODY_IDS.items():
        if field in body and _mostly(body[field]):
            body[field] = ids[key]
    for field in NESTED_QUEUE_IDS:
        nested = body.get(field)
        if isinstance(nested, dict) and "id" in nested and _mostly(nested["id"]):
            nested["id"] = ids["queueId"]
    if case.path.endswith("/post-agent-assignment") and "id" in body and _mostly(body["id"]):
        body["id"] = ids["webhookId"]


@pytest.fixture
def connection_kept_open() -> Iterator[None]:
    """Like Django's test client: the test's transaction must survive each request's end."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def scenario(world: World, settings: Any, tmp_path: Any, connection_kept_open: None) -> Scenario:
    settings.MEDIA_ROOT = tmp_path
    # Verify and webhook hellos would otherwise wait for a host that never answers.
    settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS = 0.2
    return scenario_create(world)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_breaks_the_sandbox(case: Case, scenario: Scenario) -> None:
    aim_at_real_ids(case, scenario)

    response = case.call(app=app, headers={"x-api-key": scenario.world.api_key.key})

    case.validate_response(response, checks=CHECKS)
