"""Error bodies of the legacy Chat API v2 and the exception handler its views use.

The v2 API speaks three dialects: Apigee in front of it (`{fault: …}` for tokens that do
not verify, `{ErrorCode, Error}` from the token endpoint) and the service behind it
(`{message, errors: [string]}` for 400/403/404/500, with `validations` on channel
creation). `exception_handler` maps every exception a v2 view can raise to one of them, so
a client never sees a Django page or a Gateway-shaped body on a v2 path.
"""

import logging
from enum import Enum
from typing import Any

from django.core.signals import got_request_exception
from django.http import HttpResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from gateway_sim.domain_errors import (
    AccessTokenExpired,
    AccessTokenInvalid,
    ClientCredentialsInvalid,
    DomainError,
    NotFound,
    PreconditionFailed,
    TenantNotOwned,
    WebhookVerificationFailed,
)
from gateway_sim.errors import PROBLEM_JSON, Problem, problem_for
from gateway_sim.ids import new_id
from gateway_sim.wire import compact_json

logger = logging.getLogger(__name__)


class ErrorStyle(Enum):
    """Which body a view's 400s take (the spec differs per endpoint)."""

    CONSTRAINT = "constraint"  # ConstraintViolationProblem: {message, errors: [string]}
    VALIDATION = "validation"  # ValidationExceptionPayload: + errors[{code, message}], validations
    OAUTH = "oauth"  # the token endpoint: {ErrorCode, Error} for every client error


class OAuthRequestInvalid(Exception):
    """A token request Apigee rejects before checking credentials (grant type, no auth)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class ResourceNotFound(Exception):
    """A v2 path that names no resource (unknown route, region or id)."""

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


# --- bodies ------------------------------------------------------------------------------


def fault(faultstring: str, errorcode: str) -> dict[str, Any]:
    return {"fault": {"faultstring": faultstring, "detail": {"errorcode": errorcode}}}


def oauth_error(code: str, message: str) -> dict[str, Any]:
    return {"ErrorCode": code, "Error": message}


def constraint_violation(errors: list[str]) -> dict[str, Any]:
    return {"message": "Constraint Violation", "errors": errors}


def validation_exception(violations: list["Violation"]) -> dict[str, Any]:
    return {
        "message": "Validation failed.",
        "errors": [{"code": v.code, "message": v.message} for v in violations],
        "validations": [
            {"field": v.field, "value": v.value, "code": v.code, "message": v.message} for v in violations
        ],
    }


def message_errors(message: str, errors: list[str]) -> dict[str, Any]:
    """The service's generic body, used by 403, 404, 405, 412 and 415."""
    return {"message": message, "errors": errors}


def internal_error(message: str, errors: list[str]) -> dict[str, Any]:
    return {"message": message, "errors": errors, "referenceId": new_id()[:16]}


# --- validation errors -------------------------------------------------------------------


