"""Legacy Chat API v2 access: key/secret pairs exchanged for short-lived bearer tokens."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conversations.models import AccessToken, LegacyCredential, Tenant
from gateway_sim.domain_errors import (
    AccessTokenExpired,
    AccessTokenInvalid,
    ClientCredentialsInvalid,
    TenantNotOwned,
)

# Expired tokens are kept this long so that a late call still gets "expired" rather than
# "invalid", then they are pruned when their credential asks for a new one.
EXPIRED_TOKEN_RETENTION = timedelta(days=1)


def access_token_issue(*, key: str, secret: str) -> AccessToken:
    """Check a key/secret pair and issue a new bearer token valid for the configured TTL."""
    # A key no row can have (a NUL character, which PostgreSQL cannot even compare) is no key.
    found = LegacyCredential.objects.filter(pk=key) if "\x00" not in key else LegacyCredential.objects.none()
    credential = found.select_related("customer").first()
    # Compare the secret in constant time even for an unknown key, so timing does not tell
    # which keys exist.
    stored = credential.secret if credential is not None else secrets.token_urlsafe(24)
    if not secrets.compare_digest(stored.encode(), secret.encode()) or credential is None:
        raise ClientCredentialsInvalid("Client credentials are invalid")
    now = timezone.now()
    with transaction.atomic():
        AccessToken.objects.filter(
            credential=credential, expires_at__lt=now - EXPIRED_TOKEN_RETENTION
        ).delete()
        return AccessToken.objects.create(
            credential=credential,
            issued_at=now,
            expires_at=now + timedelta(seconds=settings.SANDBOX_LEGACY_TOKEN_TTL_SECONDS),
        )


def access_token_resolve(*, token: str) -> AccessToken:
    """The live token for a bearer value; raises AccessTokenInvalid / AccessTokenExpired."""
    found = (
        AccessToken.objects.filter(pk=token.strip()).select_related("credential").first()
        if token.strip()
        else None
    )
    if found is None:
        raise AccessTokenInvalid("Invalid Access Token")
    if not found.is_valid_at(timezone.now()):
        raise AccessTokenExpired("Access Token expired")
    return found


def legacy_tenant_resolve(*, token: AccessToken, tenant_id: str) -> Tenant:
    """The tenant named in a v2 path, if it belongs to the token's customer."""
    customer_id = token.credential.customer_id
    tenant = Tenant.objects.filter(pk=tenant_id.strip(), customer_id=customer_id).first()
    if tenant is None:
        raise TenantNotOwned(tenant_id.strip(), customer_id)
    return tenant
