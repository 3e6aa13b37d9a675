"""Seed data: the demo customer, tenant, keys, queues, agents and script, or a YAML file's.

A *customer document* describes one customer: `customer: {id, name}`, `api_keys`,
`legacy_credentials` and `tenants` (each with its queues, agents and scripts). A seed file
is one customer document, or `customers:` with a list of them. `seed_customer` validates one
document completely before it writes anything, so it can also create a fresh customer from
a template at run time; every error names the path in the document at fault
(`customers[1].tenants[0].agents[2]: queue '105' is not defined in this tenant`).
"""

from collections.abc import Mapping
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
# The columns' sizes: ids of customers, tenants, queues, agents and scripts; keys; names.
ID_MAX = 64
KEY_MAX = 128
NAME_MAX = 256
SCRIPT_OPTION_KEYS = ("title", "postback", "queue", "reply")


class SeedError(ValueError):
    """The seed is not usable; the message says where and why."""


@dataclass
class SeedResult:
    """Everything one customer document created."""

    customer: Customer
    tenants: list[Tenant] = field(default_factory=list)
    api_keys: list[ApiKey] = field(default_factory=list)
    legacy_credentials: list[LegacyCredential] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)


# --- reading a document, with the path of every value ------------------------------------


@dataclass(frozen=True)
class Node:
    """A value of the document and its path, so that every error can name where it is."""

    value: Any
    where: str

    def fail(self, message: str) -> SeedError:
        return SeedError(f"{self.where or 'seed'}: {message}")

    def child(self, key: str | int) -> "Node":
        if isinstance(key, int):
            return Node(self.value[key], f"{self.where}[{key}]")
        value = self.value.get(key) if isinstance(self.value, Mapping) else None
        return Node(value, f"{self.where}.{key}" if self.where else key)

    def mapping(self) -> Mapping[str, Any]:
        if not isinstance(self.value, Mapping):
            raise self.fail("must be a mapping")
        return self.value

    def entries(self, key: str) -> list["Node"]:
        """The items of the list at `key` (none when it is absent), each a mapping."""
        found = self.child(key)
        if found.value is None:
            return []
        if not isinstance(found.value, list):
            raise found.fail("must be a list")
        items = [found.child(index) for index in range(len(found.value))]
        for item in items:
            item.mapping()
        return items

    def scalar(self, *, max_length: int) -> str:
        """This value as text: YAML reads `id: 100` as a number, which is fine."""
        if isinstance(self.value, bool) or not isinstance(self.value, str | int | float):
            raise self.fail("must be text")
        value = str(self.value)
        if len(value) > max_length:
            raise self.fail(f"must be at most {max_length} characters")
        return value

    def text(self, key: str, *, max_length: int, default: str | None = None) -> str:
        """The scalar at `key`; required unless a default is given."""
        found = self.child(key)
        if found.value is None or found.value == "":
            if default is None:
                raise self.fail(f"'{key}' is required")
            return default
        return found.scalar(max_length=max_length)

    def texts(self, key: str, *, max_length: int, default: list[str]) -> list[str]:
        """The list of scalars at `key`, or `default` when it is absent."""
        found = self.child(key)
        if found.value is None:
            return default
        if not isinstance(found.value, list):
            raise found.fail("must be a list")
        return [found.child(index).scalar(max_length=max_length) for index in range(len(found.value))]


# --- what a document asks for ------------------------------------------------------------


@dataclass(frozen=True)
class AgentSpec:
    id: str
    name: str
    languages: list[str]
    status: str
    capacity: int | None
    queues: list[str]


@dataclass(frozen=True)
class TenantSpec:
    node: Node
    id: str
    name: str
    queues: dict[str, str]  # id -> name
    agents: list[AgentSpec]
    scripts: list[tuple[str, str, dict[str, Any]]]  # id, name, definition


@dataclass(frozen=True)
class CustomerSpec:
    node: Node
    id: str
    name: str
    api_keys: list[tuple[Node, str | None, str]]  # where, key (None: generate), name
    legacy_credentials: list[tuple[Node, dict[str, str]]]  # where, explicit key/secret
    tenants: list[TenantSpec]


