"""Seed data: the demo on first start, or a YAML file's (one customer or several); invalid
files are refused whole, naming the path at fault."""

from pathlib import Path

import pytest

from conversations.models import Agent, ApiKey, Customer, LegacyCredential, Queue, Script, Tenant
from gateway_sim.seed import (
    DEMO_SEED_FILE,
    SeedError,
    seed_customer,
    seed_file_read,
    seed_if_empty,
    seed_load,
)

pytestmark = pytest.mark.django_db

CUSTOM = """
customer: {id: acme, name: Acme}
api_keys:
  - {key: acme-key, name: CI key}
legacy_credentials:
  - {key: acme-legacy, secret: s3cret}
tenants:
  - id: acme-eu
    queues: [{id: "7", name: Returns}]
    agents:
      - {id: agent-eve, name: Eve, languages: [de], queues: ["7"], status: available, capacity: 5}
"""


def test_a_fresh_database_gets_the_demo_data() -> None:
    [result] = seed_if_empty()

    assert result.customer.id == "demo-customer"
    assert [t.id for t in result.tenants] == ["demo-tenant"]
    assert list(Queue.objects.values_list("public_id", "name")) == [
        ("100", "Sales"),
        ("101", "Support"),
        ("102", "Billing"),
    ]
    assert Agent.objects.count() == 4
    assert sorted(Agent.objects.values_list("status", flat=True)) == [
        "available",
        "available",
        "away",
        "offline",
    ]
    script = Script.objects.get()
    assert script.public_id == "main-menu"
    assert [o["title"] for o in script.definition["options"]][:2] == ["Buy something", "Get help"]
    assert ApiKey.objects.filter(customer=result.customer).count() == 1
    assert LegacyCredential.objects.filter(customer=result.customer).count() == 1


def test_seeding_twice_changes_nothing() -> None:
    seed_if_empty()

    assert seed_if_empty() == []
    assert Customer.objects.count() == 1


