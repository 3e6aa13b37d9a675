"""What every control API view shares: auth, JSON in and out, problem+json errors, the cursor.

Every answer made for a tenant carries the tenant's current event cursor in
`X-Sandbox-Cursor`, so a test can take it before acting and wait for what follows.
"""

import hmac
from typing import Any

from adrf.views import APIView as AsyncAPIView
from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api.gateway.auth import API_KEY_HEADER, TENANT_HEADER, tenant_for_request
from conversations.api.gateway.base import JsonParser
from conversations.events.cursor import events_sequence
from conversations.models import Tenant
from gateway_sim.errors import CONTROL_ERRORS, ApiKeyRejected
from gateway_sim.journal_tenants import journal_tenants_note

CURSOR_HEADER = "X-Sandbox-Cursor"


class ControlSchema(AutoSchema):
    """Every tenant operation takes the optional `X-8x8-Tenant` header."""

    def get_override_parameters(self) -> list[Any]:
        tenant = OpenApiParameter(
            TENANT_HEADER,
            str,
            location=OpenApiParameter.HEADER,
            description="The tenant to act on; required when the key's customer has several.",
        )
        return [tenant, *super().get_override_parameters()]


class _TenantOperation(APIView):
    schema = ControlSchema()
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    renderer_classes = [JSONRenderer]
    parser_classes: list[type[BaseParser]] = [JsonParser, MultiPartParser]
    error_shapes = CONTROL_ERRORS
    metadata_class = None

    tenant: Tenant

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.tenant = tenant_for_request(request)
        journal_tenants_note(request._request, (self.tenant.id,))


class AsyncControlView(_TenantOperation, AsyncAPIView):  # type: ignore[misc]  # adrf ships no types
    """An asynchronous operation (a long-poll): its handler sets the cursor header itself."""


class ControlView(_TenantOperation):
    """A control API operation on the caller's tenant, resolved before the handler runs."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        tenant = getattr(self, "tenant", None)
        if tenant is not None:
            response[CURSOR_HEADER] = str(events_sequence(tenant.id))
        return response


class AdminView(APIView):
    """An operation on the sandbox itself (customers): `x-api-key` must be the admin key."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    renderer_classes = [JSONRenderer]
    parser_classes: list[type[BaseParser]] = [JsonParser]
    error_shapes = CONTROL_ERRORS
    metadata_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        given = request.headers.get(API_KEY_HEADER, "").strip()
        if not given:
            raise ApiKeyRejected(f"The {API_KEY_HEADER} header is missing.")
        if not hmac.compare_digest(given.encode(), settings.SANDBOX_ADMIN_KEY.encode()):
            raise ApiKeyRejected("The admin key is not valid (SANDBOX_ADMIN_KEY, printed at start-up).")
