"""Benchmarks: ingest and full rescore at 1M, 10M and 100M records against a hand-written floor."""
