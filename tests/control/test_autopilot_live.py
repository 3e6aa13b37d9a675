"""End to end: autopilot agents in a live sandbox, driven over HTTP like an integration's
test suite drives them, observed at a real webhook receiver.

The sandbox runs its own timer clock and delivery worker; this process only calls its
APIs, and creates the agents through the ORM (committed, so the server sees them).
"""

import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from conversations.models import Offer, OfferStatus
from tests.factories import World, world_create
from tests.live import LiveSandbox, start_sandbox, stop_sandbox
from tests.webhooks.receiver import ReceivedRequest, Receiver, receiver

__all__ = ["receiver"]

pytestmark = pytest.mark.django_db(transaction=True)

OFFER_TIMEOUT_SECONDS = 1.0


@pytest.fixture(scope="module")
def sandbox(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveSandbox]:
    """A live sandbox whose offers time out after a second, so `never` is quick to see."""
    with django_db_blocker.unblock():
        live = start_sandbox(SANDBOX_OFFER_TIMEOUT_SECONDS=str(OFFER_TIMEOUT_SECONDS))
    yield live
    stop_sandbox(live)


class Integration:
    """One tenant's integration: its key, its webhook receiver, its conversations."""

    def __init__(self, sandbox: LiveSandbox, receiver: Receiver) -> None:
        self.sandbox = sandbox
        self.receiver = receiver
        self.world: World = world_create(uri=receiver.url)
        self.http = requests.Session()
        self.http.headers["x-api-key"] = self.world.api_key.key

    def autopilot(self, document: dict[str, Any], *, queue: str | None = None) -> None:
        queue_id = queue or self.world.sales.public_id
        response = self.http.put(f"{self.sandbox.url}/sandbox/v1/queues/{queue_id}/autopilot", json=document)
        assert response.status_code == 200, response.text

    def start(self) -> str:
        response = self.http.post(
            f"{self.sandbox.url}/chat-gateway/v1/conversations",
            json={"channelId": self.world.channel.id, "user": {"name": "Kim"}},
        )
        assert response.status_code == 202, response.text
        conversation_id: str = response.json()["conversationId"]
        return conversation_id

    def start_with_agent(self) -> str:
        """A new conversation, once an agent has joined it (autopilots answer only then)."""
        conversation_id = self.start()
        self.wait(conversation_id, has("MEMBERS_CHANGED", change="joined"))
        return conversation_id

    def say(self, conversation_id: str, text: str) -> None:
        response = self.http.post(
            f"{self.sandbox.url}/chat-gateway/v1/conversations/{conversation_id}/messages",
            json={"authorType": "user", "text": text},
        )
        assert response.status_code in (200, 201, 202), response.text

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        return _of(self.receiver.snapshot(), conversation_id)

    def wait(
        self, conversation_id: str, condition: Callable[[list[dict[str, Any]]], bool], timeout: float = 10
    ) -> list[dict[str, Any]]:
        self.receiver.wait_until(lambda got: condition(_of(got, conversation_id)), timeout=timeout)
        return self.events(conversation_id)

    def wait_for_replies(self, conversation_id: str, count: int) -> list[str]:
        events = self.wait(conversation_id, lambda got: len(agent_texts(got)) >= count)
        return agent_texts(events)


def _of(requests_: list[ReceivedRequest], conversation_id: str) -> list[dict[str, Any]]:
    bodies = [request.json() for request in requests_]
    return [body for body in bodies if body.get("conversationId") == conversation_id]


def agent_texts(events: list[dict[str, Any]]) -> list[str]:
    return [
        event["data"]["text"]
        for event in events
        if event["eventType"] == "MESSAGE" and event["data"]["sender"]["type"] == "agent"
    ]


