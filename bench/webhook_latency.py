"""Webhook delivery latency: from the 202 of `POST …/messages` to the receiver holding the event.

    python -m bench.webhook_latency [--rates 100,200] [--duration 10] [--conversations 20]

What it runs: the embedded default, exactly as `python manage.py sandbox` starts it (Daphne,
SQLite in a fresh data directory, the delivery worker inside the server process), on a
free port. Through the public Gateway API it creates a webhook pointing at a local receiver,
a channel and a set of conversations, then posts user messages at a fixed rate (open loop:
message n is due at start + n / rate, whatever happened before), spread round-robin over
the conversations. Each message echoes back as a MESSAGE event.

What it measures, per message: `receiver got the MESSAGE` minus `the client had read the
202`. A delivery that arrives before the client has read its 202 counts as 0 ms (the event
was already there); how often that happened is reported.

How, without the bench disturbing what it measures (the server, the client and the
receiver share the machine's cores):
- The client (bench/open_loop.py) is one asyncio loop in this process sending prebuilt
  HTTP/1.1 requests over keep-alive connections, opening another connection when all are
  busy, and stamping each answer in `data_received` before parsing it.
- The receiver (bench/webhook_receiver.py) is an asyncio HTTP/1.1 server in a process of its
  own, so the client's work never delays its stamps; it answers 200 to every POST and hands
  its records (arrival, x-8x8-retry, eventType, text) back over a pipe.
- Both stamp with `time.perf_counter()`, CLOCK_MONOTONIC on Linux: one clock across processes.
- The CPU the client and the receiver used per message (user + system, their own
  `time.process_time()`; the receiver's includes parsing the bodies, done after the load)
  is reported next to the server's (from /proc), so a reader sees what the bench itself took.

Results go to bench/results/.
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from bench.open_loop import Client, Sent
from bench.webhook_receiver import ReceiverProcess
from tests.live import LiveSandbox, throwaway_sandbox

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# The offered rate counts as sustained when at least this share of it was taken in.
SUSTAINED_FRACTION = 0.95
TARGETS_MS = {"p50": 10.0, "p99": 50.0}


# (arrival, x-8x8-retry, eventType, data.text) of one request the receiver answered.
Arrival = tuple[float, int, str | None, str | None]
# How often the bench asks the receiver what arrived while it waits for the last events.
POLL_SECONDS = 0.05


@dataclass
class RateResult:
    rate: float
    duration_s: float
    messages: int
    achieved_rate: float
    failed_posts: int
    missing_events: int
    delivered_before_202: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    post_p50_ms: float
    post_p99_ms: float
    send_lag_p99_ms: float
    # Requests the receiver got (every event type, retries included).
    webhook_requests: int = 0
    # How many POSTs got each status (0: the connection failed before an answer).
    post_statuses: dict[str, int] = field(default_factory=dict)
    # Connections the client used: opened beforehand, plus any opened when all were busy.
    connections_used: int = 0
    # CPU per message (user + system) of the server process, of the client (this process,
    # while sending) and of the receiver process, set after measuring.
    server_cpu_ms_per_message: float = float("nan")
    client_cpu_ms_per_message: float = float("nan")
    receiver_cpu_ms_per_message: float = float("nan")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Gateway:
    def __init__(self, sandbox: LiveSandbox) -> None:
        self.path = "/chat-gateway/v1"
        self.base = sandbox.url + self.path
        self.headers = {"x-api-key": sandbox.api_key, "content-type": "application/json"}
        address = urlsplit(sandbox.url)
        # The load: raw keep-alive HTTP/1.1. requests (~1 ms of CPU a call) only sets up.
        self.client = Client(address.hostname or "127.0.0.1", address.port or 80, self.headers)

    def post(self, session: requests.Session, path: str, body: dict[str, Any]) -> requests.Response:
        return session.post(self.base + path, json=body, headers=self.headers, timeout=30)

    def setup(self, *, hook_uri: str, conversations: int) -> list[str]:
        with requests.Session() as session:
            webhook = self.post(
                session, "/webhooks", {"name": "bench", "uri": hook_uri, "version": "Chat Gateway v1.0"}
            )
            webhook.raise_for_status()
            channel = self.post(
                session,
                "/channels",
                {
                    "name": "bench",
                    "type": "ChatAPI",
                    "webHookId": webhook.json()["id"],
                    "routingOptions": {"type": "queue", "id": "102"},
                },
            )
            channel.raise_for_status()
            ids = []
            for number in range(conversations):
                created = self.post(
                    session,
                    "/conversations",
                    {"channelId": channel.json()["id"], "user": {"name": f"Bench user {number}"}},
                )
                created.raise_for_status()
                ids.append(created.json()["conversationId"])
            return ids


def send_at_rate(
    gateway: Gateway, conversations: list[str], *, rate: float, duration: float, label: str, connections: int
) -> tuple[list[Sent], int]:
    """Open loop: message n is due at start + n / rate. (what was sent, connections used)"""

    def message(number: int) -> tuple[str, str, dict[str, Any]]:
        text = f"{label}-{number}"
        conversation = conversations[number % len(conversations)]
        return (
            text,
            f"{gateway.path}/conversations/{conversation}/messages",
            {"authorType": "user", "text": text},
        )

    run = gateway.client.send_at_rate(message, rate=rate, duration=duration, connections=connections)
    return run.sent, run.connections


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_events(receiver: ReceiverProcess, arrivals: list[Arrival], texts: set[str]) -> float:
    """Collect what the receiver got into `arrivals` until every text in `texts` is there;
    the receiver's CPU seconds at the end.

    Events that never arrive are reported as missing, not waited for forever.
    """
    seen = {text for _, _, event_type, text in arrivals if event_type == "MESSAGE"}
    deadline = time.monotonic() + 30
    while True:
        cpu, new = receiver.drain()
        arrivals += new
        seen.update(text for _, _, event_type, text in new if event_type == "MESSAGE" and text is not None)
        if texts <= seen or time.monotonic() > deadline:
            return cpu
        time.sleep(POLL_SECONDS)


def measure(arrivals: list[Arrival], sent: list[Sent], *, rate: float, duration: float) -> RateResult:
    wanted = {s.text for s in sent if s.status == 202}
    arrival: dict[str, float] = {}
    for received, retry, event_type, text in arrivals:
        if event_type == "MESSAGE" and retry == 0 and text is not None:
            arrival.setdefault(text, received)
    latencies, early = [], 0
    for message in sent:
        if message.status != 202 or message.text not in arrival:
            continue
        delta = (arrival[message.text] - message.answered) * 1000
        if delta < 0:
            early += 1
        latencies.append(max(0.0, delta))
    posts = [(s.answered - s.sent) * 1000 for s in sent]
    lags = [(s.sent - s.due) * 1000 for s in sent]
    span = max(s.answered for s in sent) - min(s.sent for s in sent)
    return RateResult(
        rate=rate,
        duration_s=duration,
        messages=len(sent),
        achieved_rate=round(len(sent) / span, 1),
        failed_posts=sum(1 for s in sent if s.status != 202),
        missing_events=len(wanted - set(arrival)),
        delivered_before_202=early,
        p50_ms=round(percentile(latencies, 0.50), 2),
        p95_ms=round(percentile(latencies, 0.95), 2),
        p99_ms=round(percentile(latencies, 0.99), 2),
        max_ms=round(max(latencies, default=float("nan")), 2),
        mean_ms=round(statistics.fmean(latencies), 2) if latencies else float("nan"),
        post_p50_ms=round(percentile(posts, 0.50), 2),
        post_p99_ms=round(percentile(posts, 0.99), 2),
        send_lag_p99_ms=round(percentile(lags, 0.99), 2),
        webhook_requests=len(arrivals),
        post_statuses={
            str(status): count for status, count in sorted(Counter(s.status for s in sent).items())
        },
    )


def verdict(r: RateResult) -> str:
    """The target holds only at the offered rate: a server that takes in fewer messages than
    offered has not been measured at that rate, however fast it delivers what it took."""
    if r.achieved_rate < SUSTAINED_FRACTION * r.rate:
        return f"not met: only {r.achieved_rate:g} msg/s taken in"
    met = r.p50_ms <= TARGETS_MS["p50"] and r.p99_ms <= TARGETS_MS["p99"]
    return "met" if met else "not met"


def report(results: list[RateResult], meta: dict[str, Any]) -> str:
    lines = [
        f"# Webhook delivery latency ({meta['finished']})",
        "",
        "Embedded default: Daphne + SQLite + in-process delivery worker."
        f" {meta['conversations']} conversations, {meta['duration']} s per rate,"
        f" {meta['connections']} client connections (more opened when all are busy),"
        f" machine: {meta['machine']}.",
        "Latency = the receiver holds the MESSAGE event, minus the client has read the 202 of POST messages",
        "(0 when the event arrived first; 'before 202' counts those).",
        "CPU ms/msg: user + system time per message of the server process, and of the bench's",
        "client and receiver processes, which share the machine with it.",
        "",
        f"Load average of the machine before the run: {meta['load_before']}.",
        "",
        "| rate msg/s | achieved | messages | p50 ms | p95 ms | p99 ms | max ms | before 202 |"
        " POST p50 / p99 ms | server CPU ms/msg | bench CPU ms/msg (client + receiver) |"
        f" p50 ≤ {TARGETS_MS['p50']:g} and p99 ≤ {TARGETS_MS['p99']:g} |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        bench_cpu = r.client_cpu_ms_per_message + r.receiver_cpu_ms_per_message
        lines.append(
            f"| {r.rate:g} | {r.achieved_rate:g} | {r.messages} | {r.p50_ms} | {r.p95_ms} | {r.p99_ms} |"
            f" {r.max_ms} | {r.delivered_before_202} | {r.post_p50_ms} / {r.post_p99_ms} |"
            f" {r.server_cpu_ms_per_message} | {bench_cpu:.2f} ({r.client_cpu_ms_per_message}"
            f" + {r.receiver_cpu_ms_per_message}) | {verdict(r)} |"
        )
    if any(r.missing_events or r.failed_posts for r in results):
        lines.append("Some posts failed or events did not arrive: see the JSON file.")
    return "\n".join(lines) + "\n"


def per_message(seconds: float, messages: int) -> float:
    return round(seconds * 1000 / max(1, messages), 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="100,200", help="messages per second, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per rate")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument(
        "--connections",
        type=int,
        default=16,
        help="keep-alive connections opened before the load (more are opened when all are busy)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the sandbox's data directory")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra setting for the sandbox",
    )
    options = parser.parse_args(argv)
    rates = [float(rate) for rate in options.rates.split(",")]

    load_before = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    kept = Path(tempfile.mkdtemp(prefix="bench-webhooks-")) if options.keep else None
    results: list[RateResult] = []
    extra = dict(item.split("=", 1) for item in options.server_env)
    with ReceiverProcess() as receiver, throwaway_sandbox(data_dir=kept, **extra) as sandbox:
        print(f"sandbox pid {sandbox.process.pid} at {sandbox.url}", flush=True)
        gateway = Gateway(sandbox)
        conversations = gateway.setup(hook_uri=receiver.url, conversations=options.conversations)
        # Warm-up: connections, the signing key, first queries.
        warmup, _ = send_at_rate(gateway, conversations, rate=50, duration=1, label="warmup", connections=4)
        wait_for_events(receiver, [], {s.text for s in warmup if s.status == 202})
        for rate in rates:
            label = f"rate{rate:g}"
            # Leftovers (retries, late warm-up events) are dropped here.
            receiver_before, _ = receiver.drain()
            server_before = cpu_seconds(sandbox.process.pid)
            client_before = time.process_time()
            sent, connections = send_at_rate(
                gateway,
                conversations,
                rate=rate,
                duration=options.duration,
                label=label,
                connections=options.connections,
            )
            client_cpu = time.process_time() - client_before
            # Measured once every event has arrived (or 30 s have passed).
            arrivals: list[Arrival] = []
            receiver_after = wait_for_events(receiver, arrivals, {s.text for s in sent if s.status == 202})
            result = measure(arrivals, sent, rate=rate, duration=options.duration)
            result.connections_used = connections
            result.server_cpu_ms_per_message = per_message(
                cpu_seconds(sandbox.process.pid) - server_before, len(sent)
            )
            result.client_cpu_ms_per_message = per_message(client_cpu, len(sent))
            result.receiver_cpu_ms_per_message = per_message(receiver_after - receiver_before, len(sent))
            results.append(result)
            print(json.dumps(asdict(results[-1])), flush=True)
    if kept is not None:
        print(f"the sandbox's data is kept in {kept}", flush=True)

    finished = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {
        "finished": finished,
        "conversations": options.conversations,
        "duration": options.duration,
        "connections": options.connections,
        "load_before": load_before,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = finished.replace(":", "").replace("-", "")
    payload = {"meta": meta, "targets_ms": TARGETS_MS, "results": [asdict(r) for r in results]}
    (RESULTS / f"webhook_latency-{stamp}.json").write_text(json.dumps(payload, indent=2) + "\n")
    text = report(results, meta)
    (RESULTS / "webhook_latency.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
