"""Attachments: multipart upload, list, metadata, content download, presigned links."""

from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from pytest_django import DjangoAssertNumQueries

from conversations.attachment_links import presigned_token, presigned_url
from conversations.models import Attachment, Conversation
from conversations.services.lifecycle import conversation_create
from tests.api.conftest import GatewayClient, hal, problem
from tests.factories import World

URL = "/chat-gateway/v1/conversations"


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def create(world: World) -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ann"})


def upload(
    api: GatewayClient, conversation: Conversation, name: str, content: bytes, kind: str, **fields: str
) -> Any:
    return api.upload(
        f"{URL}/{conversation.id}/attachments",
        {"attachment": SimpleUploadedFile(name, content, content_type=kind), **fields},
    )


@time_machine.travel("2026-03-02T10:00:00Z", tick=False)
def test_it_stores_an_upload_with_a_sanitised_name(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    response = upload(
        api, conversation, "../../etc/Report ü<1>.pdf", b"%PDF-1.4", "application/pdf", authorType="bot"
    )

    attachment = Attachment.objects.get()
    assert hal(response) == {
        "id": attachment.id,
        "filename": "Report u_1_.pdf",
        "sizeInBytes": 8,
        "createdAt": "2026-03-02T10:00:00.000Z",
    }
    assert (attachment.conversation, attachment.author_type, attachment.content_type) == (
        conversation,
        "bot",
        "application/pdf",
    )
    assert attachment.file.read() == b"%PDF-1.4"


def test_an_upload_needs_the_attachment_part(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    response = api.upload(f"{URL}/{conversation.id}/attachments", {"authorType": "user"})

    assert response.status_code == 400
    message = "attachment: No file was submitted."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "invalid_json_object", "message": message}],
    }


def test_an_upload_with_an_unknown_author_type_is_refused(api: GatewayClient, world: World) -> None:
    response = upload(api, create(world), "a.txt", b"x", "text/plain", authorType="agent")

    assert response.status_code == 400
    assert problem(response)["message"] == "Invalid authorType=agent, has to be one of user, bot"


@override_settings(SANDBOX_MAX_ATTACHMENT_BYTES=10)
def test_an_attachment_over_the_limit_is_refused(api: GatewayClient, world: World) -> None:
    response = upload(api, create(world), "big.bin", b"x" * 11, "application/octet-stream")

    assert response.status_code == 400
    message = "Attachment big.bin is 11 bytes; the limit is 10 bytes."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "attachment_too_large", "message": message}],
    }
    assert not Attachment.objects.exists()


@override_settings(SANDBOX_MAX_ATTACHMENT_BYTES=10)
def test_a_body_far_over_the_limit_is_refused_before_it_is_read(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    response = api.post(
        f"{URL}/{conversation.id}/attachments",
        b"x" * (70 * 1024),
        content_type="multipart/form-data; boundary=xyz",
    )

    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {
            "code": "attachment_too_large",
            "message": f"The upload is {70 * 1024} bytes; attachments are limited to 10 bytes.",
        }
    ]


def test_a_json_body_is_not_an_upload(api: GatewayClient, world: World) -> None:
    response = api.post(f"{URL}/{create(world).id}/attachments", {"attachment": "x"})

    assert response.status_code == 415
    problem(response)


