"""What every Chat Gateway view shares: auth, media types, error shapes, timestamps.

Responses are `application/hal+json` whatever the client accepts (8x8's own clients send
`application/json`, its docs `application/hal+json`, some `application/problem+json`); JSON
request bodies are read whatever JSON media type they are labelled with.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.utils.mediatypes import media_type_matches
from rest_framework.views import APIView

from conversations.api.gateway.auth import tenant_for_request
from conversations.models import Tenant
from gateway_sim.errors import GATEWAY_ERRORS, ErrorFormat
from gateway_sim.journal_tenants import journal_tenants_note

HAL_JSON = "application/hal+json"


class JsonParser(JSONParser):
    """DRF's JSON parser, with a body nested too deeply to parse a 400 like any malformed JSON.

    The standard library raises RecursionError there, which DRF does not map.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


class HalJsonRenderer(JSONRenderer):
    media_type = HAL_JSON


class AnyAcceptNegotiation(BaseContentNegotiation):
    """Always answer with the view's first renderer; read any `*/json` or `*+json` body as JSON."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        content_type = request.content_type or ""
        base = content_type.split(";", 1)[0].strip().lower()
        for parser in parsers:
            if isinstance(parser, JSONParser) and (base.endswith("/json") or base.endswith("+json")):
                return parser
            if media_type_matches(parser.media_type, content_type):
                return parser
        return None

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class GatewayView(APIView):
    """A Chat Gateway operation: `x-api-key` + tenant resolved before the handler runs."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    renderer_classes = [HalJsonRenderer]
    parser_classes: list[type[BaseParser]] = [JsonParser]
    content_negotiation_class = AnyAcceptNegotiation
    # OPTIONS is no 8x8 operation: answered 405 like any other unknown method.
    metadata_class = None
    # Error bodies per HTTP method where the operation documents other schemas than the
    # usual ones (see gateway_sim.errors.ErrorShapes).
    error_shapes_by_method: Mapping[str, ErrorFormat] = {}
    # Set for the card-action paths, which carry the tenant in the URL.
    tenant_kwarg: str | None = None

    tenant: Tenant

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        path_tenant = kwargs.get(self.tenant_kwarg) if self.tenant_kwarg else None
        self.tenant = tenant_for_request(request, path_tenant_id=path_tenant)
        journal_tenants_note(request._request, (self.tenant.id,))

    @property
    def allowed_methods(self) -> list[str]:
        return [method for method in super().allowed_methods if method != "OPTIONS"]

    @property
    def error_shapes(self) -> ErrorFormat:
        request = getattr(self, "request", None)
        method = request.method if request is not None else ""
        return self.error_shapes_by_method.get(method or "", GATEWAY_ERRORS)


def iso_timestamp(moment: datetime) -> str:
    """8x8's timestamps: UTC, millisecond precision, `Z` suffix (`2020-08-05T11:55:00.592Z`)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TimestampField(serializers.Field):  # type: ignore[type-arg]
    def to_representation(self, value: datetime) -> str:
        return iso_timestamp(value)


def body_of(request: Request) -> Any:
    """The parsed JSON body; an empty body reads as an empty object.

    DRF hands an empty body over as an empty QueryDict, which serializers would treat as
    HTML form input (missing booleans read as false); JSON semantics are wanted here.
    """
    data = request.data
    if hasattr(data, "getlist") and not data:
        return {}
    return data


def validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:  # type: ignore[type-arg]
    """The request body checked by `serializer_class`; a ValidationError (400) otherwise."""
    serializer = serializer_class(data=body_of(request))
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class HttpUrlField(serializers.CharField):
    """An absolute http(s) URL. Any host name is fine (`http://receiver:8080/hook` in Docker)."""

    default_error_messages = {"not_http_url": "Enter an absolute http or https URL."}

    def to_internal_value(self, data: Any) -> str:
        value: str = super().to_internal_value(data)
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError:
            self.fail("not_http_url")
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in value:
            self.fail("not_http_url")
        return value
