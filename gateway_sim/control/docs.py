"""The control API's OpenAPI schema, generated from its views, and a page to try it out."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularJSONAPIView

from conversations.models import ApiKey

SCHEME = "sandboxApiKey"


@extend_schema_view(get=extend_schema(exclude=True))
class ControlSchemaView(SpectacularJSONAPIView):
    # Only the control API: the Gateway's and the legacy API's contracts are 8x8's own files.
    urlconf = "gateway_sim.control.urls"


def control_docs(request: HttpRequest) -> HttpResponse:
    api_key = ApiKey.objects.order_by("created_at").first()
    context = {
        "api_title": "Sandbox control API",
        "spec_url": reverse("control-schema"),
        "scheme": SCHEME,
        "api_key": api_key.key if api_key else "",
    }
    return render(request, "control_docs.html", context)
