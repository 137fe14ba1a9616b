"""The canonical record and the vocabularies shared by every stage.

Records are stored as Parquet with exactly these columns (docs/records.md, "The canonical record");
``hints`` and ``attributes`` are JSON objects stored as text so every engine can read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import pyarrow as pa

SUBJECT_KINDS: Final = ("person", "organization")
LEVELS: Final = ("district", "city", "province", "national", "private")
STREAMS: Final = ("administrative", "commercial", "social", "judicial")

# Data categories no ruleset and no source mapping may use (README.md, "Safeguards").
FORBIDDEN_CATEGORIES: Final = frozenset(
    {
        "political_opinion",
        "political_speech",
        "speech",
        "religion",
        "ethnicity",
        "race",
        "biometrics",
        "face_recognition",
        "health",
        "genetics",
        "sexual_life",
        "party_membership",
        "union_membership",
        "private_communications",
        "web_browsing",
        "location_tracking",
    }
)

# Stems that betray a forbidden category under another name ("religious_affiliation", "gps_trace"),
# whole words that do so only on their own ("union", "party"), and the harmless phrases that
# contain such a word ("credit_union", "third_party").
FORBIDDEN_STEMS: Final = (
    "politic", "religio", "ethnic", "biometric", "fingerprint", "facial", "health", "medical",
    "genetic", "sexual", "browsing", "gps", "geoloc", "communication",
)  # fmt: skip
FORBIDDEN_WORDS: Final = frozenset(
    {"race", "racial", "face", "union", "unions", "party", "speech", "location", "dna", "faith"}
)
HARMLESS_PHRASES: Final = frozenset(
    {"credit_union", "third_party", "face_value", "party_a", "party_b", "counter_party"}
)

# Categories of legal decisions: the only records a black listing may rest on.
LEGAL_DECISION_CATEGORIES: Final = frozenset({"court_judgment", "admin_penalty"})

CONSENT_PREFIX: Final = "consent."
CONSENT_GRANTED: Final = "consent.granted"
CONSENT_WITHDRAWN: Final = "consent.withdrawn"
SCORING_SCOPE: Final = "scoring"

RECORD_COLUMNS: Final = (
    "record_id",
    "source",
    "level",
    "stream",
    "category",
    "subject_kind",
    "subject_code",
    "hints",
    "kind",
    "occurred_at",
    "amount",
    "attributes",
    "batch_id",
    "row_number",
    "ingested_at",
    "consent_ref",
)

RECORD_SCHEMA: Final = pa.schema(
    [
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("stream", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("subject_kind", pa.string(), nullable=False),
        pa.field("subject_code", pa.string()),  # empty until resolved
        pa.field("hints", pa.string()),  # JSON object
        pa.field("kind", pa.string(), nullable=False),
        pa.field("occurred_at", pa.date32(), nullable=False),
        pa.field("amount", pa.float64()),
        pa.field("attributes", pa.string()),  # JSON object
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("row_number", pa.int64(), nullable=False),
        pa.field("ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("consent_ref", pa.string()),
    ]
)

# DuckDB column types of the records table/view, in RECORD_COLUMNS order.
RECORD_SQL_TYPES: Final = {
    "record_id": "VARCHAR",
    "source": "VARCHAR",
    "level": "VARCHAR",
    "stream": "VARCHAR",
    "category": "VARCHAR",
    "subject_kind": "VARCHAR",
    "subject_code": "VARCHAR",
    "hints": "VARCHAR",
    "kind": "VARCHAR",
    "occurred_at": "DATE",
    "amount": "DOUBLE",
    "attributes": "VARCHAR",
    "batch_id": "VARCHAR",
    "row_number": "BIGINT",
    "ingested_at": "TIMESTAMP WITH TIME ZONE",
    "consent_ref": "VARCHAR",
}

# What a scoring run writes: each result table's columns and DuckDB types, in plan order. Every
# engine's output is cast to these, and every store of results (``runs/results.py``) keeps them.
RESULT_SCHEMAS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "score_lines": (
        ("subject_kind", "VARCHAR"), ("subject_code", "VARCHAR"), ("rating_id", "VARCHAR"),
        ("stream", "VARCHAR"), ("requirement_id", "VARCHAR"), ("record_id", "VARCHAR"),
        ("source", "VARCHAR"), ("kind", "VARCHAR"), ("occurred_at", "DATE"),
        ("amount", "DOUBLE"), ("points", "INTEGER"), ("cap", "INTEGER"),
        ("occurrence", "BIGINT"), ("counted", "BOOLEAN"), ("points_applied", "INTEGER"),
        ("expires_on", "DATE"), ("category", "VARCHAR"), ("legal_basis", "VARCHAR"),
        ("severity", "VARCHAR"),
    ),
    "rating_points": (
        ("subject_kind", "VARCHAR"), ("subject_code", "VARCHAR"), ("rating_id", "VARCHAR"),
        ("stream", "VARCHAR"), ("points", "BIGINT"), ("lines", "BIGINT"),
        ("counted_lines", "BIGINT"),
    ),
    "scores": (
        ("subject_kind", "VARCHAR"), ("subject_code", "VARCHAR"), ("scored", "BOOLEAN"),
        ("score", "INTEGER"), ("grade", "VARCHAR"), ("note", "VARCHAR"), ("as_of", "DATE"),
        ("ruleset", "VARCHAR"), ("version", "VARCHAR"),
    ),
    "listings": (
        ("list_name", "VARCHAR"), ("subject_kind", "VARCHAR"), ("subject_code", "VARCHAR"),
        ("record_id", "VARCHAR"), ("requirement_id", "VARCHAR"), ("state", "VARCHAR"),
        ("proposed_on", "DATE"), ("published_on", "DATE"), ("expires_on", "DATE"),
    ),
    "subject_measures": (
        ("subject_kind", "VARCHAR"), ("subject_code", "VARCHAR"), ("measure_id", "VARCHAR"),
        ("via", "VARCHAR"), ("effect", "VARCHAR"), ("legal_basis", "VARCHAR"),
    ),
}  # fmt: skip
RESULT_TABLES: Final = tuple(RESULT_SCHEMAS)


def is_forbidden_category(category: str) -> bool:
    """True when a category (or kind, or field) name is, or plainly names, a forbidden one."""
    name = category.strip().lower().replace("-", "_")
    if name in FORBIDDEN_CATEGORIES:
        return True
    parts = [p for p in name.replace(".", "_").split("_") if p]
    for i, part in enumerate(parts):
        if any(part.startswith(stem) for stem in FORBIDDEN_STEMS):
            return True
        if part in FORBIDDEN_WORDS:
            before = f"{parts[i - 1]}_{part}" if i else ""
            after = f"{part}_{parts[i + 1]}" if i + 1 < len(parts) else ""
            if before not in HARMLESS_PHRASES and after not in HARMLESS_PHRASES:
                return True
    return False


@dataclass(frozen=True)
class Override:
    """Decisions on one record: voided by an upheld appeal, or ended by a credit repair."""

    voided: bool = False
    repaired_on: date | None = None
