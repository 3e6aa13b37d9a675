"""Seed data: the demo on first start, or a YAML file's; invalid files are refused whole."""

from pathlib import Path

import pytest

from conversations.models import Agent, ApiKey, Customer, LegacyCredential, Queue, Script, Tenant
from gateway_sim.seed import DEMO_SEED_FILE, SeedError, seed_file_read, seed_if_empty, seed_load

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
    result = seed_if_empty()

    assert result is not None
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

    assert seed_if_empty() is None
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
    result = seed_load(seed_file_read(DEMO_SEED_FILE))

    assert result.customer.id == "demo-customer"
