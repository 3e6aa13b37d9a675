"""Customers made and removed over the control API: a fresh, isolated tenant per test run.

A new customer gets one tenant, its own Chat Gateway key and legacy key/secret pair, and the
queues, agents and scripts of a template: the demo seed's tenant, or one given in the seed
file's format (`queues`, `agents`, `scripts`), populated by `gateway_sim.seed`.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from conversations.models import ApiKey, Customer, LegacyCredential, Tenant
from conversations.services.tenants import tenant_delete
from gateway_sim.domain_errors import DomainError, NotFound
from gateway_sim.ids import new_id
from gateway_sim.seed import (
    DEMO_SEED_FILE,
    Node,
    SeedError,
    SeedResult,
    TenantSpec,
    seed_file_read,
    tenant_seed,
    tenant_spec,
)

TEMPLATE_SECTIONS = ("queues", "agents", "scripts")
TEMPLATE_PATH = "seed"


class TemplateInvalid(DomainError):
    """The tenant template cannot be used; the message names the place in the document."""

    code = "invalid_template"


@dataclass(frozen=True)
class CustomerCreated:
    customer: Customer
    tenant: Tenant
    api_key: ApiKey
    legacy: LegacyCredential


def demo_template() -> dict[str, Any]:
    """The demo seed's first tenant: its queues, agents and scripts."""
    tenants = seed_file_read(DEMO_SEED_FILE).get("tenants") or [{}]
    return {section: tenants[0].get(section) or [] for section in TEMPLATE_SECTIONS}


def tenant_template(template: Any, *, tenant_id: str, tenant_name: str) -> TenantSpec:
    """The template validated as a tenant of a seed file; errors name the place (`seed.agents[0]`)."""
    if not isinstance(template, dict):
        raise TemplateInvalid(f"{TEMPLATE_PATH} must be an object with queues, agents and scripts.")
    document = {section: template.get(section) for section in TEMPLATE_SECTIONS}
    try:
        return tenant_spec(Node({**document, "id": tenant_id, "name": tenant_name}, TEMPLATE_PATH))
    except SeedError as exc:
        raise TemplateInvalid(str(exc)) from None


def customer_create(
    *, name: str = "", tenant_name: str = "", template: dict[str, Any] | None = None
) -> CustomerCreated:
    """A new customer with one tenant populated from `template` (default: the demo tenant).

    Raises TemplateInvalid, creating nothing, when the template cannot be used."""
    customer_id, tenant_id = new_id(), new_id()
    spec = tenant_template(
        demo_template() if template is None else template,
        tenant_id=tenant_id,
        tenant_name=tenant_name or f"Tenant {tenant_id}",
    )
    with transaction.atomic():
        customer = Customer.objects.create(id=customer_id, name=name or f"Customer {customer_id}")
        seeded = SeedResult(customer=customer)
        tenant_seed(customer, spec, seeded)
        return CustomerCreated(
            customer=customer,
            tenant=seeded.tenants[0],
            api_key=ApiKey.objects.create(customer=customer, name="Chat Gateway"),
            legacy=LegacyCredential.objects.create(customer=customer),
        )


def customer_delete(*, customer_id: str) -> None:
    """Remove the customer, its tenants and everything they hold; their pending deliveries
    and timers go with them."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=customer_id.strip()).first()
        if customer is None:
            raise NotFound("Customer", customer_id)
        for tenant in Tenant.objects.filter(customer=customer).order_by("pk"):
            tenant_delete(tenant=tenant)
        customer.delete()
