"""How fast a control API wait answers, and what open waits cost the server.

Latency: a test waits for the MESSAGE of its own user message (`GET /sandbox/v1/events/wait`
with the cursor of the previous answer), then posts that message through the Chat Gateway.
The event commits just before the 202 is sent, so "from the 202" is the time from the
commit to the answer (it can come first: both leave the server at about the same moment;
such samples count as 0). "From the request" adds the request's own time.

Idle waits: 500 waits that nothing will answer are opened at once (plain sockets from one
asyncio loop), then the server's threads, resident memory and CPU over 10 s are read from
/proc, against the same figures before they were opened.

The run starts its own sandbox (temporary data directory, SQLite, in-process workers).

    .venv/bin/python -m bench.control_wait            # 300 waits after 30 warm-up ones
    .venv/bin/python -m bench.control_wait -n 1000 --idle 500 --json bench/results/control-wait.json
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

from bench.webhook_receiver import ReceiverProcess
from tests.live import LiveSandbox, throwaway_sandbox

API_KEY = "bench-control-wait-key"
SEED = f"""
customer: {{id: bench-customer, name: Bench}}
api_keys: [{{key: {API_KEY}}}]
tenants:
  - id: bench-tenant
    name: Bench tenant
    queues: [{{id: "100", name: Sales}}]
    agents: [{{id: agent-bench, name: Bench Agent, queues: ["100"], status: offline}}]
"""
TARGET_P50_MS = 5.0
TARGET_P99_MS = 25.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 3),
        "p95": round(cuts[94], 3),
        "p99": round(cuts[98], 3),
        "max": round(ordered[-1], 3),
    }


def proc_figures(pid: int) -> dict[str, float]:
    """Threads, resident memory (MB) and CPU seconds used so far, from /proc."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return {
        "threads": int(status["Threads"].strip()),
        "rss_mb": round(int(status["VmRSS"].split()[0]) / 1024, 1),
        "cpu_s": cpu,
    }


def server_pid(sandbox: LiveSandbox) -> int:
    # `manage.py sandbox` becomes Daphne with exec: same process.
    return sandbox.process.pid


def measure_latency(url: str, hook: str, count: int, warmup: int) -> dict[str, Any]:
    session = requests.Session()
    session.headers["x-api-key"] = API_KEY
    webhook = session.post(f"{url}/chat-gateway/v1/webhooks", json={"name": "bench", "uri": hook}, timeout=10)
    channel = session.post(
        f"{url}/chat-gateway/v1/channels",
        json={
            "name": "bench",
            "type": "ChatAPI",
            "webHookId": webhook.json()["id"],
            "routingOptions": {"type": "queue", "id": "100"},
        },
        timeout=10,
    ).json()
    created = session.post(
        f"{url}/chat-gateway/v1/conversations",
        json={"channelId": channel["id"], "user": {"name": "Bench"}},
        timeout=10,
    ).json()
    conversation = created["conversationId"]
    cursor = int(
        session.get(f"{url}/sandbox/v1/events", params={"limit": 1}, timeout=10).headers["X-Sandbox-Cursor"]
    )
    waiter = requests.Session()
    waiter.headers["x-api-key"] = API_KEY
    from_202: list[float] = []
    from_request: list[float] = []
    for index in range(count + warmup):
        answered: dict[str, Any] = {}

        def wait(after: int = cursor, into: dict[str, Any] = answered) -> None:
            response = waiter.get(
                f"{url}/sandbox/v1/events/wait",
                params={"after": after, "types": "MESSAGE", "conversation": conversation, "timeout": 10},
                timeout=15,
            )
            into["at"] = time.perf_counter()
            into["body"] = response.json()

        thread = threading.Thread(target=wait)
        thread.start()
        # Let the wait reach the server and park before the event exists.
        time.sleep(0.02)
        sent = time.perf_counter()
        posted = session.post(
            f"{url}/chat-gateway/v1/conversations/{conversation}/messages",
            json={"authorType": "user", "text": f"message {index}"},
            timeout=10,
        )
        accepted = time.perf_counter()
        thread.join()
        if posted.status_code != 202 or "events" not in answered["body"]:
            raise RuntimeError(f"unexpected answer: {posted.status_code} {answered.get('body')}")
        cursor = answered["body"]["cursor"]
        if index >= warmup:
            from_202.append(max(0.0, (answered["at"] - accepted) * 1000))
            from_request.append((answered["at"] - sent) * 1000)
    return {
        "waits": count,
        "ms_from_202": percentiles(from_202),
        "ms_from_request": percentiles(from_request),
    }


