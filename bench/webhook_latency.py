"""Webhook delivery latency: from the 202 of `POST …/messages` to the receiver holding the event.

    python -m bench.webhook_latency [--rates 100,200] [--duration 10] [--conversations 20]

What it runs: the embedded default, exactly as `python manage.py sandbox` starts it (Daphne,
SQLite in a fresh data directory, the delivery worker inside the server process), on a
free port. Through the public Gateway API it creates a webhook pointing at a local receiver
(the test suite's), a channel and a set of conversations, then posts user messages at a
fixed rate (open loop: message n is due at start + n / rate, whatever happened before),
spread round-robin over the conversations. Each message echoes back as a MESSAGE event.

What it measures, per message, on one clock (this process runs both the client and the
receiver): `receiver got the MESSAGE` minus `the client had read the 202`. A delivery that
arrives before the client has read its 202 counts as 0 ms (the event was already there);
how often that happened is reported. Results go to bench/results/.
"""

import argparse
import contextlib
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from tests.live import LiveSandbox, throwaway_sandbox
from tests.webhooks.receiver import Receiver

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# The offered rate counts as sustained when at least this share of it was taken in.
SUSTAINED_FRACTION = 0.95
TARGETS_MS = {"p50": 10.0, "p99": 50.0}


@dataclass
class Sent:
    text: str
    due: float
    sent: float
    answered: float
    status: int


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
    # CPU the server process used per message (user + system, from /proc), set after measuring.
    server_cpu_ms_per_message: float = float("nan")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Gateway:
    def __init__(self, sandbox: LiveSandbox) -> None:
        self.base = sandbox.url + "/chat-gateway/v1"
        self.headers = {"x-api-key": sandbox.api_key, "content-type": "application/json"}

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
    gateway: Gateway, conversations: list[str], *, rate: float, duration: float, label: str, threads: int
) -> list[Sent]:
    """Open loop: message n is due at start + n / rate, sent by whichever thread is free."""
    total = int(rate * duration)
    start = time.perf_counter() + 0.2
    counter = iter(range(total))
    lock = threading.Lock()
    results: list[Sent] = []

    def run() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                due = start + number / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                text = f"{label}-{number}"
                conversation = conversations[number % len(conversations)]
                sent = time.perf_counter()
                response = gateway.post(
                    session, f"/conversations/{conversation}/messages", {"authorType": "user", "text": text}
                )
                answered = time.perf_counter()
                with lock:
                    results.append(Sent(text, due, sent, answered, response.status_code))

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(receiver: Receiver, sent: list[Sent], *, rate: float, duration: float) -> RateResult:
    wanted = {s.text for s in sent if s.status == 202}

    def texts(requests_: list[Any]) -> set[str]:
        found = set()
        for request in requests_:
            body = request.json()
            if body.get("eventType") == "MESSAGE":
                found.add(body["data"]["text"])
        return found

    # Events that never arrive are reported as missing, not waited for forever.
    with contextlib.suppress(AssertionError):
        receiver.wait_until(lambda requests_: wanted <= texts(requests_), timeout=30)
    arrival: dict[str, float] = {}
    for request in receiver.snapshot():
        body = request.json()
        if body.get("eventType") == "MESSAGE" and request.retry == 0:
            arrival.setdefault(body["data"]["text"], request.received_perf)
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
        f" {meta['client_threads']} client threads, machine: {meta['machine']}.",
        "Latency = the receiver holds the MESSAGE event, minus the client has read the 202 of POST messages",
        "(0 when the event arrived first; 'before 202' counts those).",
        "",
        f"Load average of the machine before the run: {meta['load_before']}.",
        "",
        "| rate msg/s | achieved | messages | p50 ms | p95 ms | p99 ms | max ms | before 202 |"
        f" POST p50 / p99 ms | server CPU ms/msg | p50 ≤ {TARGETS_MS['p50']:g} and"
        f" p99 ≤ {TARGETS_MS['p99']:g} |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.rate:g} | {r.achieved_rate:g} | {r.messages} | {r.p50_ms} | {r.p95_ms} | {r.p99_ms} |"
            f" {r.max_ms} | {r.delivered_before_202} | {r.post_p50_ms} / {r.post_p99_ms} |"
            f" {r.server_cpu_ms_per_message} | {verdict(r)} |"
        )
    if any(r.missing_events or r.failed_posts for r in results):
        lines.append("Some posts failed or events did not arrive: see the JSON file.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="100,200", help="messages per second, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per rate")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--client-threads", type=int, default=16)
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
    with Receiver() as receiver, throwaway_sandbox(data_dir=kept, **extra) as sandbox:
        print(f"sandbox pid {sandbox.process.pid} at {sandbox.url}", flush=True)
        gateway = Gateway(sandbox)
        conversations = gateway.setup(hook_uri=receiver.url, conversations=options.conversations)
        # Warm-up: connections, the signing key, first queries.
        send_at_rate(gateway, conversations, rate=50, duration=1, label="warmup", threads=4)
        for rate in rates:
            label = f"rate{rate:g}"
            cpu_before = cpu_seconds(sandbox.process.pid)
            sent = send_at_rate(
                gateway,
                conversations,
                rate=rate,
                duration=options.duration,
                label=label,
                threads=options.client_threads,
            )
            # Measured once every event has arrived (measure waits for them).
            result = measure(receiver, sent, rate=rate, duration=options.duration)
            result.server_cpu_ms_per_message = round(
                (cpu_seconds(sandbox.process.pid) - cpu_before) * 1000 / max(1, len(sent)), 2
            )
            results.append(result)
            print(json.dumps(asdict(results[-1])), flush=True)
    if kept is not None:
        print(f"the sandbox's data is kept in {kept}", flush=True)

    finished = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {
        "finished": finished,
        "conversations": options.conversations,
        "duration": options.duration,
        "client_threads": options.client_threads,
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
