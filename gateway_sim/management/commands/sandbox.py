"""`python manage.py sandbox`: migrate, seed if empty, print the keys and URLs, serve."""

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from conversations.models import ApiKey, Customer, LegacyCredential, Tenant
from gateway_sim.seed import SeedError, seed_if_empty


class Command(BaseCommand):
    help = "Start the Chat Gateway Sandbox (migrate, seed demo data if empty, serve with Daphne)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", help="YAML seed file used when the database is empty")
        parser.add_argument("--host", default=settings.SANDBOX_HOST)
        parser.add_argument("--port", type=int, default=settings.SANDBOX_PORT)
        parser.add_argument("--no-serve", action="store_true", help="prepare and print, do not serve")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        seed_path = options["seed"] or settings.SANDBOX_SEED_FILE or None
        try:
            seeded = seed_if_empty(Path(seed_path) if seed_path else None)
        except SeedError as exc:
            raise CommandError(str(exc)) from None
        for result in seeded:
            self.stdout.write(f"Seeded customer {result.customer.id} with {len(result.tenants)} tenant(s).")
        self.stdout.write(self.banner(options["host"], options["port"]))
        if options["no_serve"]:
            return
        sys.stdout.flush()
        # This process becomes Daphne: a fixed program and arguments, no shell.
        os.execvp(  # noqa: S606
            sys.executable,
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                options["host"],
                "-p",
                str(options["port"]),
                # No access log (a line per request is CPU the API's callers wait on).
                "--verbosity",
                "0",
                "gateway_sim.asgi:application",
            ],
        )

    def banner(self, host: str, port: int) -> str:
        base = f"http://{host}:{port}"
        customers = list(Customer.objects.order_by("created_at", "id"))
        gateway = _row("Chat Gateway API", f"{base}/chat-gateway/v1")
        desk = _row("Desktop and console", f"{base}/")
        control = [
            _row("Control API admin key", settings.SANDBOX_ADMIN_KEY),
            _row("Control API docs", f"{base}/api/docs/sandbox-v1"),
        ]
        if len(customers) <= 1:
            key, tenants, legacy = _customer_rows(customers[0] if customers else None)
            lines = [key, tenants, gateway, legacy, desk, *control]
        else:
            # Several customers (a seed file's, or made over the control API): the shared URLs,
            # then the first few customers' keys and tenants.
            lines = [gateway, desk, *control]
            for customer in customers[:BANNER_CUSTOMERS]:
                lines += [f"  Customer {customer.id}", *_customer_rows(customer, indent=4)]
            if len(customers) > BANNER_CUSTOMERS:
                lines.append(f"  … and {len(customers) - BANNER_CUSTOMERS} more customers")
        return "\n".join(["", "Chat Gateway Sandbox", *lines, ""])


# Customers listed at start-up; tests that create customers over the control API make many.
BANNER_CUSTOMERS = 5


def _row(label: str, value: str, indent: int = 2) -> str:
    return f"{' ' * indent}{label + ':':<23}{value}"


def _customer_rows(customer: Customer | None, indent: int = 2) -> list[str]:
    key = ApiKey.objects.filter(customer=customer).order_by("created_at").first()
    credential = LegacyCredential.objects.filter(customer=customer).order_by("created_at").first()
    tenants = (
        Tenant.objects.filter(customer=customer).order_by("created_at", "id").values_list("id", flat=True)
    )
    return [
        _row("API key (x-api-key)", key.key if key else "-", indent),
        _row("Tenant(s)", ", ".join(tenants) or "-", indent),
        _row(
            "Legacy v2 key/secret", f"{credential.key} / {credential.secret}" if credential else "-", indent
        ),
    ]