async def _open_waits(host: str, port: int, count: int, hold: float) -> list[int]:
    request = (
        f"GET /sandbox/v1/events/wait?types=NEVER&timeout={hold:g} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nx-api-key: {API_KEY}\r\nConnection: close\r\n\r\n"
    ).encode()

    async def one() -> int:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
        writer.close()
        return int(status_line.split()[1])

    return await asyncio.gather(*(one() for _ in range(count)))


def settle(pid: int, *, limit: float) -> float:
    """Wait for the burst of openings to start and then end: under 5% of a core for two
    seconds running (every wait parked). The time it settled."""
    deadline = time.perf_counter() + limit
    busy_seen = False
    quiet = 0
    while time.perf_counter() < deadline and quiet < 2:
        before = proc_figures(pid)["cpu_s"]
        time.sleep(1)
        used = proc_figures(pid)["cpu_s"] - before
        busy_seen = busy_seen or used > 0.2
        quiet = quiet + 1 if busy_seen and used < 0.05 else 0
    return time.perf_counter() - 2


def measure_idle(
    sandbox: LiveSandbox, count: int, hold: float = 15.0, window: float = 10.0
) -> dict[str, Any]:
    pid = server_pid(sandbox)
    host, port = sandbox.url.removeprefix("http://").split(":")
    time.sleep(1)
    quiet_start = proc_figures(pid)
    time.sleep(window)
    quiet_end = proc_figures(pid)
    statuses: list[int] = []
    opener = threading.Thread(
        target=lambda: statuses.extend(asyncio.run(_open_waits(host, int(port), count, hold)))
    )
    opened = time.perf_counter()
    opener.start()
    settled = settle(pid, limit=hold - window - 1)
    open_start = proc_figures(pid)
    time.sleep(window)
    open_end = proc_figures(pid)
    opener.join()
    if set(statuses) != {408}:
        raise RuntimeError(f"idle waits answered {sorted(set(statuses))}")
    return {
        "open_waits": count,
        "seconds_to_park_all": round(settled - opened, 2),
        "threads_before": quiet_end["threads"],
        "threads_during": open_end["threads"],
        "rss_mb_before": quiet_end["rss_mb"],
        "rss_mb_during": open_end["rss_mb"],
        "cpu_percent_before": round((quiet_end["cpu_s"] - quiet_start["cpu_s"]) / window * 100, 2),
        "cpu_percent_during": round((open_end["cpu_s"] - open_start["cpu_s"]) / window * 100, 2),
    }


def run(count: int, warmup: int, idle: int) -> dict[str, Any]:
    with ReceiverProcess() as receiver, throwaway_sandbox(seed=SEED) as sandbox:
        latency = measure_latency(sandbox.url, receiver.url, count, warmup)
        idle_cost = measure_idle(sandbox, idle)
    return {
        "benchmark": "control_wait",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "latency": latency,
        "idle": idle_cost,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--waits", type=int, default=300, help="waits measured (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="waits first, not measured (default 30)")
    parser.add_argument("--idle", type=int, default=500, help="idle waits opened at once (default 500)")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args(argv)

    result = run(args.waits, args.warmup, args.idle)
    latency = result["latency"]
    for label, key in (("from the 202", "ms_from_202"), ("from the request", "ms_from_request")):
        stats = latency[key]
        print(
            f"wait latency {label:>17}: p50 {stats['p50']:6.2f} ms   p95 {stats['p95']:6.2f} ms   "
            f"p99 {stats['p99']:6.2f} ms   max {stats['max']:6.2f} ms   (n={latency['waits']})"
        )
    idle = result["idle"]
    print(
        f"{idle['open_waits']} idle waits (parked after {idle['seconds_to_park_all']} s): "
        f"threads {idle['threads_before']} -> {idle['threads_during']}, "
        f"RSS {idle['rss_mb_before']} -> {idle['rss_mb_during']} MB, "
        f"CPU {idle['cpu_percent_before']}% -> {idle['cpu_percent_during']}% of one core"
    )
    stats = latency["ms_from_202"]
    meets = stats["p50"] <= TARGET_P50_MS and stats["p99"] <= TARGET_P99_MS
    print(
        f"from the 202 {'meets' if meets else 'MISSES'} the targets "
        f"(p50 <= {TARGET_P50_MS:.0f} ms, p99 <= {TARGET_P99_MS:.0f} ms)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if not meets:
        sys.exit(1)


if __name__ == "__main__":
    main()
