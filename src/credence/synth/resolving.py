"""What the city writes for resolution: the subject registry and one config per source.

The registry is the authoritative list of subjects (codes, names and former names, addresses,
birth or founding days, legacy numbers, districts). Each source with rows lacking a code gets a
``<source>.resolve.yaml`` (one per subject kind when it holds both) saying which of its hints
to compare with which registry column, and how: the same file an operator would write.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from credence.synth import names
from credence.synth.layout import SourceSpec
from credence.synth.population import Population

REGISTRY_FILE = "registry/subjects.parquet"
CONFIG_SUFFIX = ".resolve.yaml"


def place_names() -> list[str]:
    """The city's and districts' names, with and without 市 / 区: stripped before comparing."""
    full = [names.CITY, *names.district_names().values()]
    return full + [p[:-1] for p in full]


def registry_table(population: Population) -> pa.Table:
    """Every subject of the city as the registry knows it."""
    subjects = population.all()
    born: list[date | None] = [s.birth or s.founded for s in subjects]
    return pa.table({
        "code": pa.array([s.code for s in subjects], pa.string()),
        "kind": pa.array([s.kind for s in subjects], pa.string()),
        "name": pa.array([s.name for s in subjects], pa.string()),
        "former_names": pa.array([list(s.former_names) for s in subjects], pa.list_(pa.string())),
        "address": pa.array([s.address for s in subjects], pa.string()),
        "birth_date": pa.array(born, pa.date32()),
        "legacy_id": pa.array([s.legacy_id for s in subjects], pa.string()),
        "district": pa.array([s.district for s in subjects], pa.string()),
    })  # fmt: skip


def write_registry(path: Path, population: Population) -> None:
    """The registry as Parquet (byte-stable for a seed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(registry_table(population), path, compression="zstd")


def _fields(spec: SourceSpec, kind: str) -> list[dict[str, Any]]:
    hints = spec.layout.hints
    fields: list[dict[str, Any]] = []
    if "name" in hints:
        compare = "firm_name" if kind == "organization" else "name"
        fields.append({"field": "name", "compare": compare, "right_also": "former_names"})
    if "legacy_id" in hints:
        fields.append({"field": "legacy_id", "compare": "legacy_number"})
    if "birth_date" in hints:
        fields.append({"field": "birth_date", "compare": "date"})
    if "address" in hints:
        fields.append({"field": "address", "compare": "address"})
    if "district" in hints:
        fields.append({"field": "district", "compare": "exact"})
    return fields


def _blocking(spec: SourceSpec, kind: str) -> list[list[str]]:
    has = set(spec.layout.hints)
    near = ["district"] if "district" in has else []
    rules: list[list[str]] = []
    if kind == "person":
        if "birth_date" in has:
            rules += [["birth_date", *near], ["name_pinyin", "birth_date_year"]]
        rules.append(["name", *near])
        if "address" in has:
            rules.append(["name_pinyin", "address_street"])
        return rules
    if "legacy_id" in has:
        rules.append(["legacy_id"])
    rules += [["name"], ["name_pinyin"], ["name_prefix", *near]]
    if "address" in has:
        rules.append(["address_street", *near])
    if "birth_date" in has:
        rules.append(["birth_date", *near])
    return rules


def resolve_configs(spec: SourceSpec) -> list[tuple[str, dict[str, Any]]]:
    """(file name, config) for each subject kind of a source that has rows to resolve."""
    if not spec.resolve_share:
        return []
    found = []
    for kind in spec.subject_kinds:
        suffix = f".{kind}" if len(spec.subject_kinds) > 1 else ""
        config: dict[str, Any] = {
            "source": spec.source,
            "subject_kind": kind,
            "description": f"{spec.description}: rows without a code, {kind}s",
            "fields": _fields(spec, kind),
            "blocking": _blocking(spec, kind),
            "thresholds": {"accept": 0.99, "review": 0.8},
            "place_names": place_names(),
        }
        found.append((f"{spec.source}{suffix}{CONFIG_SUFFIX}", config))
    return found


def write_config(path: Path, config: dict[str, Any]) -> None:
    header = f"# How to resolve the rows of {config['source']} without a code (synthetic city).\n"
    body = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(header + body, encoding="utf-8")
