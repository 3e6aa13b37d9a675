"""Benchmarks that drive a real sandbox server process; results go to bench/results/."""
