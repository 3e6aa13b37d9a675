"""What every v2 view shares: plain JSON, the v2 error handler, bearer token and tenant."""

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from conversations.api.gateway.base import JsonParser
from conversations.models import AccessToken, Tenant
from conversations.services.legacy_auth import access_token_resolve, legacy_tenant_resolve
from gateway_sim import errors_legacy
from gateway_sim.domain_errors import TenantNotOwned
from gateway_sim.errors_legacy import ErrorStyle, ResourceNotFound
from gateway_sim.journal_tenants import journal_tenants_note


class AnyAccept(DefaultContentNegotiation):
    """v2 answers JSON whatever the client asks for (clients send json, problem+json, */*)."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer …` header ('' when there is none)."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    # A token no row can have (a NUL character) is no token, like the Gateway's ids.
    if scheme.lower() != "bearer" or "\x00" in value:
        return ""
    return value.strip()


class LegacyView(APIView):
    """Base of the tenant-scoped v2 views.

    Before the handler runs, the bearer token is verified (401 Apigee fault otherwise) and
    the path's tenant must belong to the token's customer (403 otherwise); the handler finds
    them in `self.token` and `self.tenant`.
    """

    renderer_classes = [JSONRenderer]
    parser_classes = [JsonParser]
    content_negotiation_class = AnyAccept
    error_style = ErrorStyle.CONSTRAINT

    token: AccessToken
    tenant: Tenant

    def get_exception_handler(self) -> Any:
        return errors_legacy.exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.token = access_token_resolve(token=bearer_token(request))
        tenant_id: str = kwargs["tenant_id"]
        if "\x00" in tenant_id:
            raise TenantNotOwned(tenant_id.strip(), self.token.credential.customer_id)
        self.tenant = legacy_tenant_resolve(token=self.token, tenant_id=tenant_id)
        journal_tenants_note(request._request, (self.tenant.id,))


class UnknownPathView(APIView):
    """Any other path under `/vcc/…` (unknown region or resource): the v2 404 body."""

    renderer_classes = [JSONRenderer]
    parser_classes: list[type[BaseParser]] = []
    content_negotiation_class = AnyAccept

    def get_exception_handler(self) -> Any:
        return errors_legacy.exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Raised before the method lookup, so every method gets the 404, never a 405.
        raise ResourceNotFound("Resource not found.", [f"No resource at {request.path}."])
