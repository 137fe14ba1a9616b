"""Write exports as CSV, JSON Lines or Parquet, and their mappings as YAML, byte for byte the same.

Nothing written depends on the clock, the machine or the output folder, so one seed always gives
identical files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from credence.synth.layout import SourceSpec, mapping_for


def _text(value: Any) -> str:
    """How a CSV export spells a value: empty for nothing, lower-case booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(row.get(c)) for c in columns] for row in rows)


def write_jsonl(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            record = {c: row.get(c) for c in columns}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _arrow_type(values: list[Any]) -> pa.DataType:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.bool_()
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.int64()
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.float64()
    return pa.string()


def write_parquet(path: Path, columns: Sequence[str], rows: list[dict[str, Any]],
                  numeric: Iterable[str] = ()) -> None:
    """Numeric columns are typed float64 (as a database would export them), the rest as text."""
    numbers = set(numeric)
    arrays = []
    for column in columns:
        values = [row.get(column) for row in rows]
        kind = pa.float64() if column in numbers else _arrow_type(values)
        if kind == pa.string():
            values = [None if v is None else str(v) for v in values]
        arrays.append(pa.array(values, type=kind))
    table = pa.Table.from_arrays(arrays, names=list(columns))
    pq.write_table(table, path, compression="zstd")


def write_export(path: Path, spec: SourceSpec, rows: list[dict[str, Any]]) -> None:
    """The source's data file in its own format."""
    columns = spec.columns()
    if spec.fmt == "csv":
        write_csv(path, columns, rows)
    elif spec.fmt == "jsonl":
        write_jsonl(path, columns, rows)
    else:
        amount = [spec.layout.amount] if spec.layout.amount else []
        write_parquet(path, columns, rows, numeric=amount)


def write_mapping(path: Path, spec: SourceSpec) -> None:
    """The source mapping beside the data file."""
    header = f"# Source mapping of {spec.source} (synthetic city of Lancheng).\n"
    body = yaml.safe_dump(mapping_for(spec), allow_unicode=True, sort_keys=False, width=100)
    path.write_text(header + body, encoding="utf-8")


def write_truth_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A ground-truth table for tests."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(v) for v in row] for row in rows)
