"""Seed data: the demo customer, tenant, keys, queues, agents and script, or a YAML file's."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from conversations.models import (
    Agent,
    AgentStatus,
    ApiKey,
    Customer,
    LegacyCredential,
    Queue,
    Script,
    Tenant,
)

DEMO_SEED_FILE = Path(__file__).with_name("demo_seed.yaml")


class SeedError(ValueError):
    """The seed file is not usable; the message says where and why."""


@dataclass
class SeedResult:
    customer: Customer
    tenants: list[Tenant] = field(default_factory=list)
    api_keys: list[ApiKey] = field(default_factory=list)
    legacy_credentials: list[LegacyCredential] = field(default_factory=list)


def seed_file_read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"cannot read seed file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"seed file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SeedError(f"seed file {path} must hold a mapping at the top level")
    return data


def _need(mapping: Any, key: str, where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise SeedError(f"{where}: '{key}' is required")
    return mapping[key]


def _status(value: Any, where: str) -> str:
    status = str(value or AgentStatus.OFFLINE)
    if status not in AgentStatus.values:
        raise SeedError(f"{where}: status '{status}' is not one of {', '.join(AgentStatus.values)}")
    return status


def tenant_populate(tenant: Tenant, spec: dict[str, Any], where: str) -> None:
    """Create a tenant's queues, agents and scripts from its seed section."""
    queues: dict[str, Queue] = {}
    for i, item in enumerate(spec.get("queues") or []):
        qid = str(_need(item, "id", f"{where}.queues[{i}]"))
        queues[qid] = Queue.objects.create(tenant=tenant, public_id=qid, name=str(item.get("name") or qid))
    for i, item in enumerate(spec.get("agents") or []):
        here = f"{where}.agents[{i}]"
        agent = Agent.objects.create(
            tenant=tenant,
            public_id=str(_need(item, "id", here)),
            name=str(item.get("name") or item["id"]),
            languages=[str(lang) for lang in item.get("languages") or ["en"]],
            status=_status(item.get("status"), here),
            **({"capacity": int(item["capacity"])} if item.get("capacity") else {}),
        )
        for qid in item.get("queues") or []:
            if str(qid) not in queues:
                raise SeedError(f"{here}: queue '{qid}' is not defined in this tenant")
            queues[str(qid)].agents.add(agent)
    for i, item in enumerate(spec.get("scripts") or []):
        here = f"{where}.scripts[{i}]"
        options = item.get("options") or []
        for j, option in enumerate(options):
            _need(option, "title", f"{here}.options[{j}]")
            if option.get("queue") is not None and str(option["queue"]) not in queues:
                raise SeedError(f"{here}.options[{j}]: queue '{option['queue']}' is not defined")
        Script.objects.create(
            tenant=tenant,
            public_id=str(_need(item, "id", here)),
            name=str(item.get("name") or item["id"]),
            definition={
                "greeting": str(item.get("greeting") or ""),
                "fallback": str(item.get("fallback") or ""),
                "options": [
                    {k: str(v) for k, v in option.items() if k in {"title", "postback", "queue", "reply"}}
                    for option in options
                ],
            },
        )


@transaction.atomic
def seed_load(data: dict[str, Any]) -> SeedResult:
    """Create everything a seed mapping describes. Raises SeedError, creating nothing, if it is invalid."""
    customer_spec = _need(data, "customer", "seed")
    customer = Customer.objects.create(
        id=str(_need(customer_spec, "id", "customer")),
        name=str(customer_spec.get("name") or customer_spec["id"]),
    )
    result = SeedResult(customer=customer)
    for item in data.get("api_keys") or [{}]:
        kwargs = {"key": str(item["key"])} if item.get("key") else {}
        result.api_keys.append(
            ApiKey.objects.create(customer=customer, name=str(item.get("name") or "Chat Gateway"), **kwargs)
        )
    for item in data.get("legacy_credentials") or [{}]:
        kwargs = {k: str(item[k]) for k in ("key", "secret") if item.get(k)}
        result.legacy_credentials.append(LegacyCredential.objects.create(customer=customer, **kwargs))
    tenants = data.get("tenants") or []
    if not tenants:
        raise SeedError("seed: at least one tenant is required")
    for i, spec in enumerate(tenants):
        where = f"tenants[{i}]"
        tenant = Tenant.objects.create(
            id=str(_need(spec, "id", where)), customer=customer, name=str(spec.get("name") or spec["id"])
        )
        tenant_populate(tenant, spec, where)
        result.tenants.append(tenant)
    return result


def seed_if_empty(path: Path | None = None) -> SeedResult | None:
    """Seed a fresh database (demo data, or the file given). Does nothing if any customer exists."""
    if Customer.objects.exists():
        return None
    try:
        return seed_load(seed_file_read(path or DEMO_SEED_FILE))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, SeedError):
            raise
        raise SeedError(f"seed file {path or DEMO_SEED_FILE}: {exc}") from None
