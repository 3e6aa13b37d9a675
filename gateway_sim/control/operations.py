"""Which documented operation a call was: 8x8's operationId, or the control schema's.

The tables are built once per process from the OpenAPI files the sandbox serves: 8x8's own
for the Chat Gateway and the legacy v2 API (gateway_sim/specs/), and the schema generated from
the control API's views. A path template matches with its `{placeholders}` as one segment
each; literal segments win over placeholders (`/webhooks/verify` before `/webhooks/{id}`).
"""

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from conversations.api.gateway.docs import gateway_spec
from gateway_sim.models import ApiFamily

LEGACY_SPEC_FILE = Path(settings.BASE_DIR) / "gateway_sim" / "specs" / "chat-api-v2.oas.json"
CONTROL_URLCONF = "gateway_sim.control.urls"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})

Table = list[tuple[re.Pattern[str], str, str]]


def operation_for(api: str, method: str, path: str) -> str:
    """The operationId of `method path` in the API's contract ('' when none documents it)."""
    path = path.rstrip("/") or "/"
    method = method.lower()
    for pattern, template_method, operation in _table(api):
        if template_method == method and pattern.match(path):
            return operation
    return ""


def _table(api: str) -> Table:
    if api == ApiFamily.CONTROL:
        return _control_table()
    return _gateway_table() if api == ApiFamily.GATEWAY else _legacy_table()


@lru_cache(maxsize=1)
def _gateway_table() -> Table:
    return _compiled(gateway_spec())


@lru_cache(maxsize=1)
def _legacy_table() -> Table:
    with LEGACY_SPEC_FILE.open(encoding="utf-8") as handle:
        return _compiled(json.load(handle))


@lru_cache(maxsize=1)
def _control_table() -> Table:
    generator = SchemaGenerator(urlconf=CONTROL_URLCONF)  # type: ignore[no-untyped-call]
    schema: dict[str, Any] = generator.get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    return _compiled(schema)


def _compiled(spec: dict[str, Any]) -> Table:
    rows = []
    for template, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in HTTP_METHODS and isinstance(operation, dict) and operation.get("operationId"):
                rows.append((template.rstrip("/"), method, str(operation["operationId"])))
    # Fewer placeholders first: a literal segment wins over a placeholder in the same place.
    rows.sort(key=lambda row: row[0].count("{"))
    return [(_pattern(template), method, operation) for template, method, operation in rows]


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(rf"{regex}\Z")
