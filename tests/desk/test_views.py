"""The desk's pages: sign in, create an agent, the desk itself, file uploads and files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from conversations.models import Agent, Attachment
from conversations.services.attachments import attachment_create
from conversations.services.lifecycle import conversation_create, conversation_end_by_agent
from conversations.services.messages import message_post
from conversations.services.offers import offer_accept
from tests.factories import World


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


def csrf(client: Client) -> str:
    client.get("/desk/")
    return client.cookies["csrftoken"].value


def test_the_index_lists_each_tenants_agents_with_a_link_to_their_desk(world: World, client: Client) -> None:
    agent = world.agent(name="Anna Berg", public_id="agent-anna")

    response = client.get("/desk/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/desk/{world.tenant.id}/agent-anna/"' in page
    assert "Anna Berg" in page
    assert agent.status in page


def test_the_home_page_links_the_desk(world: World, client: Client) -> None:
    assert 'href="/desk/"' in client.get("/").content.decode()


def test_creating_an_agent_opens_its_desk(world: World, client: Client) -> None:
    prefix = f"t-{world.tenant.pk}"

    response = client.post(
        f"/desk/{world.tenant.id}/agents",
        {
            f"{prefix}-name": "Zoë Novak",
            f"{prefix}-public_id": "",
            f"{prefix}-languages": "en, fr",
            f"{prefix}-queues": [world.support.public_id],
            f"{prefix}-status": "available",
            "csrfmiddlewaretoken": csrf(client),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/desk/{world.tenant.id}/agent-zoe-novak/"
    agent = Agent.objects.get(tenant=world.tenant, public_id="agent-zoe-novak")
    assert (agent.name, agent.languages, agent.status) == ("Zoë Novak", ["en", "fr"], "available")
    assert list(agent.queues.all()) == [world.support]


def test_a_taken_agent_id_is_shown_on_the_form(world: World, client: Client) -> None:
    world.agent(public_id="agent-x")
    prefix = f"t-{world.tenant.pk}"

    response = client.post(
        f"/desk/{world.tenant.id}/agents",
        {
            f"{prefix}-name": "X",
            f"{prefix}-public_id": "agent-x",
            f"{prefix}-queues": [world.sales.public_id],
            f"{prefix}-status": "away",
            "csrfmiddlewaretoken": csrf(client),
        },
    )

    assert response.status_code == 400
    assert "Agent ID agent-x already exists." in response.content.decode()
    assert Agent.objects.filter(tenant=world.tenant).count() == 1


def test_an_agent_needs_a_queue_on_the_form(world: World, client: Client) -> None:
    prefix = f"t-{world.tenant.pk}"

    response = client.post(
        f"/desk/{world.tenant.id}/agents",
        {f"{prefix}-name": "X", f"{prefix}-status": "away", "csrfmiddlewaretoken": csrf(client)},
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Agent.objects.filter(tenant=world.tenant).exists()


def test_the_desk_page_carries_its_configuration_and_a_strict_content_policy(
    world: World, client: Client
) -> None:
    world.agent(name="Anna Berg", public_id="agent-anna")

    response = client.get(f"/desk/{world.tenant.id}/agent-anna/")

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    config = response.context["config"]
    assert config == {
        "tenantId": world.tenant.id,
        "agentId": "agent-anna",
        "agentName": "Anna Berg",
        "socketPath": f"/ws/desk/{world.tenant.id}/agent-anna/",
        "uploadPath": f"/desk/{world.tenant.id}/agent-anna/conversations/CONVERSATION/attachments",
        "filePath": f"/desk/{world.tenant.id}/agent-anna/conversations/CONVERSATION/attachments/ATTACHMENT",
        "maxUploadBytes": 25 * 1024 * 1024,
        "csrfToken": config["csrfToken"],
    }
    assert '<script id="desk-config" type="application/json">' in response.content.decode()


def test_an_unknown_agents_desk_is_not_found(world: World, client: Client) -> None:
    assert client.get(f"/desk/{world.tenant.id}/nobody/").status_code == 404


def handling(world: World) -> tuple[Agent, str]:
    agent = world.agent(public_id="agent-anna")
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "J"})
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)
    return agent, conversation.id


def upload(client: Client, world: World, conversation_id: str, **kwargs: object) -> object:
    file = kwargs.pop(
        "file", SimpleUploadedFile("../My photo.png", b"\x89PNG data", content_type="image/png")
    )
    return client.post(
        f"/desk/{world.tenant.id}/agent-anna/conversations/{conversation_id}/attachments",
        {"file": file},
        HTTP_X_CSRFTOKEN=csrf(client),
    )


def test_an_agent_uploads_a_file_to_a_chat_they_handle(world: World, client: Client) -> None:
    _, conversation_id = handling(world)

    response = upload(client, world, conversation_id)

    assert response.status_code == 201  # type: ignore[attr-defined]
    attachment = Attachment.objects.get()
    assert response.json() == {  # type: ignore[attr-defined]
        "id": attachment.id,
        "fileName": "My photo.png",
        "type": "image",
        "contentType": "image/png",
        "sizeInBytes": 9,
    }
    assert (attachment.conversation_id, attachment.author_type) == (conversation_id, "agent")
    assert attachment.file.read() == b"\x89PNG data"


def test_an_upload_to_a_chat_the_agent_does_not_handle_is_refused(world: World, client: Client) -> None:
    world.agent(public_id="agent-anna")
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "J"})

    response = upload(client, world, conversation.id)

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json() == {  # type: ignore[attr-defined]
        "code": "agent_not_in_conversation",
        "message": f"Agent agent-anna is not handling conversation {conversation.id}.",
    }
    assert not Attachment.objects.exists()


def test_an_upload_to_an_unknown_chat_is_not_found(world: World, client: Client) -> None:
    handling(world)

    response = upload(client, world, "nope")

    assert response.status_code == 404  # type: ignore[attr-defined]
    assert response.json()["code"] == "resource_not_found"  # type: ignore[attr-defined]


@override_settings(SANDBOX_MAX_ATTACHMENT_BYTES=4)
def test_a_file_over_the_limit_is_refused(world: World, client: Client) -> None:
    _, conversation_id = handling(world)

    response = upload(client, world, conversation_id)

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json() == {  # type: ignore[attr-defined]
        "code": "attachment_too_large",
        "message": "Attachment My photo.png is 9 bytes; the limit is 4 bytes.",
    }


def test_an_upload_without_the_csrf_token_is_refused(world: World) -> None:
    _, conversation_id = handling(world)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"/desk/{world.tenant.id}/agent-anna/conversations/{conversation_id}/attachments",
        {"file": SimpleUploadedFile("a.txt", b"x")},
    )

    assert response.status_code == 403
    assert response.json() == {
        "code": "access_denied",
        "message": "The page's security token is missing or expired; reload the desk.",
    }
    assert not Attachment.objects.exists()


def test_an_upload_by_get_is_refused_as_json(world: World, client: Client) -> None:
    _, conversation_id = handling(world)

    response = client.get(f"/desk/{world.tenant.id}/agent-anna/conversations/{conversation_id}/attachments")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {"code": "method_not_allowed", "message": "Uploads are sent with POST."}


def test_an_unreadable_upload_body_is_refused_as_json(world: World, client: Client) -> None:
    _, conversation_id = handling(world)

    response = client.generic(
        "POST",
        f"/desk/{world.tenant.id}/agent-anna/conversations/{conversation_id}/attachments",
        b"not multipart",
        content_type="multipart/form-data; boundary=",
        HTTP_X_CSRFTOKEN=csrf(client),
    )

    assert response.status_code == 400
    assert response.json() == {"code": "invalid_request", "message": "The upload could not be read."}
    assert not Attachment.objects.exists()


def test_an_upload_without_a_file_is_refused(world: World, client: Client) -> None:
    _, conversation_id = handling(world)

    response = client.post(
        f"/desk/{world.tenant.id}/agent-anna/conversations/{conversation_id}/attachments",
        {},
        HTTP_X_CSRFTOKEN=csrf(client),
    )

    assert response.status_code == 400
    assert response.json() == {"code": "invalid_parameter", "message": "Choose a file to send."}


def test_an_upload_for_an_unknown_agent_is_not_found(world: World, client: Client) -> None:
    _, conversation_id = handling(world)

    response = client.post(
        f"/desk/{world.tenant.id}/nobody/conversations/{conversation_id}/attachments",
        {"file": SimpleUploadedFile("a.txt", b"x")},
        HTTP_X_CSRFTOKEN=csrf(client),
    )

    assert response.status_code == 404
    assert response.json() == {
        "code": "resource_not_found",
        "message": "Entity of type Agent with id nobody was not found.",
    }


def user_sends(world: World, conversation_id: str, name: str, content_type: str) -> Attachment:
    conversation = world.tenant.conversations.get(pk=conversation_id)
    attachment = attachment_create(
        conversation=conversation,
        author_type="user",
        upload=SimpleUploadedFile(name, b"\x89PNG data", content_type=content_type),
    )
    message_post(conversation=conversation, author_type="user", attachments=[{"id": attachment.id}])
    return attachment


def file_url(world: World, conversation_id: str, attachment_id: str, agent: str = "agent-anna") -> str:
    return f"/desk/{world.tenant.id}/{agent}/conversations/{conversation_id}/attachments/{attachment_id}"


def test_the_desk_shows_an_image_of_its_chat_inline_with_its_real_type(world: World, client: Client) -> None:
    _, conversation_id = handling(world)
    image = user_sends(world, conversation_id, "receipt.png", "image/png")

    response = client.get(file_url(world, conversation_id, image.id))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="receipt.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"\x89PNG data"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("drawing.svg", "image/svg+xml"), ("page.html", "text/html"), ("a.pdf", "application/pdf")],
)
def test_the_desk_serves_other_files_as_octet_stream_downloads(
    world: World, client: Client, name: str, content_type: str
) -> None:
    _, conversation_id = handling(world)
    attachment = user_sends(world, conversation_id, name, content_type)

    response = client.get(file_url(world, conversation_id, attachment.id))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_a_file_of_a_chat_the_agent_left_is_still_shown(world: World, client: Client) -> None:
    agent, conversation_id = handling(world)
    image = user_sends(world, conversation_id, "receipt.png", "image/png")
    conversation_end_by_agent(conversation=world.tenant.conversations.get(pk=conversation_id), agent=agent)

    assert client.get(file_url(world, conversation_id, image.id)).status_code == 200


def test_an_agent_who_never_had_the_chat_cannot_open_its_files(world: World, client: Client) -> None:
    _, conversation_id = handling(world)
    image = user_sends(world, conversation_id, "receipt.png", "image/png")
    world.agent(public_id="agent-bruno")

    response = client.get(file_url(world, conversation_id, image.id, agent="agent-bruno"))

    assert response.status_code == 404


def test_an_upload_no_message_sent_yet_is_not_shown(world: World, client: Client) -> None:
    _, conversation_id = handling(world)
    unsent = attachment_create(
        conversation=world.tenant.conversations.get(pk=conversation_id),
        author_type="user",
        upload=SimpleUploadedFile("a.png", b"png", content_type="image/png"),
    )

    assert client.get(file_url(world, conversation_id, unsent.id)).status_code == 404


def test_unknown_agents_chats_and_files_are_not_found(world: World, client: Client) -> None:
    _, conversation_id = handling(world)
    image = user_sends(world, conversation_id, "receipt.png", "image/png")

    for url in (
        file_url(world, conversation_id, image.id, agent="nobody"),
        file_url(world, "nope", image.id),
        file_url(world, conversation_id, "nope"),
    ):
        assert client.get(url).status_code == 404


def test_a_file_is_only_read_never_posted_to(world: World, client: Client) -> None:
    _, conversation_id = handling(world)
    image = user_sends(world, conversation_id, "receipt.png", "image/png")

    response = client.post(file_url(world, conversation_id, image.id), HTTP_X_CSRFTOKEN=csrf(client))

    assert response.status_code == 405
