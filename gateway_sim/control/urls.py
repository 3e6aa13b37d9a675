"""The control API's URL contract, `/sandbox/v1/…`; a trailing slash is optional."""

from django.urls import URLPattern, URLResolver, re_path

from gateway_sim.control import docs, events, tenants

ID = r"[^/]+"


def _control(path: str) -> str:
    return rf"^sandbox/v1/{path}/?$"


urlpatterns: list[URLPattern | URLResolver] = [
    re_path(_control("events"), events.EventListView.as_view(), name="control-events"),
    re_path(_control("events/wait"), events.EventWaitView.as_view(), name="control-events-wait"),
    re_path(_control("customers"), tenants.CustomerListView.as_view(), name="control-customers"),
    re_path(
        _control(rf"customers/(?P<customer_id>{ID})"),
        tenants.CustomerDetailView.as_view(),
        name="control-customer",
    ),
    re_path(_control("tenant"), tenants.TenantView.as_view(), name="control-tenant"),
    re_path(_control("tenant/reset"), tenants.TenantResetView.as_view(), name="control-tenant-reset"),
    # The schema generated from these views, and a page to try it.
    re_path(r"^api/sandbox-v1\.oas\.json$", docs.ControlSchemaView.as_view(), name="control-schema"),
    re_path(r"^api/docs/sandbox-v1/?$", docs.control_docs, name="control-docs"),
]
