"""How long a whole conversation takes when a test drives it through the control API.

Each lifecycle is written as an integration test would be: the integration creates a
conversation (Chat Gateway), waits until the autopilot agent has joined, then ten times
posts a user message and waits for the agent's MESSAGE, then the user leaves and it waits
for CONVERSATION_UPDATE `idle`. Waits use `GET /sandbox/v1/events/wait` with the cursor of
the previous answer. The autopilot accepts and echoes with no delay; a webhook receiver in a
process of its own answers every delivery 200.

The run starts its own sandbox (temporary data directory, SQLite, in-process workers).

    .venv/bin/python -m bench.lifecycle            # 50 lifecycles after 5 warm-up ones
    .venv/bin/python -m bench.lifecycle -n 100 --json bench/results/lifecycle.json
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bench.webhook_receiver import ReceiverProcess
from tests.live import throwaway_sandbox

API_KEY = "bench-lifecycle-key"
SEED = f"""
customer: {{id: bench-customer, name: Bench}}
api_keys: [{{key: {API_KEY}}}]
tenants:
  - id: bench-tenant
    name: Bench tenant
    queues: [{{id: "100", name: Sales}}]
    agents: [{{id: agent-bench, name: Bench Agent, queues: ["100"], status: available, capacity: 1000}}]
"""
AUTOPILOT = {"accept": {"afterMs": 0}, "reply": {"mode": "echo", "delayMs": {"min": 0, "max": 0}}}
ROUND_TRIPS = 10
TARGET_MEDIAN_MS = 300.0
TARGET_P95_MS = 500.0


class Driver:
    """The integration's side (Chat Gateway) and the test's side (control API), one key."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["x-api-key"] = API_KEY
        self.cursor = 0

    def gateway(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.session.request(method, f"{self.url}/chat-gateway/v1/{path}", json=body, timeout=10)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else {}

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        response = self.session.request(method, f"{self.url}/sandbox/v1/{path}", json=body, timeout=10)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        self.cursor = max(self.cursor, int(response.headers.get("X-Sandbox-Cursor", 0)))
        return response

    def wait(self, conversation: str, event_type: str, **fields: str) -> dict[str, Any]:
        params = {
            "after": self.cursor,
            "types": event_type,
            "conversation": conversation,
            "timeout": 10,
            **fields,
        }
        response = self.session.get(f"{self.url}/sandbox/v1/events/wait", params=params, timeout=15)
        if response.status_code != 200:
            raise RuntimeError(f"wait for {event_type}: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        self.cursor = body["cursor"]
        return body


def setup(driver: Driver, hook: str) -> str:
    webhook = driver.gateway("POST", "webhooks", {"name": "bench", "uri": hook})
    channel = driver.gateway(
        "POST",
        "channels",
        {
            "name": "bench",
            "type": "ChatAPI",
            "webHookId": webhook["id"],
            "routingOptions": {"type": "queue", "id": "100"},
        },
    )
    driver.control("PUT", "queues/100/autopilot", AUTOPILOT)
    return str(channel["id"])


def lifecycle(driver: Driver, channel: str) -> float:
    started = time.perf_counter()
    created = driver.gateway("POST", "conversations", {"channelId": channel, "user": {"name": "Bench User"}})
    conversation = created["conversationId"]
    driver.wait(conversation, "MEMBERS_CHANGED")
    for turn in range(ROUND_TRIPS):
        driver.gateway(
            "POST",
            f"conversations/{conversation}/messages",
            {"authorType": "user", "text": f"message {turn}"},
        )
        driver.wait(conversation, "MESSAGE", **{"data.sender.type": "agent"})
    driver.gateway("PATCH", f"conversations/{conversation}/participants/user", {"removed": True})
    driver.wait(conversation, "CONVERSATION_UPDATE", **{"data.state": "idle"})
    return (time.perf_counter() - started) * 1000


def run(count: int, warmup: int) -> dict[str, Any]:
    with ReceiverProcess() as receiver, throwaway_sandbox(seed=SEED) as sandbox:
        driver = Driver(sandbox.url)
        channel = setup(driver, receiver.url)
        driver.control("GET", "events?limit=1")
        samples = [lifecycle(driver, channel) for _ in range(count + warmup)][warmup:]
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "benchmark": "lifecycle",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()[0]},
        "lifecycles": count,
        "round_trips": ROUND_TRIPS,
        "ms": {
            "median": round(statistics.median(ordered), 1),
            "p95": round(cuts[94], 1),
            "max": round(ordered[-1], 1),
            "mean": round(statistics.fmean(ordered), 1),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--lifecycles", type=int, default=50, help="lifecycles measured (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="lifecycles first, not measured (default 5)")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args(argv)

    result = run(args.lifecycles, args.warmup)
    stats = result["ms"]
    print(
        f"lifecycle ({ROUND_TRIPS} round trips): median {stats['median']:.1f} ms   "
        f"p95 {stats['p95']:.1f} ms   max {stats['max']:.1f} ms   (n={result['lifecycles']})"
    )
    meets = stats["median"] <= TARGET_MEDIAN_MS and stats["p95"] <= TARGET_P95_MS
    print(
        f"{'meets' if meets else 'MISSES'} the targets "
        f"(median <= {TARGET_MEDIAN_MS:.0f} ms, p95 <= {TARGET_P95_MS:.0f} ms)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if not meets:
        sys.exit(1)


if __name__ == "__main__":
    main()
