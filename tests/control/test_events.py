"""Events after a cursor, and the wait that answers as soon as they exist or are delivered."""

import json
import threading
import time

import pytest
from django.db import close_old_connections

from conversations.services.lifecycle import conversation_create
from tests.api.conftest import GatewayClient, problem
from tests.factories import World, world_create

pytestmark = pytest.mark.django_db(transaction=True)


def _start(world: World) -> str:
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ada"})
    return conversation.id


def test_it_lists_events_after_a_cursor_in_order(world: World, control: GatewayClient) -> None:
    conversation_id = _start(world)
    response = control.get("/sandbox/v1/events")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert [event["eventType"] for event in body["events"]] == [
        "CONVERSATION_UPDATE",
        "CONVERSATION_UPDATE",
        "QUEUED",
    ]
    assert [event["cursor"] for event in body["events"]] == [1, 2, 3]
    assert {event["conversationId"] for event in body["events"]} == {conversation_id}
    assert response["X-Sandbox-Cursor"] == "3"
    later = json.loads(control.get("/sandbox/v1/events?after=2").content)["events"]
    assert [event["cursor"] for event in later] == [3]


def test_it_filters_on_types_and_payload_fields(world: World, control: GatewayClient) -> None:
    _start(world)
    body = json.loads(control.get("/sandbox/v1/events?types=CONVERSATION_UPDATE&data.state=active").content)
    assert [event["cursor"] for event in body["events"]] == [2]


def test_a_wait_answers_at_once_with_an_event_already_there(world: World, control: GatewayClient) -> None:
    _start(world)
    response = control.get("/sandbox/v1/events/wait?after=1&types=QUEUED&timeout=5")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert [event["eventType"] for event in body["events"]] == ["QUEUED"]
    assert body["cursor"] == 3


def test_a_wait_finds_an_event_emitted_during_it(world: World, control: GatewayClient) -> None:
    # The test client runs the view on a loop of its own, which the bell does not reach; the
    # wait's last look at its deadline finds the event. tests/control/test_wait_live.py has
    # the live server answer as the event commits.
    def later() -> None:
        time.sleep(0.2)
        try:
            _start(world)
        finally:
            close_old_connections()

    writer = threading.Thread(target=later)
    writer.start()
    started = time.monotonic()
    response = control.get("/sandbox/v1/events/wait?types=QUEUED&timeout=1")
    writer.join()
    assert response.status_code == 200
    assert json.loads(response.content)["events"][0]["eventType"] == "QUEUED"
    assert time.monotonic() - started < 3


def test_a_wait_that_times_out_lists_what_arrived(world: World, control: GatewayClient) -> None:
    _start(world)
    response = control.get("/sandbox/v1/events/wait?types=MESSAGE&timeout=0.2")
    assert response.status_code == 408
    body = problem(response)
    assert body["status"] == 408
    assert body["events"] == []
    assert [event["eventType"] for event in body["arrived"]] == [
        "CONVERSATION_UPDATE",
        "CONVERSATION_UPDATE",
        "QUEUED",
    ]
    assert "0 of 1 event(s) matching types=MESSAGE after cursor 0 within 0.2 s" in body["detail"]


def test_bad_wait_parameters_are_named(control: GatewayClient) -> None:
    response = control.get("/sandbox/v1/events/wait?timeout=61&on=later")
    assert response.status_code == 400
    messages = [error["message"] for error in problem(response)["errors"]]
    assert any(message.startswith("timeout:") for message in messages)
    assert any(message.startswith("on:") for message in messages)


def test_another_customer_sees_none_of_the_tenants_events(world: World) -> None:
    _start(world)
    other = world_create()
    body = json.loads(GatewayClient(other.api_key.key).get("/sandbox/v1/events").content)
    assert body["events"] == []
