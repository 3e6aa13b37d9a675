"""The published Chat API v2 OpenAPI file, its known defects, and response validation against it.

The file in gateway_sim/specs/ is 8x8's, byte for byte. It contradicts itself in places
(a required field that does not exist, a list typed as one object ...). Every such defect
is listed once, below, with what the sandbox does instead; `corrected_spec()` applies the
corrections and everything else is validated exactly as published.
"""

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = settings.BASE_DIR / "gateway_sim" / "specs" / "chat-api-v2.oas.json"
SERVER = "https://api.8x8.com"

Spec = dict[str, Any]


def _schema(spec: Spec, name: str) -> Spec:
    return spec["components"]["schemas"][name]


def _path(spec: Spec, path: str, method: str) -> Spec:
    return spec["paths"]["/vcc/{region}/chat/v2" + path][method]


@dataclass(frozen=True)
class Defect:
    """One place where the published spec is wrong, and how the sandbox reads it instead."""

    where: str
    problem: str
    sandbox: str
    present: Callable[[Spec], bool]
    correct: Callable[[Spec], None]


def _create_body(spec: Spec) -> Spec:
    """The part of CreateTransactionRequest that holds `required` and `history`."""
    return _schema(spec, "CreateTransactionRequest")["allOf"][2]


def _participants(spec: Spec) -> Spec:
    operation = _path(spec, "/tenant/{tenant-id}/conversations/{conversation-id}/participants", "get")
    return operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]


def _jwk_schema(spec: Spec) -> Spec:
    operation = _path(spec, "/jwk/{jwk-id}/public", "get")
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


def _put_channel_responses(spec: Spec) -> Spec:
    return _path(spec, "/tenant/{tenant-id}/channels/{channel-id}", "put")["responses"]


def _drop_required(schema: Spec, names: set[str]) -> None:
    schema["required"] = [name for name in schema["required"] if name not in names]


def _require_customer(spec: Spec) -> None:
    _create_body(spec)["required"] = ["channelId", "customer"]


def _participants_as_list(spec: Spec) -> None:
    _participants(spec)["participants"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ConversationParticipants"},
    }


def _webhook_version_optional(spec: Spec) -> None:
    for name in ("WebHookV2CreateRequest", "WebHookV2PutRequest"):
        _drop_required(_schema(spec, name)["allOf"][0], {"notificationVersion"})


def _message_required(spec: Spec) -> None:
    _schema(spec, "MessageResult")["required"] = [
        "interactionId",
        "originalText",
        "authorType",
        "participantId",
    ]


def _message_list_required(spec: Spec) -> None:
    _drop_required(_schema(spec, "MessageListResult")["allOf"][0], {"participants"})


def _interaction_times(spec: Spec) -> None:
    for name in ("startTime", "endTime"):
        _schema(spec, "InteractionInfo")["properties"][name]["format"] = "date-time"


def _history_max_items(spec: Spec) -> None:
    _create_body(spec)["properties"]["history"]["properties"]["messages"] = {
        "type": "array",
        "maxItems": 200,
        "items": {"$ref": "#/components/schemas/HistoryMessageV2"},
    }


def _jwk_object(spec: Spec) -> None:
    _jwk_schema(spec)["type"] = "object"


def _put_channel_404(spec: Spec) -> None:
    _put_channel_responses(spec)["404"] = {"$ref": "#/components/responses/ResourceNotFoundResponse"}


