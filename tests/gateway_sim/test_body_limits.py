"""How large a body each path accepts, and how a refusal reads in the path's dialect."""

import json

import pytest
from django.test import override_settings

from gateway_sim.body_limits import (
    MULTIPART_OVERHEAD,
    Refusal,
    body_limit_for,
    path_of_target,
    refusal_answer,
)


@pytest.mark.parametrize(
    "path",
    [
        "/chat-gateway/v1/conversations/abc/attachments",
        "/chat-gateway/v1/conversations/abc/attachments/",
        "/desk/demo-tenant/agent-anna/conversations/abc/attachments",
    ],
)
@override_settings(SANDBOX_MAX_ATTACHMENT_BYTES=1000)
def test_upload_paths_take_an_attachment_and_its_multipart_framing(path: str) -> None:
    limit = body_limit_for(path)

    assert limit.max_bytes == 1000 + MULTIPART_OVERHEAD
    assert limit.refusal(70_000) == Refusal(
        400, "attachment_too_large", "The upload is 70000 bytes; attachments are limited to 1000 bytes."
    )


@pytest.mark.parametrize(
    "path",
    [
        "/chat-gateway/v1/conversations/abc/messages",
        "/chat-gateway/v1/conversations/abc/attachments/xyz",
        "/vcc/us/chat/v2/tenant/t/conversations",
        "/oauth/v2/token",
        "/",
    ],
)
@override_settings(SANDBOX_MAX_REQUEST_BODY_BYTES=2048)
def test_every_other_path_takes_a_request_body_of_the_json_limit(path: str) -> None:
    limit = body_limit_for(path)

    assert limit.max_bytes == 2048
    assert limit.refusal(None) == Refusal(
        413,
        "request_too_large",
        "The request body is larger than 2048 bytes; request bodies are limited to 2048 bytes.",
    )


@pytest.mark.parametrize(
    ("target", "path"),
    [
        (
            b"/chat-gateway/v1/conversations/a%20b/messages?size=2",
            "/chat-gateway/v1/conversations/a b/messages",
        ),
        (b"http://sandbox:8000/vcc/us/chat/v2/tenant/t?x", "/vcc/us/chat/v2/tenant/t"),
        (b"/bad-%ff-escape", "/bad-\ufffd-escape"),
        (b"\xff\x00", ""),
        (b"*", ""),
    ],
)
def test_a_request_target_reads_as_the_path_django_would_route(target: bytes, path: str) -> None:
    assert path_of_target(target) == path


REFUSAL = Refusal(413, "request_too_large", "Too large.")


@pytest.mark.parametrize(
    ("path", "media_type", "body"),
    [
        (
            "/chat-gateway/v1/webhooks",
            "application/problem+json",
            {"message": "Too large.", "errors": [{"code": "request_too_large", "message": "Too large."}]},
        ),
        (
            "/vcc/us/chat/v2/tenant/t/channels",
            "application/problem+json",
            {"message": "Payload Too Large", "errors": ["Too large."]},
        ),
        (
            "/oauth/v2/token",
            "application/problem+json",
            {"ErrorCode": "invalid_request", "Error": "Too large."},
        ),
        (
            "/desk/t/a/conversations/c/attachments",
            "application/json",
            {"code": "request_too_large", "message": "Too large."},
        ),
        (
            "/desk/",
            "application/problem+json",
            {"message": "Too large.", "errors": [{"code": "request_too_large", "message": "Too large."}]},
        ),
    ],
)
def test_a_refusal_speaks_the_dialect_of_its_paths_api(
    path: str, media_type: str, body: dict[str, object]
) -> None:
    answered_type, answered_body = refusal_answer(path, REFUSAL)

    assert (answered_type, json.loads(answered_body)) == (media_type, body)
