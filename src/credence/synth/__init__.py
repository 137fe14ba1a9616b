"""The synthetic city of Lancheng: local databases with their source mappings, and ground truth.

``generate_city`` writes every source's export (CSV, JSON Lines, Parquet) with its mapping YAML,
``manifest.json`` (sources in ingest order, expected quarantine counts) and ``truth/``.
"""

from __future__ import annotations

from credence.synth.city import generate_city
from credence.synth.manifest import CityManifest, SourceEntry, load_manifest

__all__ = ["CityManifest", "SourceEntry", "generate_city", "load_manifest"]
