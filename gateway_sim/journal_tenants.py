"""Which tenants an API call acted for, noted on the request by the view that resolved them.

The API journal (gateway_sim.control.journal) records the call for these tenants, so the
key is never resolved a second time.
"""

from collections.abc import Iterable

from django.http import HttpRequest

_ATTRIBUTE = "sandbox_tenant_ids"


def journal_tenants_note(request: HttpRequest, tenant_ids: Iterable[str]) -> None:
    setattr(request, _ATTRIBUTE, tuple(tenant_ids))


def journal_tenants(request: HttpRequest) -> tuple[str, ...]:
    found: tuple[str, ...] = getattr(request, _ATTRIBUTE, ())
    return found