DEFECTS: tuple[Defect, ...] = (
    Defect(
        where="CreateTransactionRequest.required",
        problem="requires `user`, but the customer data is the property `customer`",
        sandbox="requires `channelId` and `customer`",
        present=lambda s: "user" in _create_body(s)["required"],
        correct=_require_customer,
    ),
    Defect(
        where="GET …/participants 200 `participants`",
        problem="typed as one ConversationParticipants object, described as 'all the participants'",
        sandbox="answers an array of participant objects",
        present=lambda s: "$ref" in _participants(s)["participants"],
        correct=_participants_as_list,
    ),
    Defect(
        where="WebHookV2CreateRequest.required, WebHookV2PutRequest.required",
        problem="require `notificationVersion`, which is not a property; the property is `version`",
        sandbox="`version` is optional (default v2.0); `notificationVersion` is read as `version`",
        present=lambda s: (
            "notificationVersion" in _schema(s, "WebHookV2CreateRequest")["allOf"][0]["required"]
        ),
        correct=_webhook_version_optional,
    ),
    Defect(
        where="MessageResult.required",
        problem="requires `type` and `senderId`, which are not properties (authorType, participantId are)",
        sandbox="messages carry interactionId, originalText, translatedText, authorType, participantId",
        present=lambda s: "senderId" in _schema(s, "MessageResult")["required"],
        correct=_message_required,
    ),
    Defect(
        where="MessageListResult.required",
        problem="requires `participants`, which the message list does not define",
        sandbox="the list is `{messages: [...]}`",
        present=lambda s: "participants" in _schema(s, "MessageListResult")["allOf"][0]["required"],
        correct=_message_list_required,
    ),
    Defect(
        where="InteractionInfo.startTime, InteractionInfo.endTime",
        problem="format `date`, while the example (and every real value) is a date-time",
        sandbox="ISO-8601 date-times in UTC with milliseconds, like the example",
        present=lambda s: _schema(s, "InteractionInfo")["properties"]["startTime"]["format"] == "date",
        correct=_interaction_times,
    ),
    Defect(
        where="CreateTransactionRequest history.messages",
        problem="limits the array with `maxLength: 200` (a string keyword) instead of `maxItems`",
        sandbox="at most 200 history messages",
        present=lambda s: "maxLength" in _create_body(s)["properties"]["history"]["properties"]["messages"],
        correct=_history_max_items,
    ),
    Defect(
        where="GET /jwk/{jwk-id}/public 200",
        problem="typed `string` with a JWK object as its example",
        sandbox="answers the JWK object",
        present=lambda s: _jwk_schema(s)["type"] == "string",
        correct=_jwk_object,
    ),
    Defect(
        where="PUT /channels/{channel-id} responses",
        problem="documents no 404, unlike GET and DELETE of the same channel",
        sandbox="an unknown channel is a 404 ResourceNotFoundProblem, as on GET and DELETE",
        present=lambda s: "404" not in _put_channel_responses(s),
        correct=_put_channel_404,
    ),
)

# Not wrong enough to correct, but worth knowing when reading the file:
NOTES = (
    "`customer.<anyCustomerKeyName>` is a literal parameter name standing for any `customer.<key>` filter.",
    "The Basic security scheme is described as 'Bearer Token obtained from https://api.8x8.com'.",
    "`ConversationIdentifierField.timestamp` has `format: integer`, which is not a format (epoch ms).",
    "The token request body is described as 'the create transaction request payload'.",
    "No operation documents 400 for bad query parameters or 412 for a stale If-Match; those answers fall "
    "under each operation's `default` response.",
)


@cache
def _published() -> str:
    return SPEC_PATH.read_text(encoding="utf-8")


def published_spec() -> Spec:
    return dict(json.loads(_published()))


def corrected_spec() -> Spec:
    spec = copy.deepcopy(published_spec())
    for defect in DEFECTS:
        defect.correct(spec)
    return spec


@cache
def openapi() -> OpenAPI:
    # Error bodies are `application/problem+json`: JSON, which openapi-core must be told.
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(corrected_spec(), config=config)


@dataclass
class SpecRequest:
    """What openapi-core needs of the request a response answers."""

    method: str
    path: str
    parameters: RequestParameters
    host_url: str = SERVER
    content_type: str = "application/json"
    body: bytes | None = None


def _templates() -> list[tuple[re.Pattern[str], str, Spec]]:
    found = []
    for template, operations in published_spec()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "/?$")
        found.append((pattern, template, operations))
    # Literal segments win over parameters (web-hooks/verify before web-hooks/{id}).
    found.sort(key=lambda item: item[1].count("{"))
    return found


def operation_id(method: str, path: str) -> str:
    for pattern, _template, operations in _templates():
        if pattern.match(path) and method.lower() in operations:
            return str(operations[method.lower()]["operationId"])
    raise LookupError(f"no operation in the v2 spec answers {method} {path}")


def validate(response: HttpResponse) -> str:
    """Validate a test-client response against the corrected spec; returns its operationId."""
    request = response.wsgi_request  # type: ignore[attr-defined]
    method = str(request.method).lower()
    spec_request = SpecRequest(
        method=method,
        path=request.path.rstrip("/"),
        parameters=RequestParameters(
            query=ImmutableMultiDict(list(request.GET.items())), header=Headers(list(request.headers.items()))
        ),
    )
    openapi().validate_response(spec_request, DjangoOpenAPIResponse(response))
    return operation_id(method, spec_request.path)
