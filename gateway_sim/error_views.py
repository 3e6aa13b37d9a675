"""Django's error views (handler400/403/404/500, the CSRF failure view, 405s of plain views):
JSON under the API prefixes, in the dialect of the API the path belongs to, and Django's own
pages everywhere else."""

from collections.abc import Callable
from enum import Enum
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views import csrf, defaults

from gateway_sim import errors_legacy
from gateway_sim.errors import (
    CONTROL_ERRORS,
    Problem,
    internal_error_problem,
    json_problem,
    one_problem,
)


class ApiFamily(Enum):
    """The API a path belongs to, which decides the shape of its error bodies."""

    GATEWAY = "gateway"  # ResourceNotFoundProblem and friends (8x8-api.md §1.5)
    LEGACY = "legacy"  # the v2 service's `{message, errors}`, OAuth's `{ErrorCode, Error}`
    SANDBOX = "sandbox"  # the control API: RFC 7807 `{title, status, detail}`


# By first path segment: `/api`, `/api/…` and `/api/` alike, but not `/apiary`. `/api/` holds
# the card actions and the Gateway's docs; `/files/` the attachment links of events.
FAMILIES: dict[str, ApiFamily] = {
    "api": ApiFamily.GATEWAY,
    "chat-gateway": ApiFamily.GATEWAY,
    "files": ApiFamily.GATEWAY,
    "vcc": ApiFamily.LEGACY,
    "oauth": ApiFamily.LEGACY,
    "sandbox": ApiFamily.SANDBOX,
}


def api_family(path: str) -> ApiFamily | None:
    return FAMILIES.get(path.lstrip("/").split("/", 1)[0])


def is_api_path(path: str) -> bool:
    return api_family(path) is not None


def sandbox_problem(problem: Problem) -> HttpResponse:
    """The control API's problem+json body, as its views answer."""
    return json_problem(problem, CONTROL_ERRORS)


def api_error(request: HttpRequest, problem: Problem) -> HttpResponse:
    """`problem` in the body of the API `request.path` belongs to (which must be one)."""
    family = api_family(request.path)
    if family is ApiFamily.LEGACY:
        return errors_legacy.django_error(request.path, problem)
    if family is ApiFamily.SANDBOX:
        return sandbox_problem(problem)
    return json_problem(problem)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return api_error(request, one_problem(400, "invalid_request", "The request cannot be processed."))
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        problem = one_problem(403, "access_denied", "Access is denied.", title="Access is denied.")
        return api_error(request, problem)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        message = f"No operation answers {request.method} {request.path}."
        return api_error(request, one_problem(404, "resource_not_found", message, title="Resource not found"))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return api_error(request, internal_error_problem())
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. API views are exempt; this catches a plain Django view under an
    API prefix (the Gateway's docs) that a browser-less client POSTs to."""
    if is_api_path(request.path):
        message = f"The request was refused: {reason}" if reason else "The request was refused."
        return api_error(request, one_problem(403, "access_denied", message, title="Access is denied."))
    return csrf.csrf_failure(request, reason)


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    message = f'Method "{request.method}" not allowed.'
    problem = one_problem(405, "method_not_allowed", message, headers={"Allow": ", ".join(allowed)})
    return api_error(request, problem)


View = Callable[..., HttpResponse]


def read_only_api_view(view: View) -> View:
    """For a plain Django view under an API prefix: GET and HEAD only, other methods a JSON 405.

    Django's own `require_safe` answers an empty HTML 405; DRF views need none of this.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed(request, ["GET", "HEAD"])
        return view(request, *args, **kwargs)

    # Nothing to forge on a read-only view; exempt, a refused POST is the 405 above.
    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped
