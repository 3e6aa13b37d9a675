"""How large a request may be, and how a refusal reads in the dialect of the path's API.

8x8 documents no limits; these are the sandbox's (settings, see `.env.example`). Attachment
uploads may be as large as an attachment plus its multipart framing; every other body is
JSON or a small form and gets the request-body limit. The HTTP server applies them before
reading a body (gateway_sim.http_limits); the upload views check the same limit again for
servers that do not (Django's test client).

A refusal made below the application has no view to pick its error schema, so the path
picks it: the legacy v2 dialect under its prefixes, the desk's `{code, message}` for its
uploads, and the Gateway's GenericExceptionPayload (the spec's `default`) everywhere else.
"""

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings

from gateway_sim import errors_legacy
from gateway_sim.error_views import ApiFamily, api_family
from gateway_sim.errors import CONTROL_ERRORS, PROBLEM_JSON, generic_body, one_problem
from gateway_sim.wire import compact_json

# Room for the multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024

# The paths that take a file: the Gateway's upload and the desk's.
GATEWAY_UPLOAD = re.compile(r"^/chat-gateway/v1/conversations/[^/]+/attachments/?$")
DESK_UPLOAD = re.compile(r"^/desk/[^/]+/[^/]+/conversations/[^/]+/attachments/?$")


@dataclass(frozen=True)
class Refusal:
    """A request answered without the application: status, error code and sentence."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class BodyLimit:
    """The largest body a path accepts and how a larger one is refused."""

    max_bytes: int
    status: int
    code: str
    noun: str
    rule: str

    def refusal(self, length: int | None) -> Refusal:
        """The refusal of a body of `length` bytes (None: a chunked body that passed the limit)."""
        size = f"is {length} bytes" if length is not None else f"is larger than {self.max_bytes} bytes"
        return Refusal(self.status, self.code, f"The {self.noun} {size}; {self.rule}.")


def is_upload_path(path: str) -> bool:
    return bool(GATEWAY_UPLOAD.match(path) or DESK_UPLOAD.match(path))


def body_limit_for(path: str) -> BodyLimit:
    if is_upload_path(path):
        limit = settings.SANDBOX_MAX_ATTACHMENT_BYTES
        return BodyLimit(
            max_bytes=limit + MULTIPART_OVERHEAD,
            status=400,
            code="attachment_too_large",
            noun="upload",
            rule=f"attachments are limited to {limit} bytes",
        )
    limit = settings.SANDBOX_MAX_REQUEST_BODY_BYTES
    return BodyLimit(
        max_bytes=limit,
        status=413,
        code="request_too_large",
        noun="request body",
        rule=f"request bodies are limited to {limit} bytes",
    )


def path_of_target(target: bytes) -> str:
    """The decoded path of a request target (`/a%20b?q` or `http://host/a%20b`), as Django
    would route it; whatever the bytes, never an error."""
    text = target.decode("latin-1")
    if not text.startswith("/"):
        text = urlsplit(text).path if "://" in text else ""
    return unquote(text.split("?", 1)[0], errors="replace")


def refusal_answer(path: str, refusal: Refusal) -> tuple[str, bytes]:
    """The media type and body of a refusal on `path`."""
    problem = one_problem(refusal.status, refusal.code, refusal.message)
    body: dict[str, Any]
    family = api_family(path)
    if family is ApiFamily.LEGACY:
        body = errors_legacy.server_refusal_body(path, problem)
    elif family is ApiFamily.SANDBOX:
        body = CONTROL_ERRORS.body(problem)
    elif DESK_UPLOAD.match(path):
        body = {"code": refusal.code, "message": refusal.message}
        return "application/json", compact_json(body).encode()
    else:
        body = generic_body(problem)
    return PROBLEM_JSON, compact_json(body).encode()


def refusal_response(path: str, refusal: Refusal) -> bytes:
    """A whole HTTP/1.1 response that closes the connection, for a server to write as is."""
    media_type, body = refusal_answer(path, refusal)
    head = (
        f"HTTP/1.1 {refusal.status} {HTTPStatus(refusal.status).phrase}\r\n"
        f"Content-Type: {media_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body