def transcript(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Event types with what distinguishes them: a message's text, the typing users, a state."""
    shown = []
    for event in events:
        data = event["data"]
        if event["eventType"] == "MESSAGE":
            detail = f"{data['sender']['type']}: {data['text']}"
        elif event["eventType"] == "ACTIVITY":
            detail = "typing" if data["value"]["users"] else "stopped"
        else:
            detail = str(data.get("state", ""))
        shown.append((event["eventType"], detail))
    return shown


@pytest.fixture
def integration(sandbox: LiveSandbox, receiver: Receiver) -> Integration:
    return Integration(sandbox, receiver)


def has(event_type: str, **data: Any) -> Callable[[list[dict[str, Any]]], bool]:
    def found(events: list[dict[str, Any]]) -> bool:
        return any(
            event["eventType"] == event_type and all(event["data"].get(k) == v for k, v in data.items())
            for event in events
        )

    return found


def test_an_agent_accepts_no_earlier_than_after_ms(integration: Integration) -> None:
    agent = integration.world.agent()
    integration.autopilot({"accept": {"afterMs": 300}})

    conversation_id = integration.start()

    integration.wait(conversation_id, has("MEMBERS_CHANGED"))
    offer = Offer.objects.get(interaction__conversation_id=conversation_id)
    assert (offer.status, offer.agent_id) == (OfferStatus.ACCEPTED, agent.pk)
    assert offer.decided_at is not None
    assert (offer.decided_at - offer.created_at).total_seconds() >= 0.3


def test_echo_answers_each_message_with_its_text(integration: Integration) -> None:
    integration.world.agent()
    integration.autopilot({"reply": {"mode": "echo", "typing": True}})
    conversation_id = integration.start_with_agent()

    integration.say(conversation_id, "Where is my parcel?")

    assert integration.wait_for_replies(conversation_id, 1) == ["Where is my parcel?"]
    assert transcript(integration.events(conversation_id))[-4:] == [
        ("MESSAGE", "user: Where is my parcel?"),
        ("ACTIVITY", "typing"),
        ("ACTIVITY", "stopped"),
        ("MESSAGE", "agent: Where is my parcel?"),
    ]


def test_lines_with_a_seed_are_drawn_the_same_way_every_time(integration: Integration) -> None:
    integration.world.agent()
    lines = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    integration.autopilot({"reply": {"mode": "lines", "order": "random", "lines": lines}, "seed": 7})
    conversation_id = integration.start_with_agent()

    for count, text in enumerate(["one", "two", "three", "four"], start=1):
        integration.say(conversation_id, text)
        replies = integration.wait_for_replies(conversation_id, count)

    assert replies == ["Charlie", "Bravo", "Delta", "Delta"]


def test_rules_answer_what_matches(integration: Integration) -> None:
    integration.world.agent()
    rules = [{"match": "(?i)refund", "text": "Refunds take 3 days."}]
    integration.autopilot({"reply": {"mode": "rules", "rules": rules, "lines": ["Tell me more."]}})
    conversation_id = integration.start_with_agent()

    integration.say(conversation_id, "I want a REFUND")
    integration.wait_for_replies(conversation_id, 1)
    integration.say(conversation_id, "hello")

    assert integration.wait_for_replies(conversation_id, 2) == ["Refunds take 3 days.", "Tell me more."]


def test_it_transfers_after_k_replies_to_the_next_queues_agent(integration: Integration) -> None:
    world = integration.world
    first = world.agent()
    second = world.agent(queues=[world.support])
    integration.autopilot(
        {"reply": {"mode": "echo"}, "transferAfterMessages": {"count": 2, "queueId": world.support.public_id}}
    )
    integration.autopilot(
        {"reply": {"mode": "lines", "lines": ["Support here."]}}, queue=world.support.public_id
    )
    conversation_id = integration.start_with_agent()
    integration.say(conversation_id, "one")
    integration.wait_for_replies(conversation_id, 1)

    integration.say(conversation_id, "two")
    integration.wait(conversation_id, has("MEMBERS_CHANGED", id=second.public_id, change="joined"))
    integration.say(conversation_id, "three")

    assert integration.wait_for_replies(conversation_id, 3) == ["one", "two", "Support here."]
    types = [event["eventType"] for event in integration.events(conversation_id)]
    transfer = types.index("TRANSFER")
    assert types[transfer : transfer + 4] == ["TRANSFER", "MEMBERS_CHANGED", "CONVERSATION_UPDATE", "QUEUED"]
    assert first.public_id != second.public_id


def test_it_ends_the_chat_after_m_replies(integration: Integration) -> None:
    integration.world.agent()
    integration.autopilot({"reply": {"mode": "echo"}, "endAfterMessages": 2})
    conversation_id = integration.start_with_agent()
    integration.say(conversation_id, "one")
    integration.wait_for_replies(conversation_id, 1)

    integration.say(conversation_id, "two")

    events = integration.wait(conversation_id, has("CONVERSATION_UPDATE", state="idle"))
    assert transcript(events)[-4:] == [
        ("MESSAGE", "user: two"),
        ("MESSAGE", "agent: two"),
        ("MEMBERS_CHANGED", ""),
        ("CONVERSATION_UPDATE", "idle"),
    ]


def test_never_lets_the_offer_expire(integration: Integration) -> None:
    integration.world.agent()
    integration.autopilot({"accept": "never"})

    conversation_id = integration.start()

    deadline = time.monotonic() + OFFER_TIMEOUT_SECONDS + 5
    while not Offer.objects.filter(
        interaction__conversation_id=conversation_id, status=OfferStatus.EXPIRED
    ).exists():
        assert time.monotonic() < deadline, "the offer did not expire"
        time.sleep(0.05)
    assert not has("MEMBERS_CHANGED")(integration.events(conversation_id))


def test_reject_declines_the_offer_at_once(integration: Integration) -> None:
    integration.world.agent()
    integration.autopilot({"accept": "reject"})

    conversation_id = integration.start()

    deadline = time.monotonic() + 5
    while not Offer.objects.filter(
        interaction__conversation_id=conversation_id, status=OfferStatus.REJECTED
    ).exists():
        assert time.monotonic() < deadline, "the offer was not rejected"
        time.sleep(0.02)
    offer = Offer.objects.get(interaction__conversation_id=conversation_id, status=OfferStatus.REJECTED)
    assert offer.decided_at is not None
    assert (offer.decided_at - offer.created_at).total_seconds() < OFFER_TIMEOUT_SECONDS


def _seeded_run(sandbox: LiveSandbox, receiver: Receiver) -> list[tuple[str, str]]:
    integration = Integration(sandbox, receiver)
    integration.world.agent()
    integration.autopilot(
        {
            "reply": {
                "mode": "lines",
                "order": "random",
                "lines": ["Alpha", "Bravo", "Charlie", "Delta"],
                "delayMs": {"min": 0, "max": 60},
                "typing": True,
            },
            "endAfterMessages": 4,
            "seed": 42,
        }
    )
    conversation_id = integration.start_with_agent()
    for count, text in enumerate(["hi", "order 17", "still there?", "bye"], start=1):
        integration.say(conversation_id, text)
        integration.wait_for_replies(conversation_id, count)
    return transcript(integration.wait(conversation_id, has("CONVERSATION_UPDATE", state="idle")))


def test_the_same_seed_gives_the_same_transcript_on_every_run(
    sandbox: LiveSandbox, receiver: Receiver
) -> None:
    first = _seeded_run(sandbox, receiver)
    second = _seeded_run(sandbox, receiver)

    assert first == second
    assert [detail for kind, detail in first if detail.startswith("agent:")] == [
        "agent: Alpha",
        "agent: Alpha",
        "agent: Charlie",
        "agent: Charlie",
    ]


def test_with_no_delays_a_reply_is_committed_within_milliseconds(integration: Integration) -> None:
    """Round trip: the user's message posted through the Gateway until the agent's MESSAGE
    is committed (seen by the control API's wait, which answers on commit)."""
    integration.world.agent()
    integration.autopilot({"reply": {"mode": "echo"}})
    conversation_id = integration.start_with_agent()
    url = integration.sandbox.url
    cursor = int(integration.http.get(f"{url}/sandbox/v1/events").headers["X-Sandbox-Cursor"])
    took = []
    for index in range(50):
        started = time.perf_counter()
        integration.say(conversation_id, f"ping {index}")
        answer = integration.http.get(
            f"{url}/sandbox/v1/events/wait",
            params={"after": cursor, "types": "MESSAGE", "data.sender.type": "agent", "timeout": 5},
        )
        took.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
        [reply] = answer.json()["events"]
        assert reply["payload"]["data"]["text"] == f"ping {index}"
        cursor = reply["cursor"]

    assert statistics.median(took) < 0.25