def _unique(nodes: list[Node], key: str, what: str) -> list[str]:
    """The ids at `key` of each node, refusing a repeated one."""
    seen: list[str] = []
    for node in nodes:
        value = node.text(key, max_length=ID_MAX)
        if value in seen:
            raise node.child(key).fail(f"{what} '{value}' is defined twice")
        seen.append(value)
    return seen


def _status(node: Node) -> str:
    status = node.text("status", max_length=16, default=AgentStatus.OFFLINE)
    if status not in AgentStatus.values:
        raise node.fail(f"status '{status}' is not one of {', '.join(AgentStatus.values)}")
    return status


def _capacity(node: Node) -> int | None:
    value = node.child("capacity").value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise node.child("capacity").fail("must be a whole number of at least 1")
    return value


def _agent(node: Node, queues: dict[str, str]) -> AgentSpec:
    agent_id = node.text("id", max_length=ID_MAX)
    member_of = node.texts("queues", max_length=ID_MAX, default=[])
    for queue_id in member_of:
        if queue_id not in queues:
            raise node.fail(f"queue '{queue_id}' is not defined in this tenant")
    return AgentSpec(
        id=agent_id,
        name=node.text("name", max_length=NAME_MAX, default=agent_id),
        languages=node.texts("languages", max_length=16, default=["en"]),
        status=_status(node),
        capacity=_capacity(node),
        queues=member_of,
    )


