"""Use cases, written once: each does its transaction, its audit entry and its rescore, and
the CLI, the API and the pages all call it."""
