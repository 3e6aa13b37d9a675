"""8x8 error bodies and the one exception handler that produces them.

Every failure becomes a `Problem` first (status, error items, the resource it is about),
through the single table `ERROR_TABLE`. The body is then chosen by the view: each 8x8
operation documents its own error schema per status (GenericExceptionPayload for most 400s,
BadRequestProblem on POST messages, ResourceNotFoundProblem or ResourceNotFoundExceptionPayload
for 404s ...), so a view names its shapes in an `error_shapes` attribute and the handler
renders the problem with them. New domain errors need no change here: any `DomainError`
subclass is a 400 with its own `code` unless the table says otherwise.
"""

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.signals import got_request_exception
from django.db import DataError
from django.http import Http404, HttpResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from gateway_sim.domain_errors import DomainError, NotFound, OfferUnavailable, ResourceInUse
from gateway_sim.wire import compact_json

logger = logging.getLogger("gateway_sim.errors")

PROBLEM_JSON = "application/problem+json"


class ApiKeyRejected(Exception):
    """The `x-api-key` header is missing or names no key."""


class TenantForbidden(Exception):
    """The tenant is missing (customer with several tenants) or not one of the customer's."""

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(detail)
        self.title = title
        self.detail = detail


@dataclass(frozen=True)
class ErrorItem:
    code: str
    message: str


@dataclass(frozen=True)
class Problem:
    """What went wrong, independent of the body shape it is rendered in."""

    status: int
    items: tuple[ErrorItem, ...]
    title: str = ""
    resource_type: str = ""
    resource_id: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        if self.title:
            return self.title
        return "; ".join(item.message for item in self.items)


ErrorBody = Callable[[Problem], dict[str, Any]]


def _reference_id(hex_bytes: int) -> str:
    return secrets.token_hex(hex_bytes)


def generic_body(problem: Problem) -> dict[str, Any]:
    """GenericExceptionPayload: `{message, errors: [{code, message}]}`."""
    message = "Internal error." if problem.status >= 500 else problem.message
    return {
        "message": message,
        "errors": [{"code": item.code, "message": item.message} for item in problem.items],
    }


def bad_request_body(problem: Problem) -> dict[str, Any]:
    """BadRequestProblem (POST messages): `errors` is one object, not a list."""
    first = problem.items[0]
    return {
        "message": problem.message,
        "errors": {"code": first.code, "message": first.message},
        "referenceId": _reference_id(16),
    }


def invalid_parameter_body(problem: Problem) -> dict[str, Any]:
    """InvalidParameterExceptionPayload (post-agent-assignment, typing, thinking, read receipts)."""
    return {**generic_body(problem), "referenceId": _reference_id(8)}


def unauthorized_body(problem: Problem) -> dict[str, Any]:
    """UnauthorizedProblem, as the newest 8x8 pages show it."""
    return {
        "message": "Access Denied",
        "errors": [{"message": item.message, "code": "access_denied"} for item in problem.items],
        "referenceId": _reference_id(8),
    }


def forbidden_body(problem: Problem) -> dict[str, Any]:
    """ForbiddenViolationProblem: `{message, errors: [string]}`."""
    return {"message": problem.message, "errors": [item.message for item in problem.items]}


def not_found_problem_body(problem: Problem) -> dict[str, Any]:
    """ResourceNotFoundProblem: `{message, errors: [string]}`."""
    if problem.resource_type:
        message = f"Resource of type {problem.resource_type} with id {problem.resource_id} was not found."
    else:
        message = problem.message
    return {"message": message, "errors": [item.message for item in problem.items]}


def not_found_exception_body(problem: Problem) -> dict[str, Any]:
    """ResourceNotFoundExceptionPayload: `{message: "Resource not found", errors: [{code, message}]}`."""
    return {
        "message": "Resource not found",
        "errors": [{"code": "resource_not_found", "message": item.message} for item in problem.items],
    }


class ErrorFormat(Protocol):
    """How one view renders problems: the media type and a body per problem."""

    @property
    def media_type(self) -> str: ...

    def body(self, problem: Problem) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ErrorShapes:
    """The error schemas one 8x8 operation documents, by status.

    401 is always UnauthorizedProblem; statuses an operation does not document fall back
    to the spec's `default`, GenericExceptionPayload.
    """

    bad_request: ErrorBody = generic_body
    forbidden: ErrorBody = forbidden_body
    not_found: ErrorBody = not_found_problem_body
    media_type: str = PROBLEM_JSON

    def body(self, problem: Problem) -> dict[str, Any]:
        if problem.status == 401:
            return unauthorized_body(problem)
        if problem.status == 403:
            return self.forbidden(problem)
        if problem.status == 404:
            return self.not_found(problem)
        if problem.status == 400:
            return self.bad_request(problem)
        return generic_body(problem)


GATEWAY_ERRORS = ErrorShapes()


class ControlErrors:
    """RFC 9457 problem details, with every error item naming its field in `errors`."""

    media_type = PROBLEM_JSON

    def body(self, problem: Problem) -> dict[str, Any]:
        # The items say what happened; a problem's own title may only name the status.
        detail = "; ".join(item.message for item in problem.items) or problem.message
        if problem.status >= 500:
            detail = "The sandbox failed to process the request."
        return {
            "type": "about:blank",
            "title": HTTPStatus(problem.status).phrase,
            "status": problem.status,
            "detail": detail,
            "errors": [{"code": item.code, "message": item.message} for item in problem.items],
        }


CONTROL_ERRORS = ControlErrors()


# --- From exceptions to problems: the one table --------------------------------------------


def one_problem(status: int, code: str, message: str, **kwargs: Any) -> Problem:
    return Problem(status=status, items=(ErrorItem(code, message),), **kwargs)


