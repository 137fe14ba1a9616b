"""One subject's file: its records from the workspace, run through the explainer, with provenance.

The explanation comes from the per-subject evaluator (``rules.explain``), not from the result
tables, so it can be asked for any day and any ruleset; the two agree by test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

import duckdb

from credence.errors import NotFoundError
from credence.identifiers import compact
from credence.resolve.judgements import link_provenance
from credence.rules.explain import Explanation, explain
from credence.rules.spec import Ruleset
from credence.sql import dict_rows
from credence.store.batch_files import BatchFile, file_of_row, files_of_batches
from credence.store.names import display_name, registry_name
from credence.store.overrides import overrides_for


@dataclass
class SubjectFile:
    """An explanation plus where each of its records came from."""

    explanation: Explanation
    name: str | None
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.explanation.to_dict()
        data["name"] = self.name
        for line in data["lines"]:
            line["provenance"] = self.provenance.get(line["record_id"], {})
        for listing in data["listings"]:
            if listing["record_id"]:
                listing["provenance"] = self.provenance.get(listing["record_id"], {})
        return data


def subject_records(con: duckdb.DuckDBPyConnection, code: str) -> list[dict[str, Any]]:
    """Every record of a subject code (all kinds), as dicts with canonical field names."""
    return dict_rows(con.execute("SELECT * FROM records WHERE subject_code = ?", [code]))


def _provenance(con: duckdb.DuckDBPyConnection, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Where each record came from: source, batch, file, row; and for a linked row, its link."""
    files = dict(con.execute("SELECT batch_id, file FROM batches").fetchall())
    parts = files_of_batches(con, (r["batch_id"] for r in records))
    found = {
        r["record_id"]: {
            "source": r["source"],
            "level": r["level"],
            "batch_id": r["batch_id"],
            **_file_row(files.get(r["batch_id"]), parts.get(r["batch_id"]), r["row_number"]),
            "ingested_at": r["ingested_at"].isoformat() if r.get("ingested_at") else None,
        }
        for r in records
    }
    for record_id, extra in link_provenance(con, found).items():
        found[record_id].update(extra)
    return found


def _file_row(
    batch_file: str | None, parts: list[BatchFile] | None, row_number: int | None
) -> dict[str, Any]:
    """The file a record's row came from and its row there: through the batch's files when the
    catalog keeps them (a batch of several numbers its rows batch-wide), else the batch's file."""
    if parts and row_number is not None:
        part = file_of_row(parts, row_number)
        if part is not None:
            return {"file": _file_name(part.file), "row_number": part.local_row(row_number)}
    return {"file": _file_name(batch_file), "row_number": row_number}


def _file_name(path: str | None) -> str | None:
    """The name of the file a batch came from, never where it lay on the server."""
    return None if path is None else PurePath(str(path).replace("\\", "/")).name


def subject_file(
    con: duckdb.DuckDBPyConnection, code: str, ruleset: Ruleset, as_of: date
) -> SubjectFile:
    """Explain one subject by code; NotFoundError when the workspace holds nothing on it."""
    wanted = compact(code) if code else code
    records = subject_records(con, wanted)
    if not records:
        raise NotFoundError(f"no records for subject {code!r} in this workspace")
    kinds = sorted({r["subject_kind"] for r in records})
    kind = kinds[0]
    decisions = overrides_for(con, (r["record_id"] for r in records))
    explanation = explain(ruleset, kind, wanted, records, as_of, decisions)
    name = display_name(records, registry_name(con, kind, wanted))
    return SubjectFile(explanation, name, _provenance(con, records))