def test_a_yaml_file_replaces_the_demo_data(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(CUSTOM)

    seed_if_empty(path)

    assert list(Tenant.objects.values_list("id", flat=True)) == ["acme-eu"]
    assert ApiKey.objects.get().key == "acme-key"
    assert LegacyCredential.objects.values_list("key", "secret").get() == ("acme-legacy", "s3cret")
    eve = Agent.objects.get()
    assert (eve.public_id, eve.languages, eve.status, eve.capacity) == ("agent-eve", ["de"], "available", 5)
    assert list(eve.queues.values_list("public_id", flat=True)) == ["7"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tenants: []", "seed: 'customer' is required"),
        ("customer: {id: c}\ntenants: []", "seed: at least one tenant is required"),
        (
            "customer: {id: c}\ntenants:\n  - id: t\n    agents: [{id: a, queues: ['9']}]",
            "tenants[0].agents[0]: queue '9' is not defined in this tenant",
        ),
        (
            "customer: {id: c}\ntenants:\n  - id: t\n    agents: [{id: a, status: sleeping}]",
            "tenants[0].agents[0]: status 'sleeping' is not one of available, busy, away, offline",
        ),
        (
            "customer: {id: c}\ntenants:\n  - id: t\n    queues: [{name: No id}]",
            "tenants[0].queues[0]: 'id' is required",
        ),
    ],
)
def test_an_invalid_seed_is_refused_naming_the_entry_and_creates_nothing(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(text)

    with pytest.raises(SeedError, match=message.replace("[", r"\[").replace("]", r"\]")):
        seed_if_empty(path)

    assert not Customer.objects.exists()
    assert not Queue.objects.exists()


def test_a_seed_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text("customer: [unclosed")

    with pytest.raises(SeedError, match="is not valid YAML"):
        seed_file_read(path)
    with pytest.raises(SeedError, match="cannot read seed file"):
        seed_file_read(tmp_path / "missing.yaml")


def test_the_demo_file_is_a_valid_sample_for_users() -> None:
    [result] = seed_load(seed_file_read(DEMO_SEED_FILE))

    assert result.customer.id == "demo-customer"


SEVERAL = """
customers:
  - customer: {id: acme, name: Acme}
    api_keys: [{key: acme-key}]
    legacy_credentials: [{key: acme-legacy, secret: s1}]
    tenants:
      - id: acme-eu
        queues: [{id: 7, name: Returns}]
        agents: [{id: agent-eve, queues: [7], status: available}]
      - id: acme-us
        queues: [{id: "7", name: Returns US}]
  - customer: {id: globex}
    api_keys: [{key: globex-key, name: CI}]
    tenants:
      - id: globex-main
        queues: [{id: "1", name: Sales}]
        agents: [{id: agent-eve, name: Eve Two, languages: [fr], queues: ["1"], capacity: 2}]
        scripts:
          - id: menu
            greeting: Hi
            options: [{title: Buy, postback: buy, queue: "1"}, {title: Hours, reply: Always}]
"""


def test_a_seed_file_may_hold_several_customers_each_with_its_own_world(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(SEVERAL)

    results = seed_if_empty(path)

    assert [(r.customer.id, [t.id for t in r.tenants]) for r in results] == [
        ("acme", ["acme-eu", "acme-us"]),
        ("globex", ["globex-main"]),
    ]
    assert sorted(ApiKey.objects.values_list("key", "customer_id", "name")) == [
        ("acme-key", "acme", "Chat Gateway"),
        ("globex-key", "globex", "CI"),
    ]
    assert sorted(LegacyCredential.objects.values_list("customer_id", flat=True)) == ["acme", "globex"]
    assert sorted(Queue.objects.values_list("tenant_id", "public_id", "name")) == [
        ("acme-eu", "7", "Returns"),
        ("acme-us", "7", "Returns US"),
        ("globex-main", "1", "Sales"),
    ]
    assert sorted(
        Agent.objects.values_list("tenant_id", "public_id", "name", "languages", "status", "capacity")
    ) == [
        ("acme-eu", "agent-eve", "agent-eve", ["en"], "available", 3),
        ("globex-main", "agent-eve", "Eve Two", ["fr"], "offline", 2),
    ]
    script = Script.objects.get()
    assert (script.tenant_id, script.public_id, script.definition) == (
        "globex-main",
        "menu",
        {
            "greeting": "Hi",
            "fallback": "",
            "options": [
                {"title": "Buy", "postback": "buy", "queue": "1"},
                {"title": "Hours", "reply": "Always"},
            ],
        },
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "customers:\n  - customer: {id: a}\n    tenants: [{id: ta}]\n"
            "  - customer: {id: b}\n    tenants: [{id: tb, agents: [{id: x, queues: ['9']}]}]",
            "customers[1].tenants[0].agents[0]: queue '9' is not defined in this tenant",
        ),
        (
            "customers:\n  - customer: {id: a}\n    tenants: [{id: t}]\n"
            "  - customer: {id: b}\n    tenants: [{id: t}]",
            "customers[1].tenants[0].id: tenant 't' already exists",
        ),
        (
            "customers:\n  - customer: {id: a}\n    tenants: [{id: ta}]\n"
            "  - customer: {id: a}\n    tenants: [{id: tb}]",
            "customers[1].customer.id: customer 'a' already exists",
        ),
        (
            "customers:\n  - customer: {id: a}\n    api_keys: [{key: k}]\n    tenants: [{id: ta}]\n"
            "  - customer: {id: b}\n    api_keys: [{key: k}]\n    tenants: [{id: tb}]",
            "customers[1].api_keys[0].key: this API key is already in use",
        ),
        ("customers: []", "customers: at least one customer is required"),
        ("customers: [acme]", "customers[0]: must be a mapping"),
        ("customer: {id: a}\ncustomers: []", "seed: give either 'customer' or 'customers', not both"),
        (
            "customer: {id: c}\ntenants: [{id: t, queues: [{id: q}, {id: q}]}]",
            "tenants[0].queues[1].id: queue 'q' is defined twice",
        ),
        ("customer: {id: c}\ntenants: [{id: t, queues: Sales}]", "tenants[0].queues: must be a list"),
        (
            "customer: {id: c}\ntenants: [{id: t, agents: [{id: a, capacity: lots}]}]",
            "tenants[0].agents[0].capacity: must be a whole number of at least 1",
        ),
        (
            "customer: {id: c}\ntenants: [{id: t, agents: [{id: a, languages: [[en]]}]}]",
            "tenants[0].agents[0].languages[0]: must be text",
        ),
        (f"customer: {{id: {'c' * 65}}}\ntenants: [{{id: t}}]", "customer.id: must be at most 64 characters"),
        (
            "customer: {id: c}\ntenants: [{id: t, scripts: [{id: s, options: [{title: A, queue: '5'}]}]}]",
            "tenants[0].scripts[0].options[0]: queue '5' is not defined",
        ),
    ],
)
def test_an_invalid_seed_file_names_the_path_at_fault_and_creates_nothing(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(text)

    with pytest.raises(SeedError) as raised:
        seed_if_empty(path)

    assert str(raised.value) == message
    assert not Customer.objects.exists()
    assert not Tenant.objects.exists()
    assert not ApiKey.objects.exists()


def test_one_customer_document_creates_that_customer_and_returns_what_it_created() -> None:
    seed_if_empty()
    document = {
        "customer": {"id": "fresh", "name": "Fresh"},
        "tenants": [
            {
                "id": "fresh-t",
                "queues": [{"id": "100", "name": "Sales"}],
                "agents": [{"id": "agent-a", "queues": ["100"]}],
                "scripts": [{"id": "menu", "options": [{"title": "Buy", "queue": "100"}]}],
            }
        ],
    }

    result = seed_customer(document)

    assert result.customer == Customer.objects.get(pk="fresh")
    assert result.tenants == [Tenant.objects.get(pk="fresh-t")]
    assert result.api_keys == list(ApiKey.objects.filter(customer_id="fresh"))
    assert result.legacy_credentials == list(LegacyCredential.objects.filter(customer_id="fresh"))
    assert result.queues == list(Queue.objects.filter(tenant_id="fresh-t"))
    assert result.agents == list(Agent.objects.filter(tenant_id="fresh-t"))
    assert result.scripts == list(Script.objects.filter(tenant_id="fresh-t"))
    assert Customer.objects.count() == 2


def test_one_customer_document_that_is_invalid_creates_nothing_and_names_the_path() -> None:
    document = {"customer": {"id": "fresh"}, "tenants": [{"id": "t"}, {"id": "t2", "agents": [{}]}]}

    with pytest.raises(SeedError) as raised:
        seed_customer(document, where="template")

    assert str(raised.value) == "template.tenants[1].agents[0]: 'id' is required"
    assert not Customer.objects.exists()
