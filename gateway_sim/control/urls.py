"""The control API's URL contract, `/sandbox/v1/…`; a trailing slash is optional."""

from django.urls import URLPattern, URLResolver, re_path

from gateway_sim.control import docs, events

ID = r"[^/]+"


def _control(path: str) -> str:
    return rf"^sandbox/v1/{path}/?$"


urlpatterns: list[URLPattern | URLResolver] = [
    re_path(_control("events"), events.EventListView.as_view(), name="control-events"),
    re_path(_control("events/wait"), events.EventWaitView.as_view(), name="control-events-wait"),
    # The schema generated from these views, and a page to try it.
    re_path(r"^api/sandbox-v1\.oas\.json$", docs.ControlSchemaView.as_view(), name="control-schema"),
    re_path(r"^api/docs/sandbox-v1/?$", docs.control_docs, name="control-docs"),
]
