"""8x8's Chat Gateway v1 OpenAPI file, its known defects, and validation against it.

The file in gateway_sim/specs/ is 8x8's, byte for byte. Where it contradicts itself or the
documented behaviour, the defect is listed once, below, with what the sandbox does instead;
`corrected_spec()` applies exactly these corrections and everything else is validated as
published.
"""

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from django.conf import settings
from django.http import HttpResponse
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = settings.BASE_DIR / "gateway_sim" / "specs" / "chat-gateway-v1.oas.yml"
SERVER = "https://api.8x8.com"

Spec = dict[str, Any]


def _schema(spec: Spec, name: str) -> Spec:
    return spec["components"]["schemas"][name]


def _operation(spec: Spec, path: str, method: str) -> Spec:
    return spec["paths"][path][method]


def _drop_required(schema: Spec, names: set[str]) -> None:
    kept = [name for name in schema.get("required", []) if name not in names]
    # OpenAPI 3.0 wants a non-empty `required` or none at all.
    if kept:
        schema["required"] = kept
    else:
        schema.pop("required", None)


def _jwk_200(spec: Spec) -> Spec:
    return _operation(spec, "/chat-gateway/v1/jwk/{jwkId}/public", "get")["responses"]["200"]["content"][
        "application/json"
    ]["schema"]


def _history_messages(spec: Spec) -> Spec:
    return _schema(spec, "CreateTransactionRequest")["allOf"][3]["properties"]["history"]["properties"][
        "messages"
    ]


def _additional_properties(spec: Spec) -> Spec:
    return _schema(spec, "ConversationUserData")["properties"]["user"]["properties"]["additionalProperties"]


LIST_REQUIRED = {
    "AttachmentsResult": "data",
    "ConversationParticipants": "data",
    "MessageListResult": "messages",
    "CardsListResult": "cards",
}


def _list_required_fixed(spec: Spec) -> None:
    for name, wrong in LIST_REQUIRED.items():
        _drop_required(_schema(spec, name)["allOf"][0], {wrong})


def _attachment_required_fixed(spec: Spec) -> None:
    _drop_required(_schema(spec, "AttachmentResult"), {"size", "type"})


def _webhook_version_fixed(spec: Spec) -> None:
    for name in ("WebHookV2CreateRequest", "WebHookV2PutRequest"):
        _drop_required(_schema(spec, name)["allOf"][0], {"notificationVersion"})


def _interaction_times_fixed(spec: Spec) -> None:
    for name in ("startTime", "endTime"):
        _schema(spec, "InteractionInfo")["properties"][name]["format"] = "date-time"


def _jwk_object(spec: Spec) -> None:
    _jwk_200(spec)["type"] = "object"


def _history_max_items(spec: Spec) -> None:
    messages = _history_messages(spec)
    messages.pop("maxLength")
    messages["maxItems"] = 200


def _additional_properties_max_items(spec: Spec) -> None:
    items = _additional_properties(spec)
    items.pop("maxProperties")
    items["maxItems"] = 30


def _webhook_name(spec: Spec) -> Spec:
    return _schema(spec, "WebHookV2Result")["allOf"][0]["properties"]["name"]


def _webhook_name_256(spec: Spec) -> None:
    _webhook_name(spec)["maxLength"] = 256


@dataclass(frozen=True)
class Deviation:
    """One place where the published spec is wrong, and what the sandbox does instead."""

    where: str
    problem: str
    sandbox: str
    present: Callable[[Spec], bool]
    correct: Callable[[Spec], None]


DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        where="AttachmentResult.required",
        problem="requires `size` and `type`, which it never defines (it defines `sizeInBytes`)",
        sandbox="answers id, filename, sizeInBytes, createdAt: the documented example",
        present=lambda s: "size" in _schema(s, "AttachmentResult").get("required", []),
        correct=_attachment_required_fixed,
    ),
    Deviation(
        where="WebHookV2CreateRequest.required, WebHookV2PutRequest.required",
        problem="require `notificationVersion`, which is not a property; the property is `version`",
        sandbox="`version` is optional and defaults to `Chat Gateway v1.0`",
        present=lambda s: (
            "notificationVersion" in _schema(s, "WebHookV2CreateRequest")["allOf"][0].get("required", [])
        ),
        correct=_webhook_version_fixed,
    ),
    Deviation(
        where="AttachmentsResult, ConversationParticipants, MessageListResult, CardsListResult: required",
        problem="require a top-level `data` / `messages` / `cards` the lists do not have: the items are "
        "under `_embedded.<name>`, as in every other list",
        sandbox="HAL lists: `_embedded.<name>`, `_links`, `page`",
        present=lambda s: "data" in _schema(s, "AttachmentsResult")["allOf"][0].get("required", []),
        correct=_list_required_fixed,
    ),
    Deviation(
        where="InteractionInfo.startTime, InteractionInfo.endTime",
        problem="format `date`, while the example (2020-08-05T11:55:00.592Z) is a date-time",
        sandbox="UTC date-times with milliseconds, like the example; `endTime` is left out while "
        "the interaction goes on",
        present=lambda s: _schema(s, "InteractionInfo")["properties"]["startTime"]["format"] == "date",
        correct=_interaction_times_fixed,
    ),
    Deviation(
        where="GET /chat-gateway/v1/jwk/{jwkId}/public 200",
        problem="typed `string`, with a JWK object as its example",
        sandbox="answers the JWK object",
        present=lambda s: _jwk_200(s)["type"] == "string",
        correct=_jwk_object,
    ),
    Deviation(
        where="CreateTransactionRequest history.messages",
        problem="limited with `maxLength: 200`, a string keyword, instead of `maxItems`",
        sandbox="at most 200 history messages (400 beyond)",
        present=lambda s: "maxLength" in _history_messages(s),
        correct=_history_max_items,
    ),
    Deviation(
        where="ConversationUserData user.additionalProperties",
        problem="limited with `maxProperties: 30`, an object keyword, on an array",
        sandbox="at most 30 additional properties (400 beyond)",
        present=lambda s: "maxProperties" in _additional_properties(s),
        correct=_additional_properties_max_items,
    ),
    Deviation(
        where="WebHookV2Result.name",
        problem="at most 255 characters, while creating and replacing a webhook accept 256",
        sandbox="accepts 256, as the requests say, and answers the name as stored",
        present=lambda s: _webhook_name(s)["maxLength"] == 255,
        correct=_webhook_name_256,
    ),
)

# Not wrong enough to correct, but worth knowing when reading the file.
NOTES = (
    "SendConversationMessageWithExternalProviderPayload can never validate: its inner schema has "
    "`additionalProperties: false` next to the required `authorType`. Such bodies validate as "
    "SendConversationMessagePayload instead, so the oneOf still accepts them.",
    "PUT/PATCH conversation, participants/user and the attachment upload document no 400; their "
    "validation errors fall under `default` (GenericExceptionPayload).",
    "ChannelsV2ListResult's 404, the participants, messages and cards lists' 404 and the channel and "
    "attachment creations' 403 are documented as GenericExceptionPayload, unlike their siblings.",
    "WebHookV2VerifyRequest's `uri` example (https:/test.8x8.com) is not a URL.",
)


@cache
def published_spec() -> Spec:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: Spec = yaml.safe_load(handle)
    return spec


def corrected_spec() -> Spec:
    spec = copy.deepcopy(published_spec())
    for deviation in DEVIATIONS:
        deviation.correct(spec)
    return spec


@cache
def openapi() -> OpenAPI:
    # Error bodies are `application/problem+json` and lists `application/hal+json`: JSON both.
    config = Config(
        extra_media_type_deserializers={
            "application/problem+json": json.loads,
            "application/hal+json": json.loads,
        }
    )
    return OpenAPI.from_dict(corrected_spec(), config=config)


def operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path template), for every operation of the spec."""
    return {
        operation["operationId"]: (method.upper(), path)
        for path, item in published_spec()["paths"].items()
        for method, operation in item.items()
    }


@dataclass
class SpecRequest:
    """What openapi-core needs of a request."""

    method: str
    path: str
    parameters: RequestParameters
    body: bytes | None = None
    content_type: str = "application/json"
    host_url: str = SERVER


@dataclass
class Call:
    """One request as the client sent it (bodies are kept: the server consumes its stream)."""

    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    def spec_request(self) -> SpecRequest:
        body = None if self.body is None else json.dumps(self.body).encode()
        return SpecRequest(
            method=self.method.lower(),
            path=self.path,
            parameters=RequestParameters(
                query=ImmutableMultiDict(list(self.query.items())), header=Headers(list(self.headers.items()))
            ),
            body=body,
        )


def operation_id(method: str, path: str) -> str:
    candidates = []
    for template, item in published_spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "/?$"
        if re.match(pattern, path) and method.lower() in item:
            candidates.append((template.count("{"), str(item[method.lower()]["operationId"])))
    if not candidates:
        raise LookupError(f"no operation of the spec answers {method} {path}")
    # Literal segments win over parameters (webhooks/verify before webhooks/{webhookId}).
    return min(candidates)[1]


def validate_request(call: Call) -> None:
    openapi().validate_request(call.spec_request())


def validate_response(call: Call, response: HttpResponse) -> str:
    """Validate status, media type and body against the corrected spec; returns the operationId."""
    openapi().validate_response(call.spec_request(), DjangoOpenAPIResponse(response))
    return operation_id(call.method, call.path)