class Violation:
    """One invalid field: its dotted path, the submitted value, a code and a sentence."""

    def __init__(self, field: str, message: str, *, code: str = "invalid_parameter", value: str = "") -> None:
        self.field = field
        self.message = message
        self.code = code
        self.value = value

    def as_text(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


# DRF's wording for missing and blank fields, in the Bean Validation words v2 answers with.
_SENTENCES = {
    "required": "May not be empty.",
    "blank": "May not be empty.",
    "null": "May not be null.",
}


def _value_at(data: Any, path: list[str]) -> str:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return ""
    if data is None or isinstance(data, dict | list):
        return ""
    return str(data)


def _dotted(path: list[str]) -> str:
    out = ""
    for part in path:
        if part.isdigit():
            out += f"[{part}]"
        elif part != "non_field_errors":
            out += f".{part}" if out else part
    return out


def violations_of(detail: Any, data: Any, path: list[str] | None = None) -> list[Violation]:
    """Flatten DRF's nested error detail into one Violation per message."""
    path = path or []
    if isinstance(detail, dict):
        found: list[Violation] = []
        for key, value in detail.items():
            found.extend(violations_of(value, data, [*path, str(key)]))
        return found
    if isinstance(detail, list):
        if detail and all(isinstance(item, dict | list) for item in detail):
            found = []
            for index, item in enumerate(detail):
                if item:
                    found.extend(violations_of(item, data, [*path, str(index)]))
            return found
        found = []
        for item in detail:
            found.extend(violations_of(item, data, path))
        return found
    code = getattr(detail, "code", None) or "invalid"
    message = _SENTENCES.get(code, str(detail))
    return [
        Violation(
            _dotted(path),
            message,
            code="invalid_parameter" if code in _SENTENCES or code == "invalid" else str(code),
            value=_value_at(data, path),
        )
    ]


# --- the handler -------------------------------------------------------------------------


def _style(context: dict[str, Any]) -> ErrorStyle:
    view = context.get("view")
    style = getattr(view, "error_style", ErrorStyle.CONSTRAINT)
    return style if isinstance(style, ErrorStyle) else ErrorStyle.CONSTRAINT


def _bad_request_body(violations: list[Violation], style: ErrorStyle) -> dict[str, Any]:
    if style is ErrorStyle.OAUTH:
        return oauth_error("invalid_request", "; ".join(v.as_text() for v in violations))
    if style is ErrorStyle.VALIDATION:
        return validation_exception(violations)
    return constraint_violation([v.as_text() for v in violations])


def _bad_request(violations: list[Violation], style: ErrorStyle) -> Response:
    return _problem(400, _bad_request_body(violations, style))


def _problem(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=status, content_type=PROBLEM_JSON, headers=headers)


def _request_data(context: dict[str, Any]) -> Any:
    request = context.get("request")
    try:
        return request.data if request is not None else None
    except drf.ParseError:
        return None


def _domain(exc: DomainError, context: dict[str, Any], style: ErrorStyle) -> Response:
    if isinstance(exc, ClientCredentialsInvalid):
        return _problem(401, oauth_error("invalid_client", exc.message))
    if isinstance(exc, AccessTokenExpired):
        return _problem(401, fault("Access Token expired", "keymanagement.service.access_token_expired"))
    if isinstance(exc, AccessTokenInvalid):
        return _problem(401, fault("Invalid Access Token", "keymanagement.service.invalid_access_token"))
    if isinstance(exc, TenantNotOwned):
        return _problem(403, message_errors("The tenant does not belong to customer.", [exc.message]))
    if isinstance(exc, NotFound):
        return _problem(
            404,
            message_errors(
                f"Resource of type {exc.resource_type} with id {exc.resource_id} was not found.",
                [exc.message],
            ),
        )
    if isinstance(exc, PreconditionFailed):
        return _problem(412, message_errors("Precondition Failed", [exc.message]))
    if style is ErrorStyle.OAUTH:
        return _problem(400, oauth_error("invalid_request", exc.message))
    if isinstance(exc, WebhookVerificationFailed):
        return _bad_request([Violation("uri", exc.message, code=exc.code)], style)
    # Everything else a service refuses (unknown queue, channel or webhook, a state that
    # does not allow the action) is the client's input: a 400 naming the field.
    field = exc.field or ""
    value = _value_at(_request_data(context), field.split(".")) if field else ""
    return _bad_request([Violation(field, exc.message, code=exc.code, value=value)], style)


def _drf(exc: drf.APIException, context: dict[str, Any], style: ErrorStyle) -> Response:
    if isinstance(exc, drf.ValidationError):
        return _bad_request(violations_of(exc.detail, _request_data(context)), style)
    if isinstance(exc, drf.ParseError):
        return _bad_request([Violation("", f"Malformed request body: {exc.detail}")], style)
    headers: dict[str, str] = {}
    if isinstance(exc, drf.MethodNotAllowed):
        view = context.get("view")
        if view is not None:
            headers["Allow"] = ", ".join(view.allowed_methods)
    if style is ErrorStyle.OAUTH:
        return _problem(exc.status_code, oauth_error("invalid_request", str(exc.detail)), headers)
    title = {
        404: "Resource not found.",
        405: "Method Not Allowed",
        406: "Not Acceptable",
        415: "Unsupported Media Type",
        429: "Too Many Requests",
    }.get(exc.status_code, "Request failed.")
    return _problem(exc.status_code, message_errors(title, [str(exc.detail)]), headers)


# Titles of the service's generic body, by status, for problems from the shared table and
# for the HTTP server's refusals (gateway_sim.http_limits).
_TITLES = {
    403: "Access is denied.",
    404: "Resource not found.",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
}


def _problem_body(problem: Problem, style: ErrorStyle) -> dict[str, Any]:
    """A problem of the Gateway's table (Django and database errors) in the v2 dialect."""
    messages = [item.message for item in problem.items]
    if problem.status == 400:
        return _bad_request_body([Violation("", message) for message in messages], style)
    if problem.status >= 500:
        return internal_error("Could not process this request due to an internal error.", messages)
    return message_errors(_TITLES.get(problem.status, "Request failed."), messages)


def _from_problem(problem: Problem, style: ErrorStyle) -> Response:
    return _problem(problem.status, _problem_body(problem, style))


def django_error(path: str, problem: Problem) -> HttpResponse:
    """An error Django answers itself on a v2 path (unknown path, unreadable request, a crash
    outside a DRF view): the v2 body, in the token endpoint's dialect under `/oauth/`."""
    style = ErrorStyle.OAUTH if path.lstrip("/").split("/", 1)[0] == "oauth" else ErrorStyle.CONSTRAINT
    body = compact_json(_problem_body(problem, style))
    return HttpResponse(body, status=problem.status, content_type=PROBLEM_JSON, headers=problem.headers)


def server_refusal_body(path: str, problem: Problem) -> dict[str, Any]:
    """The v2 body of a request the HTTP server refuses before any view sees it (too large, not
    parseable; gateway_sim.http_limits): Apigee's `{ErrorCode, Error}` in front of the token
    endpoint, the service's body elsewhere."""
    if path.startswith("/oauth/"):
        return oauth_error("invalid_request", problem.message)
    return _problem_body(problem, ErrorStyle.CONSTRAINT)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Map any exception raised by a legacy v2 view to the v2 status and body."""
    set_rollback()
    return _response_for(exc, context)


def _response_for(exc: Exception, context: dict[str, Any]) -> Response:
    style = _style(context)
    if isinstance(exc, OAuthRequestInvalid):
        return _problem(exc.status, oauth_error(exc.code, exc.message))
    if isinstance(exc, ResourceNotFound):
        return _problem(404, message_errors(exc.message, exc.errors))
    if isinstance(exc, DomainError):
        return _domain(exc, context, style)
    if isinstance(exc, drf.APIException):
        return _drf(exc, context, style)
    problem = problem_for(exc)
    if problem is not None:
        return _from_problem(problem, style)
    # A bug, not the client's fault: log it with the reference the client sees, and tell
    # Django's `got_request_exception` listeners (the test client re-raises from there).
    body = internal_error("Could not process this request due to an internal error.", [type(exc).__name__])
    logger.error("legacy v2 request failed (referenceId %s)", body["referenceId"], exc_info=exc)
    request = context.get("request")
    got_request_exception.send(sender=None, request=getattr(request, "_request", request))
    return _problem(500, body)
