"""`python -m bench`: every benchmark: webhook delivery latency, then desk message latency."""

from bench import desk_latency
from bench.webhook_latency import main

main()
desk_latency.main(["--json", "bench/results/desk-latency.json"])
