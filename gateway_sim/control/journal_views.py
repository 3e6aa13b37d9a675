"""The API journal over HTTP: the calls a tenant's integration made, oldest first.

What is recorded and how secrets are masked: gateway_sim.control.journal.
"""

import re
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from gateway_sim.control.base import ControlView
from gateway_sim.control.events import _checked
from gateway_sim.control.journal import journal_flush
from gateway_sim.control.representations import journal_entry_json
from gateway_sim.domain_errors import NotFound
from gateway_sim.models import ApiFamily, JournalEntry

STATUS = re.compile(r"^[1-5](?:\d\d|xx)$")


class StatusField(serializers.CharField):
    """`404`, or a class such as `4xx`: (lowest, highest) status."""

    default_error_messages = {"not_status": "Enter a status such as 404, or a class such as 4xx."}

    def to_internal_value(self, data: Any) -> tuple[int, int]:  # type: ignore[override]
        text: str = super().to_internal_value(data).lower()
        if not STATUS.match(text):
            self.fail("not_status")
        if text.endswith("xx"):
            return int(text[0]) * 100, int(text[0]) * 100 + 99
        return int(text), int(text)


class JournalQuery(serializers.Serializer):  # type: ignore[type-arg]
    api = serializers.ChoiceField(choices=ApiFamily.values, required=False)
    method = serializers.CharField(required=False, trim_whitespace=True)
    operation = serializers.CharField(required=False, trim_whitespace=True)
    path = serializers.CharField(required=False, trim_whitespace=True)
    status = StatusField(required=False)
    conversation = serializers.CharField(required=False, trim_whitespace=True)
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


def journal_of(tenant_id: str, query: dict[str, Any]) -> "QuerySet[JournalEntry]":
    entries = JournalEntry.objects.filter(tenant_id=tenant_id, id__gt=query["after"])
    if "api" in query:
        entries = entries.filter(api=query["api"])
    if "method" in query:
        entries = entries.filter(method=query["method"].upper())
    if "operation" in query:
        entries = entries.filter(operation=query["operation"])
    if "path" in query:
        entries = entries.filter(path__startswith=query["path"])
    if "status" in query:
        entries = entries.filter(status__range=query["status"])
    if "conversation" in query:
        entries = entries.filter(conversation_id=query["conversation"])
    return entries.order_by("id")


class JournalListView(ControlView):
    @extend_schema(
        operation_id="requests_list",
        summary="List the API calls made for the tenant, oldest first",
        description=(
            "Every call to the Chat Gateway, legacy v2 and control APIs that was made for the "
            "tenant (not this listing itself), with credentials masked. Filters combine."
        ),
        parameters=[
            OpenApiParameter("api", str, enum=ApiFamily.values, description="gateway, legacy or control."),
            OpenApiParameter("method", str, description="HTTP method, e.g. POST."),
            OpenApiParameter(
                "operation", str, description="Operation id, e.g. sendmessagetocctransaction-1."
            ),
            OpenApiParameter("path", str, description="Paths starting with this, e.g. /chat-gateway/v1/."),
            OpenApiParameter("status", str, description="A status (404) or a class (4xx)."),
            OpenApiParameter(
                "conversation", str, description="Calls naming this conversation in their path."
            ),
            OpenApiParameter("after", int, description="Only entries with a greater id (default 0: all)."),
            OpenApiParameter("limit", int, description="At most this many (100, up to 1000)."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        query = _checked(JournalQuery, request.query_params)
        journal_flush()
        page = list(journal_of(self.tenant.id, query)[: query["limit"] + 1])
        shown = page[: query["limit"]]
        return Response(
            {"requests": [journal_entry_json(entry) for entry in shown], "hasMore": len(page) > len(shown)}
        )


class JournalDetailView(ControlView):
    @extend_schema(
        operation_id="requests_retrieve",
        summary="One recorded API call",
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, entry_id: str) -> Response:
        journal_flush()
        entry = (
            JournalEntry.objects.filter(tenant_id=self.tenant.id, pk=int(entry_id)).first()
            if entry_id.isdigit() and len(entry_id) < 19
            else None
        )
        if entry is None:
            raise NotFound("Request", entry_id)
        return Response(journal_entry_json(entry))
