"""How long an integration's message takes to reach the agent's screen.

Measures, for each message an integration POSTs to a conversation, the time from the
moment its `202 Accepted` arrives to the moment the text is in the agent desktop's DOM,
in a real Chromium. Also reported: from the moment the request was sent.

The run starts its own sandbox (a temporary data directory, SQLite, the in-process
delivery worker, and a webhook answering 200 so every message is also delivered), opens
one agent's desk, has it accept a chat, and posts messages one after another. A
MutationObserver in the page stamps each message when its node is added; the page's clock
is aligned to this process's clock before the run.

    .venv/bin/python -m bench.desk_latency            # 300 messages after 30 warm-up ones
    .venv/bin/python -m bench.desk_latency -n 1000 --json bench/results/desk-latency.json
"""

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.live import throwaway_sandbox

BASE_DIR = Path(__file__).resolve().parent.parent
API_KEY = "bench-desk-latency-key"
TENANT = "bench-tenant"
AGENT = "agent-bench"
SEED = f"""
customer: {{id: bench-customer, name: Bench}}
api_keys: [{{key: {API_KEY}}}]
tenants:
  - id: {TENANT}
    name: Bench tenant
    queues: [{{id: "100", name: Sales}}]
    agents: [{{id: {AGENT}, name: Bench Agent, queues: ["100"], status: available, capacity: 5}}]
"""
TARGET_P95_MS = 100.0

# Stamps every message text added to the timeline with the page's high-resolution clock.
OBSERVER = """
() => {
  window.__seen = new Map();
  const timeline = document.querySelector("[data-testid=timeline]");
  new MutationObserver((records) => {
    const now = performance.timeOrigin + performance.now();
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof Element)) continue;
        for (const text of node.querySelectorAll(".msg-text")) {
          if (!window.__seen.has(text.textContent)) window.__seen.set(text.textContent, now);
        }
      }
    }
  }).observe(timeline, { childList: true, subtree: true });
}
"""


class _Sink(BaseHTTPRequestHandler):
    """The integration's webhook: reads each delivery and answers 200."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def webhook_sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Api:
    url: str
    session: requests.Session

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        response = self.session.post(f"{self.url}/chat-gateway/v1/{path}", json=body, timeout=10)
        if response.status_code >= 300:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
        return response


def clock_offset_ms(page: Page, samples: int = 30) -> float:
    """The page clock minus this process's clock, from the round trip with the least delay."""
    best: tuple[float, float] | None = None
    for _ in range(samples):
        before = time.time() * 1000
        page_now = float(page.evaluate("performance.timeOrigin + performance.now()"))
        after = time.time() * 1000
        round_trip = after - before
        if best is None or round_trip < best[0]:
            best = (round_trip, page_now - (before + after) / 2)
    assert best is not None
    return best[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.50), 2),
        "p95": round(percentile(values, 0.95), 2),
        "p99": round(percentile(values, 0.99), 2),
        "max": round(max(values), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def run(messages: int, warmup: int) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    with webhook_sink() as hook, throwaway_sandbox(seed=SEED) as live, sync_playwright() as playwright:
        url = live.url
        api = Api(url, requests.Session())
        api.session.headers.update({"x-api-key": API_KEY})
        webhook = api.post("webhooks", {"name": "bench", "uri": hook}).json()
        channel = api.post(
            "channels",
            {
                "name": "bench",
                "type": "ChatAPI",
                "webHookId": webhook["id"],
                "routingOptions": {"type": "queue", "id": "100"},
            },
        ).json()

        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        page.goto(f"{url}/desk/{TENANT}/{AGENT}/")
        page.locator("[data-ref=connection]", has_text="Live").wait_for()
        conversation_id = api.post(
            "conversations", {"channelId": channel["id"], "user": {"name": "Bench User"}}
        ).json()["conversationId"]
        page.get_by_test_id("accept").click()
        page.get_by_test_id("chat-name").get_by_text("Bench User").wait_for()
        page.evaluate(OBSERVER)
        offset = clock_offset_ms(page)

        from_202: list[float] = []
        from_request: list[float] = []
        for index in range(warmup + messages):
            text = f"bench message {index} {uuid.uuid4().hex[:8]}"
            sent = time.time() * 1000
            response = api.post(
                f"conversations/{conversation_id}/messages", {"authorType": "user", "text": text}
            )
            accepted = time.time() * 1000
            assert response.status_code == 202
            page.locator(".msg-text", has_text=text).wait_for()
            shown = float(page.evaluate("(text) => window.__seen.get(text)", text)) - offset
            if index >= warmup:
                from_202.append(shown - accepted)
                from_request.append(shown - sent)
        browser.close()

    return {
        "benchmark": "desk_latency",
        "what": "integration POST message (202) -> text in the agent desktop's DOM (Chromium)",
        "messages": messages,
        "warmup": warmup,
        "clock_offset_ms": round(offset, 3),
        "ms_from_202": summary(from_202),
        "ms_from_request": summary(from_request),
        "target_p95_ms_from_202": TARGET_P95_MS,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            # Other work on the machine shows here; the figures are only comparable at similar load.
            "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
            "database": "SQLite (fresh, temporary)",
            "channel_layer": "in-memory",
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--messages", type=int, default=300, help="messages measured (default 300)")
    parser.add_argument(
        "--warmup", type=int, default=30, help="messages sent first, not measured (default 30)"
    )
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args(argv)
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"desk_latency needs Chromium at {CHROMIUM} (apt-get install chromium)")

    result = run(args.messages, args.warmup)
    for label, key in (("from the 202", "ms_from_202"), ("from the request", "ms_from_request")):
        stats = result[key]
        print(
            f"desk latency {label:>17}: p50 {stats['p50']:6.2f} ms   p95 {stats['p95']:6.2f} ms   "
            f"p99 {stats['p99']:6.2f} ms   max {stats['max']:6.2f} ms   (n={result['messages']})"
        )
    p95 = result["ms_from_202"]["p95"]
    verdict = "meets" if p95 <= TARGET_P95_MS else "MISSES"
    print(f"p95 from the 202 {verdict} the {TARGET_P95_MS:.0f} ms target")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if p95 > TARGET_P95_MS:
        sys.exit(1)


if __name__ == "__main__":
    main()
