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
from gateway_sim.seed import DEMO_SEED_FILE, SeedError, seed_file_read, tenant_populate

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


def template_check(template: Any) -> None:
    """The shape `tenant_populate` relies on: lists of objects, ids used once per section.

    What the items say (required ids, statuses, queue references) it checks itself."""
    if not isinstance(template, dict):
        raise TemplateInvalid(f"{TEMPLATE_PATH} must be an object with queues, agents and scripts.")
    for section in TEMPLATE_SECTIONS:
        items = template.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise TemplateInvalid(f"{TEMPLATE_PATH}.{section} must be a list.")
        seen: set[str] = set()
        for index, item in enumerate(items):
            here = f"{TEMPLATE_PATH}.{section}[{index}]"
            if not isinstance(item, dict):
                raise TemplateInvalid(f"{here} must be an object.")
            for key in ("queues", "languages", "options"):
                if item.get(key) is not None and not isinstance(item[key], list):
                    raise TemplateInvalid(f"{here}.{key} must be a list.")
            capacity = item.get("capacity")
            if capacity is not None and (
                not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1
            ):
                raise TemplateInvalid(f"{here}.capacity must be a whole number of chats, at least 1.")
            ident = str(item.get("id") or "")
            if ident in seen:
                raise TemplateInvalid(f"{here}.id: '{ident}' is used twice.")
            if ident:
                seen.add(ident)


def customer_create(
    *, name: str = "", tenant_name: str = "", template: dict[str, Any] | None = None
) -> CustomerCreated:
    """A new customer with one tenant populated from `template` (default: the demo tenant).

    Raises TemplateInvalid, creating nothing, when the template cannot be used."""
    spec = demo_template() if template is None else template
    template_check(spec)
    with transaction.atomic():
        customer_id, tenant_id = new_id(), new_id()
        customer = Customer.objects.create(id=customer_id, name=name or f"Customer {customer_id}")
        tenant = Tenant.objects.create(
            id=tenant_id, customer=customer, name=tenant_name or f"Tenant {tenant_id}"
        )
        created = CustomerCreated(
            customer=customer,
            tenant=tenant,
            api_key=ApiKey.objects.create(customer=customer, name="Chat Gateway"),
            legacy=LegacyCredential.objects.create(customer=customer),
        )
        try:
            tenant_populate(tenant, spec, TEMPLATE_PATH)
        except SeedError as exc:
            raise TemplateInvalid(str(exc)) from None
        except (KeyError, TypeError, ValueError) as exc:
            # A value of the wrong kind (`capacity: many`): name the document, not the code.
            raise TemplateInvalid(f"{TEMPLATE_PATH}: {exc}") from None
        return created


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
