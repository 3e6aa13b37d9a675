"""What the API journal costs the request path: `POST …/messages` at saturation, journal on and off.

    python -m bench.journal_cost [--pairs 3] [--duration 8] [--connections 8]

What it runs: the embedded default (`python manage.py sandbox`: Daphne, SQLite, the delivery
worker in the process) with `SANDBOX_JOURNAL=true` and `=false`, a fresh sandbox per run,
set up like bench/webhook_latency.py (a webhook to a local receiver, a channel, conversations).

What it measures: requests/s of `POST /chat-gateway/v1/conversations/{id}/messages` at
saturation (closed loop: each keep-alive connection sends its next request as soon as it has
read the answer to the last one), and the server's CPU per request (user + system, /proc).

How it compares: the machine's speed drifts a lot from one run to the next, so runs alternate
(on, off, then off, on, …) and only the two runs of one pair are compared. The target is a
journal that costs at most 10% of the throughput.

Results go to bench/results/.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.webhook_latency import RESULTS, Gateway, cpu_seconds
from bench.webhook_receiver import ReceiverProcess
from tests.live import throwaway_sandbox

TARGET_RATIO = 0.90
WARMUP_SECONDS = 1.5


@dataclass
class Run:
    journal: bool
    requests: int
    seconds: float
    requests_per_second: float
    server_cpu_ms_per_request: float
    statuses: dict[str, int] = field(default_factory=dict)


async def _closed_loop(
    gateway: Gateway, conversations: list[str], *, seconds: float, connections: int
) -> Counter[int]:
    """Each connection sends a message, reads the answer, sends the next; statuses counted."""
    statuses: Counter[int] = Counter()
    deadline = time.perf_counter() + seconds

    async def connection(number: int) -> None:
        reader, writer = await asyncio.open_connection(gateway.client.host, gateway.client.port)
        sent = 0
        while time.perf_counter() < deadline:
            conversation = conversations[(number + sent * connections) % len(conversations)]
            path = f"{gateway.path}/conversations/{conversation}/messages"
            writer.write(gateway.client.encode(path, {"authorType": "user", "text": f"c{number}-{sent}"}))
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in lines
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            statuses[int(lines[0].split(b" ", 2)[1])] += 1
            sent += 1
        writer.close()

    await asyncio.gather(*(connection(number) for number in range(connections)))
    return statuses


def run_once(receiver: ReceiverProcess, *, journal: bool, options: argparse.Namespace) -> Run:
    with throwaway_sandbox(SANDBOX_JOURNAL="true" if journal else "false") as sandbox:
        gateway = Gateway(sandbox)
        conversations = gateway.setup(hook_uri=receiver.url, conversations=options.conversations)
        asyncio.run(
            _closed_loop(gateway, conversations, seconds=WARMUP_SECONDS, connections=options.connections)
        )
        cpu_before = cpu_seconds(sandbox.process.pid)
        started = time.perf_counter()
        statuses = asyncio.run(
            _closed_loop(gateway, conversations, seconds=options.duration, connections=options.connections)
        )
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(sandbox.process.pid) - cpu_before
    receiver.drain()
    requests = sum(statuses.values())
    return Run(
        journal=journal,
        requests=requests,
        seconds=round(seconds, 2),
        requests_per_second=round(statuses[202] / seconds, 1),
        server_cpu_ms_per_request=round(cpu * 1000 / max(1, requests), 3),
        statuses={str(status): count for status, count in sorted(statuses.items())},
    )


def report(pairs: list[tuple[Run, Run]], meta: dict[str, Any]) -> str:
    lines = [
        f"# API journal cost ({meta['finished']})",
        "",
        "Embedded default (Daphne + SQLite + in-process delivery worker), a fresh sandbox per run,"
        f" {meta['connections']} keep-alive connections in a closed loop for {meta['duration']} s,"
        f" {meta['conversations']} conversations, machine: {meta['machine']}.",
        "Runs alternate journal on / off; only the two runs of a pair are compared.",
        "",
        "| pair | on req/s | off req/s | on / off | on CPU ms/req | off CPU ms/req | CPU on / off |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, (on, off) in enumerate(pairs, start=1):
        lines.append(
            f"| {number} | {on.requests_per_second} | {off.requests_per_second} |"
            f" {on.requests_per_second / off.requests_per_second:.3f} | {on.server_cpu_ms_per_request} |"
            f" {off.server_cpu_ms_per_request} |"
            f" {on.server_cpu_ms_per_request / off.server_cpu_ms_per_request:.3f} |"
        )
    ratios = [on.requests_per_second / off.requests_per_second for on, off in pairs]
    cpu = [on.server_cpu_ms_per_request / off.server_cpu_ms_per_request for on, off in pairs]
    median = statistics.median(ratios)
    verdict = "met" if median >= TARGET_RATIO else "not met"
    lines += [
        "",
        f"Median throughput ratio on / off: {median:.3f} (target ≥ {TARGET_RATIO:.2f}: {verdict}).",
        f"Median server CPU per request on / off: {statistics.median(cpu):.3f}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=3, help="alternated on/off pairs (at least 3)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of load per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--conversations", type=int, default=20)
    options = parser.parse_args(argv)

    pairs: list[tuple[Run, Run]] = []
    with ReceiverProcess() as receiver:
        for number in range(options.pairs):
            # On first in odd pairs, off first in even ones: a drift favours neither side.
            order = (True, False) if number % 2 == 0 else (False, True)
            runs = {journal: run_once(receiver, journal=journal, options=options) for journal in order}
            pairs.append((runs[True], runs[False]))
            for journal in order:
                print(json.dumps(asdict(runs[journal])), flush=True)

    finished = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {
        "finished": finished,
        "duration": options.duration,
        "connections": options.connections,
        "conversations": options.conversations,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = finished.replace(":", "").replace("-", "")
    payload = {"meta": meta, "pairs": [{"on": asdict(on), "off": asdict(off)} for on, off in pairs]}
    (RESULTS / f"journal_cost-{stamp}.json").write_text(json.dumps(payload, indent=2) + "\n")
    text = report(pairs, meta)
    (RESULTS / "journal_cost.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
