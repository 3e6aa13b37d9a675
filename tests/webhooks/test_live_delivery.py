"""End to end: a live sandbox delivers committed events to a real receiver, and every
request verifies with the public key fetched from the sandbox over HTTP.

The live sandbox runs its embedded delivery worker; the test process only commits
changes, which wake that worker in the other process.
"""

import threading

import pytest
import requests

from conversations.services.lifecycle import conversation_create
from tests.factories import world_create
from tests.live import LiveSandbox
from tests.webhooks.receiver import Receiver
from tests.webhooks.verifier import HttpJwks, verify_all
from webhooks.keys import signing_key_rotate
from webhooks.models import Event, WebhookVersion
from webhooks.services import webhook_create
from webhooks.wakeup import wake_local_worker
from webhooks.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def event_types(requests_: list) -> list[str]:  # type: ignore[type-arg]
    return [request.json()["eventType"] for request in requests_]


def test_a_new_conversations_events_arrive_in_order_and_verify_with_the_served_jwk(
    live_sandbox: LiveSandbox, receiver: Receiver
) -> None:
    world = world_create(uri=receiver.url)

    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ana"})

    arrived = receiver.wait_for_count(3, timeout=10)
    assert event_types(arrived) == ["CONVERSATION_UPDATE", "CONVERSATION_UPDATE", "QUEUED"]
    assert [r.event_id for r in arrived] == list(
        Event.objects.filter(conversation=conversation)
        .order_by("sequence")
        .values_list("event_id", flat=True)
    )
    jwks = HttpJwks(live_sandbox.url)
    [kid] = verify_all(arrived, jwks)
    gateway = requests.get(f"{live_sandbox.url}/chat-gateway/v1/jwk/{kid}/public", timeout=5)
    assert gateway.status_code == 200
    assert gateway.json() == jwks.fetched[kid]


def test_after_a_rotation_new_events_use_the_new_kid_and_old_ones_still_verify(
    live_sandbox: LiveSandbox, receiver: Receiver
) -> None:
    world = world_create(uri=receiver.url)
    conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Before"})
    before = receiver.wait_for_count(3, timeout=10)

    new_key = signing_key_rotate()
    conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "After"})
    after = receiver.wait_for_count(6, timeout=10)[3:]

    jwks = HttpJwks(live_sandbox.url, path="/chat-gateway/v1/jwk/{kid}/public")
    old_kids = verify_all(before, jwks)
    assert verify_all(after, jwks) == {new_key.kid}
    assert new_key.kid not in old_kids


def test_a_new_webhook_is_greeted_with_a_signed_verify_event(
    live_sandbox: LiveSandbox, receiver: Receiver
) -> None:
    world = world_create()

    webhook_create(
        tenant=world.tenant, name="Bot", uri=receiver.url_for("bot"), version=WebhookVersion.GATEWAY
    )

    [hello] = receiver.wait_for_count(1, timeout=10)
    assert hello.path == "/bot"
    assert hello.body == b'{"notificationVersion":"Chat Gateway v1.0","eventType":"WEB_HOOK_VERIFY"}'
    verify_all([hello], HttpJwks(live_sandbox.url))


def test_a_worker_thread_delivers_as_soon_as_events_commit(receiver: Receiver) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(stop,), kwargs={"threads": 2}, daemon=True)
    worker.start()
    try:
        world = world_create(uri=receiver.url)
        conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Quick"})

        arrived = receiver.wait_for_count(3, timeout=5)
    finally:
        stop.set()
        wake_local_worker()
        worker.join(timeout=10)

    assert not worker.is_alive()
    assert event_types(arrived) == ["CONVERSATION_UPDATE", "CONVERSATION_UPDATE", "QUEUED"]
