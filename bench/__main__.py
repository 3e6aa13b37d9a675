"""`python -m bench`: every benchmark: webhook delivery latency, desk message latency, journal cost."""

from bench import desk_latency, journal_cost
from bench.webhook_latency import main

main()
desk_latency.main(["--json", "bench/results/desk-latency.json"])
journal_cost.main([])
