"""`manage.py sandbox` prepares the database and prints what an integration needs;
the home page shows the same."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from conversations.models import ApiKey, LegacyCredential
from tests.factories import World

pytestmark = pytest.mark.django_db


def test_the_start_command_seeds_and_prints_the_key_tenant_and_urls() -> None:
    out = StringIO()

    call_command("sandbox", "--no-serve", "--port", "8123", stdout=out)

    key = ApiKey.objects.get()
    legacy = LegacyCredential.objects.get()
    assert out.getvalue().splitlines() == [
        "Seeded customer demo-customer with 1 tenant(s).",
        "",
        "Chat Gateway Sandbox",
        f"  API key (x-api-key):   {key.key}",
        "  Tenant(s):             demo-tenant",
        "  Chat Gateway API:      http://127.0.0.1:8123/chat-gateway/v1",
        f"  Legacy v2 key/secret:  {legacy.key} / {legacy.secret}",
        "  Desktop and console:   http://127.0.0.1:8123/",
        f"  Control API admin key: {settings.SANDBOX_ADMIN_KEY}",
        "  Control API docs:      http://127.0.0.1:8123/api/docs/sandbox-v1",
    ]


def test_the_start_command_prints_each_customer_of_a_multi_customer_seed(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(
        "customers:\n"
        "  - customer: {id: acme}\n    api_keys: [{key: acme-key}]\n"
        "    legacy_credentials: [{key: acme-v2, secret: s1}]\n    tenants: [{id: acme-eu}, {id: acme-us}]\n"
        "  - customer: {id: globex}\n    api_keys: [{key: globex-key}]\n"
        "    legacy_credentials: [{key: globex-v2, secret: s2}]\n    tenants: [{id: globex-main}]\n"
    )
    out = StringIO()

    call_command("sandbox", "--no-serve", "--port", "8123", "--seed", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        "Seeded customer acme with 2 tenant(s).",
        "Seeded customer globex with 1 tenant(s).",
        "",
        "Chat Gateway Sandbox",
        "  Chat Gateway API:      http://127.0.0.1:8123/chat-gateway/v1",
        "  Desktop and console:   http://127.0.0.1:8123/",
        f"  Control API admin key: {settings.SANDBOX_ADMIN_KEY}",
        "  Control API docs:      http://127.0.0.1:8123/api/docs/sandbox-v1",
        "  Customer acme",
        "    API key (x-api-key):   acme-key",
        "    Tenant(s):             acme-eu, acme-us",
        "    Legacy v2 key/secret:  acme-v2 / s1",
        "  Customer globex",
        "    API key (x-api-key):   globex-key",
        "    Tenant(s):             globex-main",
        "    Legacy v2 key/secret:  globex-v2 / s2",
    ]


def test_the_start_command_refuses_an_invalid_seed_file(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text("customer: {id: c}\ntenants: []")

    with pytest.raises(CommandError, match="at least one tenant is required"):
        call_command("sandbox", "--no-serve", "--seed", str(path), stdout=StringIO())


def test_the_home_page_shows_the_key_base_url_and_tenant(world: World) -> None:
    response = Client().get("/", HTTP_HOST="127.0.0.1:8000")

    assert response.status_code == 200
    page = response.content.decode()
    assert "A local 8x8 Contact Center Chat Gateway" in page
    assert f'<code data-testid="api-key">{world.api_key.key}</code>' in page
    assert '<code data-testid="base-url">http://127.0.0.1:8000/chat-gateway/v1</code>' in page
    assert f"<code>{world.tenant.id}</code>" in page
