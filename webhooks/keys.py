"""The signing keys: stored in the database, created on first use, rotated on request.

The current key is the newest one not retired. Rotation retires the current key and
creates a new one; retired keys stay published as JWKs, so receivers that cache keys by
`kid` keep verifying deliveries signed before the rotation.
"""

import threading

from django.db import transaction
from django.utils import timezone

from webhooks import signing
from webhooks.models import SigningKey
from webhooks.store import current_kid

# Parsed keys by kid: parsing and checking a PEM costs tens of milliseconds, and a kid
# always names the same key material.
_loaded: dict[str, signing.Signer] = {}
_lock = threading.Lock()


def _signer_of(key: SigningKey) -> signing.Signer:
    signer = _loaded.get(key.kid)
    if signer is None:
        signer = signing.signer_load(kid=key.kid, private_pem=key.private_pem)
        _loaded[key.kid] = signer
    return signer


def _newest_live() -> SigningKey | None:
    return SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-kid").first()


def signing_key_current() -> SigningKey:
    """The key that signs new attempts; created (once) when there is none."""
    key = _newest_live()
    if key is not None:
        return key
    # Several threads may sign their first delivery at once; one creates the key. Two
    # processes racing could each create one: both stay published and every process
    # then signs with the newest, so a duplicate is harmless.
    with _lock:
        key = _newest_live()
        if key is None:
            with transaction.atomic():
                key = SigningKey.objects.create(private_pem=signing.private_key_generate())
    return key


def signer_current() -> signing.Signer:
    """The signer for the next attempt. Runs once per attempt: reads only the current kid,
    so a rotation made by any process takes effect at the next attempt."""
    kid = current_kid()
    with _lock:
        signer = _loaded.get(kid) if kid is not None else None
    if signer is not None:
        return signer
    key = signing_key_current()
    with _lock:
        return _signer_of(key)


def signing_key_rotate() -> SigningKey:
    """Retire every live key and start signing with a new one. Old kids stay published."""
    pem = signing.private_key_generate()
    with transaction.atomic():
        now = timezone.now()
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
        return SigningKey.objects.create(private_pem=pem, created_at=now)


def signing_key_public(kid: str) -> dict[str, str] | None:
    """The public JWK of a current or retired key, or None when the kid is unknown."""
    key = SigningKey.objects.filter(pk=kid).first()
    if key is None:
        return None
    with _lock:
        return signing.public_jwk(_signer_of(key))


def signing_keys_published() -> list[SigningKey]:
    """Every key whose JWK is served, newest first; the first live one signs (created if none)."""
    signing_key_current()
    return list(SigningKey.objects.order_by("-created_at", "-kid"))