def _script(node: Node, queues: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    script_id = node.text("id", max_length=ID_MAX)
    options = []
    for option in node.entries("options"):
        option.text("title", max_length=NAME_MAX)
        chosen = {key: option.text(key, max_length=4096, default="") for key in SCRIPT_OPTION_KEYS}
        if chosen["queue"] and chosen["queue"] not in queues:
            raise option.fail(f"queue '{chosen['queue']}' is not defined")
        options.append({key: value for key, value in chosen.items() if value})
    definition = {
        "greeting": node.text("greeting", max_length=4096, default=""),
        "fallback": node.text("fallback", max_length=4096, default=""),
        "options": options,
    }
    return script_id, node.text("name", max_length=NAME_MAX, default=script_id), definition


def tenant_spec(node: Node) -> TenantSpec:
    """Validate one tenant of a document (its id, name, queues, agents and scripts)."""
    tenant_id = node.text("id", max_length=ID_MAX)
    queue_nodes = node.entries("queues")
    queue_ids = _unique(queue_nodes, "id", "queue")
    queues = {
        qid: q.text("name", max_length=NAME_MAX, default=qid)
        for qid, q in zip(queue_ids, queue_nodes, strict=True)
    }
    agent_nodes = node.entries("agents")
    _unique(agent_nodes, "id", "agent")
    script_nodes = node.entries("scripts")
    _unique(script_nodes, "id", "script")
    return TenantSpec(
        node=node,
        id=tenant_id,
        name=node.text("name", max_length=NAME_MAX, default=tenant_id),
        queues=queues,
        agents=[_agent(agent, queues) for agent in agent_nodes],
        scripts=[_script(script, queues) for script in script_nodes],
    )


def _credentials(
    document: Node,
) -> tuple[list[tuple[Node, str | None, str]], list[tuple[Node, dict[str, str]]]]:
    # An absent list means one generated key (and one generated key/secret pair).
    api_keys = [
        (
            item,
            item.text("key", max_length=KEY_MAX, default="") or None,
            item.text("name", max_length=NAME_MAX, default="Chat Gateway"),
        )
        for item in document.entries("api_keys")
    ] or [(document, None, "Chat Gateway")]
    legacy = [
        (item, {k: item.text(k, max_length=KEY_MAX, default="") for k in ("key", "secret")})
        for item in document.entries("legacy_credentials")
    ] or [(document, {})]
    return api_keys, [(node, {k: v for k, v in pair.items() if v}) for node, pair in legacy]


def customer_spec(document: Node) -> CustomerSpec:
    """Validate one customer document completely, without touching the database."""
    document.mapping()
    customer = document.child("customer")
    if customer.value is None:
        raise document.fail("'customer' is required")
    customer.mapping()
    customer_id = customer.text("id", max_length=ID_MAX)
    tenant_nodes = document.entries("tenants")
    if not tenant_nodes:
        raise document.fail("at least one tenant is required")
    _unique(tenant_nodes, "id", "tenant")
    api_keys, legacy = _credentials(document)
    return CustomerSpec(
        node=document,
        id=customer_id,
        name=customer.text("name", max_length=NAME_MAX, default=customer_id),
        api_keys=api_keys,
        legacy_credentials=legacy,
        tenants=[tenant_spec(tenant) for tenant in tenant_nodes],
    )


def _refuse_taken(spec: CustomerSpec) -> None:
    """Ids and keys are global: one already in the database (another customer's) is refused."""
    if Customer.objects.filter(pk=spec.id).exists():
        raise spec.node.child("customer").child("id").fail(f"customer '{spec.id}' already exists")
    for tenant in spec.tenants:
        if Tenant.objects.filter(pk=tenant.id).exists():
            raise tenant.node.child("id").fail(f"tenant '{tenant.id}' already exists")
    for node, key, _name in spec.api_keys:
        if key is not None and ApiKey.objects.filter(pk=key).exists():
            raise node.child("key").fail("this API key is already in use")
    for node, pair in spec.legacy_credentials:
        if "key" in pair and LegacyCredential.objects.filter(pk=pair["key"]).exists():
            raise node.child("key").fail("this legacy key is already in use")


# --- writing ------------------------------------------------------------------------------


def tenant_seed(customer: Customer, spec: TenantSpec, result: SeedResult) -> None:
    """Create a validated tenant with its queues, agents and scripts for `customer`."""
    tenant = Tenant.objects.create(id=spec.id, customer=customer, name=spec.name)
    result.tenants.append(tenant)
    queues = {
        qid: Queue.objects.create(tenant=tenant, public_id=qid, name=name)
        for qid, name in spec.queues.items()
    }
    result.queues.extend(queues.values())
    for agent_spec in spec.agents:
        capacity = {"capacity": agent_spec.capacity} if agent_spec.capacity is not None else {}
        agent = Agent.objects.create(
            tenant=tenant,
            public_id=agent_spec.id,
            name=agent_spec.name,
            languages=agent_spec.languages,
            status=agent_spec.status,
            **capacity,
        )
        for queue_id in agent_spec.queues:
            queues[queue_id].agents.add(agent)
        result.agents.append(agent)
    for script_id, name, definition in spec.scripts:
        result.scripts.append(
            Script.objects.create(tenant=tenant, public_id=script_id, name=name, definition=definition)
        )


@transaction.atomic
def seed_customer(document: Mapping[str, Any], *, where: str = "") -> SeedResult:
    """Create one customer from a customer document, with its tenants, keys, queues, agents
    and scripts. Raises SeedError, creating nothing, if the document is invalid or names an
    id or key that exists already. `where` prefixes the paths in error messages."""
    spec = customer_spec(Node(document, where))
    _refuse_taken(spec)
    customer = Customer.objects.create(id=spec.id, name=spec.name)
    result = SeedResult(customer=customer)
    for _node, key, name in spec.api_keys:
        explicit = {"key": key} if key is not None else {}
        result.api_keys.append(ApiKey.objects.create(customer=customer, name=name, **explicit))
    for _node, pair in spec.legacy_credentials:
        result.legacy_credentials.append(LegacyCredential.objects.create(customer=customer, **pair))
    for tenant in spec.tenants:
        tenant_seed(customer, tenant, result)
    return result


# --- files --------------------------------------------------------------------------------


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


def seed_documents(data: Mapping[str, Any]) -> list[Node]:
    """The customer documents of a seed: the mapping itself, or each item of `customers`."""
    root = Node(data, "")
    if "customers" not in data:
        return [root]
    if "customer" in data:
        raise root.fail("give either 'customer' or 'customers', not both")
    documents = root.entries("customers")
    if not documents:
        raise root.child("customers").fail("at least one customer is required")
    return documents


@transaction.atomic
def seed_load(data: Mapping[str, Any]) -> list[SeedResult]:
    """Create every customer a seed describes; all of them, or nothing if one is invalid."""
    return [seed_customer(document.mapping(), where=document.where) for document in seed_documents(data)]


def seed_if_empty(path: Path | None = None) -> list[SeedResult]:
    """Seed a fresh database (demo data, or the file given). Does nothing if any customer exists."""
    if Customer.objects.exists():
        return []
    return seed_load(seed_file_read(path or DEMO_SEED_FILE))
