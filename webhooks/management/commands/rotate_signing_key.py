"""`python manage.py rotate_signing_key`: sign from now on with a new key; old kids stay published."""

from typing import Any

from django.core.management.base import BaseCommand

from webhooks.keys import signing_key_rotate


class Command(BaseCommand):
    help = "Rotate the webhook signing key. Retired keys stay published as JWKs."

    def handle(self, *args: Any, **options: Any) -> None:
        key = signing_key_rotate()
        self.stdout.write(f"Webhook deliveries are now signed with kid {key.kid}.")