def _not_found(exc: NotFound) -> Problem:
    return one_problem(
        404, exc.code, exc.message, resource_type=exc.resource_type, resource_id=exc.resource_id
    )


def _domain(status: int) -> Callable[[DomainError], Problem]:
    return lambda exc: one_problem(status, exc.code, exc.message)


def _tenant_forbidden(exc: TenantForbidden) -> Problem:
    return one_problem(403, "access_denied", exc.detail, title=exc.title)


def validation_items(detail: Any, path: str = "") -> list[ErrorItem]:
    """Flatten DRF's nested error detail into items whose messages name the field.

    `{"user": {"additionalProperties": [{}, {"key": ["This field is required."]}]}}` becomes
    `user.additionalProperties[1].key: This field is required.`
    """
    if isinstance(detail, Mapping):
        items: list[ErrorItem] = []
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                child = path
            elif isinstance(key, int):
                # ListField reports its items' errors by index.
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}" if path else str(key)
            items.extend(validation_items(value, child))
        return items
    if isinstance(detail, list):
        if all(isinstance(entry, str) for entry in detail):
            return [_validation_item(entry, path) for entry in detail]
        items = []
        for index, entry in enumerate(detail):
            if entry:
                items.extend(validation_items(entry, f"{path}[{index}]"))
        return items
    return [_validation_item(detail, path)]


def _validation_item(detail: Any, path: str) -> ErrorItem:
    message = str(detail)
    leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
    # Messages written for one field already name it ("Invalid authorType=x, ..."); DRF's
    # generic ones ("This field is required.") get the field's path in front.
    if path and f"{leaf}=" not in message and not message.startswith(f"{leaf} "):
        message = f"{path}: {message}"
    return ErrorItem("invalid_json_object", message)


def _validation(exc: drf.ValidationError) -> Problem:
    items = validation_items(exc.detail) or [ErrorItem("invalid_json_object", "The request body is invalid.")]
    return Problem(status=400, items=tuple(items))


def _parse_error(exc: drf.ParseError) -> Problem:
    detail = str(exc.detail)
    if detail.startswith("JSON parse error - "):
        return one_problem(
            400, "invalid_json", f"Malformed JSON body: {detail.removeprefix('JSON parse error - ')}"
        )
    return one_problem(400, "invalid_request", detail)


def _api_exception(exc: drf.APIException) -> Problem:
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return one_problem(exc.status_code, str(code), str(exc.detail), headers=_api_headers(exc))


def _api_headers(exc: drf.APIException) -> dict[str, str]:
    wait = getattr(exc, "wait", None)
    return {"Retry-After": str(int(wait))} if wait else {}


def _api_key(exc: ApiKeyRejected) -> Problem:
    return one_problem(401, "access_denied", str(exc))


def _suspicious(exc: SuspiciousOperation) -> Problem:
    return one_problem(400, "invalid_request", f"The request cannot be processed: {exc}")


def _unstorable(exc: DataError) -> Problem:
    # Input validation rejects what the database cannot store; this is the safety net for a
    # value that slipped through (PostgreSQL refuses NUL characters, for one).
    return one_problem(400, "invalid_request", "A value in the request cannot be stored.")


def _http404(exc: Http404) -> Problem:
    return one_problem(404, "resource_not_found", str(exc) or "Resource not found.")


def _permission(exc: DjangoPermissionDenied) -> Problem:
    return one_problem(403, "access_denied", str(exc) or "Access is denied.", title="Access is denied.")


# Ordered most specific first: the first row whose class matches decides.
ERROR_TABLE: tuple[tuple[type[BaseException], Callable[[Any], Problem]], ...] = (
    (ApiKeyRejected, _api_key),
    (TenantForbidden, _tenant_forbidden),
    (NotFound, _not_found),
    (OfferUnavailable, _domain(409)),
    (ResourceInUse, _domain(409)),
    (DomainError, _domain(400)),
    (drf.ValidationError, _validation),
    (drf.ParseError, _parse_error),
    (drf.APIException, _api_exception),
    (Http404, _http404),
    (DataError, _unstorable),
    (DjangoPermissionDenied, _permission),
    (SuspiciousOperation, _suspicious),
)


def problem_for(exc: BaseException) -> Problem | None:
    for error_class, convert in ERROR_TABLE:
        if isinstance(exc, error_class):
            return convert(exc)
    return None


def internal_error_problem() -> Problem:
    return one_problem(500, "internal_error", "The sandbox failed to process the request.")


def problem_response(problem: Problem, shapes: ErrorFormat = GATEWAY_ERRORS) -> Response:
    response = Response(
        shapes.body(problem), status=problem.status, content_type=shapes.media_type, headers=problem.headers
    )
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's exception handler for every API view.

    Unexpected exceptions are logged (and reported to Django's `got_request_exception`
    listeners, so tests see them) and still answered with a JSON 500, never an HTML page.
    """
    view = context.get("view")
    shapes: ErrorFormat = getattr(view, "error_shapes", GATEWAY_ERRORS)
    problem = problem_for(exc)
    if problem is None:
        request = context.get("request")
        logger.error("unhandled error in %s", type(view).__name__, exc_info=exc)
        got_request_exception.send(sender=None, request=getattr(request, "_request", request))
        problem = internal_error_problem()
    set_rollback()
    return problem_response(problem, shapes)


# --- Django's own error views ----------------------------------------------------------------


def json_problem(problem: Problem, shapes: ErrorFormat = GATEWAY_ERRORS) -> HttpResponse:
    body = compact_json(shapes.body(problem))
    response = HttpResponse(body, status=problem.status, content_type=shapes.media_type)
    for name, value in problem.headers.items():
        response[name] = value
    return response