def test_it_lists_and_describes_attachments(
    api: GatewayClient, world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    conversation = create(world)
    with time_machine.travel("2026-03-02T10:00:00Z", tick=False):
        first = Attachment.objects.get(pk=hal(upload(api, conversation, "a.txt", b"a", "text/plain"))["id"])
    with time_machine.travel("2026-03-02T10:01:00Z", tick=False):
        second = Attachment.objects.get(pk=hal(upload(api, conversation, "b.png", b"bb", "image/png"))["id"])

    # key and tenant, conversation, count, page
    with django_assert_num_queries(4):
        response = api.get(f"{URL}/{conversation.id}/attachments?sort=createdAt:desc")

    second_json = {
        "id": second.id,
        "filename": "b.png",
        "sizeInBytes": 2,
        "createdAt": "2026-03-02T10:01:00.000Z",
    }
    assert hal(response) == {
        "_embedded": {
            "attachments": [
                second_json,
                {
                    "id": first.id,
                    "filename": "a.txt",
                    "sizeInBytes": 1,
                    "createdAt": "2026-03-02T10:00:00.000Z",
                },
            ]
        },
        "_links": {
            "self": {"href": f"http://testserver{URL}/{conversation.id}/attachments?sort=createdAt:desc"}
        },
        "page": {"size": 20, "number": 0, "totalElements": 2, "totalPages": 1},
    }
    assert hal(api.get(f"{URL}/{conversation.id}/attachments?filter=filename==*.png"))["_embedded"] == {
        "attachments": [second_json]
    }
    assert hal(api.get(f"{URL}/{conversation.id}/attachments/{second.id}")) == second_json


def test_an_unknown_attachment_is_not_found(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    for path in ("nope", "nope/content"):
        response = api.get(f"{URL}/{conversation.id}/attachments/{path}")
        assert response.status_code == 404
        assert problem(response) == {
            "message": "Resource of type Attachment with id nope was not found.",
            "errors": ["Entity of type Attachment with id nope was not found."],
        }


def test_a_document_downloads_as_an_octet_stream_attachment(api: GatewayClient, world: World) -> None:
    conversation = create(world)
    file_id = hal(upload(api, conversation, "Report ü.pdf", b"%PDF-1.4", "application/pdf"))["id"]

    response = api.get(f"{URL}/{conversation.id}/attachments/{file_id}/content")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="Report u.pdf"'
    assert b"".join(response.streaming_content) == b"%PDF-1.4"  # type: ignore[attr-defined]


DOWNLOADS = [
    ("photo.png", "image/png", 'inline; filename="photo.png"'),
    ("scan.jpeg", "image/jpeg", 'inline; filename="scan.jpeg"'),
    ("drawing.svg", "image/svg+xml", 'attachment; filename="drawing.svg"'),
    ("page.html", "text/html", 'attachment; filename="page.html"'),
]


@pytest.mark.parametrize(("name", "kind", "disposition"), DOWNLOADS)
def test_every_download_is_an_octet_stream_as_8x8_serves_it_images_included(
    api: GatewayClient, world: World, name: str, kind: str, disposition: str
) -> None:
    conversation = create(world)
    file_id = hal(upload(api, conversation, name, b"data", kind))["id"]

    response = api.get(f"{URL}/{conversation.id}/attachments/{file_id}/content")

    assert response.status_code == 200
    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "application/octet-stream",
        disposition,
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"data"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "kind", "disposition"), DOWNLOADS)
def test_a_presigned_link_serves_an_octet_stream_too(
    api: GatewayClient, world: World, name: str, kind: str, disposition: str
) -> None:
    conversation = create(world)
    file_id = hal(upload(api, conversation, name, b"data", kind))["id"]

    response = Client().get(f"/files/{file_id}/{presigned_token(file_id)}")

    assert response.status_code == 200
    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "application/octet-stream",
        disposition,
    )
    assert b"".join(response.streaming_content) == b"data"  # type: ignore[attr-defined]


def test_a_presigned_link_serves_the_content_without_a_key(api: GatewayClient, world: World) -> None:
    conversation = create(world)
    file_id = hal(upload(api, conversation, "a.txt", b"hello", "text/plain"))["id"]
    path = presigned_url(file_id).split("://", 1)[1].split("/", 1)[1]

    response = Client().get(f"/{path}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello"  # type: ignore[attr-defined]


def test_a_tampered_or_expired_link_is_forbidden(api: GatewayClient, world: World, settings: Any) -> None:
    conversation = create(world)
    file_id = hal(upload(api, conversation, "a.txt", b"hello", "text/plain"))["id"]
    with time_machine.travel("2026-03-02T10:00:00Z", tick=False):
        token = presigned_token(file_id)

    with time_machine.travel("2026-03-02T12:00:00Z", tick=False):
        expired = Client().get(f"/files/{file_id}/{token}")
    tampered = Client().get(f"/files/{file_id}/x{token}")

    for response in (expired, tampered):
        assert response.status_code == 403
        assert problem(response) == {
            "message": "Access is denied.",
            "errors": [{"code": "access_denied", "message": "This link is not valid or has expired."}],
        }


def test_a_link_to_a_vanished_attachment_is_not_found(db: None) -> None:
    response = Client().get(f"/files/gone/{presigned_token('gone')}")

    assert response.status_code == 404
    message = "Entity of type Attachment with id gone was not found."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "resource_not_found", "message": message}],
    }
