"""Public signing keys as JWKs, at the Chat Gateway path and at the legacy v2 path.

No authentication: receivers fetch the key named by the `kid` of a signature. Retired
keys stay published so deliveries signed before a rotation still verify.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from gateway_sim.errors import ErrorItem, Problem, json_problem
from gateway_sim.errors_legacy import message_errors
from gateway_sim.wire import compact_json
from webhooks.keys import signing_key_public

LEGACY_REGIONS = {"us", "eu", "ca", "ap"}
NOT_ACCESSIBLE = "Resource may not exist or is not accessible."
READ_METHODS = ("GET", "HEAD")
ALLOW = ", ".join(READ_METHODS)


def _json(body: dict[str, Any], *, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(compact_json(body), status=status, content_type=content_type)


def _not_allowed(request: HttpRequest) -> str:
    return f'Method "{request.method}" not allowed.'


# No session, no cookies: a CSRF check would only turn other methods into an HTML 403.
@csrf_exempt
def gateway_jwk(request: HttpRequest, kid: str) -> HttpResponse:
    """`GET /chat-gateway/v1/jwk/{jwkId}/public`: the JWK, or ResourceNotFoundProblem."""
    if request.method not in READ_METHODS:
        problem = Problem(
            status=405,
            items=(ErrorItem("method_not_allowed", _not_allowed(request)),),
            headers={"Allow": ALLOW},
        )
        return json_problem(problem)
    jwk = signing_key_public(kid)
    if jwk is None:
        problem = Problem(
            status=404,
            items=(ErrorItem("resource_not_found", NOT_ACCESSIBLE),),
            resource_type="JWKPublic",
            resource_id=kid,
        )
        return json_problem(problem)
    return _json(jwk)


@csrf_exempt
def legacy_jwk(request: HttpRequest, region: str, kid: str) -> HttpResponse:
    """`GET /vcc/{region}/chat/v2/jwk/{jwk-id}/public`: the JWK, or the v2 JWK 404 body."""
    if request.method not in READ_METHODS:
        body = message_errors("Method Not Allowed", [_not_allowed(request)])
        response = _json(body, status=405, content_type="application/problem+json")
        response["Allow"] = ALLOW
        return response
    jwk = signing_key_public(kid) if region in LEGACY_REGIONS else None
    if jwk is None:
        body = {
            "type": "ClientError",
            "title": "Resource not found.",
            "status": 404,
            "detail": NOT_ACCESSIBLE,
            "resourceType": "JWKPublic",
            "resourceId": kid,
            "instance": "ResourceNotFound",
        }
        return _json(body, status=404, content_type="application/problem+json")
    return _json(jwk)
