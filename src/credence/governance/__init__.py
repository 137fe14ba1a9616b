"""Governance of a ruleset: its impact before publishing, and the evidence for its points.

Everything here scores in a sandbox (an in-memory DuckDB database over the workspace's committed
records), so comparing or evaluating rulesets never touches the workspace's result tables.
"""
