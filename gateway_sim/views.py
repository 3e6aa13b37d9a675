"""Sandbox-wide pages."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from conversations.models import Agent, ApiKey, LegacyCredential, Queue, Tenant


def home(request: HttpRequest) -> HttpResponse:
    """What the sandbox is, with the key and base URL to point an integration at."""
    base_url = request.build_absolute_uri("/").rstrip("/")
    tenants = list(Tenant.objects.select_related("customer").order_by("created_at"))
    context = {
        "base_url": base_url,
        "gateway_url": f"{base_url}/chat-gateway/v1",
        "public_url": settings.SANDBOX_PUBLIC_URL,
        "api_key": ApiKey.objects.order_by("created_at").first(),
        "legacy": LegacyCredential.objects.order_by("created_at").first(),
        "tenants": tenants,
        "queues": Queue.objects.filter(tenant__in=tenants)
        .prefetch_related("agents")
        .order_by("tenant", "public_id"),
        "agents": Agent.objects.filter(tenant__in=tenants).order_by("tenant", "name"),
    }
    return render(request, "home.html", context)
