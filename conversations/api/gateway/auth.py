"""Who is calling the Chat Gateway: `x-api-key` names a customer, `X-8x8-Tenant` one of its tenants.

The header is optional for a customer with a single tenant and required when it has several
(SANDBOX.md §2). Card-action paths carry the tenant in the path instead; it must belong to the
key's customer just the same.

This runs on every request, so the key, its customer and the tenants are read in one
query (`conversations.store.key_tenants`).
"""

from django.http import HttpRequest

from conversations.models import Tenant
from conversations.store import key_tenants
from gateway_sim.errors import ApiKeyRejected, TenantForbidden

API_KEY_HEADER = "x-api-key"
TENANT_HEADER = "X-8x8-Tenant"
FORBIDDEN_TITLE = "The tenant does not belong to customer."


def tenant_for_request(request: HttpRequest, *, path_tenant_id: str | None = None) -> Tenant:
    """The tenant the call acts on. Raises ApiKeyRejected (401) or TenantForbidden (403)."""
    raw = request.headers.get(API_KEY_HEADER, "").strip()
    if not raw:
        raise ApiKeyRejected(f"The {API_KEY_HEADER} header is missing.")
    if path_tenant_id is not None:
        wanted = path_tenant_id.strip()
    else:
        wanted = request.headers.get(TENANT_HEADER, "").strip()
    found = None if "\x00" in raw else key_tenants(raw, wanted.replace("\x00", "") if wanted else None)
    if found is None:
        raise ApiKeyRejected("The API key is not valid.")
    customer_id, tenants = found
    if wanted:
        if "\x00" in wanted or not tenants:
            where = f"Header {TENANT_HEADER}" if path_tenant_id is None else f"Tenant {wanted} of the path"
            raise TenantForbidden(
                FORBIDDEN_TITLE,
                f"{where} doesn't match tenant information for customerId={customer_id}",
            )
        return tenants[0]
    if len(tenants) == 1:
        return tenants[0]
    raise TenantForbidden(
        f"Header {TENANT_HEADER} is required.",
        f"Customer {customer_id} has {'several' if tenants else 'no'} tenants; "
        f"header {TENANT_HEADER} must name one of them.",
    )
