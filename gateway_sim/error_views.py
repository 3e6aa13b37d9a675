"""Django's error views (handler400/403/404/500): JSON under the API prefixes, in the dialect
of the API the path belongs to, and Django's own pages everywhere else."""

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from gateway_sim import errors_legacy
from gateway_sim.errors import Problem, internal_error_problem, json_problem, one_problem

# Paths served by the JSON APIs: errors raised outside a view (unknown path, request parsing,
# middleware) are answered in JSON there and with Django's pages everywhere else.
LEGACY_PATH_PREFIXES: tuple[str, ...] = ("/vcc/", "/oauth/")
API_PATH_PREFIXES: tuple[str, ...] = ("/chat-gateway/", "/api/v1/", "/files/", *LEGACY_PATH_PREFIXES)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH_PREFIXES)


def _django_error(request: HttpRequest, problem: Problem) -> HttpResponse:
    if request.path.startswith(LEGACY_PATH_PREFIXES):
        return errors_legacy.django_error(request.path, problem)
    return json_problem(problem)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return _django_error(request, one_problem(400, "invalid_request", "The request cannot be processed."))
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        problem = one_problem(403, "access_denied", "Access is denied.", title="Access is denied.")
        return _django_error(request, problem)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        message = f"No operation answers {request.method} {request.path}."
        return _django_error(
            request, one_problem(404, "resource_not_found", message, title="Resource not found")
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return _django_error(request, internal_error_problem())
    return defaults.server_error(request)
