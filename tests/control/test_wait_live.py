"""The wait over real HTTP: served on the event loop, answered as the event commits, no thread per wait."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.factories import world_create
from tests.live import LiveSandbox

pytestmark = pytest.mark.django_db(transaction=True)


def _threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise RuntimeError("no thread count")


def test_a_wait_answers_when_the_integration_creates_a_conversation(live_sandbox: LiveSandbox) -> None:
    world = world_create()
    headers = {"x-api-key": world.api_key.key}
    cursor = int(
        requests.get(f"{live_sandbox.url}/sandbox/v1/events", headers=headers, timeout=5).headers[
            "X-Sandbox-Cursor"
        ]
    )
    answers: list[requests.Response] = []
    waiting = threading.Thread(
        target=lambda: answers.append(
            requests.get(
                f"{live_sandbox.url}/sandbox/v1/events/wait",
                params={"after": cursor, "types": "QUEUED", "timeout": 10},
                headers=headers,
                timeout=15,
            )
        )
    )
    waiting.start()
    time.sleep(0.3)
    sent = time.monotonic()
    created = requests.post(
        f"{live_sandbox.url}/chat-gateway/v1/conversations",
        json={"channelId": world.channel.id, "user": {"name": "Ada"}},
        headers=headers,
        timeout=5,
    )
    assert created.status_code == 202, created.text
    waiting.join(timeout=15)
    # Rung by the commit, well before the wait's 10 s deadline.
    assert time.monotonic() - sent < 5
    assert answers[0].status_code == 200, answers[0].text
    [event] = answers[0].json()["events"]
    assert event["eventType"] == "QUEUED"
    assert event["conversationId"] == created.json()["conversationId"]


def test_two_hundred_open_waits_add_no_threads(live_sandbox: LiveSandbox) -> None:
    world = world_create()
    headers = {"x-api-key": world.api_key.key}
    requests.get(f"{live_sandbox.url}/sandbox/v1/events", headers=headers, timeout=5)
    before = _threads_of(live_sandbox.process.pid)
    url = f"{live_sandbox.url}/sandbox/v1/events/wait?types=MESSAGE&timeout=3"
    with ThreadPoolExecutor(max_workers=200) as pool:
        futures = [pool.submit(requests.get, url, headers=headers, timeout=10) for _ in range(200)]
        time.sleep(1.5)
        during = _threads_of(live_sandbox.process.pid)
        statuses = {future.result().status_code for future in futures}
    assert statuses == {408}
    # The server's pools are fixed; an open wait holds none of their threads.
    assert during - before <= 4, (before, during)
