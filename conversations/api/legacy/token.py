"""`POST /oauth/v2/token`: HTTP Basic key:secret for an opaque bearer token (client credentials)."""

import base64
import binascii
import uuid
from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api.legacy.base import AnyAccept
from conversations.models import AccessToken
from conversations.services.legacy_auth import access_token_issue
from gateway_sim import errors_legacy
from gateway_sim.errors_legacy import ErrorStyle, OAuthRequestInvalid
from gateway_sim.journal_tenants import journal_tenants_note
from gateway_sim.wire import epoch_ms

GRANT_TYPE = "client_credentials"
FORM = "application/x-www-form-urlencoded"


def basic_credentials(request: Request) -> tuple[str, str]:
    """The key and secret of an `Authorization: Basic …` header (401 when absent or unreadable)."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise OAuthRequestInvalid(401, "invalid_client", "Client identifier is required")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthRequestInvalid(401, "invalid_client", "Client identifier is required") from None
    key, separator, secret = decoded.partition(":")
    if not separator or not key:
        raise OAuthRequestInvalid(401, "invalid_client", "Client identifier is required")
    return key, secret


def form_required(request: Request) -> None:
    """Refuse a body that is not form-encoded, the one media type 8x8 documents for tokens.

    A client sending JSON would get its token here and fail against 8x8, whose Apigee front
    reads grant_type from the form or the query only. The spec documents the OAuth body at
    400 (and at `default`) but no 415, so the refusal is a 400 `invalid_request`, the code
    RFC 6749 §5.2 gives a malformed token request. A request without a Content-Type (no
    body, grant_type in the query) is left to the grant type check.
    """
    media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
    if media_type and media_type != FORM:
        raise OAuthRequestInvalid(
            400,
            "invalid_request",
            f"Unsupported Content-Type {media_type} : the token request is sent as {FORM}",
        )


class AuthResponseSerializer(serializers.Serializer[AccessToken]):
    """The Apigee AuthResponse: every value a string, `api_product_list` an array."""

    refresh_token_expires_in = serializers.SerializerMethodField()
    api_product_list = serializers.SerializerMethodField()
    organization_name = serializers.SerializerMethodField()
    token_type = serializers.SerializerMethodField()
    issued_at = serializers.SerializerMethodField()
    client_id = serializers.CharField(source="credential_id")
    access_token = serializers.CharField(source="token")
    application_name = serializers.SerializerMethodField()
    scope = serializers.SerializerMethodField()
    expires_in = serializers.SerializerMethodField()
    refresh_count = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    def get_refresh_token_expires_in(self, token: AccessToken) -> str:
        return "0"

    def get_api_product_list(self, token: AccessToken) -> list[str]:
        return ["vcc"]

    def get_organization_name(self, token: AccessToken) -> str:
        return "8x8gateway"

    def get_token_type(self, token: AccessToken) -> str:
        return "BearerToken"

    def get_issued_at(self, token: AccessToken) -> str:
        return str(epoch_ms(token.issued_at))

    def get_application_name(self, token: AccessToken) -> str:
        # A stable UUID per key pair, like the id of the Admin Console "app" that owns it.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox:legacy-credential:{token.credential_id}"))

    def get_scope(self, token: AccessToken) -> str:
        return ""

    def get_expires_in(self, token: AccessToken) -> str:
        return str(settings.SANDBOX_LEGACY_TOKEN_TTL_SECONDS)

    def get_refresh_count(self, token: AccessToken) -> str:
        return "0"

    def get_status(self, token: AccessToken) -> str:
        return "approved"


class TokenView(APIView):
    """Exchange the key/secret pair for a bearer token valid `SANDBOX_LEGACY_TOKEN_TTL_SECONDS`."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept
    # The documented body is form-encoded; `form_required` refuses any other media type.
    parser_classes = [FormParser]
    error_style = ErrorStyle.OAUTH

    def get_exception_handler(self) -> Any:
        return errors_legacy.exception_handler

    def post(self, request: Request) -> Response:
        form_required(request)
        # Like Apigee, the grant type may also come in the query string.
        body = request.data if isinstance(request.data, dict) else {}
        grant_type = str(body.get("grant_type") or request.query_params.get("grant_type") or "")
        if not grant_type.strip():
            raise OAuthRequestInvalid(
                400, "invalid_request", "The request is missing a required parameter : grant_type"
            )
        if grant_type.strip() != GRANT_TYPE:
            raise OAuthRequestInvalid(
                400, "invalid_request", f"Unsupported grant type : {grant_type.strip()}"
            )
        key, secret = basic_credentials(request)
        token = access_token_issue(key=key, secret=secret)
        # The token serves every tenant of the customer: each one's API journal shows the call.
        journal_tenants_note(request._request, token.credential.customer.tenants.values_list("id", flat=True))
        return Response(AuthResponseSerializer(token).data)
