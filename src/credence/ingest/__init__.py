"""Ingest: source mappings, validation, quarantine, and atomic idempotent Parquet batches."""

from credence.ingest.checks import REASONS
from credence.ingest.mapping import SourceMapping, load_mapping, parse_mapping
from credence.ingest.paths import expand_paths
from credence.ingest.pipeline import IngestReport, ingest_file, ingest_files
from credence.ingest.quarantine import QuarantinedRow, list_quarantine, quarantine_counts
from credence.ingest.registry import SourceSummary, find_mapping, list_sources

__all__ = [
    "REASONS",
    "IngestReport",
    "QuarantinedRow",
    "SourceMapping",
    "SourceSummary",
    "expand_paths",
    "find_mapping",
    "ingest_file",
    "ingest_files",
    "list_quarantine",
    "list_sources",
    "load_mapping",
    "parse_mapping",
    "quarantine_counts",
]
